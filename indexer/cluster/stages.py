"""The two stages that run on the cluster: ``parse_row`` (a CPU task per file) and ``EmbedActor``.

Rows travel as plain columns: the file job and the parsed document are pickled bytes (a document is
text, sections and passages: pickling keeps every field, offsets included), vectors are float32 bytes
beside the content hashes they belong to. Both stages are deterministic, so a task Ray re-runs after a
worker died yields the same row again; the driver keeps one row per document.
"""
from __future__ import annotations

import json
import pickle
from typing import Any

import numpy as np

from ..ingest.documents import ParsedDocument
from ..ingest.limits import LimitExceeded
from ..ingest.loaders import LoadError
from ..models.embeddings import embed, make_embedder
from ..pipeline import BuildSettings, FileJob, document_targets, parse_file
from ..settings import IndexerSettings

EMPTY = b""


def parse_row(row: dict[str, Any], settings: BuildSettings) -> dict[str, Any]:
    """One file → its parsed document (or the reason it cannot be indexed, as in the local path).
    A row that already carries a document (from the parse cache, missing only vectors) passes through."""
    job: FileJob = pickle.loads(row["job"])
    out = {"doc_id": job.doc_id, "relative": job.relative, "key": job.key, "error": "", "pages": 0, "passages": 0}
    if row["document"]:
        document: ParsedDocument = pickle.loads(row["document"])
    else:
        try:
            document = parse_file(job, settings)
        except (LoadError, LimitExceeded) as exc:
            return out | {"error": str(exc), "document": EMPTY}
    pages = len(document.page_starts) if document.page_starts else 1
    return out | {"document": pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL), "pages": pages,
                  "passages": len(document.chunks)}


def texts_to_embed(document: ParsedDocument, known: frozenset[str] | set[str]) -> tuple[list[str], list[str]]:
    """(texts, content hashes) of the document's passages and targets that have no vector yet."""
    texts, hashes, seen = [], [], set()
    items = [(c.search_text, c.content_hash) for c in document.chunks]
    items += [(t.embed_text, t.content_hash) for t in document_targets(document)]
    for text, content_hash in items:
        if content_hash not in known and content_hash not in seen:
            seen.add(content_hash)
            texts.append(text)
            hashes.append(content_hash)
    return texts, hashes


class EmbedActor:
    """One model load per actor; embeds what a batch of parsed documents lacks (``known``: the content
    hashes the live index already has vectors for). ``device`` is ``cuda`` on GPU actors."""

    def __init__(self, spec: str, settings: IndexerSettings, known: frozenset[str], device: str) -> None:
        self.embedder = make_embedder(spec, settings=settings.model_copy(update={"embed_device": device}))
        self.known = known
        info = getattr(self.embedder, "info", {})
        self.model = json.dumps({"spec": spec, "id": self.embedder.model_id, "dim": self.embedder.dim, **info})

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        rows = len(batch["doc_id"])
        per_row: list[tuple[list[str], list[str]]] = []
        for blob in batch["document"]:
            per_row.append(texts_to_embed(pickle.loads(blob), self.known) if blob else ([], []))
        texts = [t for row_texts, _ in per_row for t in row_texts]
        vectors = embed(self.embedder, texts, "passage") if texts else np.zeros((0, self.embedder.dim), np.float32)
        out_hashes, out_vectors, start = [], [], 0
        for row_texts, row_hashes in per_row:
            out_hashes.append(json.dumps(row_hashes))
            out_vectors.append(np.ascontiguousarray(vectors[start:start + len(row_texts)], np.float32).tobytes())
            start += len(row_texts)
        return {**{k: v for k, v in batch.items()}, "hashes": out_hashes, "vectors": out_vectors,
                "model": [self.model] * rows}

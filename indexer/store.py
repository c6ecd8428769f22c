"""The index directory: write it beside the live one, swap atomically, read it back.

Layout of one index version::

    manifest.json     versions, model, settings, counts, build time, file checksums
    documents.jsonl   one document per line: metadata, normalised text, pages, sections
    chunks.jsonl      one passage per line, with offsets into its document's text
    vectors.npy       float32 passage vectors (kept to reuse by content hash)
    dense.faiss       FAISS index over the vectors
    lexical/          bm25s indexes (exact and accent-folded tokens)
    targets.jsonl     numeric targets (chỉ tiêu) with locality and citation; target_vectors.npy

``<out>`` is a symbolic link to ``<out>.versions/<build id>``; replacing the link with
``os.replace`` is atomic, so a reader sees the old index or the new one, never a mix,
and a build that dies half-way leaves the old link untouched. The previous complete version
stays beside it (``KEEP_VERSIONS``): a server whose live version is damaged at start serves
that one instead (``previous_versions``), and each worker notices a swap from ``version_key``.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator

import numpy as np

from .dense import DenseParams, load_dense
from .embeddings import check_model_source
from .lexical import LexicalIndex, Tokenizer

FORMAT_VERSION = 2
KEEP_VERSIONS = 2


DAMAGE_CHECKS = frozenset({"manifest", "checksum", "load"})  # failed checks that mean "this version is damaged"


class IndexLoadError(Exception):
    """The index directory is missing, damaged or built with another model.

    ``check`` names the check that failed: ``manifest`` (missing or not JSON), ``format``,
    ``checksum``, ``model`` (another model configured), ``model_source`` or ``load`` (a file
    that does not read); ``files`` lists the files concerned, relative to the version."""

    def __init__(self, message: str, check: str = "load", files: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.check = check
        self.files = list(files)

    @property
    def damaged(self) -> bool:
        """The version itself is broken (not merely built with another model)."""
        return self.check in DAMAGE_CHECKS


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def file_checksums(directory: Path) -> dict[str, str]:
    sums = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            digest = hashlib.sha256()
            with path.open("rb") as f:
                while block := f.read(1 << 23):  # streamed: index files reach gigabytes
                    digest.update(block)
            sums[str(path.relative_to(directory))] = digest.hexdigest()
    return sums


def versions_dir(out: Path) -> Path:
    return out.parent / f"{out.name}.versions"


def new_build_dir(out: Path) -> Path:
    build = versions_dir(out) / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
    build.mkdir(parents=True)
    return build


def previous_versions(out: Path) -> list[Path]:
    """Complete versions kept beside the live one (not the one ``out`` points at), newest first."""
    folder = versions_dir(out)
    if not folder.is_dir():
        return []
    live = Path(out).resolve()
    complete = [p for p in folder.iterdir() if (p / "manifest.json").is_file() and p.resolve() != live]
    return sorted(complete, key=lambda p: (p / "manifest.json").stat().st_mtime_ns, reverse=True)


def version_key(out: Path) -> tuple[str, int, int] | None:
    """What ``out`` serves now, from three cheap system calls: the version it resolves to and
    its manifest's inode and mtime (a rebuilt legacy folder changes them too). None: no index."""
    target = os.path.realpath(out)
    try:
        stat = os.stat(os.path.join(target, "manifest.json"))
    except OSError:
        return None
    return target, stat.st_ino, stat.st_mtime_ns


def publish(build: Path, out: Path) -> None:
    """Point ``out`` at ``build`` atomically, then prune old versions."""
    if out.exists() and not out.is_symlink():
        legacy = versions_dir(out) / f"legacy-{time.time_ns()}"
        out.rename(legacy)
    tmp_link = out.parent / f".{out.name}.link-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(os.path.relpath(build, out.parent))
    os.replace(tmp_link, out)
    _prune(out, keep=build)


def _prune(out: Path, keep: Path) -> None:
    """Keep the live build and the newest others up to KEEP_VERSIONS; drop builds that a
    killed run left without a manifest once they are an hour old."""
    builds = sorted((p for p in versions_dir(out).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    complete = [p for p in builds if (p / "manifest.json").exists() and p.resolve() != keep.resolve()]
    abandoned = [p for p in builds if not (p / "manifest.json").exists() and time.time() - p.stat().st_mtime > 3600]
    for path in complete[: max(0, len(complete) - (KEEP_VERSIONS - 1))] + abandoned:
        shutil.rmtree(path, ignore_errors=True)


def _newline_offsets(file: BinaryIO, block_bytes: int = 1 << 24) -> np.ndarray:
    """Offsets of every b"\\n", read block by block: scanning a memory map of the file
    would leave all of it resident in this process (1.4 GB at a million passages)."""
    found, offset = [np.zeros(0, dtype=np.int64)], 0
    file.seek(0)
    while block := file.read(block_bytes):
        found.append(np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10) + offset)
        offset += len(block)
    return np.concatenate(found).astype(np.int64)


class VectorRows:
    """Row access to vectors.npy for re-ranking, by ``pread``. Re-ranking reads a few hundred
    scattered rows a query; through the memory map the kernel mapped whole neighbourhoods
    around each row (1.3 GB of the 1.5 GB file resident after 200 queries at a million
    passages). Large row sets (a filter searched exactly) still go through the map."""

    PREAD_MAX_ROWS = 2_000

    def __init__(self, matrix: np.memmap) -> None:
        self.matrix = matrix
        self.shape = matrix.shape
        self._file = open(matrix.filename, "rb")  # noqa: SIM115 - open as long as the index is
        self._row_bytes = matrix.shape[1] * matrix.dtype.itemsize
        self._offset = matrix.offset

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows) or len(rows) > self.PREAD_MAX_ROWS:
            return np.asarray(self.matrix[rows], dtype=np.float32)
        fd, size = self._file.fileno(), self._row_bytes
        raw = b"".join(os.pread(fd, size, self._offset + int(r) * size) for r in rows)
        return np.frombuffer(raw, dtype=self.matrix.dtype).reshape(len(rows), -1).astype(np.float32, copy=False)


class ChunkStore:
    """chunks.jsonl read lazily: a passage is read (``pread``) and parsed only when a result
    needs it, so a million passages cost a line-offset table, not a million Python dicts,
    and file pages stay in the shared page cache rather than in each worker's memory."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        newlines = _newline_offsets(self._file)
        self._starts = np.concatenate(([0], newlines[:-1] + 1)).astype(np.int64) if len(newlines) else newlines
        self._ends = newlines.astype(np.int64)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = int(i) % len(self)
        start = int(self._starts[i])
        return json.loads(os.pread(self._file.fileno(), int(self._ends[i]) - start, start))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(len(self)))

    def sample(self, limit: int) -> Iterator[dict[str, Any]]:
        """At most ``limit`` passages spread evenly over the store."""
        step = max(1, len(self) // max(limit, 1))
        return (self[i] for i in range(0, len(self), step))


@dataclass
class StoredIndex:
    """An index version loaded into memory, read-only."""

    path: Path
    manifest: dict[str, Any]
    documents: dict[str, dict[str, Any]]
    chunks: ChunkStore
    vectors: np.ndarray
    dense: Any
    dense_params: DenseParams
    lexical: LexicalIndex
    targets: list[dict[str, Any]]
    target_vectors: np.ndarray
    vector_rows: VectorRows | np.ndarray  # the same vectors, read a few rows at a time for re-ranking
    version_dir: Path | None = None  # the version ``path`` pointed at when it was loaded

    @property
    def model_spec(self) -> str:
        return self.manifest["model"]["spec"]



def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.exists():
        raise IndexLoadError(f"no index at '{directory}': manifest.json is missing (run `vnpolicy index` first)",
                             check="manifest", files=["manifest.json"])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexLoadError(f"index at '{directory}' is damaged: manifest.json is not valid JSON ({exc})",
                             check="manifest", files=["manifest.json"]) from exc


def verify_checksums(directory: Path, manifest: dict[str, Any]) -> None:
    expected = manifest.get("checksums", {})
    actual = file_checksums(directory)
    damaged = sorted(name for name, digest in expected.items() if actual.get(name) != digest)
    if damaged:
        raise IndexLoadError(f"index at '{directory}' is damaged: checksum mismatch or missing file(s): "
                             f"{', '.join(damaged)}. Rebuild it with `vnpolicy index`.", check="checksum", files=damaged)


def load_index(directory: Path, verify: bool = True) -> StoredIndex:
    """``directory`` may be the live symlink: every file is opened through the version it
    points to now, so a swap published meanwhile cannot mix two versions' files."""
    link = Path(directory)
    directory = link.resolve()
    manifest = read_manifest(directory)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexLoadError(f"index at '{directory}' has format {manifest.get('format_version')}, "
                             f"this version reads {FORMAT_VERSION}: rebuild it with `vnpolicy index`", check="format")
    if verify:
        verify_checksums(directory, manifest)
    try:
        check_model_source(manifest.get("model", {}))
    except (OSError, RuntimeError) as exc:  # source missing or changed since the build
        raise IndexLoadError(f"index at '{directory}' cannot be searched: {exc}", check="model_source") from exc
    try:
        return _open_files(link, directory, manifest)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # unverified damage (VERIFY_INDEX=false)
        raise IndexLoadError(f"index at '{directory}' is damaged: {type(exc).__name__}: {exc}", check="load") from exc


def _open_files(link: Path, directory: Path, manifest: dict[str, Any]) -> StoredIndex:
    """Open one version's files (``directory``, resolved) for serving through ``link``."""
    documents = {d["doc_id"]: d for d in read_jsonl(directory / "documents.jsonl")}
    chunks = ChunkStore(directory / "chunks.jsonl")
    tokenizer = Tokenizer(**manifest["lexical"]["tokenizer"])
    vectors = np.load(directory / "vectors.npy", mmap_mode="r")
    return StoredIndex(
        path=link, manifest=manifest, documents=documents, chunks=chunks,
        vectors=vectors, dense=load_dense(directory / "dense.faiss"),
        dense_params=DenseParams(**manifest["dense"]), lexical=LexicalIndex.load(directory / "lexical", tokenizer, mmap=True),
        targets=list(read_jsonl(directory / "targets.jsonl")), target_vectors=np.load(directory / "target_vectors.npy"),
        vector_rows=VectorRows(vectors) if getattr(vectors, "filename", None) else vectors, version_dir=directory,
    )

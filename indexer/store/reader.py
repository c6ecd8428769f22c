"""Reading an index version back: checks (manifest, format, checksums, model), then typed records.

Passages are read lazily (``PassageStore``), vectors through a memory map, documents and targets
into memory. Every file is opened through the version the index path points at when loading
starts, so a swap published meanwhile cannot mix two versions' files.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Iterator, overload

import numpy as np

from ..search.dense import DenseParams, load_dense
from ..models.embeddings import check_model_source
from ..search.diacritics import DiacriticModel
from ..search.lexical import LexicalIndex, Tokenizer
from .records import FORMAT_VERSION, DocumentRecord, Passage, TargetRecord, read_field, read_records
from .versions import file_checksums

if TYPE_CHECKING:
    import faiss

DAMAGE_CHECKS = frozenset({"manifest", "checksum", "load"})  # failed checks that mean "this version is damaged"
REBUILD = "run `vnpolicy index --force`"


class IndexLoadError(Exception):
    """The index directory is missing, damaged or built with another model or format.

    ``check`` names the check that failed: ``manifest`` (missing or not JSON), ``format``,
    ``checksum``, ``model`` (another model configured), ``model_source`` or ``load`` (a file
    that does not read); ``files`` lists the files concerned, relative to the version."""

    def __init__(self, message: str, check: str = "load", files: tuple[str, ...] | list[str] = ()) -> None:
        super().__init__(message)
        self.check = check
        self.files = list(files)

    @property
    def damaged(self) -> bool:
        """The version itself is broken (not merely built with another model or format)."""
        return self.check in DAMAGE_CHECKS


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


class PassageStore:
    """chunks.jsonl read lazily: a passage is read (``pread``) and parsed only when a result
    needs it, so a million passages cost a line-offset table, not a million Python objects,
    and file pages stay in the shared page cache rather than in each worker's memory."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        newlines = _newline_offsets(self._file)
        self._starts = np.concatenate(([0], newlines[:-1] + 1)).astype(np.int64) if len(newlines) else newlines
        self._ends = newlines.astype(np.int64)

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, i: int) -> Passage: ...

    @overload
    def __getitem__(self, i: slice) -> list[Passage]: ...

    def __getitem__(self, i: int | slice) -> Passage | list[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i = int(i) % len(self)
        start = int(self._starts[i])
        return Passage.from_json(json.loads(os.pread(self._file.fileno(), int(self._ends[i]) - start, start)))

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))


@dataclass
class StoredIndex:
    """An index version loaded into memory, read-only."""

    path: Path
    manifest: dict[str, Any]
    documents: dict[str, DocumentRecord]  # by doc_id, in the order passages are stored
    passages: PassageStore
    vectors: np.ndarray
    dense: faiss.Index
    dense_params: DenseParams
    lexical: LexicalIndex
    diacritics: DiacriticModel  # re-accents queries typed without diacritics
    targets: list[TargetRecord]
    target_vectors: np.ndarray
    target_lexical: LexicalIndex  # BM25 over the targets' metric and sentence
    vector_rows: VectorRows | np.ndarray  # the same vectors, read a few rows at a time for re-ranking
    version_dir: Path | None = None  # the version ``path`` pointed at when it was loaded

    @property
    def model_spec(self) -> str:
        return self.manifest["model"]["spec"]

    @property
    def build_id(self) -> str | None:
        return self.manifest.get("build_id")

    @property
    def built_at(self) -> str | None:
        return self.manifest.get("built_at")


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


def check_format(directory: Path, manifest: dict[str, Any]) -> None:
    found = manifest.get("format_version")
    if found != FORMAT_VERSION:
        age = "an older" if isinstance(found, int) and found < FORMAT_VERSION else "another"
        raise IndexLoadError(f"index at '{directory}' has {age} format ({found}; this version reads "
                             f"{FORMAT_VERSION}): {REBUILD} to rebuild it", check="format")


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
    check_format(directory, manifest)
    if verify:
        verify_checksums(directory, manifest)
    try:
        check_model_source(manifest.get("model", {}))
    except (OSError, RuntimeError) as exc:  # source missing or changed since the build
        raise IndexLoadError(f"index at '{directory}' cannot be searched: {exc}", check="model_source") from exc
    try:
        index = _open_files(link, directory, manifest)
        if index.lexical.documents is None:
            raise ValueError("lexical/doc_ids.npy (documents per syllable) is missing")
        return index
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # unverified damage (VERIFY_INDEX=false)
        raise IndexLoadError(f"index at '{directory}' is damaged: {type(exc).__name__}: {exc}", check="load") from exc


def _open_files(link: Path, directory: Path, manifest: dict[str, Any]) -> StoredIndex:
    """Open one version's files (``directory``, resolved) for serving through ``link``."""
    documents = {d.doc_id: d for d in read_records(directory / "documents.jsonl", DocumentRecord)}
    tokenizer = Tokenizer(**manifest["lexical"]["tokenizer"])
    vectors = np.load(directory / "vectors.npy", mmap_mode="r")
    return StoredIndex(
        path=link, manifest=manifest, documents=documents, passages=PassageStore(directory / "chunks.jsonl"),
        vectors=vectors, dense=load_dense(directory / "dense.faiss"),
        dense_params=DenseParams(**manifest["dense"]), lexical=LexicalIndex.load(directory / "lexical", tokenizer, mmap=True),
        diacritics=DiacriticModel.load(directory / "diacritics.json"),
        targets=list(read_records(directory / "targets.jsonl", TargetRecord)),
        target_vectors=np.load(directory / "target_vectors.npy"),
        target_lexical=LexicalIndex.load(directory / "target_lexical", tokenizer),
        vector_rows=VectorRows(vectors) if getattr(vectors, "filename", None) else vectors, version_dir=directory,
    )


def reusable_vectors(out: Path, model_spec: str, model_id: str, dtype: str | None = None) -> dict[str, np.ndarray]:
    """content hash → vector from the live index at ``out`` (passages and targets, any format
    version), when it was built with the same model (spec and id) and, where both say, the same
    dtype; empty otherwise."""
    reuse: dict[str, np.ndarray] = {}
    try:
        model = read_manifest(Path(out).resolve())["model"]
        if model["spec"] != model_spec or model.get("id") != model_id:
            return {}
        if dtype and model.get("dtype") not in (None, dtype):
            return {}
        for rows, array in (("chunks.jsonl", "vectors.npy"), ("targets.jsonl", "target_vectors.npy")):
            vectors = np.load(out / array)
            hashes = list(read_field(out / rows, "content_hash"))
            if len(hashes) == len(vectors):
                reuse.update(zip(hashes, vectors))
    except Exception:  # no index yet, or an unreadable one: embed what is missing
        pass
    return reuse

"""Previous versions of corpus documents: nothing in corpus/ is overwritten or removed silently.

A file that an upload replaces, that an admin deletes, or that a restore replaces is moved to
``corpus/.versions/<doc_id>/<UTC time>-<sha256[:8]>.<ext>`` with a ``.json`` note beside it
(original file name, reason, SHA-256, size). The indexer skips hidden folders, so versions are
never indexed; ``restore`` copies one back under its original name. All changes to corpus/
take ``corpus/.versions/.lock`` so that several workers cannot interleave them.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

from indexer.ingest.documents import doc_id_for
from indexer.ingest.loaders import discover

from indexer.locks import file_lock

VERSIONS = ".versions"
DOC_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION = re.compile(r"^\d{8}T\d{12}Z(?:-\d+)?-[0-9a-f]{8}\.[a-z0-9]+$")


@dataclass(frozen=True)
class CorpusFile:
    file: str  # path inside corpus/
    doc_id: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Conflict:
    reason: str  # "same file name" | "same document id" | "same content"
    existing: CorpusFile


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def describe(corpus_dir: Path, path: Path) -> CorpusFile:
    relative = path.relative_to(corpus_dir).as_posix()
    return CorpusFile(relative, doc_id_for(relative), path.stat().st_size, sha256_of(path))


@contextmanager
def corpus_lock(corpus_dir: Path) -> Iterator[None]:
    with file_lock(corpus_dir / VERSIONS / ".lock"):
        yield


def find_conflicts(corpus_dir: Path, filename: str, data: bytes) -> list[Conflict]:
    """Documents in corpus/ with this file name, this document id, or this content."""
    doc_id, digest, found = doc_id_for(filename), None, []
    for path in discover(corpus_dir):
        relative = path.relative_to(corpus_dir).as_posix()
        if relative == filename:
            found.append(Conflict("same file name", describe(corpus_dir, path)))
        elif doc_id_for(relative) == doc_id:
            found.append(Conflict("same document id", describe(corpus_dir, path)))
        elif path.stat().st_size == len(data):  # only files of equal size can have the same SHA-256
            digest = digest or hashlib.sha256(data).hexdigest()
            existing = describe(corpus_dir, path)
            if existing.sha256 == digest:
                found.append(Conflict("same content", existing))
    return found


def current_files(corpus_dir: Path, doc_id: str) -> list[Path]:
    """The corpus files whose document id is ``doc_id`` (normally one)."""
    return [p for p in discover(corpus_dir) if doc_id_for(p.relative_to(corpus_dir).as_posix()) == doc_id]


def keep_version(corpus_dir: Path, path: Path, reason: str) -> dict:
    """Move ``path`` out of the corpus into its document's versions; returns the version's note."""
    info = describe(corpus_dir, path)
    folder = corpus_dir / VERSIONS / info.doc_id
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}Z"
    suffix = path.suffix.lower().lstrip(".") or "txt"
    name, n = f"{stamp}-{info.sha256[:8]}.{suffix}", 1
    while (folder / name).exists():
        name, n = f"{stamp}-{n}-{info.sha256[:8]}.{suffix}", n + 1
    note = {"version": name, **asdict(info), "kept_at": now, "reason": reason}
    (folder / f"{name}.json").write_text(json.dumps(note, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(path, folder / name)
    return note


def list_versions(corpus_dir: Path, doc_id: str) -> list[dict]:
    """The kept versions of a document, newest first."""
    folder = corpus_dir / VERSIONS / doc_id
    if not DOC_ID.match(doc_id) or not folder.is_dir():
        return []
    notes = []
    for path in folder.iterdir():
        if VERSION.match(path.name) and path.is_file():
            note_path = folder / f"{path.name}.json"
            note = json.loads(note_path.read_text(encoding="utf-8")) if note_path.exists() else {}
            notes.append({"version": path.name, "file": note.get("file", f"{doc_id}{path.suffix}"),
                          "bytes": path.stat().st_size, "sha256": note.get("sha256"),
                          "kept_at": note.get("kept_at", path.stat().st_mtime), "reason": note.get("reason")})
    return sorted(notes, key=lambda n: n["version"], reverse=True)


def _restore_target(corpus_dir: Path, doc_id: str, note: dict, suffix: str) -> Path:
    """Where a version goes back: its original name when that is a plain path with the same id."""
    name = str(note.get("file") or "")
    parts = Path(name).parts
    plain = name and not Path(name).is_absolute() and not any(p.startswith(".") or p == ".." for p in parts)
    if not plain or doc_id_for(name) != doc_id:
        name = f"{doc_id}{suffix}"
    return corpus_dir / name


def restore_version(corpus_dir: Path, doc_id: str, version: str) -> tuple[Path, list[dict]]:
    """Put ``version`` back into corpus/, keeping the document's current file(s) as versions first.
    Returns the restored path and the notes of the versions kept. KeyError: no such version."""
    folder = corpus_dir / VERSIONS / doc_id
    source = folder / version
    if not DOC_ID.match(doc_id) or not VERSION.match(version or "") or not source.is_file():
        raise KeyError(version)
    notes = {n["version"]: n for n in list_versions(corpus_dir, doc_id)}
    target = _restore_target(corpus_dir, doc_id, notes.get(version, {}), source.suffix)
    kept = [keep_version(corpus_dir, p, f"replaced by restoring version {version}")
            for p in current_files(corpus_dir, doc_id)]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".restore-{os.getpid()}-{target.name}"
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    return target, kept

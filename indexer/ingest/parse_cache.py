"""Parsed documents kept by content, so a rebuild re-reads only the files that changed.

A ``ParsedDocument`` is stored under a key made of everything that decides it: the file's bytes, its
path in the corpus, its ``manifest.yaml`` entry, the chunking and limit settings, whether OCR is
available, and the source of the parsing code itself (``indexer/ingest``, ``indexer/extract`` and the
text toolkit), so editing the parser invalidates every entry. A local build and a Ray build share it:
unchanged files are not parsed again, and on a cluster they are not sent to the workers at all.

An entry that does not unpickle (truncated by a crash, written by another Python) is a miss.
Entries are written to a temporary name and renamed, so a reader never sees half a file.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from .documents import ParsedDocument

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parents[1]  # indexer/
CODE_PARTS = ("ingest", "extract", "vntext.py")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over the parsing code's source files (names and bytes)."""
    digest = hashlib.sha256()
    for part in CODE_PARTS:
        root = PACKAGE / part
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for path in files:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_key(path: Path, relative: str, overrides: dict[str, Any], parse_settings: dict[str, Any],
              ocr_available: bool) -> str:
    """The cache key of one file's parse: its bytes and everything else that decides the result."""
    recorded = {"file": file_sha256(path), "relative": relative, "manifest": overrides, "settings": parse_settings,
                "ocr": ocr_available, "code": code_digest()}
    return hashlib.sha256(json.dumps(recorded, sort_keys=True, default=str).encode()).hexdigest()


class ParseCache:
    """``key → ParsedDocument`` in a directory (``VNPOLICY_PARSE_CACHE``); ``None`` disables it."""

    def __init__(self, root: Path | None) -> None:
        self.root = Path(root) if root else None

    def _path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.pickle"

    def get(self, key: str) -> ParsedDocument | None:
        if self.root is None:
            return None
        try:
            with open(self._path(key), "rb") as handle:
                document = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception as exc:  # a damaged entry is a miss; it is overwritten after the parse
            log.warning("parse cache entry %s unreadable (%s): parsing again", key[:12], exc)
            return None
        return document if isinstance(document, ParsedDocument) else None

    def put(self, key: str, document: ParsedDocument) -> None:
        if self.root is None:
            return
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        except OSError as exc:  # a full or read-only disk costs a re-parse next time, never the build
            log.warning("parse cache not written (%s)", exc)
            return
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(document, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except OSError as exc:
            log.warning("parse cache not written (%s)", exc)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

"""Validation of uploaded documents: type by extension and content, size, zip bombs,
and file names that try to leave corpus/."""
from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path

from fastapi import HTTPException

from indexer.normalize import fold

ALLOWED = {".pdf", ".docx", ".txt", ".md"}
MAX_ZIP_ENTRIES = 2000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100


def safe_filename(raw: str | None) -> str:
    """A plain file name for corpus/, or 422 when the name tries a path trick."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        raise HTTPException(422, "the upload needs a file name")
    if "/" in name or "\\" in name or ".." in name or name.startswith(".") or re.search(r"[\x00-\x1f]", name):
        raise HTTPException(422, f"file name '{name[:80]}' must be a plain name: no folders, '..', hidden names "
                                 "or control characters")
    stem, suffix = os.path.splitext(name)
    if suffix.lower() not in ALLOWED:
        raise HTTPException(415, f"file type '{suffix or name}' is not accepted; upload one of {sorted(ALLOWED)}")
    slug = re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-")[:120]
    if not slug:
        raise HTTPException(422, f"file name '{name[:80]}' has no letters or digits")
    return slug + suffix.lower()


def _check_docx(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise HTTPException(415, "the .docx file is not a valid Word document (not a zip archive)") from exc
    entries = archive.infolist()
    unzipped = sum(e.file_size for e in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unzipped > MAX_UNZIPPED_BYTES or unzipped > MAX_ZIP_RATIO * max(len(data), 1):
        raise HTTPException(422, f"the .docx expands to {unzipped:,} bytes in {len(entries)} entries: refused as a "
                                 "possible decompression bomb")
    if "word/document.xml" not in archive.namelist():
        raise HTTPException(415, "the .docx file has no word/document.xml: not a Word document")


def check_content(filename: str, data: bytes, max_bytes: int) -> None:
    """The content matches the declared type and stays within the limits."""
    if not data:
        raise HTTPException(422, "the uploaded file is empty")
    if len(data) > max_bytes:
        raise HTTPException(413, f"the file is {len(data):,} bytes; the limit is {max_bytes:,}")
    suffix = Path(filename).suffix
    if suffix == ".pdf" and not data.lstrip()[:5] == b"%PDF-":
        raise HTTPException(415, "the .pdf file does not start with %PDF-: not a PDF")
    if suffix == ".docx":
        _check_docx(data)
    if suffix in (".txt", ".md"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(415, "text files must be UTF-8") from exc


def save_atomically(directory: Path, filename: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / filename
    tmp = directory / f".upload-{os.getpid()}-{filename}"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target

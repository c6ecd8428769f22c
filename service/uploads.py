"""Validation of uploaded documents: type by extension and content, size, zip bombs,
file names that try to leave corpus/, and the per-document limits that can be checked
before indexing (a PDF's page count, read without extracting; a .docx's expanded size;
a text file's characters). A limit is a 413 that names its ``VNPOLICY_*`` setting."""
from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import asdict
from pathlib import Path

from fastapi import HTTPException

from indexer.vntext import fold

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


def _too_large(what: str, limit: int, setting: str) -> HTTPException:
    """413 naming the limit and the setting that raises it."""
    return HTTPException(413, f"{what}; the limit is {limit:,} (VNPOLICY_{setting.upper()})")


def _pdf_pages(data: bytes) -> int | None:
    """The PDF's page count from its page tree (no text extracted); None when pypdf cannot tell."""
    from pypdf import PdfReader

    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except Exception:  # damaged or encrypted: the indexer reports it with its reason
        return None


def _check_docx(data: bytes, max_expanded_bytes: int = MAX_UNZIPPED_BYTES) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise HTTPException(415, "the .docx file is not a valid Word document (not a zip archive)") from exc
    entries = archive.infolist()
    unzipped = sum(e.file_size for e in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unzipped > MAX_ZIP_RATIO * max(len(data), 1):
        raise HTTPException(422, f"the .docx expands to {unzipped:,} bytes in {len(entries)} entries: refused as a "
                                 "possible decompression bomb")
    if "word/document.xml" not in archive.namelist():
        raise HTTPException(415, "the .docx file has no word/document.xml: not a Word document")
    if max_expanded_bytes and unzipped > max_expanded_bytes:
        raise _too_large(f"the .docx expands to {unzipped:,} bytes", max_expanded_bytes, "upload_max_expanded_bytes")


def check_content(filename: str, data: bytes, max_bytes: int, settings=None) -> None:
    """The content matches the declared type and stays within the limits (``settings``: the
    service's ``Settings``, for the per-document limits; without it only size and type are checked)."""
    if not data:
        raise HTTPException(422, "the uploaded file is empty")
    if len(data) > max_bytes:
        raise _too_large(f"the file is {len(data):,} bytes", max_bytes, "upload_max_bytes")
    suffix = Path(filename).suffix
    if suffix == ".pdf" and not data.lstrip()[:5] == b"%PDF-":
        raise HTTPException(415, "the .pdf file does not start with %PDF-: not a PDF")
    if suffix == ".docx":
        _check_docx(data, getattr(settings, "upload_max_expanded_bytes", MAX_UNZIPPED_BYTES))
    if suffix in (".txt", ".md"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(415, "text files must be UTF-8") from exc
        max_chars = getattr(settings, "doc_max_chars", 0)
        if max_chars and len(text) > max_chars:
            raise _too_large(f"the text has {len(text):,} characters", max_chars, "doc_max_chars")
    max_pages = getattr(settings, "doc_max_pages", 0)
    if suffix == ".pdf" and max_pages and (pages := _pdf_pages(data) or 0) > max_pages:
        raise _too_large(f"the PDF has {pages:,} pages", max_pages, "doc_max_pages")


def save_atomically(directory: Path, filename: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / filename
    tmp = directory / f".upload-{os.getpid()}-{filename}"
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


class UploadConflict(Exception):
    """The upload has the name, document id or content of documents already in corpus/."""

    def __init__(self, filename: str, conflicts: list) -> None:
        self.filename, self.conflicts = filename, conflicts
        named = "; ".join(f"document '{c.existing.doc_id}' (file {c.existing.file}): {c.reason}" for c in conflicts)
        super().__init__(f"'{filename}' conflicts with {named}. Upload again with replace=true to replace it "
                         "(the current file is kept as a previous version, listed by GET "
                         f"/v1/admin/documents/{conflicts[0].existing.doc_id}/versions)")

    def body(self) -> dict:
        return {"detail": str(self), "conflicts": [{"reason": c.reason, **asdict(c.existing)} for c in self.conflicts]}


def store_upload(corpus_dir: Path, filename: str, data: bytes, replace: bool) -> tuple[Path, list[dict]]:
    """Save an upload into corpus/ under the corpus lock. A file with the same name, document id or
    content raises ``UploadConflict`` unless ``replace``; then each one is first kept as a version.
    Returns the saved path and the notes of the versions kept."""
    from .doc_versions import corpus_lock, find_conflicts, keep_version

    with corpus_lock(corpus_dir):
        conflicts = find_conflicts(corpus_dir, filename, data)
        if conflicts and not replace:
            raise UploadConflict(filename, conflicts)
        kept = [keep_version(corpus_dir, corpus_dir / c.existing.file, f"replaced by an upload of {filename} "
                             f"({c.reason})") for c in conflicts]
        return save_atomically(corpus_dir, filename, data), kept

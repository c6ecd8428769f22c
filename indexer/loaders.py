"""File loaders: one function per format, each returning a ``LoadedFile``.

A loader either returns NFC text with the start offset of every page, or raises
``LoadError`` with a reason a person can act on (corrupt, encrypted, empty, too big).
"""
from __future__ import annotations

import hashlib
import logging
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
PAGE_SEPARATOR = "\n\n"


class LoadError(Exception):
    """A file that cannot be indexed; the message says why."""


@dataclass(frozen=True)
class LoadedFile:
    path: Path
    text: str
    page_starts: list[int] | None  # offset in ``text`` where each page begins (PDF only)
    sha256: str
    file_format: str


def _join_pages(pages: list[str]) -> tuple[str, list[int]]:
    starts, parts, pos = [], [], 0
    for page in pages:
        starts.append(pos)
        parts.append(page)
        pos += len(page) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(parts), starts


def load_plain(data: bytes) -> tuple[str, list[int] | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"not valid UTF-8 text (byte {exc.start}); save the file as UTF-8") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def load_pdf(data: bytes) -> tuple[str, list[int] | None]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF is encrypted with a password; provide an unencrypted copy")
        pages = [(page.extract_text() or "").replace("\r\n", "\n") for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    return _join_pages([p.strip("\n") for p in pages])


def _docx_table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells = [" ".join(cell.text.split()) for cell in row.cells]
        rows.append("\t".join(cells))
    return rows


def load_docx(data: bytes) -> tuple[str, list[int] | None]:
    import io

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(f"corrupt DOCX ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # python-docx wraps lxml and zip errors inconsistently
        raise LoadError(f"corrupt DOCX ({type(exc).__name__}: {exc})") from exc
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph) and item.text.strip():
            blocks.append(item.text.strip())
        elif isinstance(item, Table):
            blocks.append("\n".join(_docx_table_rows(item)))
    return "\n\n".join(blocks), None


LOADERS: dict[str, Callable[[bytes], tuple[str, list[int] | None]]] = {
    ".txt": load_plain,
    ".md": load_plain,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedFile:
    """Read one file of any supported format, or raise ``LoadError`` saying why not."""
    suffix = path.suffix.lower()
    if suffix not in LOADERS:
        raise LoadError(f"unsupported file type '{suffix}' (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    if size == 0:
        raise LoadError("file is empty")
    data = path.read_bytes()
    text, page_starts = LOADERS[suffix](data)
    text = unicodedata.normalize("NFC", text) if page_starts is None else text
    if page_starts is not None:
        text, page_starts = _nfc_pages(text, page_starts)
    if not text.strip():
        raise LoadError("no extractable text (a scanned image-only file?)")
    return LoadedFile(path, text, page_starts, hashlib.sha256(data).hexdigest(), suffix.lstrip("."))


def _nfc_pages(text: str, page_starts: list[int]) -> tuple[str, list[int]]:
    bounds = page_starts[1:] + [len(text) + len(PAGE_SEPARATOR)]
    pages = [unicodedata.normalize("NFC", text[s: e - len(PAGE_SEPARATOR)]) for s, e in zip(page_starts, bounds)]
    return _join_pages(pages)


def page_of(offset: int, page_starts: list[int] | None) -> int | None:
    """1-based page number containing ``offset``, or None for page-less formats."""
    if not page_starts:
        return None
    from bisect import bisect_right

    return max(1, bisect_right(page_starts, offset))


def discover(corpus_dir: Path) -> list[Path]:
    """All files under ``corpus_dir`` that look like documents (manifest excluded)."""
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.name != "manifest.yaml":
            files.append(path)
    return files

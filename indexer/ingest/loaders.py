"""File loaders: one function per format, each returning a ``LoadedFile``.

A loader either returns NFC text with the start offset of every page, or raises
``LoadError`` with a reason a person can act on (corrupt, encrypted, empty, too big).
PDF pages without a usable text layer (scans) are read by OCR (``indexer.ingest.ocr``) when
Tesseract with its Vietnamese data is installed; the pages keep their numbers.
"""
from __future__ import annotations

import hashlib
import logging
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .limits import DocumentLimits, LimitExceeded, check_limit

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
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was read from the page image by OCR
    ocr_page_confidence: tuple[float | None, ...] = ()  # mean Tesseract word confidence (0–100) of each
    ocr_confidence: float | None = None  # mean word confidence over all OCR'd words
    unread_pages: tuple[int, ...] = ()  # pages without a usable text layer that could not be OCR'd


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
    """The PDF's text layer only (no OCR), pages joined; ``load_file`` adds OCR for scanned pages."""
    return _join_pages([p.strip("\n") for p in pdf_page_texts(data)])


def pdf_page_texts(data: bytes, max_pages: int | None = None) -> list[str]:
    """Text layer of every page, as pypdf extracts it ('' for a page that is only an image);
    a PDF over ``max_pages`` raises ``LimitExceeded`` before any page is extracted."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("PDF is encrypted with a password; provide an unencrypted copy")
        check_limit("doc_max_pages", len(reader.pages), max_pages)
        pages = [(page.extract_text() or "").replace("\r\n", "\n") for page in reader.pages]
    except (LoadError, LimitExceeded):
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # pypdf raises assorted errors on damaged files
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    return pages


@dataclass
class _PdfOcr:
    pages: list[int] = field(default_factory=list)
    confidences: list[float | None] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    unread: list[int] = field(default_factory=list)

    def as_fields(self) -> dict:
        total = sum(n for n, c in zip(self.words, self.confidences) if c is not None)
        mean = (round(sum(c * n for c, n in zip(self.confidences, self.words) if c is not None) / total, 2)
                if total else None)
        return {"ocr_pages": tuple(self.pages), "ocr_page_confidence": tuple(self.confidences),
                "ocr_confidence": mean, "unread_pages": tuple(self.unread)}


def _read_scanned_pages(pages: list[str], data: bytes, sha256: str, name: str,
                        max_ocr_pages: int | None = None) -> tuple[list[str], _PdfOcr]:
    """OCR the pages without a usable text layer; say clearly when that cannot be done.
    More pages to OCR than ``max_ocr_pages`` raises ``LimitExceeded`` before any is read."""
    from . import ocr, text_quality

    pages = [unicodedata.normalize("NFC", p) for p in pages]
    todo = {number: why for number, text in enumerate(pages, 1) if (why := text_quality.needs_ocr(text))}
    info = _PdfOcr()
    if not todo:
        return pages, info
    problem = ocr.unavailable_reason()
    results = {}
    if problem is None:
        check_limit("doc_max_ocr_pages", len(todo), max_ocr_pages)
        try:
            results = ocr.ocr_pdf_pages(data, sha256, sorted(todo), name=name)
        except ocr.OcrUnavailable as exc:
            problem = str(exc)
    if problem is not None:
        if len(todo) == len(pages):  # nothing usable to index
            if not any(p.strip() for p in pages):
                raise LoadError(f"image-only PDF and OCR unavailable: {problem}")
            raise LoadError(f"no usable text layer on any page (page 1: {todo[1]}) and OCR unavailable: {problem}")
        info.unread = sorted(todo)
        log.warning("%s: %d of %d pages have no usable text layer (pages %s) and were not OCR'd: %s; "
                    "indexing the text layer only", name, len(todo), len(pages), _page_list(info.unread), problem)
        return pages, info
    for number in sorted(todo):
        result = results.get(number)
        if result is None:  # OCR failed on this page (logged by ocr)
            info.unread.append(number)
            continue
        layer, ocr_words = pages[number - 1], len(result.text.split())
        if ocr_words == 0:
            continue  # a blank page
        if layer.strip() and text_quality.text_layer_quality(layer) >= text_quality.MIN_WELL_FORMED and ocr_words <= len(layer.split()):
            continue  # a short, clean text layer that OCR reads no better: keep it
        pages[number - 1] = result.text
        info.pages.append(number)
        info.confidences.append(result.confidence)
        info.words.append(result.words)
    if info.unread:
        log.warning("%s: OCR failed on pages %s; those pages keep their text layer", name, _page_list(info.unread))
    fields = info.as_fields()
    log.info("%s: OCR read %d page(s) (%s), mean word confidence %s", name, len(info.pages),
             _page_list(info.pages), fields["ocr_confidence"])
    return pages, info


def _page_list(pages: list[int]) -> str:
    return ", ".join(map(str, pages)) if len(pages) <= 12 else f"{pages[0]}–{pages[-1]} ({len(pages)} pages)"


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


def load_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, limits: DocumentLimits | None = None) -> LoadedFile:
    """Read one file of any supported format, or raise ``LoadError`` saying why not
    (``LimitExceeded`` for a document over one of ``limits``: pages, OCR pages, characters)."""
    limits = limits or DocumentLimits(0, 0, 0, 0)
    suffix = path.suffix.lower()
    if suffix not in LOADERS:
        raise LoadError(f"unsupported file type '{suffix}' (supported: {', '.join(SUPPORTED_SUFFIXES)})")
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
    if size == 0:
        raise LoadError("file is empty")
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    extra: dict = {}
    if suffix == ".pdf":
        pages, ocr_info = _read_scanned_pages(pdf_page_texts(data, limits.doc_max_pages), data, sha256, path.name,
                                              limits.doc_max_ocr_pages)
        text, page_starts = _join_pages([p.strip("\n") for p in pages])
        extra = ocr_info.as_fields()
    else:
        text, page_starts = LOADERS[suffix](data)
    text = unicodedata.normalize("NFC", text) if page_starts is None else text
    if page_starts is not None:
        text, page_starts = _nfc_pages(text, page_starts)
    check_limit("doc_max_chars", len(text), limits.doc_max_chars)
    if not text.strip():
        if suffix == ".pdf":
            raise LoadError("no text found, not even by OCR of the page images (blank pages?)")
        raise LoadError("no extractable text (a scanned image-only file?)")
    return LoadedFile(path, text, page_starts, sha256, suffix.lstrip("."), **extra)


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
    """All files under ``corpus_dir`` that look like documents: the manifest, hidden files and
    everything inside hidden folders (``.versions/``, the previous versions of documents) excluded."""
    import os

    files = []
    for folder, subfolders, names in os.walk(corpus_dir):
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        files += [Path(folder) / n for n in names if not n.startswith(".") and n != "manifest.yaml"]
    return sorted(p for p in files if p.is_file())

"""From a loaded file to a parsed document: normalised text, sections, metadata, chunks."""
from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from .chunking import MAX_CONTEXT_PATH, Chunk, ChunkSpan, SectionChunker
from .loaders import LoadedFile, page_of
from ..extract.metadata import DocumentMetadata, apply_manifest, extract_metadata
from ..extract.references import Reference, extract_references, number_key
from .normalize import MappedText, normalize_document
from .portal import split_portal
from .structure import Section, flat_tree, marked_heading_offsets, parse_tree

log = logging.getLogger(__name__)
PREAMBLE_PATH = ("Phần mở đầu",)
MAX_CONTEXT_CHARS = 480


@dataclass
class ParsedDocument:
    """A parsed file; its index record is ``indexer.store.DocumentRecord.of(parsed)``."""

    meta: DocumentMetadata
    text: str
    page_starts: list[int] | None  # into ``text``
    sections: list[Section]
    chunks: list[Chunk]
    sha256: str
    file_format: str
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR from a scanned image
    ocr_page_confidence: list[float | None] = field(default_factory=list)  # per page of ocr_pages, 0–100
    ocr_confidence: float | None = None  # mean Tesseract word confidence over the OCR'd pages, 0–100
    unread_pages: list[int] = field(default_factory=list)  # no usable text layer and not OCR'd
    references: list[Reference] = field(default_factory=list)  # other documents it cites


def doc_id_for(relative_path: str) -> str:
    """Stable id from the path inside corpus/: lower-case, safe characters only."""
    stem = relative_path.rsplit(".", 1)[0]
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "document"


def _marked_predicate(raw: str, mapped: MappedText):
    marked = marked_heading_offsets(raw)

    def is_marked(offset: int) -> bool:
        raw_pos = mapped.offsets[offset]
        line_start = raw.rfind("\n", 0, raw_pos) + 1
        return line_start in marked

    return is_marked


def _map_page_starts(mapped: MappedText, raw_starts: list[int] | None) -> list[int] | None:
    if raw_starts is None:
        return None
    return [bisect_left(mapped.offsets, start) for start in raw_starts]


def _document_tree(mapped: MappedText, raw: str, source_file: str) -> Section:
    """The document's tree; a structure that cannot be read falls back to plain passages, with a warning."""
    try:
        return parse_tree(mapped.text, _marked_predicate(raw, mapped))
    except (ValueError, IndexError, KeyError, RecursionError) as exc:
        log.warning("%s: structure could not be read (%s: %s); indexed as plain passages",
                    source_file, type(exc).__name__, exc)
        return flat_tree(mapped.text)


def _body_bounds(raw: str) -> tuple[int, int, dict[str, str]]:
    """The document body inside a portal page (its header table's opening pipe included)."""
    portal = split_portal(raw)
    start = portal.body_start
    opening = re.search(r"\n[ \t]*\|[ \t]*\n[ \t]*$", raw[max(0, start - 40): start])
    if start and opening:
        start = max(0, start - 40) + opening.start() + 1
    return start, portal.body_end, portal.fields


def _chunk_context(meta: DocumentMetadata, span: ChunkSpan) -> str:
    """Title, place, heading path and the lead-ins a passage needs: what both rankers see besides its text."""
    where = ", ".join(dict.fromkeys(x for x in (meta.locality, meta.province) if x))
    path = " > ".join(span.path[-MAX_CONTEXT_PATH:]) if span.path and span.path != PREAMBLE_PATH else ""
    parts = [p for p in (meta.title and meta.title[:160], where, path) if p]
    parts += [c for c in span.context if c and c[:60].rstrip("…") not in path]
    context = " | ".join(parts)
    return context if len(context) <= MAX_CONTEXT_CHARS else context[:MAX_CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"


def build_chunks(doc_id: str, text: str, root: Section, meta: DocumentMetadata,
                 page_starts: list[int] | None, chunker: SectionChunker) -> list[Chunk]:
    chunks: list[Chunk] = []
    for span in chunker.node_spans(text, root):
        chunks.append(Chunk(
            chunk_id=f"{doc_id}#{len(chunks):04d}", doc_id=doc_id, text=text[span.start: span.end],
            char_start=span.start, char_end=span.end, section=list(span.path),
            page=page_of(span.start, page_starts), page_end=page_of(max(span.end - 1, span.start), page_starts),
            kind="table" if span.is_table else "text", context=_chunk_context(meta, span),
        ))
    return chunks


def parse_document(loaded: LoadedFile, doc_id: str, source_file: str, overrides: dict[str, Any],
                   chunker: SectionChunker) -> ParsedDocument:
    body_start, body_end, portal_fields = _body_bounds(loaded.text)
    mapped = normalize_document(loaded.text[body_start: body_end])
    mapped = MappedText(mapped.text, [o + body_start for o in mapped.offsets])
    root = _document_tree(mapped, loaded.text, source_file)
    sections = list(root.walk()) if root.paragraphs else list(root.walk())[1:]
    boilerplate = "\n".join(mapped.text[s.start: s.end] for s in sections if s.kind == "boilerplate")
    meta = extract_metadata(doc_id, mapped.text, boilerplate, portal_fields)
    meta.source_file = source_file
    meta = apply_manifest(meta, overrides)
    page_starts = _map_page_starts(mapped, loaded.page_starts)
    chunks = build_chunks(doc_id, mapped.text, root, meta, page_starts, chunker)
    own = number_key(meta.doc_number) if meta.doc_number else None
    references = [r for r in extract_references(mapped.text) if r.key != own]
    return ParsedDocument(meta, mapped.text, page_starts, sections, chunks, loaded.sha256, loaded.file_format,
                          ocr_pages=list(loaded.ocr_pages), ocr_page_confidence=list(loaded.ocr_page_confidence),
                          ocr_confidence=loaded.ocr_confidence, unread_pages=list(loaded.unread_pages),
                          references=references)

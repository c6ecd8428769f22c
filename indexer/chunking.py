"""Structure-aware chunking: passages that stay inside one section.

Paragraphs of a section are packed greedily up to ``target_chars``; a paragraph
longer than ``max_chars`` is split at sentence boundaries with LangChain's
``RecursiveCharacterTextSplitter``; table rows are never split. Chunks do not overlap,
so two search results can never repeat the same text.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .structure import Section

DEFAULT_TARGET_CHARS = 900  # picked by the eval sweep 400/550/700/900 (eval/RESULTS.md)
DEFAULT_MAX_CHARS = 1000
SENTENCE_SEPARATORS = ["\n", ". ", "; ", ": ", ", ", " ", ""]


@dataclass(frozen=True)
class ChunkSpan:
    start: int
    end: int
    is_table: bool


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    char_start: int
    char_end: int
    section: list[str]
    page: int | None
    page_end: int | None
    kind: str  # text | table
    context: str  # what the embedder and BM25 see besides the text: title + section path
    content_hash: str = ""

    @property
    def search_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = hashlib.sha256(self.search_text.encode()).hexdigest()[:32]


class SectionChunker:
    """Turns one section's paragraphs into non-overlapping chunk spans."""

    def __init__(self, target_chars: int = DEFAULT_TARGET_CHARS, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if not 100 <= target_chars <= max_chars:
            raise ValueError("need 100 <= target_chars <= max_chars")
        self.target_chars = target_chars
        self.max_chars = max_chars
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=target_chars, chunk_overlap=0, separators=SENTENCE_SEPARATORS,
            keep_separator="end", add_start_index=True, strip_whitespace=True,
        )

    def _units(self, text: str, section: Section) -> list[ChunkSpan]:
        units: list[ChunkSpan] = []
        for para in section.paragraphs:
            if para.is_table:
                units.extend(self._table_rows(text, para.start, para.end))
            elif para.end - para.start > self.max_chars:
                units.extend(self._split_long(text, para.start, para.end))
            else:
                units.append(ChunkSpan(para.start, para.end, False))
        return units

    @staticmethod
    def _table_rows(text: str, start: int, end: int) -> list[ChunkSpan]:
        rows, pos = [], start
        for line in text[start:end].split("\n"):
            if line.strip():
                rows.append(ChunkSpan(pos, pos + len(line.rstrip()), True))
            pos += len(line) + 1
        return rows

    def _split_long(self, text: str, start: int, end: int) -> list[ChunkSpan]:
        pieces = self._splitter.create_documents([text[start:end]])
        spans = []
        for piece in pieces:
            piece_start = start + piece.metadata["start_index"]
            spans.append(ChunkSpan(piece_start, piece_start + len(piece.page_content), False))
        return spans

    def chunk_spans(self, text: str, section: Section) -> list[ChunkSpan]:
        spans: list[ChunkSpan] = []
        for unit in self._units(text, section):
            if spans and self._fits(spans[-1], unit):
                last = spans[-1]
                spans[-1] = ChunkSpan(last.start, unit.end, last.is_table and unit.is_table)
            else:
                spans.append(unit)
        return spans

    def _fits(self, current: ChunkSpan, unit: ChunkSpan) -> bool:
        if current.is_table != unit.is_table:
            return False
        merged = unit.end - current.start
        limit = self.max_chars if unit.is_table else self.target_chars
        return merged <= limit

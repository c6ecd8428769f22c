"""Structure-aware chunking: the document tree → passages that lose nothing.

A unit (an article, a clause with its points, a plan item with its sub-items) that fits in
``max_chars`` is one passage; a longer one is split at its children's boundaries, packed greedily
up to ``target_chars``, and every piece carries the unit's title or lead-in in its searchable
context ("Điều 12. Tội cướp biển > 1. Người nào … thì bị phạt tù từ …:"). A heading with no body of
its own starts the passage of its first child. A table is split at row boundaries with its header
row in each piece's context; a paragraph, point or row longer than ``max_chars`` is split at
sentence boundaries (LangChain's ``RecursiveCharacterTextSplitter``). Passages never overlap and,
between them, hold every non-space character of the body (boilerplate excepted).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from langchain_text_splitters import RecursiveCharacterTextSplitter

from .structure import Paragraph, Section

DEFAULT_TARGET_CHARS = 900  # picked by the eval sweeps (eval/RESULTS.md)
DEFAULT_MAX_CHARS = 1000
MAX_LEAD_IN_CHARS = 300  # of a lead-in repeated in the context of the pieces after the first
MAX_CONTEXT_PATH = 4
SENTENCE_SEPARATORS = ["\n", ". ", "; ", ": ", ", ", " ", ""]


@dataclass(frozen=True)
class ChunkSpan:
    start: int
    end: int
    is_table: bool
    context: tuple[str, ...] = ()  # lead-ins and table headers this piece needs to be understood
    path: tuple[str, ...] = ()


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
    context: str  # what the embedder and BM25 see besides the text: title, section path, lead-in
    content_hash: str = ""

    @property
    def search_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = hashlib.sha256(self.search_text.encode()).hexdigest()[:32]


@dataclass
class _Unit:
    start: int
    end: int
    is_table: bool = False
    node: Section | None = None  # a whole child subtree, when the unit is one
    header: str | None = None  # a table row's header row
    extra: list[ChunkSpan] = field(default_factory=list)  # pieces of a child too long to be one unit
    barrier: bool = False  # boilerplate between units: nothing packs across it


class SectionChunker:
    """Turns a document tree into non-overlapping passages that cover all of its text."""

    def __init__(self, target_chars: int = DEFAULT_TARGET_CHARS, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        if not 100 <= target_chars <= max_chars:
            raise ValueError("need 100 <= target_chars <= max_chars")
        self.target_chars = target_chars
        self.max_chars = max_chars
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=max(100, target_chars), chunk_overlap=0, separators=SENTENCE_SEPARATORS,
            keep_separator="end", add_start_index=True, strip_whitespace=True,
        )

    # -- units -------------------------------------------------------------------
    def _split_long(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        spans = []
        for piece in self._splitter.create_documents([text[start:end]]):
            piece_start = start + piece.metadata["start_index"]
            spans.append((piece_start, piece_start + len(piece.page_content)))
        return spans

    def _table_units(self, text: str, para: Paragraph) -> list[_Unit]:
        units, pos = [], para.start
        header = text[para.start: para.end].split("\n", 1)[0].replace("\t", " | ")
        for line in text[para.start: para.end].split("\n"):
            end = pos + len(line.rstrip())
            if line.strip():
                if end - pos > self.max_chars:
                    units.extend(_Unit(s, e, True, header=header) for s, e in self._split_long(text, pos, end))
                else:
                    units.append(_Unit(pos, end, True, header=header))
            pos += len(line) + 1
        units[0].header = None  # the header row itself
        return units

    def _own_units(self, text: str, node: Section) -> list[_Unit]:
        units: list[_Unit] = []
        for para in node.paragraphs:
            if para.is_table:
                units.extend(self._table_units(text, para))
            elif para.end - para.start > self.max_chars:
                units.extend(_Unit(s, e) for s, e in self._split_long(text, para.start, para.end))
            else:
                units.append(_Unit(para.start, para.end))
        return units

    # -- packing -----------------------------------------------------------------
    def _fits(self, group: list[_Unit], unit: _Unit) -> bool:
        first = group[0]
        if first.is_table != unit.is_table or first.extra or unit.extra or unit.barrier:
            return False
        merged = unit.end - first.start
        if len(group) == 1 and first.node is None and first.end - first.start <= MAX_LEAD_IN_CHARS \
                and not first.is_table and merged <= self.max_chars:
            return True  # a heading or short lead-in goes with what it introduces
        return merged <= (self.max_chars if unit.is_table else self.target_chars)

    def _pack(self, text: str, units: list[_Unit], node: Section, context: tuple[str, ...]) -> list[ChunkSpan]:
        spans: list[ChunkSpan] = []
        group: list[_Unit] = []
        lead = _lead_in(text, node)

        def flush() -> None:
            if not group:
                return
            first, last = group[0], group[-1]
            if first.extra:
                spans.extend(first.extra)
            else:
                ctx = context if first.start <= node.start else context + lead
                if first.header and first.is_table:
                    ctx = ctx + (first.header,)
                path = first.node.path if first.node else node.path
                spans.append(ChunkSpan(first.start, last.end, first.is_table, ctx, tuple(path)))
            group.clear()

        _carry_heading(units, self.max_chars)
        for unit in units:
            if unit.barrier:
                flush()
                continue
            if group and self._fits(group, unit):
                group.append(unit)
                continue
            flush()
            group.append(unit)
        flush()
        return spans

    def node_spans(self, text: str, node: Section, context: tuple[str, ...] = ()) -> list[ChunkSpan]:
        """Passages of one subtree (boilerplate yields none)."""
        if node.kind == "boilerplate":
            return []
        has_table, has_boilerplate = _subtree_has(node)
        if node.end - node.start <= self.max_chars and not (has_table and node.children) and not has_boilerplate:
            return [ChunkSpan(node.start, node.end, has_table and not node.children and
                              all(p.is_table for p in node.paragraphs), context, tuple(node.path))]
        units = self._own_units(text, node)
        child_context = context + _lead_in(text, node)
        for child in node.children:
            if child.kind == "boilerplate":
                units.append(_Unit(child.start, child.start, barrier=True))
                continue
            pieces = self.node_spans(text, child, child_context)
            if len(pieces) == 1 and not _subtree_has(child)[0]:
                units.append(_Unit(pieces[0].start, pieces[0].end, node=child))
            else:
                units.append(_Unit(child.start, child.end, node=child, extra=pieces))
        return [s for s in self._pack(text, units, node, context) if s.end > s.start]


def _subtree_has(node: Section) -> tuple[bool, bool]:
    """(a table, a boilerplate section) anywhere in the subtree, in one walk."""
    table = boilerplate = False
    for section in node.walk():
        table = table or any(p.is_table for p in section.paragraphs)
        boilerplate = boilerplate or section.kind == "boilerplate"
    return table, boilerplate


def _carry_heading(units: list[_Unit], max_chars: int) -> None:
    """A heading with no body of its own starts the first passage of its first child, when it fits."""
    if len(units) < 2 or units[0].node or units[0].is_table or not units[1].extra:
        return
    heading, first = units[0], units[1].extra[0]
    if heading.end - heading.start <= MAX_LEAD_IN_CHARS and first.end - heading.start <= max_chars:
        units[1].extra[0] = ChunkSpan(heading.start, first.end, first.is_table, first.context, first.path)
        del units[0]


def _lead_in(text: str, node: Section) -> tuple[str, ...]:
    """What a piece after the first needs to read on: the unit's title or its lead-in sentence."""
    if node.level < 0 or not node.paragraphs:
        return ()
    own = text[node.start: node.own_end] if node.is_lead_in(text) else node.title
    own = " ".join(own.split())
    if len(own) > MAX_LEAD_IN_CHARS:
        own = own[:MAX_LEAD_IN_CHARS].rsplit(" ", 1)[0] + "…"
    return (own,) if own else ()

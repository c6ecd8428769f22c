"""Document structure: blocks of the normalised text → a tree of numbered units.

Plans number their parts "I." / "1." / "1.1" / "a)" / "-" / "+"; legal texts "Chương" / "Mục" /
"Điều N." / khoản "1." / điểm "a)"; appendices start with "PHỤ LỤC" (then "A.", "I." …). Every
block that starts with such a marker opens a ``Section`` (a node of the tree) whose own text runs
until the next marker; markdown-marked lines (``#`` or wholly bold) open unnumbered sections. A
section whose own text ends with ":" is a lead-in to its children (the chunker repeats it in their
searchable context). Nothing is dropped here: every block belongs to exactly one section;
"Nơi nhận" with the signature that follows is the only boilerplate, and a body that resumes after
it (an attached regulation, an appendix without the word "PHỤ LỤC") is body again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

MAX_TITLE_CHARS = 160
MAX_SIGNATURE_BLOCK = 200  # recipient items and signature lines after "Nơi nhận" are short
MAX_SIGNATURE_BLOCKS = 4  # title, deputy title, "(Đã ký)", name
SIGNER_TITLE = re.compile(r"\b(?:TM\.|KT\.|Q\.|CHỦ TỊCH|GIÁM ĐỐC|BÍ THƯ|TRƯỞNG|THỦ TƯỚNG|CHÁNH|THỨ TRƯỞNG)\b")
_MARKERS: tuple[tuple[str, int], ...] = (
    (r"PH[ỤU]\s*L[ỤU]C\b|Phụ lục\s+[IVXLC\d]+\b", 0),
    (r"(?:PHẦN|Phần)\s+(?:[IVXLC]+|THỨ\s+\w+|thứ\s+\w+)\b", 1),
    (r"(?:CHƯƠNG|Chương)\s+[IVXLC\d]+\b", 2),
    (r"(?:MỤC|Mục)\s+\d+\b", 3),
    (r"[A-HJKMNO-UWYZĐ][.)]\s+\S", 4),  # "A.", "B." … (I, V, X, L are Roman numerals)
    (r"[IVXL]{1,6}\s*[.\-–:]\s*\S", 5),
    (r"(?:Điều|ĐIỀU)\s+\d+[a-zđ]?\s*[.:]", 6),
    (r"\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+\S", 9),
    (r"\d{1,2}\.\d{1,2}\.?\s+\S", 8),
    (r"\d{1,2}[.)]\s+\S", 7),
    (r"[a-zđ][)/]\s+\S", 10),
    (r"[-–—•](?![-–—_])\s*\S", 11),  # not a "-------" rule line
    (r"\+\s*\S", 12),
)
MARKERS = tuple((re.compile(pattern), rank) for pattern, rank in _MARKERS)
RANK_APPENDIX, RANK_MARKED, RANK_ROOT = 0, 13, -1
BREADCRUMB_MAX_RANK = 10  # bullets ("-", "+") are list items, not part of the heading path
RECIPIENTS = re.compile(r"^N[ơo]i\s+nh[ậa]n\b", re.I)
_STRUCTURAL_BODY = re.compile(r"^(?:PH[ỤU]\s*L[ỤU]C|Phụ lục|Điều\s+\d|Chương\s|[IVXL]+\.\s|QUY ĐỊNH|QUY CHẾ|DANH MỤC)")


@dataclass
class Paragraph:
    start: int
    end: int
    is_table: bool = False


@dataclass
class Section:
    """A node of the document tree: its own blocks, then its children."""

    path: list[str]  # heading path from the top (the breadcrumb shown with a passage)
    level: int  # marker rank: 0 appendix … 12 "+" items, 13 marked headings, -1 the document root
    start: int
    end: int  # end of the whole subtree
    kind: str = "body"  # body | boilerplate | appendix | preamble
    paragraphs: list[Paragraph] = field(default_factory=list)  # own blocks, the marker block first
    children: list["Section"] = field(default_factory=list)
    title: str = ""

    @property
    def own_end(self) -> int:
        return self.paragraphs[-1].end if self.paragraphs else self.start

    def is_lead_in(self, text: str) -> bool:
        """Own text that introduces its children ("…, cụ thể như sau:", "1. Người nào …:")."""
        return bool(self.children) and text[self.start: self.own_end].rstrip().endswith(":")

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.children:
            yield from child.walk()


def split_paragraphs(text: str) -> list[Paragraph]:
    """Blank-line separated blocks; a block whose lines carry tabs is a table."""
    paragraphs = []
    for match in re.finditer(r"[^\n](?:.|\n(?!\s*\n))*", text):
        start, end = match.start(), match.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            paragraphs.append(Paragraph(start, end, is_table="\t" in text[start:end]))
    return paragraphs


def short_title(text: str) -> str:
    """A heading's display title: the first line, cut at a sentence end or word boundary."""
    line = text.split("\n", 1)[0].split("\t", 1)[0].strip().rstrip(":")
    sentence_end = re.search(r"[.;](\s|$)", line[8:])
    if sentence_end:
        line = line[: 8 + sentence_end.start()]
    if len(line) <= MAX_TITLE_CHARS:
        return line
    return line[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def marker_rank(block: str, marked: bool) -> int | None:
    """Rank of the unit a block opens (smaller = outer), or None for running text."""
    if "\t" in block.split("\n", 1)[0]:
        return None
    for pattern, rank in MARKERS:
        if pattern.match(block):
            return rank
    if marked and len(block) <= 300 and "\n" not in block.strip() and not block.rstrip().endswith((".", ";")):
        return RANK_MARKED
    return None


class _TreeBuilder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.root = Section(["Phần mở đầu"], RANK_ROOT, 0, 0, "preamble", title="Phần mở đầu")
        self.stack: list[Section] = [self.root]
        self.boilerplate: str | None = None  # None | "recipients" | "signature"
        self.signature_blocks = 0

    def _open(self, para: Paragraph, rank: int, kind: str) -> None:
        while len(self.stack) > 1 and self.stack[-1].level >= rank:
            self.stack.pop()
        parent = self.stack[-1]
        title = short_title(self.text[para.start: para.end])
        crumbs = [s.title for s in self.stack[1:] if s.level <= BREADCRUMB_MAX_RANK or s.level == RANK_MARKED]
        path = crumbs + [title] if rank <= BREADCRUMB_MAX_RANK or rank == RANK_MARKED else crumbs or [parent.title]
        node = Section(path, rank, para.start, para.end, kind, [para], title=title)
        parent.children.append(node)
        self.stack.append(node)

    def _attach(self, para: Paragraph) -> None:
        self.stack[-1].paragraphs.append(para)

    def _kind(self) -> str:
        return "appendix" if any(s.kind == "appendix" for s in self.stack) else "body"

    def add(self, para: Paragraph, marked: bool) -> None:
        block = self.text[para.start: para.end]
        if RECIPIENTS.match(block):
            self.stack, self.boilerplate = [self.root], "recipients"
            self._open(para, RANK_APPENDIX, "boilerplate")
            self._note_signature(block)
            return
        rank = marker_rank(block, marked)
        if self.boilerplate and self._continues_boilerplate(block, rank):
            self._attach(para)
            self._note_signature(block)
            return
        if self.boilerplate:  # the body resumes after the signature: an attached regulation, an appendix
            self.boilerplate, self.signature_blocks = None, 0
            self.stack = [self.root]
            self._open(para, RANK_APPENDIX if rank is None else rank, "appendix")
            return
        if rank is None or (rank == RANK_MARKED and len(self.stack) == 1):
            self._attach(para)
            return
        self._open(para, rank, "appendix" if rank == RANK_APPENDIX else self._kind())

    def _continues_boilerplate(self, block: str, rank: int | None) -> bool:
        """Recipient items, then the signer's title lines and name: short blocks, nothing numbered."""
        if para_is_long(block) or _STRUCTURAL_BODY.match(block) or "\t" in block:
            return False
        if self.boilerplate == "recipients":
            return rank in (None, 11)
        return rank is None and self.signature_blocks < MAX_SIGNATURE_BLOCKS

    def _note_signature(self, block: str) -> None:
        if SIGNER_TITLE.search(block):
            self.boilerplate = "signature"
        if self.boilerplate == "signature":
            self.signature_blocks += 1


def para_is_long(block: str) -> bool:
    return len(block) > MAX_SIGNATURE_BLOCK


def _split_at_recipients(text: str, para: Paragraph) -> list[Paragraph]:
    """A table whose row holds "Nơi nhận" and the signature (a portal's layout): that row alone is
    boilerplate; the rows before and after it (an appendix table) stay body."""
    if not para.is_table:
        return [para]
    pieces, start, pos = [], para.start, para.start
    for line in text[para.start: para.end].split("\n"):
        if RECIPIENTS.match(line):
            pieces += [Paragraph(start, pos - 1, True)] if pos > start else []
            signed = _signature_cells_end(line)
            pieces.append(Paragraph(pos, pos + signed, True))
            if signed < len(line):  # cells after the signature are body (an appendix laid out beside it)
                pieces.append(Paragraph(pos + signed + 1, pos + len(line), True))
            start = pos + len(line) + 1
        pos += len(line) + 1
    if start < para.end:
        pieces.append(Paragraph(start, para.end, True))
    return [Paragraph(p.start, p.end, "\t" in text[p.start: p.end]) for p in pieces if p.end > p.start]


def _signature_cells_end(row: str) -> int:
    """Length of a "Nơi nhận" row's boilerplate: its cells up to the one with the signer's title."""
    cells = row.split("\t")
    last = next((i for i, cell in enumerate(cells[:3]) if i and SIGNER_TITLE.search(cell)), min(1, len(cells) - 1))
    return len("\t".join(cells[: last + 1]))


def _close_ends(section: Section) -> int:
    end = section.own_end
    for child in section.children:
        end = max(end, _close_ends(child))
    section.end = end
    return end


def parse_tree(text: str, is_marked: Callable[[int], bool] = lambda _: False) -> Section:
    """The document tree: a root (the preamble's blocks are its own) with the numbered units below."""
    builder = _TreeBuilder(text)
    for block in split_paragraphs(text):
        for para in _split_at_recipients(text, block):
            builder.add(para, is_marked(para.start))
    _close_ends(builder.root)
    if builder.root.paragraphs:
        builder.root.start = builder.root.paragraphs[0].start
    elif builder.root.children:
        builder.root.start = builder.root.children[0].start
    return builder.root


def flat_tree(text: str) -> Section:
    """The fallback for a document whose structure cannot be read: its blocks, in order, no tree."""
    paragraphs = split_paragraphs(text)
    start, end = (paragraphs[0].start, paragraphs[-1].end) if paragraphs else (0, 0)
    return Section(["Phần mở đầu"], RANK_ROOT, start, end, "preamble", paragraphs, title="Phần mở đầu")


def parse_sections(text: str, is_marked: Callable[[int], bool] = lambda _: False) -> list[Section]:
    """All sections in document order, the preamble (root) first when it has text of its own."""
    root = parse_tree(text, is_marked)
    sections = [s for s in root.walk()]
    return sections if root.paragraphs else sections[1:]


def marked_heading_offsets(raw: str) -> set[int]:
    """Source offsets of lines that are markdown headings or wholly bold."""
    starts = set()
    for match in re.finditer(r"^[ \t]*(#{1,6}[ \t]+.*|\*\*[^\n]+\*\*[ \t]*|\*\*\*[^\n]+\*\*\*)$", raw, re.M):
        starts.add(match.start())
    return starts

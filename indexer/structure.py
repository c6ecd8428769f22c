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
MAX_SIGNATURE_BLOCK = 120  # signature lines after "Nơi nhận" are short
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
RANK_APPENDIX, RANK_ARTICLE, RANK_MARKED, RANK_ROOT = 0, 6, 13, -1
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
        self.in_boilerplate = False

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
            self.stack, self.in_boilerplate = [self.root], True
            self._open(para, RANK_APPENDIX, "boilerplate")
            return
        rank = marker_rank(block, marked)
        if self.in_boilerplate:
            if rank is None and (len(block) <= MAX_SIGNATURE_BLOCK and not _STRUCTURAL_BODY.match(block)):
                self._attach(para)
                return
            if rank == 11 and not _STRUCTURAL_BODY.match(block):
                self._attach(para)  # a recipient item: "- Như Điều 3;"
                return
            self.in_boilerplate = False
            self.stack = [self.root]
            self._open(para, RANK_APPENDIX if rank is None else rank, "appendix")
            return
        if rank is None or (rank == RANK_MARKED and len(self.stack) == 1):
            self._attach(para)
            return
        self._open(para, rank, "appendix" if rank == RANK_APPENDIX else self._kind())


def _close_ends(section: Section) -> int:
    end = section.own_end
    for child in section.children:
        end = max(end, _close_ends(child))
    section.end = end
    return end


def parse_tree(text: str, is_marked: Callable[[int], bool] = lambda _: False) -> Section:
    """The document tree: a root (the preamble's blocks are its own) with the numbered units below."""
    builder = _TreeBuilder(text)
    for para in split_paragraphs(text):
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

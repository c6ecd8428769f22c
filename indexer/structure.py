"""Document structure: headings → nested sections over the normalised text.

Vietnamese plans number their headings ("I.", "1.", "1.1", "a)"); the markdown depth
in converted files is unreliable, so levels come from the numbering style. Unnumbered
headings are recognised by their markdown marks in the source (``#`` or a line wholly
in ``**bold**``). "Nơi nhận" and the signature block become a boilerplate section;
"PHỤ LỤC" opens an appendix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

ROMAN = re.compile(r"^(?P<num>[IVXL]+)\s*[\.\-–:]\s*\S")
DECIMAL_2 = re.compile(r"^(?P<num>\d{1,2}\.\d{1,2})\.?\s+\S")
DECIMAL_1 = re.compile(r"^(?P<num>\d{1,2})\.\s+\S")
LETTER = re.compile(r"^(?P<num>[a-zđ])\)\s+\S")
APPENDIX = re.compile(r"^PH[ỤU]\s*L[ỤU]C\b", re.I)
RECIPIENTS = re.compile(r"^N[ơo]i\s+nh[ậa]n\s*:?", re.I)
MAX_TITLE_CHARS = 160

LEVEL_ROMAN, LEVEL_DECIMAL_1, LEVEL_DECIMAL_2, LEVEL_LETTER, LEVEL_MARKED = 1, 2, 3, 4, 5


@dataclass
class Paragraph:
    start: int
    end: int
    is_table: bool = False


@dataclass
class Section:
    path: list[str]
    level: int
    start: int
    end: int
    kind: str = "body"  # body | boilerplate | appendix | preamble
    paragraphs: list[Paragraph] = field(default_factory=list)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Blank-line separated blocks; a block whose lines carry tabs is a table."""
    paragraphs = []
    for match in re.finditer(r"[^\n](?:.|\n(?!\s*\n))*", text):
        start, end = match.start(), match.end()
        while end > start and text[end - 1].isspace():
            end -= 1
        block = text[start:end]
        paragraphs.append(Paragraph(start, end, is_table="\t" in block))
    return paragraphs


def short_title(text: str) -> str:
    """A heading's display title: the first line, cut at a sentence end or word boundary."""
    line = text.split("\n", 1)[0].strip().rstrip(":")
    sentence_end = re.search(r"[.;](\s|$)", line[8:])
    if sentence_end:
        line = line[: 8 + sentence_end.start()]
    if len(line) <= MAX_TITLE_CHARS:
        return line
    return line[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def heading_level(block: str, marked: bool) -> int | None:
    """Level of a heading block, or None for body text."""
    if "\t" in block:
        return None
    for pattern, level in ((ROMAN, LEVEL_ROMAN), (DECIMAL_2, LEVEL_DECIMAL_2),
                           (DECIMAL_1, LEVEL_DECIMAL_1), (LETTER, LEVEL_LETTER)):
        if pattern.match(block):
            return level
    if marked and len(block) <= 400 and "\n" not in block.strip():
        return LEVEL_MARKED
    return None


def is_heading_only(block: str, level: int) -> bool:
    """True when the block is a bare title (its text is not also body text)."""
    if level == LEVEL_MARKED:
        return True
    return len(block) <= MAX_TITLE_CHARS and not re.search(r"[.;]\s+\S", block[4:])


def parse_sections(text: str, is_marked: Callable[[int], bool]) -> list[Section]:
    """Split ``text`` into sections; ``is_marked(offset)`` says if a block was a markdown heading."""
    sections: list[Section] = [Section(["Phần mở đầu"], 0, 0, 0, kind="preamble")]
    stack: list[tuple[int, str]] = []
    in_boilerplate = False
    for para in split_paragraphs(text):
        block = text[para.start: para.end]
        if APPENDIX.match(block):
            stack, in_boilerplate = [(LEVEL_ROMAN, short_title(block))], False
            sections.append(Section([t for _, t in stack], LEVEL_ROMAN, para.start, para.end, "appendix"))
            sections[-1].paragraphs.append(para)
            continue
        if RECIPIENTS.match(block) and not in_boilerplate:
            in_boilerplate = True
            sections.append(Section(["Nơi nhận"], LEVEL_ROMAN, para.start, para.end, "boilerplate"))
        level = None if in_boilerplate else heading_level(block, is_marked(para.start))
        if level is not None and not (level == LEVEL_MARKED and sections[-1].kind == "preamble"):
            kind = "appendix" if sections[-1].kind == "appendix" else "body"
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, short_title(block))]
            sections.append(Section([t for _, t in stack], level, para.start, para.end, kind))
            if is_heading_only(block, level):
                continue
        sections[-1].paragraphs.append(para)
        sections[-1].end = para.end
    return [s for s in sections if s.paragraphs or s.kind != "preamble"]


def marked_heading_offsets(raw: str) -> set[int]:
    """Source offsets of lines that are markdown headings or wholly bold."""
    starts = set()
    for match in re.finditer(r"^[ \t]*(#{1,6}[ \t]+.*|\*\*[^\n]+\*\*[ \t]*|\*\*\*[^\n]+\*\*\*)$", raw, re.M):
        starts.add(match.start())
    return starts

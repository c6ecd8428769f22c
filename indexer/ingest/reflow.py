"""Text as published, reflowed: hard-wrapped lines back into paragraphs, pipe tables into rows.

Portal documents wrap every ~80 characters, put one table cell per line between lone ``|``
lines (``|`` ends a cell, ``|`` ``|`` ends a row), and let bold spans cross line breaks. This
module rewrites single line breaks as a space (a wrapped sentence) or a paragraph break (a new
paragraph, heading or list item), and tables as one line per row with cells separated by tabs
(the indexer's table form), keeping the offset map back to the source exact: every output
character maps to the source character it came from or replaced.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# A line that starts a new block: legal units, plan numbering, list items, appendix, markdown heading.
STRUCTURAL_START = re.compile(
    r"^(?:#{1,6}\s|(?:Điều|ĐIỀU)\s+\d+[a-zđ]?\s*[.:]|(?:Chương|CHƯƠNG|Mục|MỤC|Phần|PHẦN)\s+[IVXLC\d]+\b"
    r"|PH[ỤU]\s*L[ỤU]C\b|Phụ lục\b|[IVXLC]{1,6}\s*[.\-–:]\s|\d{1,2}(?:\.\d{1,2}){0,3}[.)]\s|[a-zđ][)/]\s|[A-ZĐ][.)]\s"
    r"|[-+•–—*]\s|Căn cứ\b|Theo đề nghị\b|Xét đề nghị\b|N[ơo]i nhận\b)")
_TERMINAL = ".;:!?…"
_WRAPPED_DASH = re.compile(r"^[-–—]\s*(?:\d|[a-zà-ỹđ])")
_WRAP_MIN_CHARS = 50  # a line this long that stops mid-sentence was wrapped
_OUTSIDE_TABLE = re.compile(r"(?:Điều|ĐIỀU)\s+\d+[a-zđ]?\s*[.:]|(?:Chương|CHƯƠNG)\s+[IVXLC\d]+\b|PH[ỤU]\s*L[ỤU]C\b")
_PIPE_LINE = re.compile(r"^[ \t]*\|[ \t]*$")
_LOOKAHEAD_ITEMS = 80
_CELL_MAX_LINES = 8  # a pipe within this many lines (and characters) after a full row: the table goes on
_CELL_MAX_CHARS = 600  # how far to look for the first row break when counting a table's columns


def _plain(line: str) -> str:
    """A line without markdown emphasis and heading marks, for the join decision."""
    return re.sub(r"^[ \t]*#{1,6}[ \t]+", "", line.replace("*", "")).strip()


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


def joins(previous: str, line: str) -> bool:
    """True when ``line`` continues the sentence of ``previous`` (a hard wrap), False for a new block."""
    a, b = _plain(previous), _plain(line)
    if not a or not b or "\t" in previous or "\t" in line:
        return False
    if _WRAPPED_DASH.match(b) and a[-1] not in _TERMINAL and len(a) >= _WRAP_MIN_CHARS:
        return True  # "… giai đoạn 2026" / "- 2030": a range split at the wrap, not a list item
    if STRUCTURAL_START.match(b) or line.lstrip().startswith("#"):
        return False
    if previous.rstrip().endswith("**") and line.lstrip().startswith("**") and not b[0].islower():
        return False
    if a[-1] in _TERMINAL and not b[0].islower():
        return False
    return _is_caps(a) == _is_caps(b) or b[0].islower() or b[0].isdigit()


@dataclass
class _Item:
    start: int  # offset of the line in the text
    end: int  # offset just past the line (before its newline)
    pipes: int = 0  # > 0: a run of lone-pipe lines, how many


def _items(text: str) -> list[_Item]:
    """Lines of ``text``; consecutive lone-pipe lines merge into one item counting them."""
    items: list[_Item] = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if _PIPE_LINE.match(line):
            if items and items[-1].pipes:
                items[-1].pipes += 1
                items[-1].end = end
            else:
                items.append(_Item(pos, end, 1))
        else:
            items.append(_Item(pos, end))
        pos = end + 1
    return items


def _columns(items: list[_Item], text: str, opening: int) -> int:
    """Columns of the table opened at ``items[opening]``: separators before the first row break + 1.

    A table with no row break before the next article, chapter or appendix is one row: its last
    pipe before that heading closes it.
    """
    separators = 0
    for item in items[opening + 1: opening + _LOOKAHEAD_ITEMS]:
        if item.pipes >= 2:
            return separators + 1
        if item.pipes:
            separators += 1
        elif _OUTSIDE_TABLE.match(_plain(text[item.start: item.end])):
            return max(separators, 1)
    return 2  # no row break soon: a one-row table (header or signature block), two cells


def pipe_roles(items: list[_Item], text: str) -> dict[int, str]:
    """Role of every pipe item: 'open', 'cell' (between cells), 'row' (between rows), 'close'."""
    roles: dict[int, str] = {}
    columns, cells = 0, -1  # cells < 0: outside a table
    for i, item in enumerate(items):
        if not item.pipes:
            continue
        next_is_line = i + 1 < len(items) and not items[i + 1].pipes and text[items[i + 1].start: items[i + 1].end].strip()
        if cells < 0:
            roles[i], columns, cells = "open", _columns(items, text, i), 0
            continue
        if item.pipes >= 2:
            roles[i], cells = "row", 0
            continue
        cells += 1
        if cells >= columns and next_is_line and _table_ends(items, text, i):
            roles[i], cells = "close", -1
        else:
            roles[i] = "cell"
    return roles


def _table_ends(items: list[_Item], text: str, closing: int) -> bool:
    """After a row's last cell: the table ends unless another pipe follows within a few short lines."""
    following = items[closing + 1: closing + 1 + _CELL_MAX_LINES + 1]
    first = _plain(text[following[0].start: following[0].end]) if following else ""
    if not following or STRUCTURAL_START.match(first) or _OUTSIDE_TABLE.match(first):
        return True
    run = 0
    for item in following:
        if item.pipes:
            return False
        run += item.end - item.start
        if run > _CELL_MAX_CHARS:
            return True
    return True


_ROLE_TEXT = {"open": "\n\n", "cell": "\t", "row": "\n", "close": "\n\n"}


def reflow(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """Join hard-wrapped lines, turn pipe tables into tab-separated rows; ``offsets[i]`` is the
    source position of ``text[i]``, and the returned offsets map the new text the same way."""
    items = _items(text)
    roles = pipe_roles(items, text)
    out: list[str] = []
    out_offsets: list[int] = []
    previous: _Item | None = None  # the last text line written
    in_cell = False
    pending: tuple[str, int] | None = None  # separator to write before the next text line
    for i, item in enumerate(items):
        if item.pipes:
            role = roles[i]
            pending = (_ROLE_TEXT[role], item.end if item.end < len(text) else max(0, item.start - 1))
            in_cell = role in ("open", "cell", "row")
            continue
        line = text[item.start: item.end]
        if not line.strip():
            if pending is None or pending[0] == " ":
                pending = ("\n\n", item.start)
            previous = None
            continue
        if previous is not None and pending is None:
            before = text[previous.start: previous.end]
            wrap = in_cell or joins(before, line)
            table_rows = "\t" in before and "\t" in line
            pending = ("\n" if table_rows else " " if wrap else "\n\n", previous.end)
        if pending is not None and out:
            out.append(pending[0])
            out_offsets.extend([offsets[min(pending[1], len(offsets) - 1)]] * len(pending[0]))
        pending = None
        out.append(line)
        out_offsets.extend(offsets[item.start: item.end])
        previous = item
    return "".join(out), out_offsets

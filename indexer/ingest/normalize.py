"""Document text normalisation with offsets that map back to the source text.

Every transformation here returns a ``MappedText``: the new text plus, for each of
its characters, the index of the source character it came from. Documents and
queries go through the same ``vntext.normalize_vietnamese`` so that their characters
agree (NFC, one tone-mark placement); here the document's markdown, hard wraps and
page breaks are undone on top of it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .reflow import reflow
from ..vntext import normalize_vietnamese


@dataclass(frozen=True)
class MappedText:
    """Text plus ``offsets[i]`` = index in the source text of character ``i``."""

    text: str
    offsets: list[int]

    @classmethod
    def identity(cls, text: str) -> "MappedText":
        return cls(text, list(range(len(text))))

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of this text to a span of the source text."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else (self.offsets[-1] + 1 if self.offsets else 0)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.M)
_MD_EMPHASIS = re.compile(r"\*{1,3}|(?<!\w)_{2}|_{2}(?!\w)")
_TRAILING_BREAK = re.compile(r"[ \t]+$", re.M)


def _drop_matches(mapped: MappedText, pattern: re.Pattern[str]) -> MappedText:
    keep = [True] * len(mapped.text)
    for match in pattern.finditer(mapped.text):
        for i in range(match.start(), match.end()):
            keep[i] = False
    text = "".join(c for c, k in zip(mapped.text, keep) if k)
    offsets = [o for o, k in zip(mapped.offsets, keep) if k]
    return MappedText(text, offsets)


def strip_markdown(mapped: MappedText) -> MappedText:
    """Remove heading hashes, bold/italic markers and trailing spaces (hard breaks)."""
    for pattern in (_MD_HEADING, _MD_EMPHASIS, _TRAILING_BREAK):
        mapped = _drop_matches(mapped, pattern)
    return mapped


_TERMINAL = set(".;:!?…)]\"”")
_LIST_MARKER = re.compile(r"^([a-zđ]\)|[-+•])")


def _joinable(before: str, after: str) -> bool:
    """A blank line inside a sentence: no terminal punctuation before, lower-case after."""
    prev_line = before.rsplit("\n", 1)[-1].rstrip()
    if not prev_line or prev_line[-1] in _TERMINAL or not after:
        return False
    if not after[0].islower() or _LIST_MARKER.match(after):
        return False
    return not prev_line.lstrip().startswith(("-", "+", "•")) or len(prev_line) > 60


def join_page_breaks(mapped: MappedText) -> MappedText:
    """Re-join sentences split by a blank line at a page break ('thị\\n\\ntrường')."""
    text, offsets = mapped.text, mapped.offsets
    out_chars: list[str] = []
    out_offsets: list[int] = []
    last = 0
    for match in re.finditer(r"[ \t]*\n[ \t]*\n\s*", text):
        if _joinable(text[max(0, match.start() - 200): match.start()], text[match.end(): match.end() + 3]):
            out_chars.append(text[last: match.start()])
            out_offsets.extend(offsets[last: match.start()])
            out_chars.append(" ")
            out_offsets.append(offsets[match.start()])
            last = match.end()
    out_chars.append(text[last:])
    out_offsets.extend(offsets[last:])
    return MappedText("".join(out_chars), out_offsets)


def collapse_blank_lines(mapped: MappedText) -> MappedText:
    """Strip leading blank space and squeeze 3+ newlines to a single blank line."""
    mapped = _drop_matches(mapped, re.compile(r"\A\s+|(?<=\n\n)\n+|[ \t]+(?=[ \t])"))
    return mapped


def normalize_document(raw: str) -> MappedText:
    """Source text → display/search text with offsets back into ``raw``.

    ``raw`` must already be NFC (loaders guarantee it); tone normalisation is
    length-preserving there, so the offset map stays exact.
    """
    mapped = MappedText(normalize_vietnamese(raw), list(range(len(raw))))
    if len(mapped.text) != len(raw):  # non-NFC input: fall back to coarse offsets
        mapped = MappedText(mapped.text, [min(i, len(raw) - 1) for i in range(len(mapped.text))])
    mapped = strip_markdown(MappedText(*reflow(mapped.text, mapped.offsets)))
    mapped = join_page_breaks(mapped)
    return collapse_blank_lines(mapped)

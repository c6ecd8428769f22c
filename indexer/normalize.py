"""Vietnamese text normalisation with offsets that map back to the source text.

Every transformation here returns a ``MappedText``: the new text plus, for each of
its characters, the index of the source character it came from. Documents and
queries go through the same ``normalize_vietnamese`` so that their characters agree
(NFC, one tone-mark placement); ``fold`` gives the accent-free form used for lexical
matching of queries typed without diacritics.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from .reflow import reflow

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
# A word for tone placement: letters and digits, not "_" (markdown "__hoà__" is stripped later),
# plus any combining marks NFC left standing, so a tone never moves off a letter a mark follows.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


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


def _split_tone(syllable_char: str) -> tuple[str, str]:
    """Return (base character with diacritics other than tone, tone mark or '')."""
    decomposed = unicodedata.normalize("NFD", syllable_char)
    tone = "".join(c for c in decomposed if c in TONE_MARKS)
    base = "".join(c for c in decomposed if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", base), tone


@functools.lru_cache(maxsize=262_144)  # a corpus has a few tens of thousands of distinct words
def normalize_tone_in_word(word: str) -> str:
    """Old-style 'hoà', 'thuỷ', 'khoẻ' → new style 'hòa', 'thủy', 'khỏe'.

    Only open syllables ending in oa/oe/uy are affected (with a final consonant both
    styles agree); 'qu' + y keeps its tone on y ('quý').
    """
    if len(word) < 2:
        return word
    first, second = word[-2], word[-1]
    base1, tone1 = _split_tone(first)
    base2, tone2 = _split_tone(second)
    pair = (base1.lower() + base2.lower())
    if not tone2 or tone1 or pair not in {"oa", "oe", "uy"}:
        return word
    if pair == "uy" and len(word) >= 3 and word[-3].lower() == "q":
        return word
    if len(word) >= 3 and word[-3] in _VOWELS:
        return word
    moved1 = unicodedata.normalize("NFC", base1 + tone2)
    return word[:-2] + moved1 + base2


def normalize_vietnamese(text: str) -> str:
    """NFC plus one tone-mark placement; length-preserving on NFC input."""
    text = unicodedata.normalize("NFC", text)
    return _WORD.sub(lambda m: normalize_tone_in_word(m.group(0)), text)


def _fold_table() -> dict[int, str]:
    table = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0xC0, 0x2000):
        ch = chr(code)
        base = unicodedata.normalize("NFD", ch)[0]
        if base != ch and base.isascii():
            table[code] = base.lower()
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower-case, accent-free form: 'Đổi mới' → 'doi moi'. Length-preserving on NFC."""
    return text.lower().translate(_FOLD)


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


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

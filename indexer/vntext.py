"""The Vietnamese text toolkit: one place for how text becomes words, used by indexer and service alike.

- ``syllables(text)``: the syllables of a text with their spans (letters and digits; "_" never belongs
  to a syllable, so it can join bigrams).
- ``syllable_forms(token)``: the (exact, folded) index forms of a lower-case syllable: tone marks in
  one placement, i/y spelling variants after a consonant unified ("tỷ" = "tỉ", "kỹ" = "kĩ"), and the
  accent-free form ("đổi" → "doi") for text typed without diacritics.
- ``with_bigrams(tokens)``: syllable bigrams ("khoa_học") appended, for multi-syllable words.
- ``STOPWORDS`` / ``FOLDED_STOPWORDS`` / ``is_stopword``: function words that never start, end or weigh in
  a match.
- ``sentence_spans(text, start, end)``: sentences cut at line ends and at "." / ";" / "!" / "?" before a
  space, so "3.000" and "0,05" stay whole; leading list marks are skipped.
- ``fold``: re-exported from ``normalize`` (lower-case, accent-free, length-preserving).
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from .normalize import fold, normalize_tone_in_word

__all__ = ["FOLDED_STOPWORDS", "STOPWORDS", "Syllable", "fold", "is_stopword", "sentence_spans", "syllable_forms", "syllables",
           "with_bigrams", "words"]

_TOKEN = re.compile(r"[^\W_]+")
_CONSONANT_Y = re.compile(r"^([^aeiouy]+)y$")  # folded 'ty' / 'ti', 'ky' / 'ki'
_Y_TO_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")
_ACCENTED_CONSONANT_Y = re.compile(r"^(?!qu)([bcdđghklmnprstvx]+)([yýỳỷỹỵ])$")
_SENTENCE = re.compile(r"(?:[^.;!?\n]|[.;!?](?=\S))+(?:[.;!?]|$)", re.M)
_LIST_MARKS = " \t-+•–"

STOPWORDS = frozenset((
    "và của các cho có được là trong với theo về để những một này đã đến từ tại trên khi "
    "thì như nào gì nhiêu ai không hay hoặc sẽ do bởi ra vào lại cũng nên đó "
    "of and for what which who how is are by at").split())  # no "the", "to", "in", "an", "on", "a": they
# fold to Vietnamese syllables ("thể", "tổ", "an ninh", "ổn")
FOLDED_STOPWORDS = frozenset(fold(w) for w in STOPWORDS)


class Syllable(NamedTuple):
    start: int
    end: int
    text: str  # as written (NFC), not lower-cased


def syllables(text: str) -> list[Syllable]:
    """The syllables of ``text`` (assumed NFC) with their character spans."""
    return [Syllable(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def words(text: str) -> list[str]:
    """Lower-case syllables of ``text``, after NFC."""
    return _TOKEN.findall(unicodedata.normalize("NFC", text).lower())


def _unify_i_y(syllable: str) -> str:
    match = _ACCENTED_CONSONANT_Y.match(syllable)
    return match.group(1) + match.group(2).translate(_Y_TO_I) if match else syllable


@functools.lru_cache(maxsize=262_144)
def syllable_forms(token: str) -> tuple[str, str]:
    """(exact, folded) index forms of one lower-case syllable."""
    exact = _unify_i_y(normalize_tone_in_word(token))
    return exact, _CONSONANT_Y.sub(r"\1i", fold(exact))


def with_bigrams(tokens: list[str]) -> list[str]:
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]


def is_stopword(token: str) -> bool:
    """A function word: an accented token is compared as written ("của" but not "cửa"), an unaccented
    one by its folded form (typed without diacritics, "cua" may be either)."""
    lower = token.lower()
    return lower in STOPWORDS if fold(lower) != lower else lower in FOLDED_STOPWORDS


def sentence_spans(text: str, start: int = 0, end: int | None = None, min_chars: int = 11) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` (leading list marks skipped, short scraps dropped)."""
    end = len(text) if end is None else end
    spans = []
    for match in _SENTENCE.finditer(text, start, end):
        s, e = match.start(), match.end()
        while s < e and text[s] in _LIST_MARKS:
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= min_chars:
            spans.append((s, e))
    return spans

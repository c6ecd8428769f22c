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
- ``normalize_vietnamese``: NFC plus one tone-mark placement ("hoà" → "hòa"), length-preserving on NFC;
  ``fold``: lower-case, accent-free, length-preserving ("Đổi mới" → "doi moi"); ``has_diacritics``.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple


__all__ = ["FOLDED_STOPWORDS", "STOPWORDS", "TONE_MARKS", "Syllable", "fold", "has_diacritics", "is_stopword",
           "normalize_tone_in_word", "normalize_vietnamese", "sentence_spans", "syllable_forms", "syllables",
           "with_bigrams", "words"]

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
# A word for tone placement: letters and digits, not "_" (markdown "__hoà__" is stripped later),
# plus any combining marks NFC left standing, so a tone never moves off a letter a mark follows.
_TONE_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


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
    return _TONE_WORD.sub(lambda m: normalize_tone_in_word(m.group(0)), text)


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

"""Highlights: spans of a passage that match the query's words, with or without accents.

Words are compared through the Vietnamese text toolkit (``indexer.vntext``): an accented query word
matches the same syllable in any tone placement or i/y spelling ("tỷ" lights "tỉ"); a word typed
without diacritics matches any accents. Function words never light up; adjacent matched words
merge into one span ("sản phẩm" is one highlight, not "sản" and "sản phẩm").
"""
from __future__ import annotations

from functools import lru_cache

from indexer.vntext import fold, is_stopword, syllable_forms, syllables, words


@lru_cache(maxsize=1024)
def query_terms(query: str) -> tuple[frozenset[str], frozenset[str]]:
    """(exact forms of accented query words, folded forms of words typed without accents)."""
    exact, folded = set(), set()
    for word in words(query):
        if is_stopword(word):
            continue
        exact_form, folded_form = syllable_forms(word)
        if fold(word) == word:  # typed without diacritics: any accents match
            folded.add(folded_form)
        else:
            exact.add(exact_form)
    return frozenset(exact), frozenset(folded)


def matched_syllables(query: str, passage: str) -> list[tuple[int, int]]:
    """Spans of the passage's syllables that match a query word."""
    exact, folded = query_terms(query)
    if not exact and not folded:
        return []
    found = []
    for syllable in syllables(passage):
        exact_form, folded_form = syllable_forms(syllable.text.lower())
        if exact_form in exact or folded_form in folded:
            found.append((syllable.start, syllable.end))
    return found


def highlight_spans(query: str, passage: str) -> list[tuple[int, int]]:
    """Character spans of ``passage`` to highlight; adjacent matched words merge into one span."""
    spans: list[list[int]] = []
    for start, end in matched_syllables(query, passage):
        if spans and passage[spans[-1][1]: start].strip() == "":
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [(s, e) for s, e in spans]

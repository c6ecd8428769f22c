"""Highlights: spans of a passage that match the query's words, with or without accents."""
from __future__ import annotations

import re
from functools import lru_cache

from indexer.normalize import fold

_WORD = re.compile(r"\w+")
# Function words that would light up every passage; they never start or end a highlight.
STOPWORDS = frozenset(fold(w) for w in (
    "và của các cho có được là trong với theo về để những một này đã đến từ tại trên khi "
    "thì như nào gì nhiêu ai không hay hoặc sẽ do bởi ra vào lại cũng nên đó the of and "
    "to in for what which who how is are by on at a an").split())


@lru_cache(maxsize=1024)
def _query_terms(query: str) -> tuple[frozenset[str], frozenset[str]]:
    """(accented words that must match exactly, unaccented words that match any accents)."""
    exact, folded = set(), set()
    for word in _WORD.findall(query):
        if fold(word) in STOPWORDS:
            continue
        (folded if fold(word) == word.lower() else exact).add(word.lower())
    return frozenset(exact), frozenset(folded)


@lru_cache(maxsize=1024)
def _pattern(terms: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, terms), key=len, reverse=True)) + r")(?!\w)")


def _term_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    return [m.span() for m in _pattern(terms).finditer(text)] if terms else []


def highlight_spans(query: str, passage: str) -> list[tuple[int, int]]:
    """Character spans of ``passage`` to highlight; adjacent matched words merge into one span."""
    exact, folded = _query_terms(query)
    if not exact and not folded:
        return []
    found = sorted(set(_term_spans(passage.lower(), exact)) | set(_term_spans(fold(passage), folded)))
    spans: list[list[int]] = []
    for start, end in found:
        if spans and passage[spans[-1][1]: start].strip() == "":
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(s, e) for s, e in spans]

"""Highlights: spans of a passage that match the query's words, with or without accents."""
from __future__ import annotations

import re

from indexer.normalize import fold

_WORD = re.compile(r"\w+")
# Function words that would light up every passage; they never start or end a highlight.
STOPWORDS = frozenset(fold(w) for w in (
    "và của các cho có được là trong với theo về để những một này đã đến từ tại trên khi "
    "thì như nào gì nhiêu ai không hay hoặc sẽ do bởi ra vào lại cũng nên đó the of and "
    "to in for what which who how is are by on at a an").split())


def _query_terms(query: str) -> tuple[set[str], set[str]]:
    """(accented words that must match exactly, unaccented words that match any accents)."""
    exact, folded = set(), set()
    for word in _WORD.findall(query):
        if fold(word) in STOPWORDS:
            continue
        (folded if fold(word) == word.lower() else exact).add(word.lower())
    return exact, folded


def highlight_spans(query: str, passage: str) -> list[tuple[int, int]]:
    """Character spans of ``passage`` to highlight; adjacent matched words merge into one span."""
    exact, folded = _query_terms(query)
    if not exact and not folded:
        return []
    spans: list[list[int]] = []
    for match in _WORD.finditer(passage):
        word = match.group(0).lower()
        if word not in exact and fold(word) not in folded:
            continue
        if spans and passage[spans[-1][1]: match.start()].strip() == "":
            spans[-1][1] = match.end()
        else:
            spans.append([match.start(), match.end()])
    return [(s, e) for s, e in spans]

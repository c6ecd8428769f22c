"""Query analysis: tell Vietnamese from English, restore missing diacritics.

A query typed without diacritics is re-accented by the index's ``DiacriticModel``
(``indexer/search/diacritics.py``, learnt from the corpus at index time); an English one has its
domain terms translated for the lexical side.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from indexer.search.diacritics import DiacriticModel
from indexer.vntext import has_diacritics
from indexer.vntext import words as syllable_words

from .glossary import translate_terms


@dataclass(frozen=True)
class QueryAnalysis:
    text: str  # normalised query as typed
    restored: str | None  # re-accented form, when the query had no diacritics
    language: str  # "vi" or "en"

    lexical_text: str | None = None  # English query with its domain terms translated

    @property
    def for_dense(self) -> str:
        return self.restored or self.text

    @property
    def for_lexical(self) -> str:
        return self.lexical_text or self.text


ENGLISH_HINTS = frozenset("the of and to in for what which who how is are by on at does do should will with "
                          "from plan plans target targets science technology share percent".split())


class QueryAnalyzer:
    def __init__(self, restorer: DiacriticModel) -> None:
        self.restorer = restorer
        # search, answers and compare each analyse the same query: remember recent ones
        self.analyze = lru_cache(maxsize=1024)(self.analyze)

    def analyze(self, query: str) -> QueryAnalysis:
        words = syllable_words(query)
        if has_diacritics(query) or not words:
            return QueryAnalysis(query, None, "vi")
        english = sum(w.lower() in ENGLISH_HINTS for w in words)
        if (english >= 2 and english / len(words) >= 0.2) or self.restorer.known_share(words) < 0.5:
            return QueryAnalysis(query, None, "en", translate_terms(query))
        return QueryAnalysis(query, self.restorer.restore(query), "vi")

"""How much of a question's content a text covers, weighing rare words more.

Answers (does a passage answer the question?) and compare (is a target about the topic?)
both ask it; the IDF comes from the index's folded BM25 stream.
"""
from __future__ import annotations

from indexer.search.lexical import LexicalIndex
from indexer.vntext import FOLDED_STOPWORDS


class TermWeights:
    """IDF of folded syllables and syllable pairs, read from the BM25 index."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical
        self.tokenizer = lexical.tokenizer

    def terms(self, text: str) -> dict[str, float]:
        """Content syllables and syllable bigrams of ``text`` with their IDF."""
        tokens = [w for w in self.tokenizer.folded(text)
                  if not any(part in FOLDED_STOPWORDS for part in w.split("_"))]
        return {w: self.lexical.folded_idf(w) for w in tokens}

    def coverage(self, terms: dict[str, float], text: str) -> float:
        """IDF-weighted share of ``terms`` found in ``text`` (0 when there are none)."""
        if not terms:
            return 0.0
        present = set(self.tokenizer.folded(text))
        return sum(w for t, w in terms.items() if t in present) / sum(terms.values())

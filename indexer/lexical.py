"""Vietnamese-aware BM25 (bm25s) over two token streams: exact syllables and
accent-folded syllables, optionally with syllable bigrams for multi-syllable words.

A query with diacritics scores on both streams, so an exactly-accented match ranks
above a folded one; a query typed without diacritics still matches via the folded
stream.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .normalize import fold, normalize_vietnamese

_TOKEN = re.compile(r"\w+")
_CONSONANT_Y = re.compile(r"^([^aeiouy]+)y$")  # 'tỷ'/'tỉ', 'kỳ'/'kì' are spelling variants
_Y_TO_I = str.maketrans("yýỳỷỹỵ", "iíìỉĩị")
_ACCENTED_CONSONANT_Y = re.compile(r"^(?!qu)([bcdđghklmnprstvx]+)([yýỳỷỹỵ])$")


def _unify_i_y(syllable: str) -> str:
    """'tỷ' → 'tỉ', 'kỹ' → 'kĩ': the i/y spelling variants after a consonant become one token."""
    match = _ACCENTED_CONSONANT_Y.match(syllable)
    return match.group(1) + match.group(2).translate(_Y_TO_I) if match else syllable
FOLDED_WEIGHT = 0.6  # folded matches count, but less than exact-accent matches


@dataclass(frozen=True)
class Tokenizer:
    bigrams: bool = True

    def syllables(self, text: str) -> list[str]:
        return [_unify_i_y(t) for t in _TOKEN.findall(normalize_vietnamese(text).lower())]

    def _with_bigrams(self, tokens: list[str]) -> list[str]:
        if not self.bigrams:
            return tokens
        return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]

    def exact(self, text: str) -> list[str]:
        return self._with_bigrams(self.syllables(text))

    def folded(self, text: str) -> list[str]:
        return self._with_bigrams([_CONSONANT_Y.sub(r"\1i", fold(t)) for t in self.syllables(text)])


class LexicalIndex:
    """Two BM25 indexes (exact and folded) over the same passages."""

    def __init__(self, exact: bm25s.BM25, folded: bm25s.BM25, tokenizer: Tokenizer) -> None:
        self.exact = exact
        self.folded = folded
        self.tokenizer = tokenizer

    @classmethod
    def build(cls, texts: list[str], tokenizer: Tokenizer) -> "LexicalIndex":
        exact, folded = bm25s.BM25(), bm25s.BM25()
        exact.index([tokenizer.exact(t) or [""] for t in texts], show_progress=False)
        folded.index([tokenizer.folded(t) or [""] for t in texts], show_progress=False)
        return cls(exact, folded, tokenizer)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (exact + weighted folded)."""
        exact_tokens, folded_tokens = self.tokenizer.exact(query), self.tokenizer.folded(query)
        if not exact_tokens:  # punctuation or symbols only: nothing to match
            return np.zeros(self.exact.scores["num_docs"], dtype=np.float32)
        exact = self.exact.get_scores(exact_tokens)
        folded = self.folded.get_scores(folded_tokens)
        return np.asarray(exact, dtype=np.float32) + FOLDED_WEIGHT * np.asarray(folded, dtype=np.float32)

    def save(self, directory: Path) -> None:
        self.exact.save(str(directory / "exact"))
        self.folded.save(str(directory / "folded"))

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer, mmap: bool = False) -> "LexicalIndex":
        """``mmap``: score arrays stay on disk; a query reads only its tokens' columns."""
        return cls(bm25s.BM25.load(str(directory / "exact"), mmap=mmap),
                   bm25s.BM25.load(str(directory / "folded"), mmap=mmap), tokenizer)

"""Query analysis: restore missing diacritics, tell Vietnamese from English.

People type "ty le san pham chu luc". BM25 matches that through the folded stream,
but the dense model reads unaccented Vietnamese poorly, so the query is re-accented
from the corpus itself: every folded syllable maps to the accented forms seen in the
indexed passages, and a bigram model (Viterbi) picks the likeliest sequence.
"""
from __future__ import annotations

import math
from functools import lru_cache
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

from indexer.normalize import fold, has_diacritics

from .glossary import translate_terms

_WORD = re.compile(r"\w+")
MAX_CANDIDATES = 6
# Question words that plans rarely contain but people type; counted as if seen in the corpus.
QUESTION_PHRASES = ("bao nhiêu", "phần trăm", "như thế nào", "là gì", "ở đâu", "khi nào", "ai", "những gì",
                    "có không", "bao giờ", "tại sao", "vì sao", "thế nào", "nào", "mấy", "đơn vị nào",
                    "cơ quan nào", "mục tiêu", "chỉ tiêu", "tỷ lệ", "năm")
QUESTION_WEIGHT = 50


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


class DiacriticRestorer:
    def __init__(self, texts: Iterable[str]) -> None:
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        for text in texts:
            self._count(text, 1)
        for phrase in QUESTION_PHRASES:
            self._count(phrase, QUESTION_WEIGHT)
        forms: dict[str, list[str]] = defaultdict(list)
        for word, _ in self.unigrams.most_common():
            forms[fold(word)].append(word)
        self.forms = {k: v[:MAX_CANDIDATES] for k, v in forms.items()}
        self.total = sum(self.unigrams.values()) or 1

    def _count(self, text: str, weight: int) -> None:
        words = [w.lower() for w in _WORD.findall(text)]
        for word in words:
            self.unigrams[word] += weight
        for pair in zip(words, words[1:]):
            self.bigrams[pair] += weight

    def known_share(self, words: list[str]) -> float:
        return sum(fold(w) in self.forms for w in words) / len(words) if words else 0.0

    def _log_p(self, prev: str | None, word: str) -> float:
        unigram = (self.unigrams[word] + 0.1) / self.total
        if prev is None:
            return math.log(unigram)
        bigram = self.bigrams[(prev, word)]
        return math.log(0.7 * bigram / max(self.unigrams[prev], 1) + 0.3 * unigram)

    def restore_words(self, words: list[str]) -> list[str]:
        """Viterbi over accented candidates; unknown words stay as typed."""
        beams: dict[str | None, tuple[float, list[str]]] = {None: (0.0, [])}
        for word in words:
            candidates = self.forms.get(fold(word), [word.lower()])
            next_beams: dict[str | None, tuple[float, list[str]]] = {}
            for cand in candidates:
                score, path = max(((s + self._log_p(prev, cand), p) for prev, (s, p) in beams.items()),
                                  key=lambda sp: sp[0])
                next_beams[cand] = (score, path + [cand])
            beams = next_beams
        return max(beams.values(), key=lambda sp: sp[0])[1]

    def restore(self, query: str) -> str:
        out, last = [], 0
        matches = list(_WORD.finditer(query))
        restored = self.restore_words([m.group(0) for m in matches])
        for match, word in zip(matches, restored):
            out.append(query[last: match.start()])
            out.append(word.upper() if match.group(0).isupper() and len(word) > 1 else word)
            last = match.end()
        out.append(query[last:])
        return "".join(out)


ENGLISH_HINTS = frozenset("the of and to in for what which who how is are by on at does do should will with "
                          "from plan plans target targets science technology share percent".split())


class QueryAnalyzer:
    def __init__(self, texts: Iterable[str]) -> None:
        self.restorer = DiacriticRestorer(texts)
        # search, answers and compare each analyse the same query: remember recent ones
        self.analyze = lru_cache(maxsize=1024)(self.analyze)

    def analyze(self, query: str) -> QueryAnalysis:
        words = _WORD.findall(query)
        if has_diacritics(query) or not words:
            return QueryAnalysis(query, None, "vi")
        english = sum(w.lower() in ENGLISH_HINTS for w in words)
        if (english >= 2 and english / len(words) >= 0.2) or self.restorer.known_share(words) < 0.5:
            return QueryAnalysis(query, None, "en", translate_terms(query))
        return QueryAnalysis(query, self.restorer.restore(query), "vi")

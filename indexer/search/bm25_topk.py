"""Top-n BM25 over bm25s's precomputed score columns, accumulated by a compiled kernel.

bm25s keeps, per token, the BM25 score of every passage containing it (a CSC column;
ours stores 16-bit impacts and a scale, see bm25_build.py);
a query's score is the sum of its tokens' columns. At a million passages a query's
common tokens ("của", "năm", "phát triển") have columns over most of the corpus: ~12M
postings per query in the scale benchmark. numpy's indexed add costs ~3.5 ns a posting
there; the numba loop below ~1.7 ns (eval/RESULTS.md), and it releases the GIL. The top n
are then picked in one more compiled pass, without sorting or copying the score array.
"""
from __future__ import annotations

import bm25s
import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _accumulate(scores, indices, data, starts, ends, weights):  # pragma: no cover - compiled
    for term in range(len(starts)):
        weight = weights[term]
        for j in range(starts[term], ends[term]):
            scores[indices[j]] += weight * data[j]


class ScoreColumns:
    """One bm25s index's columns, ready for the kernel."""

    def __init__(self, model: bm25s.BM25) -> None:
        self.vocab = model.vocab_dict
        self.indices = np.asarray(model.scores["indices"])  # plain views of memory-mapped arrays
        self.data = np.asarray(model.scores["data"])
        self.indptr = np.asarray(model.scores["indptr"], dtype=np.int64)
        self.scale = float(getattr(model, "impact_scale", 1.0))  # stored value × scale = BM25 score
        nothing = np.zeros(0, dtype=np.int64)  # compile (or load the compiled kernels) now, not on a query
        _accumulate(np.zeros(1, dtype=np.float32), self.indices, self.data, nothing, nothing,
                    np.zeros(0, dtype=np.float32))
        top_n(np.zeros(1, dtype=np.float32), 1)

    def document_frequency(self, token: str) -> int:
        """Passages containing ``token`` (0 when the index has never seen it)."""
        i = self.vocab.get(token)
        return 0 if i is None or i + 1 >= len(self.indptr) else int(self.indptr[i + 1] - self.indptr[i])

    def add(self, tokens: list[str], weight: float, scores: np.ndarray) -> None:
        """Add the columns of ``tokens`` (a repeated token counts again) times ``weight``."""
        ids = np.array([self.vocab[t] for t in tokens if t in self.vocab], dtype=np.int64)
        if len(ids):
            _accumulate(scores, self.indices, self.data, self.indptr[ids], self.indptr[ids + 1],
                        np.full(len(ids), weight * self.scale, dtype=np.float32))


@numba.njit(cache=True, nogil=True)
def _select(scores, mask, n):  # pragma: no cover - compiled
    """Indices of the ``n`` largest positive scores (unordered) in one pass; ``mask`` empty = all."""
    best_ids = np.empty(n, dtype=np.int64)
    best = np.empty(n, dtype=np.float32)
    size, weakest = 0, 0
    for i in range(len(scores)):
        score = scores[i]
        if score <= 0 or (len(mask) > 0 and not mask[i]):
            continue
        if size < n:
            best_ids[size], best[size] = i, score
            size += 1
            if size == n:
                weakest = np.argmin(best)
        elif score > best[weakest]:
            best_ids[weakest], best[weakest] = i, score
            weakest = np.argmin(best)
    return best_ids[:size]


def top_n(scores: np.ndarray, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
    """The ``n`` best (passage, score) with a positive score, best first; ``mask`` limits the passages."""
    if n <= 0:
        return []
    allowed = np.zeros(0, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    candidates = _select(np.asarray(scores, dtype=np.float32), allowed, n)
    order = np.lexsort((candidates, -scores[candidates]))
    return [(int(i), float(scores[i])) for i in candidates[order]]

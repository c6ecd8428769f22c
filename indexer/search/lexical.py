"""Vietnamese-aware BM25 (bm25s) over two token streams: exact syllables and
accent-folded syllables, optionally with syllable bigrams for multi-syllable words.

A query with diacritics scores on both streams, so an exactly-accented match ranks
above a folded one; a query typed without diacritics still matches via the folded
stream.
"""
from __future__ import annotations

import json
import math
import mmap as mmap_module
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .bm25_build import BM25Builder
from .bm25_topk import ScoreColumns, top_n
from ..vntext import FOLDED_STOPWORDS, syllable_forms, with_bigrams, words

IMPACTS_FILE = "impacts.json"
DOC_INDPTR, DOC_IDS = "doc_indptr.npy", "doc_ids.npy"  # per folded syllable, the documents holding it
FOLDED_WEIGHT = 0.6  # folded matches count, but less than exact-accent matches


@dataclass(frozen=True)
class Tokenizer:
    bigrams: bool = True

    def forms(self, text: str) -> list[tuple[str, str]]:
        return [syllable_forms(t) for t in words(text)]

    def _with_bigrams(self, tokens: list[str]) -> list[str]:
        return with_bigrams(tokens) if self.bigrams else tokens

    def exact(self, text: str) -> list[str]:
        return self._with_bigrams([e for e, _ in self.forms(text)])

    def folded(self, text: str) -> list[str]:
        return self._with_bigrams([f for _, f in self.forms(text)])

    def both(self, text: str) -> tuple[list[str], list[str]]:
        """(exact, folded) token streams, the text read once."""
        forms = self.forms(text)
        return self._with_bigrams([e for e, _ in forms]), self._with_bigrams([f for _, f in forms])


class LexicalIndex:
    """Two BM25 indexes (exact and folded) over the same passages."""

    def __init__(self, exact: bm25s.BM25, folded: bm25s.BM25, tokenizer: Tokenizer,
                 documents: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.exact = exact
        self.folded = folded
        self.tokenizer = tokenizer
        self._columns = (ScoreColumns(exact), ScoreColumns(folded))
        self.documents = documents  # (indptr, document ids) by folded token id, when saved with owners

    @classmethod
    def build(cls, texts: Iterable[str], tokenizer: Tokenizer) -> "LexicalIndex":
        """Streams the texts: each is tokenised once and kept only as token ids and counts."""
        exact, folded = BM25Builder(), BM25Builder()
        for text in texts:
            exact_tokens, folded_tokens = tokenizer.both(text)
            exact.add(exact_tokens)
            folded.add(folded_tokens)
        return cls(exact.finish(), folded.finish(), tokenizer)

    @property
    def num_docs(self) -> int:
        return int(self.exact.scores["num_docs"])

    def folded_idf(self, token: str) -> float:
        """BM25's IDF of a folded token (syllable or syllable pair); unseen tokens weigh most."""
        n = self.num_docs
        df = self._columns[1].document_frequency(token)
        return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else math.log(1 + n)

    def mark_containing(self, query: str, marked: np.ndarray) -> None:
        """Set ``marked[d]`` for every document ``d`` with a passage holding a content syllable of
        ``query``, accents folded; stop-words do not count. Needs the index saved with owners."""
        if self.documents is None:
            raise ValueError("this lexical index was saved without its passages' documents")
        indptr, doc_ids = self.documents
        vocab = self._columns[1].vocab
        for _, folded in self.tokenizer.forms(query):
            i = vocab.get(folded)
            if i is not None and folded not in FOLDED_STOPWORDS:
                marked[doc_ids[indptr[i]: indptr[i + 1]]] = True

    def document_postings(self, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per folded token id, the sorted owners (documents) of the passages holding it; syllable pairs
        get none (facets count documents by syllable). ``owners[p]``: passage ``p``'s document."""
        columns = self._columns[1]
        n_vocab = len(columns.indptr) - 1
        token_of = np.repeat(np.arange(n_vocab, dtype=np.int32), np.diff(columns.indptr))
        owner_of = np.asarray(owners, dtype=np.int32)[columns.indices]
        keep = np.ones(len(owner_of), dtype=bool)
        keep[1:] = (owner_of[1:] != owner_of[:-1]) | (token_of[1:] != token_of[:-1])
        pairs = np.zeros(n_vocab, dtype=bool)
        pairs[[i for token, i in columns.vocab.items() if "_" in token and i < n_vocab]] = True
        keep &= ~pairs[token_of]
        counts = np.bincount(token_of[keep], minlength=n_vocab)
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, owner_of[keep]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (exact + weighted folded)."""
        exact_tokens, folded_tokens = self.tokenizer.both(query)
        scores = np.zeros(self.num_docs, dtype=np.float32)
        self._columns[0].add(exact_tokens, 1.0, scores)
        self._columns[1].add(folded_tokens, FOLDED_WEIGHT, scores)
        return scores

    def top(self, query: str, n: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``n`` best (passage, score), best first, positive scores only; ``mask`` limits the passages."""
        return top_n(self.scores(query), n, mask)

    def save(self, directory: Path, owners: np.ndarray | None = None) -> None:
        """``owners`` (passage → document position) also saves, per folded syllable, its documents."""
        if owners is not None:
            indptr, doc_ids = self.document_postings(owners)
            np.save(directory / DOC_INDPTR, indptr)
            np.save(directory / DOC_IDS, doc_ids)
        for name, model in (("exact", self.exact), ("folded", self.folded)):
            model.save(str(directory / name))
            scale = {"impact_scale": getattr(model, "impact_scale", 1.0)}
            (directory / name / IMPACTS_FILE).write_text(json.dumps(scale), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer, mmap: bool = False) -> "LexicalIndex":
        """``mmap``: score arrays stay on disk; a query reads only its tokens' columns."""
        documents = None
        if (directory / DOC_INDPTR).exists():
            mode = "r" if mmap else None
            documents = (np.load(directory / DOC_INDPTR, mmap_mode=mode), np.load(directory / DOC_IDS, mmap_mode=mode))
        return cls(_load_model(directory / "exact", mmap), _load_model(directory / "folded", mmap), tokenizer, documents)


def _no_read_ahead(array: np.ndarray) -> None:
    """A query reads its tokens' columns and nothing between them. With the kernel's default
    read-ahead and fault-around, 200 questions at 1M passages left 2.9 GB of the BM25 files
    mapped (VmRSS 3.9 GB); with MADV_RANDOM 1.7 GB (VmRSS 2.7 GB) at the same p50 (eval/RESULTS.md)."""
    raw = getattr(array, "_mmap", None)
    if raw is not None and hasattr(mmap_module, "MADV_RANDOM"):
        raw.madvise(mmap_module.MADV_RANDOM)


def _load_model(directory: Path, mmap: bool) -> bm25s.BM25:
    """A saved stream; its scores are 16-bit impacts × ``impact_scale`` (float32 scores,
    scale 1, when written by bm25s itself or before impacts)."""
    model = bm25s.BM25.load(str(directory), mmap=mmap)
    for key in ("data", "indices"):
        _no_read_ahead(model.scores[key])
    impacts = directory / IMPACTS_FILE
    model.impact_scale = json.loads(impacts.read_text(encoding="utf-8"))["impact_scale"] if impacts.exists() else 1.0
    return model

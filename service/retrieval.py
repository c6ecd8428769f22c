"""Hybrid retrieval over a loaded index: filters → dense + BM25 → fusion → hits.

Filters become a boolean mask over passages before either ranker runs (FAISS gets an
ID selector, BM25 scores are masked), so a filter never just trims a global top-k.
Fusion adds the min-max-normalised scores of the two rankers, weighted by query language
(dense:lexical 1:1 for Vietnamese, 1:0.5 for English); it beat reciprocal-rank fusion on the dev set
and ALQAC (eval/RESULTS.md). A place named in the query favours its documents, and a document number
(``2811/KH-UBND``) lifts that document's passages to the top.
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterable, Literal

import numpy as np

from indexer.search.dense import search_dense
from indexer.models.embeddings import Embedder
from indexer.extract.localities import canonical_province, province_now
from indexer.extract.references import parse_reference_query
from indexer.vntext import fold, normalize_vietnamese
from indexer.store import DocumentRecord, Passage, StoredIndex

from .directives import DirectiveGraph
from .facets import FacetTable, FacetValue, document_facets
from .highlight import highlight_spans
from .query_analysis import QueryAnalyzer
from .relevance import FIRST_RESULTS, Floor, Relevance, floor_for, judge
from .term_weights import TermWeights

Mode = Literal["hybrid", "dense", "lexical"]
CANDIDATES = 100
DOC_NUMBER_BOOST = 10.0  # above any fused score: the named document comes first
LOCALITY_BOOST = 0.25  # a place named in the query favours its plans without hiding others
NEAR_MISSES = 3  # best guesses shown beside "không tìm thấy"
_DOC_NUMBER_IN_QUERY = re.compile(r"(\d{1,5})\s*[/-]\s*([a-zđ]{1,6}(?:\s*-\s*[a-zđ&]{1,10}){0,3})", re.I)
_DOC_WORDS = re.compile(r"\b(?:ke hoach|so|van ban|quyet dinh|kh)\b")
_BARE_NUMBER = re.compile(r"(?<![\w,./-])(\d+)(?![\w,%/-])")


@dataclass(frozen=True)
class SearchFilters:
    """Each non-empty field keeps the documents matching any of its values (ignoring case and accents).
    ``province`` matches the unit a document was issued for (Hà Nam stays Hà Nam), ``province_now`` today's
    unit (Ninh Bình, so also former Hà Nam's documents), both compared through ``canonical_province``
    ('TP Hồ Chí Minh' = 'Hồ Chí Minh'); ``issuer`` matches the
    whole issuer or whole words inside it ('Sở Tư pháp' finds 'Sở Tư pháp tỉnh Đồng Tháp')."""

    province: tuple[str, ...] = ()
    locality: tuple[str, ...] = ()
    level: tuple[str, ...] = ()
    doc_number: tuple[str, ...] = ()
    doc_id: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    province_now: tuple[str, ...] = ()
    doc_type: tuple[str, ...] = ()
    issuer: tuple[str, ...] = ()
    issuer_kind: tuple[str, ...] = ()
    year: tuple[int, ...] = ()
    implements: tuple[str, ...] = ()  # 'Nghị quyết 57-NQ/TW' or '57-NQ/TW': documents implementing it

    def is_empty(self) -> bool:
        return not (self.province or self.province_now or self.locality or self.level or self.doc_type
                    or self.issuer or self.issuer_kind or self.doc_number or self.doc_id or self.year
                    or self.implements
                    or self.year_from is not None or self.year_to is not None)


@dataclass
class Hit:
    passage: Passage
    document: DocumentRecord
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SearchOutcome:
    """What one search found: ``hits`` (empty when the query is under the relevance floor, its
    best guesses then in ``near_misses``), the floor's reading and the facet counts asked for."""

    hits: list[Hit]
    near_misses: list[Hit] = field(default_factory=list)
    relevance: Relevance | None = None
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


def _key(value: str | None) -> str:
    return re.sub(r"\s+", "", fold(unicodedata.normalize("NFC", value or "")))


_WORD = re.compile(r"[^\W_]+")
_PROVINCE_PREFIX = re.compile(r"^(?:(?:tinh|thanh pho|thu do)\s+|tp\.?\s*)")


@functools.lru_cache(maxsize=8192)
def _province_keys(value: str) -> frozenset[str]:
    """Keys a province name matches by: as written and its canonical name, each with and without
    'tỉnh'/'thành phố' ('Thành phố Hồ Chí Minh', 'TP Hồ Chí Minh', 'ho chi minh' agree)."""
    keys = set()
    for name in (value, canonical_province(value)):
        if name:
            folded = " ".join(fold(unicodedata.normalize("NFC", name)).split())
            keys |= {_key(folded), _key(_PROVINCE_PREFIX.sub("", folded))}
    keys.discard("")
    return frozenset(keys)


@functools.lru_cache(maxsize=65536)
def _words(value: str) -> str:
    """' ubnd tinh dong thap ': folded words between single spaces, for whole-word containment."""
    return " " + " ".join(_WORD.findall(fold(unicodedata.normalize("NFC", value)))) + " "


class QueryVectorCache:
    """Bounded LRU of query embeddings (the embedding is most of a query's latency)."""

    def __init__(self, embedder: Embedder, size: int = 2048) -> None:
        self.embedder = embedder
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, query: str) -> np.ndarray:
        with self._lock:
            if query in self._items:
                self._items.move_to_end(query)
                self.hits += 1
                return self._items[query]
        vector = self.embedder.embed_batch([query], "query")[0]
        with self._lock:
            self.misses += 1
            self._items[query] = vector
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return vector


class Searcher:
    def __init__(self, index: StoredIndex, embedder: Embedder, cache_size: int = 2048,
                 floor: Floor | None = None) -> None:
        self.index = index
        self.floor = floor if floor is not None else floor_for(index.model_spec)
        self.term_weights = TermWeights(index.lexical)
        self.query_vectors = QueryVectorCache(embedder, cache_size)
        self.doc_ids = list(index.documents)
        doc_pos = {d: i for i, d in enumerate(self.doc_ids)}
        self.chunk_doc = self._chunk_doc(doc_pos)
        self.analyzer = QueryAnalyzer(index.diacritics)
        self.place_names = self._place_names()
        self.doc_numbers = self._doc_numbers()
        self.doc_first_chunk = np.searchsorted(self.chunk_doc, np.arange(len(self.doc_ids)))
        self.directives = DirectiveGraph(index.documents)
        self.facet_table = FacetTable([index.documents[d] for d in self.doc_ids],
                                      document_facets(self.directives.implements_labels))
        self.weights = {"vi": (1.0, 1.0), "en": (1.0, 0.5)}  # (dense, lexical) by query language

    def _chunk_doc(self, doc_pos: dict[str, int]) -> np.ndarray:
        """Document position of every passage; passages are stored document by document."""
        counts = [self.index.documents[d].n_chunks for d in self.doc_ids]
        if sum(counts) == len(self.index.passages):
            return np.repeat(np.arange(len(self.doc_ids), dtype=np.int64), counts)
        return np.array([doc_pos[p.doc_id] for p in self.index.passages], dtype=np.int64)

    def first_chunk_of(self, doc_id: str) -> int:
        return int(self.doc_first_chunk[self.doc_ids.index(doc_id)])

    # -- filters ---------------------------------------------------------------
    def _doc_matches(self, doc: DocumentRecord, f: SearchFilters,
                     wanted_directives: tuple[tuple[str | None, str], ...] = ()) -> bool:
        checks = ((f.locality, doc.locality), (f.level, doc.level), (f.doc_number, doc.doc_number),
                  (f.doc_type, doc.doc_type), (f.issuer_kind, doc.issuer_kind))
        for wanted, value in checks:
            if wanted and _key(value) not in {_key(w) for w in wanted}:
                return False
        if f.province and not _province_match(f.province, (doc.province,)):
            return False
        if f.province_now and not _province_match(f.province_now, (_doc_province_now(doc),)):
            return False
        if f.issuer:
            issuer = _words(doc.issuer or "")
            if not any(_words(w).strip() and _words(w) in issuer for w in f.issuer):
                return False
        if f.doc_id and doc.doc_id not in f.doc_id:
            return False
        year = doc.year
        if f.year and year not in f.year:
            return False
        if f.implements and not self.directives.implements(doc, wanted_directives):
            return False
        if f.year_from is not None and (year is None or year < f.year_from):
            return False
        return not (f.year_to is not None and (year is None or year > f.year_to))

    def allowed_documents(self, filters: SearchFilters) -> np.ndarray | None:
        """Which documents (searcher order) pass ``filters``; None: all."""
        if filters.is_empty():
            return None
        wanted = tuple(parse_reference_query(v) for v in filters.implements)  # parsed once, not per document
        return np.array([self._doc_matches(self.index.documents[d], filters, wanted) for d in self.doc_ids], dtype=bool)

    # -- rankers ---------------------------------------------------------------
    def lexical_ranking(self, query: str, mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        return self.index.lexical.top(query, n, mask)

    def dense_ranking(self, query: str, mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        allowed = None if mask is None else np.flatnonzero(mask)
        vector = self.query_vectors.get(query)
        scores, ids = search_dense(self.index.dense, vector, n, self.index.dense_params, allowed,
                                   vectors=self.index.vector_rows)
        return [(int(i), float(s)) for i, s in zip(ids, scores)]

    def _doc_numbers(self) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        """(số hiệu key → document positions, its leading digits → document positions)."""
        by_key: dict[str, set[int]] = {}
        by_digits: dict[str, set[int]] = {}
        for pos, doc_id in enumerate(self.doc_ids):
            number = self.index.documents[doc_id].doc_number
            if number:
                by_key.setdefault(_key(number), set()).add(pos)
                by_digits.setdefault(number.split("/")[0], set()).add(pos)
        return by_key, by_digits

    def doc_number_boost(self, query: str) -> set[int]:
        """Documents whose số hiệu the query names ('2811/KH-UBND', or 'kế hoạch 2811')."""
        by_key, by_digits = self.doc_numbers
        boosted = set()
        for m in _DOC_NUMBER_IN_QUERY.finditer(query):
            boosted |= by_key.get(_key(f"{m.group(1)}/{m.group(2)}"), set())
        folded = fold(query)
        if _DOC_WORDS.search(folded):
            for digits in _BARE_NUMBER.findall(folded):
                if len(digits) >= 2 and not 1900 <= int(digits) <= 2100:
                    boosted |= by_digits.get(digits, set())
        return boosted

    def _place_names(self) -> dict[str, set[int]]:
        """Folded locality/province name → positions of the documents issued there."""
        names: dict[str, set[int]] = {}
        for pos, doc_id in enumerate(self.doc_ids):
            doc = self.index.documents[doc_id]
            for value in (doc.locality, doc.province, doc.province_now):
                if value:
                    names.setdefault(fold(value), set()).add(pos)
        return names

    def named_places(self, query: str) -> set[int]:
        """Documents of the localities or provinces the query names ('Quảng Trị', 'quang tri')."""
        words = re.findall(r"\w+", fold(query))
        folded = f" {' '.join(words)} "
        return {pos for name, docs in self.place_names.items() if f" {name} " in folded for pos in docs}

    def strip_doc_numbers(self, query: str) -> str:
        """The query without the document numbers it names, when enough words remain to rank by."""
        rest = _DOC_NUMBER_IN_QUERY.sub(" ", query)
        return rest if len(re.findall(r"\w+", rest)) >= 3 else query

    # -- search ----------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: SearchFilters | None = None,
               mode: Mode = "hybrid") -> list[Hit]:
        """The ``k`` best passages, whatever their relevance (answers and compare judge it themselves)."""
        return self.run(query, k, filters, mode, use_floor=False).hits

    def run(self, query: str, k: int = 10, filters: SearchFilters | None = None, mode: Mode = "hybrid",
            facets: tuple[str, ...] = (), use_floor: bool = True) -> SearchOutcome:
        """Search with the relevance floor (when ``use_floor``) and the document counts of ``facets``."""
        query = normalize_vietnamese(query).strip()
        doc_ok = self.allowed_documents(filters or SearchFilters())
        mask = None if doc_ok is None else doc_ok[self.chunk_doc]
        if mask is not None and not mask.any():
            return SearchOutcome([], facets=self.facet_table.count(np.zeros(len(self.doc_ids), bool), facets))
        boosted = self.doc_number_boost(query) if mode != "dense" else set()
        boosted = {d for d in boosted if doc_ok is None or doc_ok[d]}  # a named document the filters exclude stays out
        ranking_query = self.strip_doc_numbers(query) if boosted else query
        analysis = self.analyzer.analyze(ranking_query)
        dense = self.dense_ranking(analysis.for_dense, mask, CANDIDATES) if mode in ("hybrid", "dense") else []
        lexical = self.lexical_ranking(analysis.for_lexical, mask, CANDIDATES) if mode in ("hybrid", "lexical") else []
        fused = self._fuse(dense, lexical, self.weights[analysis.language])
        self._boost(fused, self.named_places(query), LOCALITY_BOOST)
        self._boost(fused, boosted, DOC_NUMBER_BOOST, include_heading=True)
        ranked = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))
        hits = [self._hit(i, score, dense, lexical, analysis.restored or query) for i, score in ranked[:k]]
        outcome = SearchOutcome(_drop_overlaps(hits))
        if use_floor and not boosted:
            read = {i: hit.passage for (i, _), hit in zip(ranked, hits)}  # the results' passages, already read
            outcome.relevance = self._relevance(analysis.for_lexical, dense, [i for i, _ in ranked], read)
            if not outcome.relevance.relevant:
                outcome.hits, outcome.near_misses = [], outcome.hits[:NEAR_MISSES]
        if facets and outcome.hits:  # nothing found: no counts that would suggest otherwise
            outcome.facets = self.facet_table.count(self._matched_documents(analysis.for_lexical, dense, doc_ok),
                                                    facets)
        return outcome

    def _hit(self, chunk_idx: int, score: float, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
             highlight_query: str) -> Hit:
        passage = self.index.passages[chunk_idx]
        hit = Hit(passage, self.index.documents[passage.doc_id], score, _rank_of(dense, chunk_idx),
                  _rank_of(lexical, chunk_idx))
        hit.highlights = highlight_spans(highlight_query, passage.text)
        return hit

    def _relevance(self, lexical_query: str, dense: list[tuple[int, float]], ranked: list[int],
                   read: dict[int, Passage]) -> Relevance:
        texts = [(read.get(i) or self.index.passages[i]).search_text for i in ranked[:FIRST_RESULTS]]
        return judge(self.floor, self.term_weights, lexical_query, dense[0][1] if dense else None, texts)

    def _matched_documents(self, lexical_query: str, dense: list[tuple[int, float]],
                           doc_ok: np.ndarray | None) -> np.ndarray:
        """Documents with a passage holding a content word of the query, or a dense candidate above
        the floor's cosine, among those the filters allow."""
        marked = np.zeros(len(self.doc_ids), dtype=bool)
        self.index.lexical.mark_containing(lexical_query, marked)
        if self.floor is not None:
            close = [i for i, cosine in dense if cosine >= self.floor.min_cosine]
            marked[self.chunk_doc[close]] = True
        return marked if doc_ok is None else marked & doc_ok

    def _fuse(self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
              weights: tuple[float, float]) -> dict[int, float]:
        """Weighted sum of each ranker's min-max-normalised scores."""
        scores: dict[int, float] = {}
        for ranking, weight in zip((dense, lexical), weights):
            for idx, value in min_max(ranking):
                scores[idx] = scores.get(idx, 0.0) + weight * value
        return scores

    def _boost(self, scores: dict[int, float], docs: set[int], amount: float, include_heading: bool = False) -> None:
        """Lift the candidates of ``docs``; their own order stays. ``include_heading`` also
        brings in each document's first passage (it holds the số hiệu and title)."""
        if not docs:
            return
        if include_heading:
            for doc_pos in docs:
                first = int(self.doc_first_chunk[doc_pos])
                if first < len(self.chunk_doc) and self.chunk_doc[first] == doc_pos:
                    scores.setdefault(first, 0.0)
        for idx in scores:
            if int(self.chunk_doc[idx]) in docs:
                scores[idx] += amount


def _province_match(wanted: Iterable[str], values: Iterable[str | None]) -> bool:
    have = frozenset().union(*(_province_keys(v) for v in values if v))
    return any(_province_keys(w) & have for w in wanted)


@functools.lru_cache(maxsize=8192)
def _province_now_of(province: str) -> str:
    return province_now(province)


def _doc_province_now(doc: DocumentRecord) -> str | None:
    """The document's ``province_now``, else the unit that governs its ``province`` today."""
    return doc.province_now or (_province_now_of(doc.province) if doc.province else None)


def min_max(ranking: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Scores rescaled to [0, 1] over the candidate list (min-max)."""
    if not ranking:
        return []
    values = [v for _, v in ranking]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return [(i, (v - low) / span) for i, v in ranking]


def _rank_of(ranking: list[tuple[int, float]], idx: int) -> int | None:
    for rank, (i, _) in enumerate(ranking):
        if i == idx:
            return rank + 1
    return None


def _drop_overlaps(hits: Iterable[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for hit in hits:
        p = hit.passage
        if any(k.passage.doc_id == p.doc_id and k.passage.char_start < p.char_end
               and p.char_start < k.passage.char_end for k in kept):
            continue
        kept.append(hit)
    return kept

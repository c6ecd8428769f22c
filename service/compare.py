"""Compare targets between localities: which plan promised what, by when, on a topic.

A target matches a topic when enough of the topic's content words (IDF-weighted syllables
and syllable pairs) appear in its metric and sentence, or when it is semantically very
close (dense cosine); matches are ranked by fused dense + BM25 score. Localities with
no numeric target on the topic get the closest passage of their plan instead.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from indexer.store import DocumentRecord, Passage, TargetRecord
from indexer.vntext import FOLDED_STOPWORDS, fold, normalize_vietnamese

from .retrieval import Hit, SearchFilters, Searcher, min_max
from .term_weights import TermWeights

MIN_COVERAGE = 0.5  # calibrated on eval/compare.jsonl (eval/RESULTS.md)
MIN_COSINE = 0.9
_DANGLING = frozenset({"dia", "khoa", "cong", "thuc", "chuyen", "nghien", "ho", "quan", "phat", "ung", "duoc"})
# Words that say how a target is measured, not what: "tỷ lệ" is implied by a percentage.
GENERIC_WORDS = frozenset({"ty", "le", "ti", "so", "luong", "chi", "tieu", "muc", "phan", "tram"})
_GENERIC_PAIRS = frozenset({"ty_le", "ti_le", "so_luong", "chi_tieu", "muc_tieu", "phan_tram"})
_RATIO_TOPIC = re.compile(r"^(tỷ lệ|tỉ lệ|phần trăm)\b", re.I)
_COUNT_TOPIC = re.compile(r"^(?:số lượng|số)\s+(?P<noun>\w+(?:\s+\w+)?)", re.I)


def unit_fits(topic: str, target: TargetRecord) -> bool:
    """'tỷ lệ …' asks for percentages; 'số dự án …' for a count whose sentence names what is
    counted ('dự án'); any other topic takes any target."""
    if _RATIO_TOPIC.match(topic):
        return target.unit == "%"
    count = _COUNT_TOPIC.match(topic)
    if count:
        return target.unit != "%" and fold(count.group("noun")) in fold(f"{target.unit} {target.text}")
    return True


@dataclass
class TargetMatch:
    target: TargetRecord
    citation: Hit
    score: float
    coverage: float
    cosine: float


@dataclass
class LocalityRow:
    document: DocumentRecord
    targets: list[TargetMatch] = field(default_factory=list)
    closest: Hit | None = None  # when the plan has no numeric target on the topic
    comparable: bool = True
    reason: str | None = None  # why the row is not comparable with the others

    @property
    def best(self) -> float:
        return max((t.score for t in self.targets), default=-1.0)

    @property
    def lead(self) -> TargetRecord | None:
        """The row's best-matching target, the one compared."""
        return max(self.targets, key=lambda t: t.score).target if self.targets else None


@dataclass(frozen=True)
class CompareScope:
    """Which plans a comparison covers and how its rows are ordered."""

    localities: tuple[str, ...] = ()  # locality or province names, as issued
    province: tuple[str, ...] = ()  # the unit a plan was issued for (Hà Nam stays Hà Nam)
    province_now: tuple[str, ...] = ()  # today's unit, with the former provinces it absorbed
    implements: tuple[str, ...] = ()  # plans answering these directives ('57-NQ/TW')
    sort: str = "relevance"  # relevance | value | year


def mark_comparable(rows: list[LocalityRow]) -> None:
    """Rows compare when their lead target has the unit most rows use and a deadline year."""
    units = Counter(row.lead.unit for row in rows if row.lead)
    common = min(units, key=lambda u: (-units[u], u != "%", u)) if units else None  # ties: percentages, then name
    for row in rows:
        lead = row.lead
        if lead is None:
            row.comparable, row.reason = False, "không có chỉ tiêu định lượng về chủ đề này"
        elif lead.unit != common:
            row.comparable, row.reason = False, f"đơn vị khác ({lead.unit or 'không đơn vị'}, các dòng khác: {common})"
        elif lead.year is None:
            row.comparable, row.reason = False, "chỉ tiêu không nêu năm đạt"


def sort_rows(rows: list[LocalityRow], sort: str) -> list[LocalityRow]:
    """``relevance``: best match first; ``value``: comparable rows by value, highest first; ``year``:
    comparable rows by deadline, earliest first; rows that do not compare come last."""
    if sort == "value":
        return sorted(rows, key=lambda r: (not r.comparable, -(r.lead.value if r.comparable else 0), -r.best))
    if sort == "year":
        return sorted(rows, key=lambda r: (not r.comparable, r.lead.year if r.comparable else 0, -r.best))
    return sorted(rows, key=lambda r: (-r.best, r.document.locality or ""))


class TargetMatcher:
    def __init__(self, searcher: Searcher, weights: TermWeights, min_coverage: float = MIN_COVERAGE) -> None:
        self.searcher = searcher
        self.weights = weights
        self.min_coverage = min_coverage
        index = searcher.index
        self.targets = index.targets
        self.vectors = index.target_vectors
        self.texts = [t.embed_text for t in self.targets]
        self.lexical = index.target_lexical
        self.passages = {t.chunk_id: self._passage(t.chunk_id) for t in self.targets if t.chunk_id}

    def _passage(self, chunk_id: str) -> Passage:
        """A target's passage: '<doc_id>#<n>' is the document's n-th passage."""
        doc_id, _, n = chunk_id.rpartition("#")
        passage = self.searcher.index.passages[self.searcher.first_chunk_of(doc_id) + int(n)]
        assert passage.chunk_id == chunk_id, (passage.chunk_id, chunk_id)
        return passage

    def suggestions(self, limit: int = 8) -> list[str]:
        """Topics drawn from the corpus: the metrics of targets, most common first."""
        seen: dict[str, int] = {}
        for t in self.targets:
            words = t.metric.split()[:10]
            while words and (fold(words[-1]) in FOLDED_STOPWORDS or len(words) > 6 and fold(words[-1]) in _DANGLING):
                words.pop()
            metric = " ".join(words)
            if len(words) >= 3:
                seen[metric] = seen.get(metric, 0) + 1
        return sorted(seen, key=lambda m: -seen[m])[:limit]

    def _scores(self, topic: str) -> tuple[np.ndarray, np.ndarray]:
        analysis = self.searcher.analyzer.analyze(topic)
        cosine = self.vectors @ self.searcher.query_vectors.get(analysis.for_dense)
        lexical = np.asarray(self.lexical.scores(analysis.for_lexical), dtype=np.float32)
        fused = np.zeros(len(self.targets), dtype=np.float32)
        for ranking in ([(i, float(v)) for i, v in enumerate(cosine)], [(i, float(v)) for i, v in enumerate(lexical)]):
            for i, value in min_max(ranking):
                fused[i] += value
        return fused, cosine

    def matches(self, topic: str) -> list[TargetMatch]:
        if not self.targets:
            return []
        topic = normalize_vietnamese(topic).strip()
        terms = {t: w for t, w in self.weights.terms(self.searcher.analyzer.analyze(topic).for_lexical).items()
                 if t not in GENERIC_WORDS and t not in _GENERIC_PAIRS}
        fused, cosine = self._scores(topic)
        found = []
        for i, target in enumerate(self.targets):
            if not unit_fits(topic, target):
                continue
            coverage = self.weights.coverage(terms, self.texts[i])
            if coverage >= self.min_coverage or cosine[i] >= MIN_COSINE:
                found.append(TargetMatch(target, self._citation(target, float(fused[i])), float(fused[i]),
                                         round(coverage, 3), round(float(cosine[i]), 4)))
        return sorted(found, key=lambda m: -m.score)

    def _citation(self, target: TargetRecord, score: float) -> Hit:
        passage = self.passages[target.chunk_id]
        start = target.start - passage.char_start
        return Hit(passage, self.searcher.index.documents[target.doc_id], score,
                   highlights=[(start, target.end - passage.char_start)])

    def compare(self, topic: str, scope: CompareScope = CompareScope()) -> list[LocalityRow]:
        rows = {doc_id: LocalityRow(self.searcher.index.documents[doc_id]) for doc_id in self._plans(scope)}
        for match in self.matches(topic):
            if match.target.doc_id in rows:
                rows[match.target.doc_id].targets.append(match)
        for row in rows.values():
            if not row.targets:
                hits = self.searcher.search(topic, 1, SearchFilters(doc_id=(row.document.doc_id,)))
                row.closest = hits[0] if hits else None
        found = list(rows.values())
        mark_comparable(found)
        return sort_rows(found, scope.sort)

    def _plans(self, scope: CompareScope) -> list[str]:
        """The documents in ``scope``: named localities (as issued), then the province filters."""
        wanted = {fold(x).strip() for x in scope.localities}
        allowed = self.searcher.allowed_documents(SearchFilters(province=scope.province, province_now=scope.province_now,
                                                                implements=scope.implements))
        plans = []
        for pos, doc_id in enumerate(self.searcher.doc_ids):
            doc = self.searcher.index.documents[doc_id]
            if wanted and not wanted & {fold(doc.locality or ""), fold(doc.province or "")}:
                continue
            if allowed is None or allowed[pos]:
                plans.append(doc_id)
        return plans

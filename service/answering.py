"""Extractive answers: the sentences of the retrieved passages that answer the question.

Nothing is generated: each answer sentence is a sentence of a cited passage, prefixed
with where it comes from (locality, số hiệu) and ending with its ``[n]`` marker. The
answer abstains ("không tìm thấy") when the best evidence covers too little of the
question's content words — the threshold is calibrated in eval/RESULTS.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator

from indexer.vntext import fold, normalize_vietnamese, sentence_spans, words

from .query_analysis import QueryAnalyzer
from .retrieval import Hit
from .term_weights import TermWeights

NOT_FOUND = "Không tìm thấy thông tin trả lời câu hỏi này trong các văn bản đã lập chỉ mục."
MIN_COVERAGE = 0.3  # calibrated on 92 in-domain + 18 out-of-domain questions (eval/RESULTS.md)
MAX_SENTENCES = 3
_NUMBER = re.compile(r"\d")
_ASKS_NUMBER = re.compile(r"\b(bao nhieu|may|ty le|ti le|phan tram|muc tieu|chi tieu|dat|how many|how much|what share|percent|target)\b")
_ASKS_WHEN = re.compile(r"\b(khi nao|bao gio|nam nao|thoi han|den nam|when|deadline|by when)\b")
_ASKS_WHO = re.compile(r"\b(ai|co quan nao|don vi nao|so nao|phong nao|chu tri|who|which office|which department)\b")
_BODY = re.compile(r"\b(Sở|Phòng|UBND|Ủy ban|Trung tâm|Ban|Văn phòng|chủ trì)\b")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


@dataclass
class Answer:
    text: str
    citations: list[Hit]
    abstained: bool
    generator: str = "extractive"
    coverage: float = 0.0
    flagged: bool = False  # an LLM answer had invalid citation markers removed
    note: str | None = None
    sentences: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sentence:
    hit_index: int
    text: str
    score: float


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage with at least four words (the toolkit's splitter)."""
    pieces = [text[s:e] for s, e in sentence_spans(text, min_chars=1)]
    return [p for p in pieces if len(words(p)) >= 4]


class ExtractiveGenerator:
    name = "extractive"

    def __init__(self, weights: TermWeights, analyzer: QueryAnalyzer, min_coverage: float = MIN_COVERAGE) -> None:
        self.weights = weights
        self.analyzer = analyzer
        self.min_coverage = min_coverage

    def _match_text(self, query: str) -> str:
        """What the question's words are matched with: English domain terms translated."""
        return self.analyzer.analyze(normalize_vietnamese(query)).for_lexical

    def evidence(self, query: str, hits: list[Hit]) -> float:
        """Best share (IDF-weighted) of the question's content words and word pairs found in
        one passage with its context (title, locality, section)."""
        terms = self.weights.terms(self._match_text(query))
        return max((self.weights.coverage(terms, f"{h.passage.context}\n{h.passage.text}")
                    for h in hits[:3]), default=0.0)

    def _score(self, query_folded: str, terms: dict[str, float], sentence: str) -> float:
        score = self.weights.coverage(terms, sentence)
        if _ASKS_NUMBER.search(query_folded) and _NUMBER.search(sentence):
            score += 0.25
        if _ASKS_WHEN.search(query_folded) and _YEAR.search(sentence):
            score += 0.2
        if _ASKS_WHO.search(query_folded) and _BODY.search(sentence):
            score += 0.2
        return score

    def select(self, query: str, hits: list[Hit]) -> list[Sentence]:
        terms = self.weights.terms(self._match_text(query))
        query_folded = " ".join(words(fold(query)))
        ranked = [Sentence(i, s, self._score(query_folded, terms, s) - 0.02 * i)
                  for i, hit in enumerate(hits[:5]) for s in split_sentences(hit.passage.text)]
        ranked.sort(key=lambda s: -s.score)
        if not ranked:
            return []
        chosen = [ranked[0]]
        for cand in ranked[1:]:
            if len(chosen) == MAX_SENTENCES or cand.score < 0.75 * ranked[0].score:
                break
            if cand.hit_index not in {c.hit_index for c in chosen}:
                chosen.append(cand)
        return chosen

    def answer(self, query: str, hits: list[Hit]) -> Answer:
        coverage = self.evidence(query, hits)
        if not hits or coverage < self.min_coverage:
            return Answer(NOT_FOUND, [], True, coverage=round(coverage, 3))
        chosen = self.select(query, hits)
        if not chosen:
            return Answer(NOT_FOUND, [], True, coverage=round(coverage, 3))
        citations: list[Hit] = []
        sentences = []
        for sentence in chosen:
            hit = hits[sentence.hit_index]
            if hit not in citations:
                citations.append(hit)
            marker = citations.index(hit) + 1
            sentences.append(f"{_source_label(hit)}: {_as_sentence(sentence.text)} [{marker}]")
        return Answer(" ".join(sentences), citations, False, coverage=round(coverage, 3), sentences=sentences)

    def stream(self, query: str, hits: list[Hit]) -> Iterator[str | Answer]:
        """Sentences one by one, then the whole ``Answer``."""
        result = self.answer(query, hits)
        for sentence in result.sentences or [result.text]:
            yield sentence + " "
        yield result


def _source_label(hit: Hit) -> str:
    doc = hit.document
    place = doc.locality or doc.province or doc.issuer or doc.doc_id
    number = doc.doc_number
    return f"{place} ({'Kế hoạch số ' + number if number else doc.issuer or 'kế hoạch'})"


def _as_sentence(text: str) -> str:
    text = " ".join(text.split())
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text.rstrip(";,:") + "."

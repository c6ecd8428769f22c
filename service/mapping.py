"""From the engine's objects (index records, hits, answers, compare rows) to the API's schemas, and
from request filters to the searcher's: the one place where field names of the v1 contract meet
the index's. Routes build responses only through these functions."""
from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from indexer.store import DocumentRecord, ReferenceRecord
from indexer.vntext import fold

from .answering import Answer
from .compare import CompareScope, LocalityRow, TargetMatch
from .directives import Citation, DirectiveGraph, issuer_group
from .retrieval import Hit, SearchFilters, SearchOutcome
from vnpolicy.models import (AnswerRequest, AnswerResponse, CitingDocument, CompareRequest, CompareRow, DirectiveGroup,
                      DirectiveResponse, DocumentDetail, DocumentReferences, DocumentSummary, FacetCount, Filters,
                      Highlight, ReferenceOut, RelevanceOut, Result, SearchRequest, SearchResponse, Section, TargetOut)

LIST_FILTERS = ("province", "province_now", "locality", "level", "doc_type", "issuer", "issuer_kind", "doc_number",
                "doc_id", "implements")


def to_search_filters(filters: Filters | None) -> SearchFilters:
    if filters is None:
        return SearchFilters()
    return SearchFilters(**{name: tuple(getattr(filters, name)) for name in LIST_FILTERS},
                         year=tuple(filters.year), year_from=filters.year_from, year_to=filters.year_to)


def search_response(request: SearchRequest, outcome: SearchOutcome, base: str, took_ms: float,
                    index_version: str | None) -> SearchResponse:
    relevance = outcome.relevance
    return SearchResponse(
        query=request.query, took_ms=round(took_ms, 2), mode=request.mode, index_version=index_version,
        results=[to_result(hit, base) for hit in outcome.hits],
        not_found=bool(relevance and not relevance.relevant),
        near_misses=[to_result(hit, base) for hit in outcome.near_misses],
        relevance=None if relevance is None else RelevanceOut(
            cosine=None if relevance.cosine is None else round(relevance.cosine, 4),
            coverage=round(relevance.coverage, 3), relevant=relevance.relevant),
        facets={name: [FacetCount(value=v.value, count=v.count) for v in values]
                for name, values in outcome.facets.items()})


def passage_url(base: str, doc_id: str, start: int, end: int) -> str:
    return f"{base}/view/{doc_id}?{urlencode({'start': start, 'end': end})}#passage"


def document_url(base: str, doc_id: str) -> str:
    return f"{base}/view/{doc_id}"


def to_result(hit: Hit, base: str) -> Result:
    p, d = hit.passage, hit.document
    page = p.page
    ocr = page is not None and any(n in d.ocr_pages for n in range(page, (p.page_end or page) + 1))
    return Result(
        chunk_id=p.chunk_id, doc_id=p.doc_id, text=p.text, score=round(hit.score, 6),
        title=d.title, locality=d.locality, province=d.province, level=d.level,
        doc_number=d.doc_number, issued_date=d.issued_date, year=d.year,
        issuer=d.issuer, signer=d.signer, doc_type=d.doc_type,
        issuer_kind=d.issuer_kind, province_now=d.province_now, section=list(p.section), page=p.page,
        page_end=p.page_end, char_start=p.char_start, char_end=p.char_end,
        highlights=[Highlight(start=s, end=e) for s, e in hit.highlights],
        url=passage_url(base, p.doc_id, p.char_start, p.char_end),
        dense_rank=hit.dense_rank, lexical_rank=hit.lexical_rank,
        ocr=ocr, ocr_confidence=d.ocr_confidence if d.ocr_pages else None,
    )


def _summary_fields(doc: DocumentRecord, base: str) -> dict[str, Any]:
    return dict(
        doc_id=doc.doc_id, title=doc.title, doc_number=doc.doc_number, issued_date=doc.issued_date, year=doc.year,
        issuer=doc.issuer, locality=doc.locality, province=doc.province, level=doc.level, signer=doc.signer,
        signer_title=doc.signer_title, source_file=doc.source_file, n_chunks=doc.n_chunks, n_pages=doc.n_pages,
        doc_type=doc.doc_type, issuer_kind=doc.issuer_kind, province_now=doc.province_now,
        missing=list(doc.missing), ocr_pages=list(doc.ocr_pages), ocr_confidence=doc.ocr_confidence,
        url=document_url(base, doc.doc_id))


def document_summary(doc: DocumentRecord, base: str) -> DocumentSummary:
    return DocumentSummary(**_summary_fields(doc, base))


def document_detail(doc: DocumentRecord, base: str) -> DocumentDetail:
    return DocumentDetail(
        **_summary_fields(doc, base), text=doc.text,
        page_starts=None if doc.page_starts is None else list(doc.page_starts),
        sections=[Section(path=list(s.path), start=s.start, end=s.end, kind=s.kind) for s in doc.sections],
        recipients=list(doc.recipients))


def to_answer_response(request: AnswerRequest, answer: Answer, evidence: float, base: str,
                       started: float) -> AnswerResponse:
    return AnswerResponse(
        query=request.query, answer=answer.text, citations=[to_result(h, base) for h in answer.citations],
        abstained=answer.abstained, generator=answer.generator, flagged=answer.flagged, note=answer.note,
        evidence=round(evidence, 3), took_ms=round((time.perf_counter() - started) * 1000, 1))


def to_target(match: TargetMatch, base: str) -> TargetOut:
    t = match.target
    return TargetOut(target_id=t.target_id, text=t.text, metric=t.metric, value=t.value, value_max=t.value_max,
                     unit=t.unit, comparator=t.comparator, year=t.year, per_year=t.per_year,
                     score=round(match.score, 4), citation=to_result(match.citation, base))


def locality_note(doc: DocumentRecord) -> str | None:
    """'Hà Nam (nay thuộc Ninh Bình)' for a former province; None when the unit is unchanged."""
    if doc.province and doc.province_now and fold(doc.province) != fold(doc.province_now):
        return f"{doc.province} (nay thuộc {doc.province_now})"
    return None


def compare_scope(request: CompareRequest) -> CompareScope:
    return CompareScope(tuple(request.localities), tuple(request.province), tuple(request.province_now),
                        tuple(request.implements), request.sort)


def to_compare_row(row: LocalityRow, base: str) -> CompareRow:
    doc = row.document
    return CompareRow(locality=doc.locality, province=doc.province, province_now=doc.province_now,
                      note=locality_note(doc), comparable=row.comparable, reason=row.reason, level=doc.level,
                      doc_id=doc.doc_id,
                      doc_number=doc.doc_number, title=doc.title, targets=[to_target(m, base) for m in row.targets],
                      closest=to_result(row.closest, base) if row.closest else None)


def to_reference(ref: ReferenceRecord, documents: Mapping[str, DocumentRecord]) -> ReferenceOut:
    target = documents.get(ref.doc_id) if ref.doc_id else None
    return ReferenceOut(ref=ref.number or ref.name or ref.kind, kind=ref.kind, number=ref.number, name=ref.name,
                        issuer=ref.issuer, date=ref.date, role=ref.role, doc_id=ref.doc_id,
                        title=target.title if target else None)


def citing_document(doc: DocumentRecord, role: str, base: str) -> CitingDocument:
    return CitingDocument(doc_id=doc.doc_id, role=role, title=doc.title, doc_number=doc.doc_number,
                          doc_type=doc.doc_type, issued_date=doc.issued_date, province=doc.province,
                          province_now=doc.province_now, locality=doc.locality, level=doc.level,
                          url=document_url(base, doc.doc_id))


def document_references(doc: DocumentRecord, graph: DirectiveGraph, base: str) -> DocumentReferences:
    documents = graph.documents
    return DocumentReferences(
        doc_id=doc.doc_id, status=doc.status, status_by=doc.status_by,
        references=[to_reference(r, documents) for r in graph.outgoing(doc.doc_id)],
        cited_by=[citing_document(documents[c.doc_id], c.reference.role, base) for c in graph.incoming(doc.doc_id)])


def directive_response(ref: str, citations: list[Citation], graph: DirectiveGraph, base: str) -> DirectiveResponse:
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(issuer_group(citation), []).append(citation)
    named = [g for g in groups if g != "issuer:"]
    if "issuer:" in groups and len(named) == 1:  # mentions without an issuer join the only named one
        groups[named[0]] += groups.pop("issuer:")

    def out(c: Citation) -> CitingDocument:
        return citing_document(graph.documents[c.doc_id], c.reference.role, base)

    return DirectiveResponse(
        ref=ref, documents=[out(c) for c in citations],
        groups=[DirectiveGroup(issuer=next((c.reference.issuer for c in members if c.reference.issuer), None),
                               doc_id=members[0].reference.doc_id, documents=[out(c) for c in members])
                for members in groups.values()])

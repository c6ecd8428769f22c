"""/v1/compare: targets on a topic, one row per locality, with citations; CSV export."""
from __future__ import annotations

import csv
import io
import time
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from ...compare import LocalityRow
from ...schemas import CompareRequest, CompareResponse, CompareRow, TargetOut
from ..deps import BaseUrlDep, EngineDep, require_scope
from .search import to_result

router = APIRouter(prefix="/v1", tags=["compare"], dependencies=[require_scope("search")])
CSV_COLUMNS = ["locality", "province", "level", "doc_id", "doc_number", "metric", "comparator", "value", "value_max",
               "unit", "year", "per_year", "text", "section", "page", "url"]


def to_row(row: LocalityRow, base: str) -> CompareRow:
    doc = row.document
    targets = [TargetOut(**{k: m.target[k] for k in ("target_id", "text", "metric", "value", "value_max", "unit",
                                                       "comparator", "year", "per_year")},
                         score=round(m.score, 4), citation=to_result(m.citation, base)) for m in row.targets]
    return CompareRow(locality=doc.get("locality"), province=doc.get("province"), level=doc.get("level"),
                      doc_id=doc["doc_id"], doc_number=doc.get("doc_number"), title=doc.get("title"), targets=targets,
                      closest=to_result(row.closest, base) if row.closest else None)


@router.post("/compare", response_model=CompareResponse, summary="So sánh chỉ tiêu giữa các địa phương")
def compare(request: CompareRequest, engine: EngineDep, base: BaseUrlDep) -> CompareResponse:
    started = time.perf_counter()
    rows = engine.matcher.compare(request.topic, request.localities)
    return CompareResponse(topic=request.topic, rows=[to_row(r, base) for r in rows],
                           took_ms=round((time.perf_counter() - started) * 1000, 1))


@router.get("/compare.csv", summary="Bảng so sánh chỉ tiêu (CSV)", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def compare_csv(engine: EngineDep, base: BaseUrlDep,
                topic: Annotated[str, Query(min_length=1, max_length=500)],
                localities: Annotated[list[str] | None, Query()] = None) -> Response:
    request = CompareRequest(topic=topic, localities=localities or [])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in (to_row(r, base) for r in engine.matcher.compare(request.topic, request.localities)):
        place = [row.locality, row.province, row.level, row.doc_id, row.doc_number]
        if not row.targets:
            writer.writerow(place + ["(không có chỉ tiêu định lượng)"] + [""] * 7
                            + [" > ".join(row.closest.section) if row.closest else "",
                               row.closest.page if row.closest else "", row.closest.url if row.closest else ""])
        for t in row.targets:
            writer.writerow(place + [t.metric, t.comparator, t.value, t.value_max if t.value_max is not None else "",
                                     t.unit, t.year or "", t.per_year, t.text, " > ".join(t.citation.section),
                                     t.citation.page or "", t.citation.url])
    filename = "so-sanh-chi-tieu.csv"
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/compare/suggestions", summary="Gợi ý chủ đề so sánh lấy từ kho văn bản")
def suggestions(engine: EngineDep) -> dict:
    return {"topics": engine.matcher.suggestions()}

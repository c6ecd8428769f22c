"""/v1/compare: targets on a topic, one row per locality, with citations; CSV and Excel downloads.

The CSV is safe to open in a spreadsheet: a text cell that starts with ``=``, ``+``, ``-``, ``@``,
tab or CR is prefixed with a single quote (OWASP, CSV injection), unless the whole cell is a
plain number; numeric fields are written as numbers, every text cell is quoted."""
from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ...mapping import compare_scope, to_compare_row
from vnpolicy.models import CompareRequest, CompareResponse, CompareRow
from ..deps import BaseUrlDep, EngineDep, require_scope
from ..errors import SEARCH_ERRORS, field_error, invalid, success

router = APIRouter(prefix="/v1", tags=["compare"], dependencies=[require_scope("search")], responses=SEARCH_ERRORS)
CSV_COLUMNS = ["locality", "province", "province_now", "note", "comparable", "level", "doc_id", "doc_number", "metric", "comparator", "value", "value_max",
               "unit", "year", "per_year", "text", "section", "page", "url"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?%?")
CSV_EXAMPLE = ('\ufeff"locality","province","province_now","note","comparable","level","doc_id","doc_number",'
               '"metric","comparator","value","value_max","unit","year","per_year","text","section","page","url"\r\n'
               '"Quảng Trị","Quảng Trị","Quảng Trị","","True","sở","quang-tri-skhcn-kh-43-2023","43/KH-SKHCN",'
               '"sản phẩm chủ lực đặc sản của địa phương được đăng ký bảo hộ quyền sở","từ",70.0,80.0,"%",2030,'
               '"False","từ 70-80% sản phẩm chủ lực, đặc sản của địa phương được đăng ký bảo hộ quyền sở hữu trí '
               'tuệ.","I. Mục tiêu và tầm nhìn > 2. Mục tiêu cụ thể","","http://localhost:8000/view/'
               'quang-tri-skhcn-kh-43-2023?start=1159&end=1932#passage"\r\n')
COMPARE_ERRORS = {422: invalid(("empty-topic", field_error(("body", "topic"), "String should have at least 1 character",
                                                           "string_too_short")))}
DOWNLOAD_ERRORS = {422: invalid(("empty-topic", field_error(("query", "topic"),
                                                            "String should have at least 1 character",
                                                            "string_too_short")))}
SUGGESTIONS = success(200, "Topics with numeric targets in the indexed plans", {"topics": [
    "sản phẩm chủ lực đặc sản của địa phương", "số nhãn hiệu tập thể được bảo hộ mới",
    "đầu tư cho hoạt động khoa học - công nghệ", "sản phẩm ocop"]}, schema={
    "properties": {"topics": {"type": "array", "items": {"type": "string"}}}, "required": ["topics"]})


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: numbers stay numbers, ``None`` is empty, and text
    starting like a formula gets a leading ``'`` (``"-5"`` alone is a number and stays)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


@router.post("/compare", response_model=CompareResponse, summary="So sánh chỉ tiêu giữa các địa phương",
             responses=COMPARE_ERRORS)
def compare(request: CompareRequest, engine: EngineDep, base: BaseUrlDep) -> CompareResponse:
    started = time.perf_counter()
    rows = engine.matcher.compare(request.topic, compare_scope(request))
    return CompareResponse(topic=request.topic, rows=[to_compare_row(r, base) for r in rows],
                           took_ms=round((time.perf_counter() - started) * 1000, 1))


def csv_lines(rows: Iterable[CompareRow]) -> Iterator[list]:
    """One line per target, or one per locality without a target (with its closest passage)."""
    for row in rows:
        place = [row.locality, row.province, row.province_now, row.note, str(row.comparable), row.level, row.doc_id,
                 row.doc_number]
        if not row.targets:
            closest = row.closest
            yield place + ["(không có chỉ tiêu định lượng)"] + [""] * 7 + [
                " > ".join(closest.section) if closest else "", closest.page if closest else "",
                closest.url if closest else ""]
        for t in row.targets:
            yield place + [t.metric, t.comparator, t.value, t.value_max, t.unit, t.year, str(t.per_year), t.text,
                           " > ".join(t.citation.section), t.citation.page, t.citation.url]


def download_request(topic: Annotated[str, Query(min_length=1, max_length=500,
                                                 examples=["tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"])],
                     localities: Annotated[list[str] | None, Query(examples=[["Quảng Trị", "Chi Lăng"]])] = None,
                     province: Annotated[list[str] | None, Query(examples=[["Thừa Thiên Huế"]])] = None,
                     province_now: Annotated[list[str] | None, Query(examples=[["Ninh Bình"]])] = None,
                     implements: Annotated[list[str] | None, Query(examples=[["69-KL/TW"]])] = None,
                     sort: Annotated[Literal["relevance", "value", "year"], Query(examples=["value"])] = "relevance"
                     ) -> CompareRequest:
    """The download's query parameters, as the compare request they mean (repeat a list parameter)."""
    return CompareRequest(topic=topic, localities=localities or [], province=province or [],
                          province_now=province_now or [], implements=implements or [], sort=sort)


DownloadDep = Annotated[CompareRequest, Depends(download_request)]


def table_lines(engine: EngineDep, request: CompareRequest, base: str) -> list[list]:
    """The header and one neutralised line per target (or per locality without one)."""
    rows = (to_compare_row(r, base) for r in engine.matcher.compare(request.topic, compare_scope(request)))
    return [CSV_COLUMNS] + [[safe_cell(v) for v in line] for line in csv_lines(rows)]


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/compare.csv", summary="Bảng so sánh chỉ tiêu (CSV)", response_class=Response,
            responses={200: {"description": "UTF-8 CSV with a BOM: one line per target (or per plan without one)",
                             "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}},
                       **DOWNLOAD_ERRORS})
def compare_csv(engine: EngineDep, base: BaseUrlDep, request: DownloadDep) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(table_lines(engine, request, base))
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers=attachment("so-sanh-chi-tieu.csv"))


@router.get("/compare.xlsx", summary="Bảng so sánh chỉ tiêu (Excel)", response_class=Response,
            responses={200: {"description": "The CSV's table as an Excel workbook (sheet 'So sanh chi tieu')",
                             "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                       **DOWNLOAD_ERRORS})
def compare_xlsx(engine: EngineDep, base: BaseUrlDep, request: DownloadDep) -> Response:
    """The CSV's table as a workbook: the same neutralised cells, every text cell stored as text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("So sanh chi tieu")
    for line in table_lines(engine, request, base):
        sheet.append([_text_cell(sheet, v) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), media_type=XLSX, headers=attachment("so-sanh-chi-tieu.xlsx"))


def _text_cell(sheet: Any, value: Any) -> Any:
    """Numbers stay numbers; text is a string cell even when it starts with '=' (never a formula), without
    the control characters a workbook cannot hold (a form feed from a PDF)."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return value


@router.get("/compare/suggestions", summary="Gợi ý chủ đề so sánh lấy từ kho văn bản", responses=SUGGESTIONS)
def suggestions(engine: EngineDep) -> dict:
    return {"topics": engine.matcher.suggestions()}

"""/v1/search: hybrid search with cited passages (POST body, or GET ?q= for the widget)."""
from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request

from ...mapping import LIST_FILTERS, search_response, to_search_filters
from vnpolicy.models import MAX_K, MAX_QUERY_CHARS, FacetName, Filters, SearchRequest, SearchResponse
from ..deps import BaseUrlDep, EngineDep, require_scope
from ..errors import SEARCH_ERRORS, field_error, invalid

router = APIRouter(prefix="/v1", tags=["search"], dependencies=[require_scope("search")], responses=SEARCH_ERRORS)
GET_PARAMS = {"q", "k", "mode", *LIST_FILTERS, "year", "year_from", "year_to", "facets", "api_key"}
GET_ERRORS = {422: invalid(("empty-q", field_error(("query", "q"), "String should have at least 1 character",
                                                   "string_too_short")),
                           ("unknown-parameter", {"detail": "unknown query parameter(s): query; allowed: "
                                                            + ", ".join(sorted(GET_PARAMS))}))}


def run_search(engine: EngineDep, request: SearchRequest, base: str, scope: dict | None = None) -> SearchResponse:
    started = time.perf_counter()
    outcome = engine.searcher.run(request.query, request.k, to_search_filters(request.filters), request.mode,
                                  tuple(dict.fromkeys(request.facets)))
    if scope is not None:  # for the access log and metrics
        scope["vnpolicy.result_count"], scope["vnpolicy.query"] = len(outcome.hits), request.query
    took = (time.perf_counter() - started) * 1000
    return search_response(request, outcome, base, took, engine.index.built_at)


@router.post("/search", response_model=SearchResponse, summary="Tìm kiếm các đoạn văn bản có trích dẫn")
def search_post(request: SearchRequest, http_request: Request, engine: EngineDep, base: BaseUrlDep) -> SearchResponse:
    return run_search(engine, request, base, http_request.scope)


@router.get("/search", response_model=SearchResponse, summary="Tìm kiếm (GET, cho ô tìm kiếm nhúng)",
            responses=GET_ERRORS)
def search_get(
    http_request: Request, engine: EngineDep, base: BaseUrlDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, examples=["sở hữu trí tuệ sản phẩm chủ lực"])],
    k: Annotated[int, Query(ge=1, le=MAX_K, examples=[5])] = 10,
    mode: Annotated[str, Query(pattern="^(hybrid|dense|lexical)$", examples=["hybrid"])] = "hybrid",
    province: Annotated[list[str] | None, Query(examples=[["Quảng Trị", "Thừa Thiên Huế"]])] = None,
    province_now: Annotated[list[str] | None, Query(examples=[["Ninh Bình"]])] = None,
    locality: Annotated[list[str] | None, Query(examples=[["Chi Lăng"]])] = None,
    level: Annotated[list[str] | None, Query(examples=[["huyện", "tỉnh"]])] = None,
    doc_type: Annotated[list[str] | None, Query(examples=[["Kế hoạch"]])] = None,
    issuer: Annotated[list[str] | None, Query(examples=[["UBND tỉnh Hà Nam"]])] = None,
    issuer_kind: Annotated[list[str] | None, Query(examples=[["state"]])] = None,
    doc_number: Annotated[list[str] | None, Query(examples=[["2811/KH-UBND"]])] = None,
    doc_id: Annotated[list[str] | None, Query(examples=[["quang-tri-skhcn-kh-43-2023"]])] = None,
    implements: Annotated[list[str] | None, Query(examples=[["69-KL/TW"]])] = None,
    year: Annotated[list[int] | None, Query(examples=[[2023, 2024]])] = None,
    year_from: Annotated[int | None, Query(ge=1900, le=2100, examples=[2020])] = None,
    year_to: Annotated[int | None, Query(ge=1900, le=2100, examples=[2030])] = None,
    facets: Annotated[list[FacetName] | None, Query(examples=[["province", "year"]])] = None,
) -> SearchResponse:
    unknown = sorted(set(http_request.query_params) - GET_PARAMS)
    if unknown:
        raise HTTPException(422, f"unknown query parameter(s): {', '.join(unknown)}; "
                                 f"allowed: {', '.join(sorted(GET_PARAMS))}")
    lists = {"province": province, "province_now": province_now, "locality": locality, "level": level,
             "doc_type": doc_type, "issuer": issuer, "issuer_kind": issuer_kind, "doc_number": doc_number,
             "doc_id": doc_id, "implements": implements}
    filters = Filters(**{name: values or [] for name, values in lists.items()}, year=year or [], year_from=year_from,
                      year_to=year_to)
    request = SearchRequest(query=q, k=k, filters=filters, mode=mode, facets=facets or [])
    return run_search(engine, request, base, http_request.scope)

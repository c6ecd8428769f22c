"""/v1/directives: every indexed document that implements or cites one directive."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...mapping import directive_response
from vnpolicy.models import DirectiveResponse
from ..deps import BaseUrlDep, EngineDep, require_scope
from ..errors import SEARCH_ERRORS, field_error, invalid

router = APIRouter(prefix="/v1", tags=["documents"], dependencies=[require_scope("search")], responses=SEARCH_ERRORS)
SHORT_REF = {422: invalid(("short-ref", field_error(("query", "ref"), "String should have at least 2 characters",
                                                   "string_too_short")))}


@router.get("/directives", response_model=DirectiveResponse,
            summary="Các văn bản thực hiện hoặc dẫn chiếu một văn bản chỉ đạo", responses=SHORT_REF)
def directives(engine: EngineDep, base: BaseUrlDep,
               ref: Annotated[str, Query(min_length=2, max_length=200, examples=["69-KL/TW", "Nghị quyết 57-NQ/TW"])]
               ) -> DirectiveResponse:
    graph = engine.searcher.directives
    return directive_response(ref, graph.citing(ref), graph, base)

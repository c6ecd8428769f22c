"""/v1/directives: every indexed document that implements or cites one directive."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ...mapping import directive_response
from ...schemas import DirectiveResponse
from ..deps import BaseUrlDep, EngineDep, require_scope

router = APIRouter(prefix="/v1", tags=["documents"], dependencies=[require_scope("search")])


@router.get("/directives", response_model=DirectiveResponse,
            summary="Các văn bản thực hiện hoặc dẫn chiếu một văn bản chỉ đạo")
def directives(engine: EngineDep, base: BaseUrlDep,
               ref: Annotated[str, Query(min_length=2, max_length=200, examples=["69-KL/TW", "Nghị quyết 57-NQ/TW"])]
               ) -> DirectiveResponse:
    graph = engine.searcher.directives
    return directive_response(ref, graph.citing(ref), graph, base)

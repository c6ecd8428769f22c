"""/v1/answer: a short answer grounded in cited passages, or an honest "không tìm thấy".

With ``"stream": true`` the response is Server-Sent Events: ``token`` events carry text
as it is produced (sentences for the extractive generator, tokens for an LLM), then one
``done`` event carries the whole answer with its citations.
"""
from __future__ import annotations

import json
import time
from typing import Iterator

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from ...answering import Answer, ExtractiveGenerator
from ...engine import Engine
from ...llm import LLMGenerator
from ...mapping import to_answer_response, to_search_filters
from ...retrieval import Hit
from vnpolicy.models import AnswerRequest, AnswerResponse
from ..deps import BaseUrlDep, EngineDep, require_scope
from ..errors import BODY_422, SEARCH_ERRORS, invalid

router = APIRouter(prefix="/v1", tags=["answer"], dependencies=[require_scope("search")], responses=SEARCH_ERRORS)
_STREAMED = ("Chi Lăng (UBND huyện Chi Lăng): … phấn đấu đến năm 2030 hỗ trợ đạt từ 10 cơ sở trở lên. [1]")
STREAM_EXAMPLE = (f'event: token\ndata: {{"text": "{_STREAMED} "}}\n\n'
                  'event: done\ndata: {"query": "Chi Lăng hỗ trợ bao nhiêu cơ sở ứng dụng khoa học công nghệ đến năm '
                  f'2030?", "answer": "{_STREAMED}", "citations": [{{"chunk_id": "chi-lang-kh-kl69-khcn#0008", …}}], '
                  '"abstained": false, "generator": "extractive", "flagged": false, "note": null, "evidence": 0.62, '
                  '"took_ms": 74.1}\n\n')
ANSWER_RESPONSES = {
    200: {"description": "The answer (JSON), or with `\"stream\": true` Server-Sent Events: `token` events, then "
                         "one `done` event carrying the whole AnswerResponse",
          "content": {"text/event-stream": {"schema": {"type": "string"}, "example": STREAM_EXAMPLE}}},
    422: invalid(BODY_422, ("llm-not-configured", {
        "detail": "generator 'llm' is not configured on this server: set VNPOLICY_LLM_BASE_URL and "
                  "VNPOLICY_LLM_MODEL, or use generator 'extractive'"})),
}


def pick_generator(engine: Engine, name: str) -> ExtractiveGenerator | LLMGenerator:
    if name == "llm":
        if engine.llm is None:
            raise HTTPException(422, "generator 'llm' is not configured on this server: set VNPOLICY_LLM_BASE_URL "
                                     "and VNPOLICY_LLM_MODEL, or use generator 'extractive'")
        return engine.llm
    return engine.extractive


def evidence_of(engine: Engine, request: AnswerRequest, answer: Answer, hits: list[Hit]) -> float:
    """The extractive generator measured it already; other answers are measured here."""
    return answer.coverage if answer.generator == "extractive" else engine.extractive.evidence(request.query, hits)


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/answer", response_model=AnswerResponse, summary="Trả lời ngắn có trích dẫn",
             responses=ANSWER_RESPONSES)
def answer(request: AnswerRequest, engine: EngineDep, base: BaseUrlDep):
    started = time.perf_counter()
    generator = pick_generator(engine, request.generator)
    hits = engine.searcher.search(request.query, request.k, to_search_filters(request.filters))
    if not request.stream:
        result = generator.answer(request.query, hits)
        return to_answer_response(request, result, evidence_of(engine, request, result, hits), base, started)

    def events() -> Iterator[str]:
        for item in generator.stream(request.query, hits):
            if isinstance(item, Answer):
                evidence = evidence_of(engine, request, item, hits)
                yield _sse("done", to_answer_response(request, item, evidence, base, started).model_dump())
            else:
                yield _sse("token", {"text": item})

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

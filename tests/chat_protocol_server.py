"""PROTOCOL TEST SERVER — not a language model.

A minimal OpenAI-compatible ``/v1/chat/completions`` endpoint used by the tests to check
vnpolicy's LLM path end to end over real HTTP (LangChain's ChatOpenAI client, JSON and
streaming SSE). Its replies are scripted by the requested model name:

- ``quote``: the first sentence of passage [1], ending with "[1]".
- ``bad-citation``: the same, plus a sentence citing a passage that does not exist ("[9]").
- ``not-found``: the "không tìm thấy" sentence.
- ``slow``: sleeps 5 s before answering (for client timeouts).
- ``trickle``: answers at once, but sends the first ``TRICKLE_BYTES`` bytes of the body one a second
  (JSON whitespace, or an SSE comment) before the reply: no single read ever waits long, the whole does.

    python tests/chat_protocol_server.py PORT
"""
from __future__ import annotations

import asyncio
import json
import re
import sys
import time

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

app = FastAPI()
TRICKLE_BYTES = 12


def scripted_reply(model: str, messages: list[dict]) -> str:
    user = messages[-1]["content"]
    match = re.search(r"\[1\] \([^\n]*\)\n(.+?)(?:[.;]|\n)", user)
    quote = match.group(1).strip() if match else "không rõ"
    if model == "not-found":
        return "Không tìm thấy thông tin trả lời câu hỏi này trong các văn bản đã lập chỉ mục."
    if model == "bad-citation":
        return f"{quote} [1]. Ngoài ra còn có chỉ tiêu khác [9]."
    return f"{quote} [1]."


def _chunk(model: str, delta: dict, finish: str | None = None) -> str:
    body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


@app.post("/v1/chat/completions")
async def chat(request: Request):
    body = await request.json()
    model = body.get("model", "quote")
    if model == "slow":
        await asyncio.sleep(5)
    reply = scripted_reply(model, body["messages"])
    if model == "trickle":
        return StreamingResponse(trickled(body.get("stream"), reply, model),
                                 media_type="text/event-stream" if body.get("stream") else "application/json")
    if body.get("stream"):
        return StreamingResponse(events(model, reply), media_type="text/event-stream")
    return JSONResponse(completion(model, reply))


def completion(model: str, reply: str) -> dict:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}


def events(model: str, reply: str):
    yield _chunk(model, {"role": "assistant", "content": ""})
    for word in re.findall(r"\S+\s*", reply):
        yield _chunk(model, {"content": word})
    yield _chunk(model, {}, "stop")
    yield "data: [DONE]\n\n"


async def trickled(stream: bool, reply: str, model: str):
    """One byte a second for TRICKLE_BYTES seconds, then the whole reply."""
    padding = ":" + " " * (TRICKLE_BYTES - 1) if stream else " " * TRICKLE_BYTES
    for byte in padding:
        yield byte.encode()
        await asyncio.sleep(1)
    if stream:
        yield "\n\n" + "".join(events(model, reply))
    else:
        yield json.dumps(completion(model, reply), ensure_ascii=False)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")

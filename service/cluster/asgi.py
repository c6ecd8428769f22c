"""An HTTP request as a plain, picklable message, and the FastAPI app run on it in-process.

The gateway turns the request it received into ``RequestMessage``; the replica runs the app's ASGI
callable on it and yields ``ResponsePart``s: one for an ordinary response (status, headers and the whole
body), or a first part and then body chunks for a streamed one (Server-Sent Events, files).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, TypedDict


class RequestMessage(TypedDict):
    method: str
    path: str
    query_string: bytes
    headers: list[tuple[bytes, bytes]]
    client: tuple[str, int] | None
    body: bytes


class ResponsePart(TypedDict):
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    more: bool  # more parts follow (a streamed response)


def scope_of(message: RequestMessage) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": message["method"],
            "scheme": "http", "path": message["path"], "raw_path": message["path"].encode(),
            "query_string": message["query_string"], "root_path": "", "headers": list(message["headers"]),
            "client": message["client"], "server": ("vnpolicy-replica", 80)}


def error_part(status: int, detail: str) -> ResponsePart:
    body = json.dumps({"detail": detail}).encode()
    return {"status": status, "headers": [(b"content-type", b"application/json")], "body": body, "more": False}


async def run_asgi(app, message: RequestMessage) -> AsyncIterator[ResponsePart]:
    """Run ``app`` on ``message``; parts as described in the module docstring."""
    queue: asyncio.Queue = asyncio.Queue()
    done = asyncio.Event()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": message["body"], "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def run() -> None:
        try:
            await app(scope_of(message), receive, queue.put)
        finally:
            await queue.put(None)

    task = asyncio.create_task(run())
    try:
        async for part in _parts(queue):
            yield part
    finally:
        done.set()
        await asyncio.gather(task, return_exceptions=True)


async def _parts(queue: asyncio.Queue) -> AsyncIterator[ResponsePart]:
    head: dict[str, Any] | None = None
    streaming = False
    chunks: list[bytes] = []
    while (event := await queue.get()) is not None:
        if event["type"] == "http.response.start":
            head = event
        elif event["type"] == "http.response.body" and head is not None:
            chunks.append(event.get("body", b""))
            if event.get("more_body") or streaming:
                streaming = True
                yield {"status": head["status"], "headers": list(head.get("headers", [])), "body": b"".join(chunks),
                       "more": bool(event.get("more_body"))}
                chunks = []
                if not event.get("more_body"):
                    return
            else:
                yield {"status": head["status"], "headers": list(head.get("headers", [])), "body": b"".join(chunks),
                       "more": False}
                return
    if head is None:
        yield error_part(500, "the replica ended the request without a response")
    elif streaming:
        yield {"status": head["status"], "headers": [], "body": b"", "more": False}

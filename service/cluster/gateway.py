"""``Gateway``: the HTTP ingress of the cluster. It reads the request, forwards it to an ``ApiReplica``
through a Serve handle and streams the answer back.

When the replica dies before it answered (killed, its node lost, restarting), a request that only reads
(any GET, and POST on search, answer and compare) is sent again to another replica, up to ``retries``
times with a short pause: the client never sees that replica die. Writes (uploads, reindex, reload,
deletes) are not repeated: they get 503 with Retry-After. The client address forwarded to the replica is
the connection's, as the Serve proxy received it, so the replicas' rate limit and logs see the real client.
"""
from __future__ import annotations

import asyncio
import json
import logging

from ray import serve
from ray.exceptions import RayActorError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from .asgi import RequestMessage, ResponsePart

log = logging.getLogger("vnpolicy.cluster")
READ_ONLY_POSTS = frozenset({"/v1/search", "/v1/answer", "/v1/compare"})
RETRYABLE = (RayActorError, DeploymentUnavailableError, BackPressureError)
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"upgrade", b"te", b"trailer"})


class BodyTooLarge(Exception):
    pass


def is_read_only(method: str, path: str) -> bool:
    return method in ("GET", "HEAD", "OPTIONS") or (method == "POST" and path.rstrip("/") in READ_ONLY_POSTS)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused past ``limit`` bytes (the replica applies the exact per-route limits)."""
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        parts.append(chunk)
    return b"".join(parts)


class Gateway:
    def __init__(self, replica: serve.handle.DeploymentHandle, max_body_bytes: int, retries: int = 3) -> None:
        self.replica, self.streamed = replica, replica.options(stream=True)
        self.max_body_bytes, self.retries = max_body_bytes, retries

    async def __call__(self, request: Request) -> Response:
        try:
            body = await read_body(request, self.max_body_bytes)
        except BodyTooLarge:
            return JSONResponse({"detail": f"request body is over the {self.max_body_bytes:,}-byte limit"}, 413)
        client = request.client
        message: RequestMessage = {
            "method": request.method, "path": request.url.path, "query_string": request.url.query.encode(),
            "headers": [(k, v) for k, v in request.headers.raw if k.lower() not in HOP_BY_HOP],
            "client": (client.host, client.port) if client else None, "body": body}
        attempts = 1 + (self.retries if is_read_only(request.method, request.url.path) else 0)
        streamed = wants_stream(request.method, request.url.path, body, request.headers.get("accept", ""))
        for attempt in range(attempts):
            try:
                if streamed:
                    stream = self.streamed.handle.remote(message)
                    first = await stream.__anext__()
                else:
                    parts = await self.replica.respond.remote(message)
                    first, stream = parts[0], _replay(parts[1:])
            except RETRYABLE as exc:
                log.warning("replica failed before answering %s %s (%s); attempt %d of %d", request.method,
                            request.url.path, type(exc).__name__, attempt + 1, attempts)
                await asyncio.sleep(0.05 * (attempt + 1))
                continue
            return _response(first, stream)
        return JSONResponse({"detail": "no replica could answer; retry in a moment"}, 503, headers={"Retry-After": "1"})


def wants_stream(method: str, path: str, body: bytes, accept: str) -> bool:
    """A response that is sent as it is made: answers asked with ``"stream": true`` (Server-Sent Events)."""
    if "text/event-stream" in accept:
        return True
    if method != "POST" or path.rstrip("/") != "/v1/answer" or b"stream" not in body:
        return False
    try:
        return json.loads(body).get("stream") is True
    except (ValueError, AttributeError):
        return False


async def _replay(parts: list[ResponsePart]):
    for part in parts:
        yield part


def _response(first: ResponsePart, stream) -> Response:
    headers = [(k, v) for k, v in first["headers"] if k.lower() != b"content-length" or not first["more"]]
    if not first["more"]:
        response = Response(first["body"], status_code=first["status"])
        response.raw_headers = headers
        return response

    async def body():
        yield first["body"]
        async for part in stream:
            yield part["body"]

    response = StreamingResponse(body(), status_code=first["status"])
    response.raw_headers = headers
    return response

"""Request limits: body size, and a token-bucket rate limit per API key or client address
(429 with Retry-After). Both are ASGI middleware, so they run before any parsing."""
from __future__ import annotations

import json
import math
import threading
import time


async def _reject(send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413."""

    def __init__(self, app, max_bytes: int, upload_max_bytes: int, upload_path: str = "/v1/admin/documents") -> None:
        self.app, self.max_bytes, self.upload_max_bytes, self.upload_path = app, max_bytes, upload_max_bytes, upload_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_max_bytes if scope["path"] == self.upload_path else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _reject(send, 413, f"request body is {int(declared):,} bytes; the limit is {limit:,}")
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await _reject(send, 413, f"request body is over the {limit:,}-byte limit")


class _TooLarge(Exception):
    pass


class TokenBucket:
    def __init__(self, rate_per_minute: float, burst: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 if a request may go now, else the seconds until one may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                return 0.0
            self._state[key] = (tokens, now)
            return (1 - tokens) / self.rate


class RateLimit:
    """Per API key (when sent) or client address; health, metrics and static files are exempt."""

    EXEMPT = ("/healthz", "/readyz", "/metrics", "/static/", "/widget.js")

    def __init__(self, app, rate_per_minute: float, burst: int) -> None:
        self.app = app
        self.bucket = TokenBucket(rate_per_minute, burst)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(self.EXEMPT):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        key = headers.get(b"x-api-key", b"").decode() or (scope.get("client") or ("unknown",))[0]
        wait = self.bucket.take(key)
        if wait > 0:
            return await _reject(send, 429, f"too many requests; retry in {math.ceil(wait)} s",
                                 {"Retry-After": str(math.ceil(wait))})
        return await self.app(scope, receive, send)

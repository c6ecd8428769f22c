"""Request limits: body size, and a token-bucket rate limit per verified API key or client
address (429 with Retry-After). Both are ASGI middleware, so they run before any parsing.

Settings are read from the app the request reaches (``scope["app"].state.settings``). The
client address is resolved once per request by :func:`service.auth.resolve_client` (only
``VNPOLICY_TRUSTED_PROXIES`` may set it through ``X-Forwarded-For``), and rewritten into the
scope, so the access log records the same address the limit counts. The rejections carry the
CORS headers of an allowed origin, so a page embedding the widget can read them.
"""
from __future__ import annotations

import inspect
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable
from typing import Protocol

from .auth import match_key, presented_key, rate_key_of_address, resolve_client
from .in_process import is_in_process


def _settings(scope):
    app = scope.get("app")
    return getattr(getattr(app, "state", None), "settings", None)


def cors_headers(scope) -> dict[str, str]:
    """What CORSMiddleware would add for this request's ``Origin``, for responses made outside it."""
    settings = _settings(scope)
    origin = dict(scope.get("headers", ())).get(b"origin", b"").decode("latin-1").rstrip("/")
    allowed = settings.cors_origin_list() if settings is not None else []
    if not origin or not allowed:
        return {}
    exposed = {"Access-Control-Expose-Headers": "Retry-After"}
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*"} | exposed
    if origin in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} | exposed
    return {}


async def _reject(scope, send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in ((headers or {}) | cors_headers(scope)).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _client(scope) -> str:
    settings = _settings(scope)
    return resolve_client(scope, getattr(settings, "trusted_proxies", "") or "")


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` (declared or streamed) with 413."""

    def __init__(self, app, max_bytes: int, upload_max_bytes: int, upload_path: str = "/v1/admin/documents") -> None:
        self.app, self.max_bytes, self.upload_max_bytes, self.upload_path = app, max_bytes, upload_max_bytes, upload_path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        _client(scope)  # outermost middleware: every layer below sees the resolved client address
        limit = self.upload_max_bytes if scope["path"] == self.upload_path else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _reject(scope, send, 413, f"request body is {int(declared):,} bytes; the limit is {limit:,}")
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
            await _reject(scope, send, 413, f"request body is over the {limit:,}-byte limit")


class _TooLarge(Exception):
    pass


class TokenBucket:
    """Token buckets by key; at most ``max_entries`` are kept (least recently used go first, and
    come back full: a table that cannot grow without bound)."""

    def __init__(self, rate_per_minute: float, burst: int, max_entries: int = 10_000) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self.max_entries = max(1, max_entries)
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._state)

    def take(self, key: str) -> float:
        """0 if a request may go now, else the seconds until one may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.pop(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._state[key] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._state) > self.max_entries:
                self._state.popitem(last=False)
            return wait


def rate_key(scope, settings) -> str:
    """A verified API key has its own bucket; everything else (no key, an unknown or wrong key,
    or any key on a server without keys) is counted against the client address."""
    keys = settings.api_key_scopes() if settings is not None else {}
    if keys:
        key = presented_key(dict(scope.get("headers", ())), scope.get("query_string", b""))
        if match_key(key, keys) is not None:
            return "key:" + key
    return rate_key_of_address(_client(scope))


class Buckets(Protocol):
    """Where the buckets live: ``TokenBucket`` in this process, or one shared by every replica of a
    cluster (``service.cluster.limits.SharedBuckets``, whose ``take`` is a coroutine)."""

    def take(self, key: str) -> float | Awaitable[float]: ...


class RateLimit:
    """Per verified API key or client address; health, metrics and static files are exempt, and so are the
    API calls an MCP tool makes inside this process (its own request was counted)."""

    EXEMPT = ("/healthz", "/readyz", "/metrics", "/static/", "/widget.js")

    def __init__(self, app, rate_per_minute: float, burst: int, max_clients: int | None = None,
                 buckets: Buckets | None = None) -> None:
        self.app = app
        self.rate_per_minute, self.burst, self.max_clients = rate_per_minute, burst, max_clients
        self.bucket: Buckets | None = buckets

    def _bucket(self, settings) -> Buckets:
        if self.bucket is None:  # sized from the app's settings at the first request
            size = self.max_clients or getattr(settings, "rate_limit_max_clients", 10_000)
            self.bucket = TokenBucket(self.rate_per_minute, self.burst, size)
        return self.bucket

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(self.EXEMPT) or is_in_process(scope):
            return await self.app(scope, receive, send)
        settings = _settings(scope)
        wait = self._bucket(settings).take(rate_key(scope, settings))
        if inspect.isawaitable(wait):
            wait = await wait
        if wait > 0:
            return await _reject(scope, send, 429, f"too many requests; retry in {math.ceil(wait)} s",
                                 {"Retry-After": str(math.ceil(wait))})
        return await self.app(scope, receive, send)

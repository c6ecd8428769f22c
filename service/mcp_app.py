"""``/mcp``: the MCP tools (``vnpolicy.mcp``) over streamable HTTP on the service's own app.

Stateless (a fresh transport per request, no session kept), so any worker or replica can answer any
call. The same API keys as the search routes guard it (``X-API-Key`` or ``api_key``; a search key is
enough) and the same rate limit counts its requests (the app's middleware runs first). A tool calls the
API in-process with the caller's key (``service.in_process``), so its answers are exactly the routes'.
"""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import JSONResponse
from vnpolicy.mcp import build_server

from .api.deps import require_scope
from .in_process import in_process_client

PATH = "/mcp"
# /mcp answers on whatever host name the service is reached by, as every other route does (the SDK would
# accept only localhost); browsers from other origins are kept out by the app's CORS settings.
ANY_HOST = TransportSecuritySettings(enable_dns_rebinding_protection=False)
_check_search_key = require_scope("search").dependency


def _caller(request: Any, app: FastAPI) -> tuple[str, str | None]:
    """(base URL, API key) of the HTTP request that carried this tool call."""
    configured = app.state.settings.public_base_url
    base = configured or (str(request.base_url) if request is not None else "http://localhost")
    headers = getattr(request, "headers", {}) or {}
    key = headers.get("x-api-key") or getattr(request, "query_params", {}).get("api_key")
    return base.rstrip("/"), key


class McpEndpoint:
    """The MCP server's streamable-HTTP app behind the search-key check (401/403 with the routes' message)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.http = None  # built for each run of the app's lifespan (a session manager runs once)

    def _open_api(self):
        app = self.app

        @asynccontextmanager
        async def open_api(ctx) -> Any:
            request = getattr(getattr(ctx, "request_context", None), "request", None) if ctx else None
            base, key = _caller(request, app)
            async with in_process_client(app, base, key or "") as client:
                yield client

        return open_api

    @asynccontextmanager
    async def running(self):
        """Serve while the app runs (its lifespan): a fresh server and session manager each time."""
        server = build_server(self._open_api())
        self.http = server.streamable_http_app(streamable_http_path=PATH, stateless_http=True, json_response=True,
                                               transport_security=ANY_HOST)
        async with server.session_manager.run():
            yield
        self.http = None

    async def __call__(self, scope, receive, send) -> None:
        if self.http is None:
            response = JSONResponse({"detail": "the MCP endpoint is starting; retry"}, status_code=503)
            return await response(scope, receive, send)
        if scope["type"] == "http":
            try:
                _check_search_key(Request(scope, receive))
            except HTTPException as exc:
                response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
                return await response(scope, receive, send)
        await self.http(scope, receive, send)


def mount(app: FastAPI) -> McpEndpoint:
    endpoint = McpEndpoint(app)
    app.add_route(PATH, endpoint, methods=["GET", "POST", "DELETE"], include_in_schema=False)
    return endpoint

"""The API called from inside this process: by the MCP tools at ``/mcp`` and by the terminal commands
without ``--url``. They use the Python client (``vnpolicy.client.AsyncClient``) over an ASGI transport,
so every call meets the same validation, API keys, errors and models as a request from outside.

The outer request (an MCP call) was already counted by the rate limit, so the inner ones carry a scope
flag that requests from the network cannot set, and the limit lets them through.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from vnpolicy.client import AsyncClient

IN_PROCESS = "vnpolicy.in_process"  # ASGI scope key
LOCAL_BASE_URL = "http://localhost:8000"  # where `make run` serves: the links in a local result point there


def is_in_process(scope: dict) -> bool:
    return bool(scope.get(IN_PROCESS))


class _Marked:
    """The app, with every request it receives flagged as coming from this process."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app({**scope, IN_PROCESS: True}, receive, send)


def in_process_client(app, base_url: str, api_key: str | None) -> AsyncClient:
    """A client whose requests go straight into ``app`` (already started), as if sent to ``base_url``;
    ``api_key`` None: the client's default (``VNPOLICY_API_KEY``), "" none."""
    return AsyncClient(base_url, api_key, transport=httpx.ASGITransport(app=_Marked(app)))


@asynccontextmanager
async def local_client(settings, api_key: str | None = None) -> AsyncIterator[AsyncClient]:
    """The app over the local index (loaded now, as ``vnpolicy serve`` would), and a client into it."""
    from .main import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with in_process_client(app, settings.public_base_url or LOCAL_BASE_URL, api_key) as client:
            yield client

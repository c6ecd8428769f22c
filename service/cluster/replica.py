"""``ApiReplica``: the FastAPI app over one index version, in a Ray Serve replica.

A replica loads the version it is told (``reconfigure``: the user config ``{"version": <directory>}``
that ``deploy.py`` sets when it rolls a new version out) from the shared index path, read-only, in a
worker thread while it keeps answering from the version it has; then it swaps the engine whole. A request
uses one engine from start to end, so every response is from one version (``X-Index-Version``). A
version that does not load is refused: the replica keeps serving the one it has and says so in its log.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from indexer.store import IndexLoadError

from ..config import ServiceSettings
from ..engine import load_engine
from ..index_versions import ServingState, served_key, served_version
from ..main import create_app, limit_compute_threads
from .asgi import RequestMessage, ResponsePart, run_asgi
from .limits import SharedBuckets

log = logging.getLogger("vnpolicy.cluster")


class ApiReplica:
    def __init__(self, settings: ServiceSettings) -> None:
        # the driver rolls versions out (deploy.py): replicas do not follow the index path on their own
        self.settings = settings.model_copy(update={"index_watch_interval": 0})
        limit_compute_threads(self.settings.compute_threads)
        limit = self.settings
        buckets = (SharedBuckets(limit.rate_limit_per_minute, limit.rate_limit_burst, limit.rate_limit_max_clients)
                   if limit.rate_limit_per_minute > 0 else None)
        self.app = create_app(self.settings, rate_buckets=buckets)  # its engine: set by reconfigure, before any request
        self._lock = asyncio.Lock()
        self._mcp: asyncio.Task | None = None

    def _serve(self, engine) -> None:
        self.app.state.engine, self.app.state.serving = engine, ServingState(key=served_key(engine))

    @property
    def version(self) -> str | None:
        engine = self.app.state.engine
        return served_version(engine) if engine is not None else None

    async def reconfigure(self, config: dict[str, Any]) -> None:
        """Serve the version directory ``config["version"]`` (default: the index path's live version);
        a no-op when it is the one served. Serve calls it once before the first request, then at each
        rollout; a first load that fails fails the replica, a later one keeps the version served."""
        await self._start_mcp()
        target = Path(config.get("version") or self.settings.index_dir)
        if target.resolve().name == self.version:
            return
        async with self._lock:
            current = self.app.state.engine
            try:
                engine = await asyncio.to_thread(load_engine, self.settings, current and current.embedder, target)
            except IndexLoadError as exc:
                if current is None:
                    raise
                log.error("index version %s refused, still serving %s: %s", target.name, self.version, exc)
                return
            self._serve(engine)
            log.info("serving index version %s", self.version)

    async def _start_mcp(self) -> None:
        """Run /mcp's session manager for the replica's life (the app's lifespan, which would, does not run
        here): in a task of its own, on the loop that serves the requests."""
        if self._mcp is not None:
            return
        started = asyncio.Event()

        async def run() -> None:
            async with self.app.state.mcp.running():
                started.set()
                await asyncio.Event().wait()

        self._mcp = asyncio.create_task(run())
        await started.wait()

    async def handle(self, message: RequestMessage) -> AsyncIterator[ResponsePart]:
        """A streamed response (Server-Sent Events), part by part."""
        async for part in run_asgi(self.app, message):
            yield part

    async def respond(self, message: RequestMessage) -> list[ResponsePart]:
        """A whole response in one reply: one round trip instead of a stream's (most requests)."""
        return [part async for part in run_asgi(self.app, message)]

    def check_health(self) -> None:
        """Serve's health check: a replica without an engine is restarted."""
        if self.app.state.engine is None:
            raise RuntimeError("no index loaded")

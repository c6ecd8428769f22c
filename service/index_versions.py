"""Which index version a worker serves, and how it moves to a new one.

Every worker process loads the index itself, so an upload, a rebuild or ``POST
/v1/admin/reload`` reaches one worker only. Each worker therefore runs an ``IndexWatcher``:
every ``VNPOLICY_INDEX_WATCH_INTERVAL`` seconds it stats the index path (``version_key``:
the version the symlink resolves to, its manifest's inode and mtime) and reloads when that
differs from what it serves. A version that fails to load is never swapped in: the worker
keeps serving the one it has, remembers the failure (``/readyz``) and does not retry that
version until it changes. At start, a damaged live version falls back to the newest intact
previous version kept beside it, with a warning and ``fallback: true`` on ``/readyz``.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexer.store import IndexLoadError, previous_versions, version_key

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger("vnpolicy.index")

LoadEngine = Callable[..., "Engine"]  # engine.load_engine(settings, embedder=None, index_dir=None)


@dataclass
class ServingState:
    """What this worker serves: for /readyz and for the watcher's comparisons."""

    key: tuple[str, int, int] | None = None  # version_key of the loaded version
    loaded_at: float = field(default_factory=time.time)
    fallback_reason: str | None = None  # set while a damaged live version is bypassed
    failed_key: tuple[str, int, int] | None = None  # live version that failed to load: not retried until it changes
    last_error: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "loaded_at": self.loaded_at, "fallback": self.fallback_reason is not None,
                "fallback_reason": self.fallback_reason, "last_reload_error": self.last_error}


def error_summary(exc: IndexLoadError) -> dict[str, Any]:
    """The failed check, the files it names and the message, for logs and JSON answers."""
    return {"check": exc.check, "files": exc.files, "detail": str(exc), "at": time.time()}


def served_key(engine: Engine) -> tuple[str, int, int] | None:
    """``version_key`` of the version ``engine`` was loaded from."""
    version_dir = getattr(engine.index, "version_dir", None) or engine.index.path
    return version_key(version_dir)


def served_version(engine: Engine) -> str:
    """The name of the version directory ``engine`` serves (``X-Index-Version``)."""
    return (getattr(engine.index, "version_dir", None) or Path(engine.index.path).resolve()).name


class VersionHeader:
    """ASGI middleware: a response computed from an index carries ``X-Index-Version``, the version of
    the engine its route used from start to end (set by ``api.deps.get_engine``)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})

        async def send_with_version(message):
            version = state.get("index_version")
            if message["type"] == "http.response.start" and version:
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"x-index-version", version.encode("latin-1", "replace"))]}
            await send(message)

        await self.app(scope, receive, send_with_version)


def load_at_start(settings: Any, load_engine: LoadEngine) -> tuple[Engine, ServingState]:
    """The live version, or, when it is damaged, the newest previous version that loads."""
    try:
        engine = load_engine(settings)
        return engine, ServingState(key=served_key(engine))
    except IndexLoadError as exc:
        if not exc.damaged:
            raise
        damaged = exc
    for version in previous_versions(Path(settings.index_dir)):
        try:
            engine = load_engine(settings, index_dir=version)
        except IndexLoadError as exc:
            log.warning("previous index version %s does not load either: %s", version.name, exc)
            continue
        live = Path(os.path.realpath(settings.index_dir)).name
        reason = (f"live version {live} failed its {damaged.check} check"
                  f"{' (' + ', '.join(damaged.files) + ')' if damaged.files else ''}: serving {version.name} instead")
        log.warning("FALLBACK: %s", reason, extra={"payload": {
            "event": "index_fallback", "message": reason, "serving": version.name} | error_summary(damaged)})
        state = ServingState(key=served_key(engine), fallback_reason=reason, failed_key=version_key(settings.index_dir),
                             last_error=error_summary(damaged))
        return engine, state
    raise damaged


class Reloader:
    """Loads what the index path points at and swaps it in; one load at a time per worker."""

    def __init__(self, app: Any, load_engine: LoadEngine) -> None:
        self.app = app
        self.load_engine = load_engine
        self._lock = threading.Lock()

    @property
    def state(self) -> ServingState:
        if getattr(self.app.state, "serving", None) is None:
            self.app.state.serving = ServingState()
        return self.app.state.serving

    def reload(self) -> dict[str, Any]:
        """Swap in the version the index path points at now and return its manifest; on
        IndexLoadError the current version keeps serving and the error propagates."""
        with self._lock:
            return self._reload()

    def reload_if_changed(self) -> bool:
        """Reload when the index path points at another version than the one served (and
        not at one that already failed); True when a new version was swapped in."""
        key = version_key(self.app.state.settings.index_dir)
        if key is None or key in (self.state.key, self.state.failed_key):
            return False
        with self._lock:
            if version_key(self.app.state.settings.index_dir) in (self.state.key, self.state.failed_key):
                return False  # another thread loaded it meanwhile
            try:
                self._reload()
            except IndexLoadError:
                return False
            return True

    def _reload(self) -> dict[str, Any]:
        settings, current = self.app.state.settings, self.app.state.engine
        attempted = version_key(settings.index_dir)
        embedder = current.searcher.query_vectors.embedder if current else None
        try:
            engine = self.load_engine(settings, embedder=embedder)
        except Exception as exc:
            error = exc if isinstance(exc, IndexLoadError) else IndexLoadError(
                f"index at '{settings.index_dir}' does not load: {type(exc).__name__}: {exc}", check="load")
            self._failed(attempted, error)
            raise error from exc
        self.app.state.engine = engine
        self.app.state.serving = ServingState(key=served_key(engine))
        self._count("ok")
        manifest = engine.index.manifest
        log.info("index reloaded", extra={"payload": {"event": "reload", "pid": os.getpid(),
                                                      "build_id": manifest.get("build_id"),
                                                      "built_at": manifest.get("built_at"),
                                                      "chunks": len(engine.index.passages)}})
        return manifest

    def _failed(self, attempted: tuple[str, int, int] | None, error: IndexLoadError) -> None:
        self.state.failed_key, self.state.last_error = attempted, error_summary(error)
        self._count("failed")
        log.warning("index reload refused, still serving the previous version: %s", error,
                    extra={"payload": {"event": "reload_failed", "pid": os.getpid()} | error_summary(error)})

    def _count(self, outcome: str) -> None:
        metrics = getattr(self.app.state, "metrics", None)
        if metrics:
            metrics.reloads.labels(outcome).inc()


class IndexWatcher:
    """A daemon thread that calls ``Reloader.reload_if_changed`` every ``interval`` seconds."""

    def __init__(self, reloader: Reloader, interval: float) -> None:
        self.reloader = reloader
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="vnpolicy-index-watch")

    def start(self) -> IndexWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.reloader.reload_if_changed()
            except Exception:  # the watcher must outlive any surprise; the next tick tries again
                log.exception("index watch failed")

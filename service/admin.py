"""Rebuilding and reloading the index while the service keeps answering.

A rebuild writes a new index version beside the live one (``indexer.store.publish`` swaps a
symlink atomically); the app then loads it and replaces ``app.state.engine`` in one
assignment. A request holds the engine it started with, so no response mixes two indexes.
One rebuild runs at a time.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from indexer.pipeline import BuildSettings, build_index

log = logging.getLogger("vnpolicy.admin")


@dataclass
class ReindexStatus:
    state: str = "idle"  # idle | running | done | failed
    started_at: float | None = None
    finished_at: float | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = self.history[-10:]
        return data


class IndexManager:
    """Owns rebuilds and reloads for one app."""

    def __init__(self, app, load_engine: Callable) -> None:
        self.app = app
        self.load_engine = load_engine
        self.status = ReindexStatus()
        self.pending = False  # a rebuild was asked for while one ran: run again after it
        self._lock = threading.Lock()

    @property
    def settings(self):
        return self.app.state.settings

    def reload(self) -> dict[str, Any]:
        """Load whatever the index path points at now and swap it in (e.g. after SIGHUP)."""
        current = self.app.state.engine
        engine = self.load_engine(self.settings, embedder=current.searcher.query_vectors.embedder if current else None)
        self.app.state.engine = engine
        metrics = getattr(self.app.state, "metrics", None)
        if metrics:
            metrics.reloads.labels("ok").inc()
        log.info("index reloaded", extra={"payload": {"event": "reload", "built_at": engine.index.manifest["built_at"],
                                                      "chunks": len(engine.index.chunks)}})
        return engine.index.manifest

    def start_rebuild(self, force: bool = False) -> bool:
        """Start a rebuild in the background; False if one is already running."""
        if not self._lock.acquire(blocking=False):
            self.pending = True
            return False
        self.status = ReindexStatus(state="running", started_at=time.time(), history=self.status.history)
        threading.Thread(target=self._rebuild, args=(force,), daemon=True, name="vnpolicy-reindex").start()
        return True

    def _rebuild(self, force: bool) -> None:
        try:
            manifest = self.app.state.engine.index.manifest
            settings = BuildSettings(**{k: v for k, v in manifest.get("settings", {}).items()
                                        if k in BuildSettings.__dataclass_fields__})
            embedder = self.app.state.engine.searcher.query_vectors.embedder
            if getattr(embedder, "spec", None) != manifest.get("model", {}).get("spec"):
                embedder = None  # queries use the other runtime of the model: passages keep the index's own
            report = build_index(self.settings.corpus_dir, self.settings.index_dir, settings,
                                 embedder=embedder, force=force)
            if not report.unchanged:
                self.reload()
            self.status.report = asdict(report)
            self.status.state = "done"
        except Exception as exc:  # the live index keeps serving; the status says what failed
            log.exception("reindex failed")
            self.status.state, self.status.error = "failed", f"{type(exc).__name__}: {exc}"
            metrics = getattr(self.app.state, "metrics", None)
            if metrics:
                metrics.reloads.labels("failed").inc()
        finally:
            self.status.finished_at = time.time()
            self.status.history.append({"state": self.status.state, "started_at": self.status.started_at,
                                        "finished_at": self.status.finished_at, "error": self.status.error})
            self._lock.release()
        if self.pending:
            self.pending = False
            self.start_rebuild()

    def wait(self, timeout: float = 600) -> ReindexStatus:
        deadline = time.time() + timeout
        while (self.status.state == "running" or self.pending) and time.time() < deadline:
            time.sleep(0.05)
        return self.status

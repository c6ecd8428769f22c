"""Rebuilding and reloading the index while the service keeps answering.

Every rebuild is a job in the queue on disk (``service.jobs``) that all workers share: an upload,
a delete, a restore or POST /v1/admin/reindex queues one, and a runner thread in whichever
worker claims it builds a new index version beside the live one (``indexer.store.publish``
swaps a symlink atomically); the app then loads it and replaces ``app.state.engine`` in one
assignment. A request holds the engine it started with, so no response mixes two indexes.
One job runs at a time; a cancelled one stops at the next document and publishes nothing.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

from indexer.models.embeddings import DEFAULT_MODEL
from indexer.ingest.limits import DEFAULTS as DOCUMENT_LIMITS
from indexer.pipeline import BuildReport, BuildSettings, build_index

from .jobs import ACTIVE, FINISHED, JobCancelled, JobProgress, JobQueue, jobs_dir_for

log = logging.getLogger("vnpolicy.admin")
RUNNER_IDLE_SECONDS = 5.0  # a runner with nothing queued anywhere stops after this long
RUNNER_POLL_SECONDS = 0.5  # how often it looks for jobs queued by other workers


@dataclass
class ReindexStatus:
    """GET /v1/admin/reindex: the state of the latest rebuild, drawn from the job queue."""
    state: str = "idle"  # idle | running | done | failed | cancelled
    started_at: float | None = None
    finished_at: float | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    job: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["history"] = self.history[-10:]
        return data

    @classmethod
    def from_jobs(cls, jobs: list[dict[str, Any]]) -> "ReindexStatus":
        """Running while any job is queued or running; otherwise the job that finished last."""
        finished = sorted((j for j in jobs if j["state"] in FINISHED), key=lambda j: j["finished_at"] or 0)
        history = [{"job": j["id"], "kind": j["kind"], "state": j["state"], "started_at": j["started_at"],
                    "finished_at": j["finished_at"], "error": j["reason"]} for j in finished[-10:]]
        active = [j for j in jobs if j["state"] in ACTIVE]
        if active:
            job = next((j for j in active if j["state"] == "running"), active[0])
            return cls("running", job["started_at"] or job["created_at"], history=history, job=job["id"])
        if not finished:
            return cls()
        job = finished[-1]
        return cls(job["state"], job["started_at"], job["finished_at"], job["report"], job["reason"], history,
                   job["id"])


def job_outcome(job: dict[str, Any], report: BuildReport) -> tuple[str, str | None]:
    """done, or failed with the reason: the job's own file skipped (a limit, a damaged file), nothing indexed."""
    for skipped in report.skipped:
        if job.get("file") and skipped["file"] == job["file"]:
            return "failed", f"{skipped['file']} was not indexed: {skipped['reason']}"
    if report.documents == 0:
        return "failed", "no document could be indexed; the live index is unchanged"
    return "done", None


class IndexManager:
    """Owns rebuilds (as jobs) and reloads for one app."""

    def __init__(self, app, load_engine: Callable) -> None:
        self.app = app
        self.load_engine = load_engine
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._runner: threading.Thread | None = None

    @property
    def settings(self):
        return self.app.state.settings

    @property
    def queue(self) -> JobQueue:
        return JobQueue(jobs_dir_for(self.settings), self.settings.jobs_keep)

    @property
    def status(self) -> ReindexStatus:
        return ReindexStatus.from_jobs(self.queue.all())

    def reload(self) -> dict[str, Any]:
        """Load whatever the index path points at now and swap it in (SIGHUP, POST /v1/admin/reload,
        after a rebuild); a version that does not load raises ``IndexLoadError`` (a JSON 409 naming
        the failed check) and the current one keeps serving. See ``service.index_versions``."""
        return self.app.state.reloader.reload()

    def submit(self, kind: str, force: bool = False, **detail: Any) -> dict[str, Any]:
        """Queue an indexing job (upload, delete, restore, reindex) and make sure a runner will take it."""
        job = self.queue.create(kind, force=force, **detail)
        self.ensure_runner()
        return job

    def start_rebuild(self, force: bool = False) -> bool:
        """Queue a rebuild; True when nothing else was queued or running (so it starts now)."""
        busy = self.queue.has_active()
        self.submit("reindex", force=force)
        return not busy

    def ensure_runner(self) -> None:
        """Start this worker's runner thread unless it runs; it stops when no job is left anywhere."""
        with self._lock:
            if self._runner is None:
                self._runner = threading.Thread(target=self._run_jobs, daemon=True, name="vnpolicy-jobs")
                self._runner.start()
        self._wake.set()

    def _run_jobs(self) -> None:
        idle_since = time.monotonic()
        while True:
            try:
                job = self.queue.claim()
                if job is not None:
                    self._run(job)
                    idle_since = time.monotonic()
                    continue
            except Exception:  # a full disk or an unreadable jobs folder must not kill the runner
                log.exception("job runner error")
            with self._lock:
                if time.monotonic() - idle_since > RUNNER_IDLE_SECONDS and not self._jobs_waiting():
                    self._runner = None
                    return
            self._wake.wait(RUNNER_POLL_SECONDS)
            self._wake.clear()

    def _jobs_waiting(self) -> bool:
        try:
            return self.queue.has_active()
        except OSError:
            return False

    def _run(self, job: dict[str, Any]) -> None:
        progress = JobProgress(self.queue, job["id"])
        try:
            report = self._build(job, progress)
            state, reason = job_outcome(job, report)
            self.queue.finish(job["id"], state, reason, asdict(report))
        except JobCancelled:
            log.info("job %s cancelled", job["id"])
            self.queue.finish(job["id"], "cancelled", "cancelled while running; the live index is unchanged")
        except Exception as exc:  # the live index keeps serving; the job says what failed
            log.exception("indexing job %s failed", job["id"])
            self.queue.finish(job["id"], "failed", f"{type(exc).__name__}: {exc}")
            metrics = getattr(self.app.state, "metrics", None)
            if metrics:
                metrics.reloads.labels("failed").inc()

    def _build(self, job: dict[str, Any], progress: JobProgress) -> BuildReport:
        settings, embedder = self._build_settings()
        report = build_index(self.settings.corpus_dir, self.settings.index_dir, settings, embedder=embedder,
                             progress=progress.embedding, force=bool(job.get("force")),
                             on_document=progress.document)
        if not report.unchanged:
            self.reload()
        return report

    def _build_settings(self) -> tuple[BuildSettings, Any]:
        """The live index's build settings (same model), with the service's per-document limits."""
        engine = self.app.state.engine
        manifest = engine.index.manifest if engine is not None else {}
        known = BuildSettings.__dataclass_fields__
        settings = BuildSettings(**{k: v for k, v in manifest.get("settings", {}).items() if k in known})
        if engine is None:
            settings.model = self.settings.model or DEFAULT_MODEL
        settings = replace(settings, **{name: getattr(self.settings, name) for name in DOCUMENT_LIMITS})
        embedder = engine.searcher.query_vectors.embedder if engine is not None else None
        if getattr(embedder, "spec", None) != manifest.get("model", {}).get("spec"):
            embedder = None  # queries use the other runtime of the model: passages keep the index's own
        return settings, embedder

    def wait(self, timeout: float = 600) -> ReindexStatus:
        """Until no job is queued or running (or ``timeout``)."""
        deadline = time.time() + timeout
        while self.queue.has_active() and time.time() < deadline:
            time.sleep(0.05)
        return self.status

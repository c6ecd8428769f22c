"""The indexing job queue, on disk so that every worker of the service shares it.

``vnpolicy serve --workers N`` runs N processes: a job queued by one (an upload, a delete, a
reindex) can be listed, watched and cancelled through any other. Each job is one JSON file in
the jobs folder (``VNPOLICY_JOBS_DIR``, default ``jobs`` beside the index path), replaced
atomically; every change goes through an exclusive ``flock`` on ``.lock``. At most one job runs
at a time across all workers: ``claim`` hands out the oldest queued job only when none runs.

States: ``queued`` → ``running`` (with ``progress``) → ``done`` | ``failed`` (with ``reason``) |
``cancelled``. Cancelling a queued job drops it; a running one gets ``cancel_requested`` and
its runner stops at the next document boundary (``JobProgress`` raises ``JobCancelled``).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from indexer.locks import file_lock

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
JOB_ID = re.compile(r"^\d{8}T\d{6}\d{6}-[0-9a-f]{6}$")
STALE_SECONDS = 1800  # a running job on another host without a heartbeat for this long is failed


class JobCancelled(Exception):
    """Raised inside a running job when an admin cancelled it."""


def jobs_dir_for(settings: Any) -> Path:
    """``VNPOLICY_JOBS_DIR``, or ``jobs`` beside the index path."""
    return Path(settings.jobs_dir) if settings.jobs_dir else Path(settings.index_dir).parent / "jobs"


def _owner() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _owner_alive(job: dict[str, Any]) -> bool:
    owner = job.get("owner") or {}
    if owner.get("host") != socket.gethostname():
        return time.time() - job.get("updated_at", 0) < STALE_SECONDS
    try:
        os.kill(int(owner.get("pid", 0)), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, OSError):
        return True
    return True


class JobQueue:
    """Jobs as JSON files in ``directory``; safe to use from several processes at once."""

    def __init__(self, directory: Path, keep: int = 200) -> None:
        self.directory = Path(directory)
        self.keep = keep

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with file_lock(self.directory / ".lock"):
            yield

    def _path(self, job_id: str) -> Path:
        if not JOB_ID.match(job_id or ""):
            raise KeyError(job_id)
        return self.directory / f"{job_id}.json"

    def _write(self, job: dict[str, Any]) -> dict[str, Any]:
        job["updated_at"] = time.time()
        tmp = self.directory / f".{job['id']}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._path(job["id"]))
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        try:
            return json.loads(self._path(job_id).read_text(encoding="utf-8"))
        except (KeyError, FileNotFoundError, json.JSONDecodeError):
            return None

    def all(self) -> list[dict[str, Any]]:
        """Every job, oldest first."""
        jobs = [self.get(p.stem) for p in self.directory.glob("*.json")] if self.directory.is_dir() else []
        return sorted((j for j in jobs if j), key=lambda j: (j["created_at"], j["id"]))

    def recent(self, limit: int = 50, state: str | None = None) -> list[dict[str, Any]]:
        """The newest jobs first, optionally only those in ``state``."""
        jobs = [j for j in reversed(self.all()) if state in (None, j["state"])]
        return jobs[:limit]

    def create(self, kind: str, **detail: Any) -> dict[str, Any]:
        """Queue a job of ``kind`` (upload, delete, restore, reindex) with its details."""
        now = time.time()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}"
        job = {"id": f"{stamp}-{secrets.token_hex(3)}", "kind": kind, "state": "queued", "created_at": now,
               "started_at": None, "finished_at": None, "progress": None, "cancel_requested": False,
               "reason": None, "report": None, "owner": None, **detail}
        with self._locked():
            self._write(job)
            self._prune()
        return job

    def update(self, job_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any] | None:
        """Read, change and write one job under the lock; None if it does not exist."""
        with self._locked():
            job = self.get(job_id)
            if job is not None:
                change(job)
                self._write(job)
            return job

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        """Drop a queued job; ask a running one to stop. Finished jobs are returned unchanged."""
        def change(job: dict[str, Any]) -> None:
            if job["state"] == "queued":
                job.update(state="cancelled", finished_at=time.time(), reason="cancelled before it started")
            elif job["state"] == "running":
                job["cancel_requested"] = True
        return self.update(job_id, change)

    def claim(self) -> dict[str, Any] | None:
        """The oldest queued job, now running in this process; None while another job runs."""
        with self._locked():
            jobs = self.all()
            for job in jobs:
                if job["state"] == "running" and not _owner_alive(job):
                    job.update(state="failed", finished_at=time.time(),
                               reason=f"the worker running it stopped (pid {job['owner'].get('pid')})")
                    self._write(job)
            if any(j["state"] == "running" for j in jobs):
                return None
            queued = [j for j in jobs if j["state"] == "queued"]
            if not queued:
                return None
            job = queued[0]
            job.update(state="running", started_at=time.time(), owner=_owner())
            return self._write(job)

    def finish(self, job_id: str, state: str, reason: str | None = None,
               report: dict[str, Any] | None = None) -> dict[str, Any] | None:
        def change(job: dict[str, Any]) -> None:
            job.update(state=state, reason=reason, report=report, finished_at=time.time())
        return self.update(job_id, change)

    def has_active(self) -> bool:
        return any(j["state"] in ACTIVE for j in self.all())

    def _prune(self) -> None:
        finished = [j for j in self.all() if j["state"] in FINISHED]
        for job in finished[: max(0, len(finished) - self.keep)]:
            self._path(job["id"]).unlink(missing_ok=True)


class JobProgress:
    """Progress of one running job, written at most every ``interval`` seconds, and its cancel check:
    ``document`` and each embedding batch raise ``JobCancelled`` once an admin cancelled the job."""

    def __init__(self, queue: JobQueue, job_id: str, interval: float = 0.5) -> None:
        self.queue, self.job_id, self.interval = queue, job_id, interval
        self._written = 0.0

    def check(self) -> None:
        job = self.queue.get(self.job_id)
        if job is None or job.get("cancel_requested"):
            raise JobCancelled(f"job {self.job_id} cancelled")

    def report(self, phase: str, done: int, total: int, document: str | None = None, force: bool = False) -> None:
        if force or time.monotonic() - self._written >= self.interval:
            self._written = time.monotonic()
            progress = {"phase": phase, "done": done, "total": total, "document": document}
            self.queue.update(self.job_id, lambda job: job.update(progress=progress))

    def document(self, done: int, total: int, name: str) -> None:
        """Before each document is read (``indexer.pipeline.build_index``'s ``on_document``)."""
        self.check()
        self.report("reading documents", done, total, name, force=done == 0)

    def embedding(self, total: int) -> Callable[[int], None]:
        """The ``progress`` factory of ``build_index``: counts embedded passages."""
        done = 0

        def update(n: int) -> None:
            nonlocal done
            done += n
            self.check()
            self.report("embedding", done, total, force=done == n)
        return update

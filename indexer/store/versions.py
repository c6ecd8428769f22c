"""Index versions on disk: ``<out>`` is a symbolic link to ``<out>.versions/<build id>``.

Replacing the link with ``os.replace`` is atomic, so a reader sees the old index or the new one,
never a mix, and a build that dies half-way leaves the old link untouched. The newest complete
versions stay beside the live one, ``keep_versions`` in all (default ``KEEP_VERSIONS``: the live
one and the one before it): a server whose live version is damaged at start serves the newest
of the others instead (``previous_versions``), and each worker notices a swap from ``version_key``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

KEEP_VERSIONS = 2  # complete versions kept, the live one included
ABANDONED_AFTER_S = 3600  # a build without a manifest this old was left by a killed run


def file_checksums(directory: Path) -> dict[str, str]:
    sums = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            digest = hashlib.sha256()
            with path.open("rb") as f:
                while block := f.read(1 << 23):  # streamed: index files reach gigabytes
                    digest.update(block)
            sums[str(path.relative_to(directory))] = digest.hexdigest()
    return sums


def versions_dir(out: Path) -> Path:
    return out.parent / f"{out.name}.versions"


def new_build_dir(out: Path) -> Path:
    build = versions_dir(out) / f"build-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
    build.mkdir(parents=True)
    return build


def previous_versions(out: Path) -> list[Path]:
    """Complete versions kept beside the live one (not the one ``out`` points at), newest first."""
    folder = versions_dir(out)
    if not folder.is_dir():
        return []
    live = Path(out).resolve()
    complete = [p for p in folder.iterdir() if (p / "manifest.json").is_file() and p.resolve() != live]
    return sorted(complete, key=lambda p: (p / "manifest.json").stat().st_mtime_ns, reverse=True)


def version_key(out: Path) -> tuple[str, int, int] | None:
    """What ``out`` serves now, from three cheap system calls: the version it resolves to and
    its manifest's inode and mtime (a rebuilt legacy folder changes them too). None: no index."""
    target = os.path.realpath(out)
    try:
        stat = os.stat(os.path.join(target, "manifest.json"))
    except OSError:
        return None
    return target, stat.st_ino, stat.st_mtime_ns


def publish(build: Path, out: Path, keep_versions: int = KEEP_VERSIONS) -> None:
    """Point ``out`` at ``build`` atomically, then prune old versions down to ``keep_versions`` (≥ 1)."""
    if keep_versions < 1:
        raise ValueError("keep_versions counts the live version: it must be at least 1")
    if out.exists() and not out.is_symlink():
        legacy = versions_dir(out) / f"legacy-{time.time_ns()}"
        out.rename(legacy)
    tmp_link = out.parent / f".{out.name}.link-{os.getpid()}"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    tmp_link.symlink_to(os.path.relpath(build, out.parent))
    os.replace(tmp_link, out)
    _prune(out, keep=build, keep_versions=keep_versions)


def _prune(out: Path, keep: Path, keep_versions: int) -> None:
    """Keep the live build and the newest others up to ``keep_versions`` in all; drop builds that a
    killed run left without a manifest once they are an hour old."""
    builds = sorted((p for p in versions_dir(out).iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    complete = [p for p in builds if (p / "manifest.json").exists() and p.resolve() != keep.resolve()]
    abandoned = [p for p in builds if not (p / "manifest.json").exists()
                 and time.time() - p.stat().st_mtime > ABANDONED_AFTER_S]
    for path in complete[: max(0, len(complete) - (keep_versions - 1))] + abandoned:
        shutil.rmtree(path, ignore_errors=True)

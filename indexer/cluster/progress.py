"""Progress of a cluster build, printed on the driver: files, pages, passages, rate and ETA."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


@dataclass
class ClusterProgress:
    """Counts what came back from the cluster; ``line()`` is what the driver prints."""

    files_total: int
    bytes_total: int = 0  # sizes of the files sent: the ETA weighs files by size (an article vs. a 200-page plan)
    out: TextIO | None = field(default_factory=lambda: sys.stderr)
    every: float = 2.0  # seconds between printed lines
    files: int = 0
    failed: int = 0
    pages: int = 0
    passages: int = 0
    embedded: int = 0
    bytes_done: int = 0
    started: float = field(default_factory=time.monotonic)
    _printed: float = 0.0

    def add(self, pages: int, passages: int, embedded: int, failed: bool = False, size: int = 0) -> None:
        self.files += 1
        self.bytes_done += size
        self.failed += int(failed)
        self.pages += pages
        self.passages += passages
        self.embedded += embedded
        now = time.monotonic()
        if self.out is not None and (now - self._printed >= self.every or self.files == self.files_total):
            self._printed = now
            print(self.line(), file=self.out, flush=True)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.passages / elapsed
        if self.bytes_total and self.bytes_done:
            eta = elapsed / self.bytes_done * max(0, self.bytes_total - self.bytes_done)
        else:
            eta = elapsed / self.files * (self.files_total - self.files) if self.files else float("nan")
        failed = f" ({self.failed} skipped)" if self.failed else ""
        eta_text = _duration(eta) if self.files else "?"
        return (f"ray: files {self.files}/{self.files_total}{failed}, pages {self.pages:,}, passages "
                f"{self.passages:,} ({self.embedded:,} new vectors), {rate:.1f} passages/s, "
                f"elapsed {_duration(elapsed)}, ETA {eta_text}")

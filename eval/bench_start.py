"""Worker start benchmark: how long the real server takes from launch to /readyz on an index,
and how much memory it holds then and after its first search, compare and answer.

    python eval/bench_start.py --index var/index --runs 3
    python eval/bench_start.py --index var/scale/100000-hnsw-sq8

Prints one JSON line per index with the CPU model; the figures are medians over ``--runs``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "eval"))

from bench_search import free_port, rss_mb, start  # noqa: E402

FIRST_REQUESTS = (("/v1/search", {"q": "tỷ lệ sản phẩm chủ lực được bảo hộ", "k": 10}),
                  ("/v1/search", {"q": "ty le san pham chu luc duoc bao ho", "k": 10}),
                  ("/v1/compare", {"topic": "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"}))


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def total_mb(pid: int) -> float:
    return round(sum(p["rss"] for p in rss_mb(pid).values()), 1)


def one_start(index: Path) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    began = time.perf_counter()
    proc = start([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index", str(index)],
                 f"{base}/readyz", timeout=1800)
    try:
        start_s = time.perf_counter() - began
        ready_mb = total_mb(proc.pid)
        with httpx.Client(timeout=120) as client:
            t = time.perf_counter()
            for path, params in FIRST_REQUESTS:
                client.get(base + path, params=params)
            first_s = time.perf_counter() - t
        return {"start_s": start_s, "rss_ready_mb": ready_mb, "first_requests_s": first_s,
                "rss_after_first_mb": total_mb(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", action="append", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for index in args.index:
        runs = [one_start(Path(index)) for _ in range(args.runs)]
        result = {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}
        print(json.dumps({"index": index, "runs": args.runs, "cpu": cpu_model(), **result}, ensure_ascii=False),
              flush=True)


if __name__ == "__main__":
    main()

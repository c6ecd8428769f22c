"""Search latency and throughput of the real server against the naive pipeline.

Starts `vnpolicy serve` on the built index and eval/naive_server.py, both on loopback,
then for 1 and 16 concurrent clients sends the dev-set queries for --seconds each and
prints p50/p99 latency, req/s, errors and the ours/naive ratios.

    python eval/bench_search.py [--index var/index] [--seconds 20]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], health_url: str, timeout: float = 600, **extra_env: str) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(ROOT), "VNPOLICY_RATE_LIMIT_PER_MINUTE": "0", "VNPOLICY_LOG_LEVEL": "WARNING"}
    env |= extra_env
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(health_url, timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"server did not start: {' '.join(cmd)}")


def load(url: str, queries: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(seed: int) -> None:
        order = queries[:]
        random.Random(seed).shuffle(order)
        with httpx.Client(timeout=30) as client:
            i = 0
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    ok = client.get(url, params={"q": order[i % len(order)], "k": 10}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed) if ok else None
                    errors[0] += 0 if ok else 1
                i += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {"clients": clients, "requests": len(latencies), "errors": errors[0],
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None,
            "req_per_s": round(len(latencies) / wall, 1)}


def cold_pass(url: str, queries: list[str]) -> dict:
    """Each query once, one client: no query is in the embedding cache yet."""
    times = []
    with httpx.Client(timeout=30) as client:
        for q in queries:
            started = time.perf_counter()
            client.get(url, params={"q": q, "k": 10}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(statistics.median(times), 1), "p99_ms": round(sorted(times)[int(0.99 * (len(times) - 1))], 1)}


def rss_mb(pid: int) -> dict[str, dict[str, float]]:
    """Resident memory of a server and its worker processes, in MB: total, private (anonymous)
    and file-backed (memory-mapped index files: page cache that workers share)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True)
    usage = {}
    for pid_ in out.stdout.split():
        status = Path(f"/proc/{pid_}/status").read_text()
        kb = {key: int(value.split()[0]) for key, value in re.findall(r"^(Rss\w+|VmRSS):\s+(.+)$", status, re.M)}
        usage[pid_] = {"rss": round(kb.get("VmRSS", 0) / 1024, 1), "anon": round(kb.get("RssAnon", 0) / 1024, 1),
                       "file": round(kb.get("RssFile", 0) / 1024, 1)}
    return usage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="var/index")
    parser.add_argument("--queries", default="eval/queries.jsonl")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", default="1,16", help="comma-separated concurrency levels")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers for our server")
    parser.add_argument("--no-naive", action="store_true", help="only our server (load test)")
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in (ROOT / args.queries).read_text(encoding="utf-8").splitlines() if line]
    from indexer.models.engine_choice import cpu_features

    cpu = cpu_features()
    print(f"cpu: {cpu['model']}; {os.cpu_count()} CPUs; flags: {' '.join(cpu['flags'])}")
    ours_port, naive_port = free_port(), free_port()
    ours = start([sys.executable, "-m", "service.cli", "serve", "--port", str(ours_port), "--index", args.index,
                  "--workers", str(args.workers)], f"http://127.0.0.1:{ours_port}/readyz")
    procs = {"ours": ours}
    if not args.no_naive:
        # the pipeline a user builds: sentence-transformers in float32, whatever this project's engines pick
        procs["naive"] = start([sys.executable, "eval/naive_server.py", "--port", str(naive_port)],
                               f"http://127.0.0.1:{naive_port}/healthz", VNPOLICY_EMBED_DTYPE="float32")
    levels = [int(c) for c in args.clients.split(",")]
    try:
        time.sleep(3 if args.workers > 1 else 0)  # let every worker finish loading
        targets = {"ours": f"http://127.0.0.1:{ours_port}/v1/search", "naive": f"http://127.0.0.1:{naive_port}/search"}
        targets = {k: v for k, v in targets.items() if k in procs}
        report = {name: {"cold_1_client": cold_pass(url, queries)} for name, url in targets.items()}
        for clients in levels:
            for name, url in targets.items():
                report[name][f"{clients}_clients"] = load(url, queries, clients, args.seconds)
        report["ours"]["rss_mb"] = rss_mb(ours.pid)
        report["ours"]["workers"] = args.workers
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=15)
    print(json.dumps(report, indent=2))
    if args.no_naive:
        return
    for key in (f"{c}_clients" for c in levels):
        ratio = report["ours"][key]["req_per_s"] / max(report["naive"][key]["req_per_s"], 1e-9)
        print(f"{key}: ours {report['ours'][key]['req_per_s']} req/s p50 {report['ours'][key]['p50_ms']} ms | "
              f"naive {report['naive'][key]['req_per_s']} req/s p50 {report['naive'][key]['p50_ms']} ms | ratio {ratio:.1f}x")
    print(f"cold (each query once): ours p50 {report['ours']['cold_1_client']['p50_ms']} ms, "
          f"naive p50 {report['naive']['cold_1_client']['p50_ms']} ms")


if __name__ == "__main__":
    main()

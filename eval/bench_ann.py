"""FAISS index types on N synthetic vectors (real passage vectors + noise calibrated on real
recombined passages): build time, memory, query latency and recall@10 against exact search
for real query embeddings — the data behind the dense index choice at scale.

    python eval/bench_ann.py --n 1000000 --types hnsw,hnsw-fp16,hnsw-sq8,ivf-flat,ivf-sq8
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
from bench_scale import base_material, calibrated_noise, dev_queries, query_vectors, synthetic_vectors  # noqa: E402
from indexer.search.dense import DenseParams, build_dense, search_dense  # noqa: E402

SETTINGS = {"hnsw": [128, 256, 512], "hnsw-fp16": [128, 256, 512], "hnsw-sq8": [128, 256, 512],
            "ivf-flat": [32, 64, 128, 256], "ivf-sq8": [32, 64, 128, 256]}


def params_for(kind: str, setting: int) -> DenseParams:
    if kind.startswith("hnsw"):
        return DenseParams(kind=kind, ef_search=setting)
    return DenseParams(kind=kind, nprobe=setting)


def measure(kind: str, vectors: np.ndarray, probes: dict[str, np.ndarray], truth: dict[str, np.ndarray]) -> None:
    started = time.perf_counter()
    index = build_dense(vectors, params_for(kind, SETTINGS[kind][0]))
    build_s = time.perf_counter() - started
    size_mb = len(faiss.serialize_index(index)) / 2**20
    for setting in SETTINGS[kind]:
        params = params_for(kind, setting)
        row = {"type": kind, "param": setting, "build_s": round(build_s, 1), "index_mb": round(size_mb, 1)}
        for name, queries in probes.items():
            times, recalls = [], []
            for q, true_ids in zip(queries, truth[name]):
                t = time.perf_counter()
                _, ids = search_dense(index, q, 10, params, vectors=vectors)
                times.append((time.perf_counter() - t) * 1000)
                recalls.append(len(set(ids.tolist()) & set(true_ids.tolist())) / 10)
            row |= {f"{name}_p50_ms": round(float(np.median(times)), 2),
                    f"{name}_p99_ms": round(float(np.percentile(times, 99)), 2),
                    f"{name}_recall@10": round(float(np.mean(recalls)), 4)}
        print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--types", default="hnsw,hnsw-fp16,hnsw-sq8,ivf-flat,ivf-sq8")
    parser.add_argument("--noise", type=float, default=None, help="per-dimension noise; default: calibrated")
    parser.add_argument("--index", default="var/index", help="a built index to take passages and vectors from")
    args = parser.parse_args()
    faiss.omp_set_num_threads(2)
    source, base = base_material(ROOT / args.index)
    noise = args.noise if args.noise is not None else calibrated_noise(source)["noise"]
    vectors = synthetic_vectors(base, args.n, np.random.default_rng(args.n), noise)
    probes = {"real": query_vectors(dev_queries()), "synthetic": synthetic_vectors(base, 200, np.random.default_rng(7), noise)}
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truth = {name: exact.search(q, 10)[1] for name, q in probes.items()}
    del exact
    print(json.dumps({"n": args.n, "noise": noise}), flush=True)
    for kind in args.types.split(","):
        measure(kind, vectors, probes, truth)
    print(json.dumps({"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()

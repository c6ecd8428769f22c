"""Retrieval with passages and questions embedded by different e5-small engines (issue 19).

For each index engine (its passages) and each query engine: ALQAC-2022 nDCG@10 (hybrid and dense) and the
dev set's MRR@10 (hybrid) over the seed plans. An index per engine is built once under --cache-dir (ALQAC)
and --seed-cache (the seeds), and reused by content on later runs.

    python eval/cross_engine.py                       # float32 × int8, both ways (~15 min on 2 cores)
    python eval/cross_engine.py --engines float32,int8,bfloat16
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(dtype: str, build_one) -> Path:
    """An index embedded by ``dtype``: the engine is chosen through the setting, as a user would."""
    os.environ["VNPOLICY_EMBED_DTYPE"] = dtype
    try:
        return build_one()
    finally:
        os.environ.pop("VNPOLICY_EMBED_DTYPE", None)


def alqac_index(dataset: Path, cache: Path) -> tuple[Path, dict[str, str], int]:
    from indexer.ingest.chunking import SectionChunker
    from indexer.pipeline import BuildReport, BuildSettings, write_documents_index
    from service.evaluation.beir import _beir_documents

    settings = BuildSettings(model="e5-small", target_chars=900)
    documents, id_map = _beir_documents(dataset / "corpus.jsonl", SectionChunker(900, settings.max_chars))
    out = cache / f"{dataset.name}-e5-small"
    report = BuildReport(index_path=str(out))
    write_documents_index(documents, out, settings, report)
    return out, id_map, report.chunks


def alqac_metrics(index_dir: Path, id_map: dict[str, str], dataset: Path, embedder) -> dict[str, float]:
    from collections import defaultdict

    from indexer.store import load_index
    from service.evaluation.beir import _beir_query_metrics
    from service.retrieval import Searcher

    searcher = Searcher(load_index(index_dir), embedder)
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (dataset / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc_id, rel = line.split("\t")
        qrels[qid][doc_id] = int(rel)
    queries = [json.loads(line) for line in (dataset / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    out = {}
    for mode in ("hybrid", "dense"):
        rows = [_beir_query_metrics(searcher, q["text"], qrels[q["qid"]], id_map, mode) for q in queries
                if q["qid"] in qrels]
        out[mode] = round(sum(r["nDCG@10"] for r in rows) / len(rows), 4)
    return out


def dev_mrr(index_dir: Path, embedder) -> float:
    from indexer.store import load_index
    from service.evaluation.dev import score_query
    from service.retrieval import Searcher

    searcher = Searcher(load_index(index_dir), embedder)
    queries = [json.loads(line) for line in (ROOT / "eval/queries.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()]
    rows = [score_query(searcher.run(q["query"], 10).hits, q["relevant"]) for q in queries]
    return round(sum(r["MRR@10"] for r in rows) / len(rows), 4)


def main() -> int:
    from indexer.models.embeddings import E5SmallEmbedder
    from indexer.pipeline import build_index

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="float32,int8")
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared/datasets/alqac2022"))
    parser.add_argument("--cache-dir", default="var/eval-cache/engines")
    parser.add_argument("--corpus", default="corpus")
    args = parser.parse_args()
    engines, dataset = args.engines.split(","), Path(args.dataset)
    embedders = {d: E5SmallEmbedder(dtype=d) for d in engines}
    print(f"{'passages':<10}{'queries':<10}{'ALQAC hybrid':>14}{'ALQAC dense':>13}{'dev MRR':>9}")
    for passages in engines:
        cache = Path(args.cache_dir) / passages
        index, id_map, _ = build(passages, lambda: alqac_index(dataset, cache))
        seeds = cache / "seeds"
        build(passages, lambda: build_index(Path(args.corpus), seeds))
        for queries in engines:
            alqac = alqac_metrics(index, id_map, dataset, embedders[queries])
            print(f"{passages:<10}{queries:<10}{alqac['hybrid']:>14}{alqac['dense']:>13}"
                  f"{dev_mrr(seeds, embedders[queries]):>9}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

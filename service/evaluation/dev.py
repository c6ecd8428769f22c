"""Retrieval on the dev set over corpus/ (``eval/queries.jsonl``).

A passage is relevant when it belongs to the named document and contains the phrase (compared
after the same normalisation as search), or the phrase is one of the document's metadata values
shown on every result (signer, số hiệu).
"""
from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from indexer.models.embeddings import make_embedder
from indexer.vntext import normalize_vietnamese
from indexer.store import load_index

from ..retrieval import Hit, Searcher

MODES = ("lexical", "dense", "hybrid")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", normalize_vietnamese(text)).strip().lower()


def _is_relevant(hit: Hit, wanted: dict[str, str]) -> bool:
    if hit.passage.doc_id != wanted["doc_id"]:
        return False
    phrase = _norm(wanted["contains"])
    if phrase in _norm(hit.passage.text):
        return True
    doc = hit.document
    return any(phrase == _norm(value or "") for value in (doc.signer, doc.doc_number, doc.issuer))


def score_query(hits: list[Hit], relevant: list[dict[str, str]]) -> dict[str, float]:
    found_at: list[int] = []
    for wanted in relevant:
        ranks = [i for i, h in enumerate(hits) if _is_relevant(h, wanted)]
        found_at.append(ranks[0] + 1 if ranks else 10**6)
    first = min(found_at)
    return {f"R@{k}": sum(r <= k for r in found_at) / len(found_at) for k in (1, 5, 10)} | {
        "MRR@10": 1.0 / first if first <= 10 else 0.0}


def aggregate(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(mean(r[key] for r in rows), 4) for key in rows[0]} if rows else {}


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(title)
    keys = list(next(iter(table.values())).keys())
    print(f"  {'':<22}" + "".join(f"{k:>9}" for k in keys))
    for name, row in table.items():
        print(f"  {name:<22}" + "".join(f"{row[k]:>9.3f}" if isinstance(row[k], float) else f"{row[k]:>9}" for k in keys))


def run_dev_eval(index_dir: Path, queries_path: Path, modes: tuple[str, ...] = MODES, k: int = 10) -> dict[str, Any]:
    index = load_index(index_dir)
    searcher = Searcher(index, make_embedder(index.model_spec, role="query"))
    queries = [json.loads(line) for line in queries_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    passage_len = mean(len(p.text) for p in index.passages)
    results: dict[str, Any] = {"queries": len(queries), "chunks": len(index.passages),
                               "mean_passage_chars": round(passage_len, 1), "modes": {}}
    for mode in modes:
        per_kind: dict[str, list] = defaultdict(list)
        started = time.perf_counter()
        for q in queries:
            row = score_query(searcher.run(q["query"], k, mode=mode).hits, q["relevant"])  # with the relevance floor
            per_kind["all"].append(row)
            per_kind[q.get("kind", "other")].append(row)
        table = {name: aggregate(rows) | {"n": len(rows)} for name, rows in sorted(per_kind.items())}
        results["modes"][mode] = table | {"ms_per_query": round((time.perf_counter() - started) * 1000 / len(queries), 1)}
        print_table(f"mode={mode}  ({results['modes'][mode]['ms_per_query']} ms/query, "
                    f"mean passage {passage_len:.0f} chars, {len(index.passages)} chunks)", table)
    return results

"""The search relevance floor against in-domain and out-of-domain queries, and its recalibration.

In-domain: the dev-set queries and the answer set's questions (the seed corpus answers them all);
out-of-domain: ``eval/relevance_ood.jsonl`` plus the answer set's ``"ood": true`` questions. Each
query is searched as the API does; the floor's reading (best cosine, coverage) is kept so that the
best thresholds for this index's engine can be searched for: the pair that keeps every in-domain
query (then rejects the most out-of-domain ones), middle of the widest such range.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from indexer.models.embeddings import make_embedder
from indexer.store import load_index

from ..relevance import CALIBRATED, Floor, floor_for
from ..retrieval import Searcher


def _queries(path: Path, keep) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["query"] for r in rows if keep(r)]


def _readings(searcher: Searcher, queries: list[str]) -> list[tuple[float, float]]:
    """(best cosine, coverage) of each query; a query without a dense side reads cosine 0."""
    out = []
    for query in queries:
        relevance = searcher.run(query, 10).relevance
        out.append((relevance.cosine or 0.0, relevance.coverage) if relevance else (1.0, 1.0))
    return out


def _kept(readings: list[tuple[float, float]], floor: Floor) -> int:
    return sum(c >= floor.min_cosine or v >= floor.min_coverage for c, v in readings)


def best_floor(inside: list[tuple[float, float]], outside: list[tuple[float, float]]) -> Floor:
    """Keep every in-domain query, reject the most out-of-domain ones; prefer the middle of a tie."""
    grid = [(c / 1000, v / 100) for c in range(700, 1001, 5) for v in range(10, 91)]
    scored = [(len(outside) - _kept(outside, Floor(*g)), g) for g in grid if _kept(inside, Floor(*g)) == len(inside)]
    if not scored:
        return Floor(1.0, 0.0)
    top = max(s for s, _ in scored)
    ties = sorted(g for s, g in scored if s == top)
    return Floor(*ties[len(ties) // 2])


def run_relevance_eval(index_dir: Path, queries_path: Path, answers_path: Path, ood_path: Path) -> dict[str, Any]:
    index = load_index(index_dir)
    searcher = Searcher(index, make_embedder(index.model_spec, role="query"))
    inside = _queries(queries_path, lambda r: True) + _queries(answers_path, lambda r: not r.get("ood"))
    outside = _queries(ood_path, lambda r: True) + _queries(answers_path, lambda r: r.get("ood"))
    read_in, read_out = _readings(searcher, inside), _readings(searcher, outside)
    floor = floor_for(index.model_spec)
    result: dict[str, Any] = {"engine": index.model_spec, "in_domain": len(inside), "out_of_domain": len(outside),
                              "floor": None if floor is None else vars(floor)}
    if floor is not None:
        kept_in, kept_out = _kept(read_in, floor), _kept(read_out, floor)
        rejected = (len(inside) - kept_in) + (len(outside) - kept_out)
        result |= {"in_kept": kept_in, "ood_rejected": len(outside) - kept_out,
                   "not_found_precision": round((len(outside) - kept_out) / rejected, 3) if rejected else None,
                   "not_found_recall": round((len(outside) - kept_out) / len(outside), 3)}
    result["recalibrated"] = vars(best_floor(read_in, read_out))
    print(f"relevance floor ({index.model_spec}; calibrated: {index.model_spec in CALIBRATED}): {result}")
    return result

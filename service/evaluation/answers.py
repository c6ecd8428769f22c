"""Extractive answers against ``eval/answers.jsonl``: figure right and cited, abstention, latency."""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from indexer.models.embeddings import make_embedder
from indexer.store import load_index

from ..answering import ExtractiveGenerator
from ..term_weights import TermWeights
from ..retrieval import Searcher


def run_answer_eval(index_dir: Path, answers_path: Path, queries_path: Path) -> dict[str, Any]:
    """Extractive answers: figure right and cited; abstention confusion matrix; latency.

    In-domain questions are the answer set's questions plus every dev-set query (which the
    corpus answers); out-of-domain ones are marked ``"ood": true`` in the answer set.
    """
    index = load_index(index_dir)
    searcher = Searcher(index, make_embedder(index.model_spec, role="query"))
    generator = ExtractiveGenerator(TermWeights(index.lexical), searcher.analyzer)
    items = [json.loads(line) for line in answers_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = [json.loads(line) for line in queries_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    correct, latencies, matrix = 0, [], {"ood_abstained": 0, "ood_answered": 0, "in_answered": 0, "in_abstained": 0}
    questions = [(q, bool(q.get("ood"))) for q in items] + [({"query": q["query"]}, False) for q in dev]
    for item, ood in questions:
        started = time.perf_counter()
        answer = generator.answer(item["query"], searcher.search(item["query"], 5))
        latencies.append((time.perf_counter() - started) * 1000)
        matrix[f"{'ood' if ood else 'in'}_{'abstained' if answer.abstained else 'answered'}"] += 1
        if "expect" in item:
            cited = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
            correct += item["expect"] in answer.text and any(
                item["expect"] in answer.citations[n - 1].passage.text for n in cited if n <= len(answer.citations))
    n_expect = sum("expect" in q for q in items)
    abstained = matrix["ood_abstained"] + matrix["in_abstained"]
    result = {"figure_right_and_cited": f"{correct}/{n_expect}", "confusion": matrix,
              "abstention_precision": round(matrix["ood_abstained"] / abstained, 3) if abstained else None,
              "abstention_recall": round(matrix["ood_abstained"] / max(1, matrix["ood_abstained"] + matrix["ood_answered"]), 3),
              "p50_ms": round(sorted(latencies)[len(latencies) // 2], 1), "threshold": generator.min_coverage}
    print(f"answers: figure right and cited {correct}/{n_expect}; p50 {result['p50_ms']} ms (search + answer)")
    print("                 abstained  answered")
    print(f"  out-of-domain  {matrix['ood_abstained']:>9}  {matrix['ood_answered']:>8}")
    print(f"  in-domain      {matrix['in_abstained']:>9}  {matrix['in_answered']:>8}")
    print(f"  abstention precision {result['abstention_precision']}, recall {result['abstention_recall']} "
          f"(threshold {generator.min_coverage})")
    return result

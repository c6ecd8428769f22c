"""Retrieval evaluation: the dev set over corpus/ and BEIR-format datasets.

Dev set (``eval/queries.jsonl``): a passage is relevant when it belongs to the named
document and contains the phrase (compared after the same normalisation as search),
or the phrase is one of the document's metadata values shown on every result
(signer, số hiệu). BEIR: a document scores by its best passage.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

from indexer.chunking import SectionChunker
from indexer.documents import ParsedDocument, parse_document
from indexer.embeddings import DEFAULT_MODEL, make_embedder
from indexer.loaders import LoadedFile
from indexer.normalize import normalize_vietnamese
from indexer.pipeline import BuildReport, BuildSettings, write_documents_index
from indexer.store import load_index

from .retrieval import Searcher

MODES = ("lexical", "dense", "hybrid")
METADATA_FIELDS = ("signer", "doc_number", "issuer")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", normalize_vietnamese(text)).strip().lower()


def _is_relevant(hit, wanted: dict[str, str]) -> bool:
    if hit.chunk["doc_id"] != wanted["doc_id"]:
        return False
    phrase = _norm(wanted["contains"])
    if phrase in _norm(hit.chunk["text"]):
        return True
    return any(phrase == _norm(hit.document.get(f) or "") for f in METADATA_FIELDS)


def score_query(hits: list, relevant: list[dict[str, str]]) -> dict[str, float]:
    found_at: list[int] = []
    for wanted in relevant:
        ranks = [i for i, h in enumerate(hits) if _is_relevant(h, wanted)]
        found_at.append(ranks[0] + 1 if ranks else 10**6)
    first = min(found_at)
    return {f"R@{k}": sum(r <= k for r in found_at) / len(found_at) for k in (1, 5, 10)} | {
        "MRR@10": 1.0 / first if first <= 10 else 0.0}


def _aggregate(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(mean(r[key] for r in rows), 4) for key in rows[0]} if rows else {}


def _print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(title)
    keys = list(next(iter(table.values())).keys())
    print(f"  {'':<22}" + "".join(f"{k:>9}" for k in keys))
    for name, row in table.items():
        print(f"  {name:<22}" + "".join(f"{row[k]:>9.3f}" if isinstance(row[k], float) else f"{row[k]:>9}" for k in keys))


def run_dev_eval(index_dir: Path, queries_path: Path, modes: tuple[str, ...] = MODES, k: int = 10) -> dict[str, Any]:
    index = load_index(index_dir)
    searcher = Searcher(index, make_embedder(index.model_spec))
    queries = [json.loads(line) for line in queries_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    passage_len = mean(len(c["text"]) for c in index.chunks)
    results: dict[str, Any] = {"queries": len(queries), "chunks": len(index.chunks),
                               "mean_passage_chars": round(passage_len, 1), "modes": {}}
    for mode in modes:
        per_kind: dict[str, list] = defaultdict(list)
        started = time.perf_counter()
        for q in queries:
            row = score_query(searcher.search(q["query"], k, mode=mode), q["relevant"])
            per_kind["all"].append(row)
            per_kind[q.get("kind", "other")].append(row)
        table = {name: _aggregate(rows) | {"n": len(rows)} for name, rows in sorted(per_kind.items())}
        results["modes"][mode] = table | {"ms_per_query": round((time.perf_counter() - started) * 1000 / len(queries), 1)}
        _print_table(f"mode={mode}  ({results['modes'][mode]['ms_per_query']} ms/query, "
                     f"mean passage {passage_len:.0f} chars, {len(index.chunks)} chunks)", table)
    return results


# -- BEIR -------------------------------------------------------------------------------
def _safe_id(raw_id: str) -> str:
    return "d" + hashlib.sha1(raw_id.encode()).hexdigest()[:16]


def _beir_documents(corpus_path: Path, chunker: SectionChunker) -> tuple[list[ParsedDocument], dict[str, str]]:
    documents, id_map = [], {}
    for line in corpus_path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = (row.get("title", "") + "\n\n" + row["text"]).strip()
        doc_id = _safe_id(row["doc_id"])
        id_map[doc_id] = row["doc_id"]
        loaded = LoadedFile(Path(doc_id), text, None, hashlib.sha256(text.encode()).hexdigest(), "txt")
        title = text.split("\n", 1)[0][:160]
        documents.append(parse_document(loaded, doc_id, row["doc_id"], {"title": title}, chunker))
    return documents, id_map


def _ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sum(r / math.log2(i + 2) for i, r in enumerate(sorted(relevant.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def _beir_query_metrics(searcher: Searcher, query: str, relevant: dict[str, int], id_map: dict[str, str],
                        mode: str) -> dict[str, float]:
    ranked: list[str] = []
    for hit in searcher.search(query, 50, mode=mode):
        doc = id_map[hit.chunk["doc_id"]]
        if doc not in ranked:
            ranked.append(doc)
    first = next((i + 1 for i, d in enumerate(ranked[:10]) if d in relevant), None)
    return {"nDCG@10": _ndcg(ranked, relevant), "R@10": len(set(ranked[:10]) & set(relevant)) / len(relevant),
            "MRR@10": 1.0 / first if first else 0.0}


def run_beir_eval(dataset: Path, model: str = DEFAULT_MODEL, limit: int | None = None, cache_dir: Path = Path("var/eval-cache"),
                  target_chars: int = 900) -> dict[str, Any]:
    settings = BuildSettings(model=model, target_chars=target_chars)
    out = cache_dir / f"{dataset.name}-{model.replace('/', '_').replace(':', '_')}"  # vectors reused by content hash
    documents, id_map = _beir_documents(dataset / "corpus.jsonl", SectionChunker(target_chars, settings.max_chars))
    report = BuildReport(index_path=str(out))
    write_documents_index(documents, out, settings, report, progress=_cli_progress())
    print(f"index: {report.chunks} chunks, embedded {report.embedded} new in {report.embed_seconds:.0f} s")
    index = load_index(out)
    searcher = Searcher(index, make_embedder(model))
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (dataset / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc_id, rel = line.split("\t")
        qrels[qid][doc_id] = int(rel)
    queries = [json.loads(line) for line in (dataset / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = [q for q in queries if q["qid"] in qrels][:limit]
    table = {}
    for mode in MODES:
        rows = [_beir_query_metrics(searcher, q["text"], qrels[q["qid"]], id_map, mode) for q in queries]
        table[mode] = _aggregate(rows) | {"n": len(rows)}
    _print_table(f"{dataset.name}: {len(queries)} queries, {len(documents)} documents, {report.chunks} chunks", table)
    return {"dataset": dataset.name, "model": model, "chunks": report.chunks, "modes": table}


def _cli_progress():
    from tqdm import tqdm

    def start(total: int):
        bar = tqdm(total=total, unit="passage", desc="embedding")
        return lambda n: bar.update(n)

    return start


# -- answers ------------------------------------------------------------------------------
def run_answer_eval(index_dir: Path, answers_path: Path, queries_path: Path) -> dict[str, Any]:
    """Extractive answers: figure right and cited; abstention confusion matrix; latency.

    In-domain questions are the answer set's questions plus every dev-set query (which the
    corpus answers); out-of-domain ones are marked ``"ood": true`` in the answer set.
    """
    from .answering import ExtractiveGenerator, TermWeights

    index = load_index(index_dir)
    searcher = Searcher(index, make_embedder(index.model_spec))
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
                item["expect"] in answer.citations[n - 1].chunk["text"] for n in cited if n <= len(answer.citations))
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

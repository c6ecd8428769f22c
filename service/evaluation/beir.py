"""Retrieval on a BEIR-format dataset (corpus.jsonl, queries.jsonl, qrels.tsv), e.g. ALQAC 2022:
every corpus document is parsed and indexed as the indexer does (vectors reused by content hash
from the previous run in the cache directory); a document scores by its best passage."""
from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from indexer.ingest.chunking import SectionChunker
from indexer.ingest.documents import ParsedDocument, parse_document
from indexer.models.embeddings import DEFAULT_MODEL, make_embedder
from indexer.ingest.loaders import LoadedFile
from indexer.pipeline import BuildReport, BuildSettings, write_documents_index
from indexer.store import load_index

from ..retrieval import Searcher
from .dev import MODES, aggregate, print_table


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
        doc = id_map[hit.passage.doc_id]
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
    write_documents_index(documents, out, settings, report, progress=cli_progress())
    print(f"index: {report.chunks} chunks, embedded {report.embedded} new in {report.embed_seconds:.0f} s")
    index = load_index(out)
    searcher = Searcher(index, make_embedder(model, role="query"))
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (dataset / "qrels.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        qid, doc_id, rel = line.split("\t")
        qrels[qid][doc_id] = int(rel)
    queries = [json.loads(line) for line in (dataset / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = [q for q in queries if q["qid"] in qrels][:limit]
    table = {}
    for mode in MODES:
        rows = [_beir_query_metrics(searcher, q["text"], qrels[q["qid"]], id_map, mode) for q in queries]
        table[mode] = aggregate(rows) | {"n": len(rows)}
    print_table(f"{dataset.name}: {len(queries)} queries, {len(documents)} documents, {report.chunks} chunks", table)
    under = sum(_under_floor(searcher, q["text"]) for q in queries)
    print(f"relevance floor: {under} of {len(queries)} (all answerable) would be 'không tìm thấy'")
    return {"dataset": dataset.name, "model": model, "chunks": report.chunks, "modes": table,
            "under_relevance_floor": under}


def _under_floor(searcher: Searcher, query: str) -> bool:
    relevance = searcher.run(query, 10).relevance
    return relevance is not None and not relevance.relevant


def cli_progress() -> Callable[[int], Callable[[int], Any]]:
    """A ``progress`` factory for ``write_documents_index``: a tqdm bar of passages embedded."""
    from tqdm import tqdm

    def start(total: int) -> Callable[[int], Any]:
        bar = tqdm(total=total, unit="passage", desc="embedding")
        return lambda n: bar.update(n)

    return start

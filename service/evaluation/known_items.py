"""Real published documents end to end: coverage, and known-item search from the trích yếu.

``vnpolicy eval --realdocs DIR`` (DIR like ../shared/datasets/realdocs-dev: ``docs/*.md`` and
``labels.jsonl``) parses every document as the indexer does, reports how much of each body its
passages hold, indexes the documents (vectors reused by content hash from the previous run in
the cache directory) and asks, for every document whose listing title has a trích yếu, three
questions a civil servant would type: the trích yếu as written, the same without diacritics, and
its first words plus the province. A hit is the document itself ranked first.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from indexer.ingest.chunking import SectionChunker
from indexer.ingest.coverage import corpus_coverage
from indexer.ingest.documents import ParsedDocument, doc_id_for, parse_document
from indexer.models.embeddings import DEFAULT_MODEL, make_embedder
from indexer.ingest.loaders import LoadError, load_file
from indexer.vntext import fold
from indexer.pipeline import BuildReport, BuildSettings, write_documents_index
from indexer.store import load_index

from ..retrieval import Searcher
from .realdocs import score_metadata

FIRST_WORDS = 8
_NUMBER_AND_YEAR = re.compile(r"^\s*\S*\d\S*(?:\s+năm\s+\d{4})?\s+", re.I)


def read_labels(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def trich_yeu(label: dict[str, Any]) -> str | None:
    """The listing title without its "<loại> <số hiệu> năm <năm>" prefix."""
    title, kind = label.get("title") or "", label.get("type") or ""
    if not title.startswith(kind):
        return None
    rest = _NUMBER_AND_YEAR.sub("", title[len(kind):], count=1).strip()
    return rest if len(rest.split()) >= 4 else None


def known_item_queries(label: dict[str, Any]) -> dict[str, str]:
    subject = trich_yeu(label)
    if not subject:
        return {}
    queries = {"accented": subject, "unaccented": fold(subject)}
    if label.get("province"):
        queries["first_words_province"] = " ".join(subject.split()[:FIRST_WORDS]) + " " + label["province"]
    return queries


def parse_realdocs(docs_dir: Path, chunker: SectionChunker) -> list[ParsedDocument]:
    documents = []
    for path in sorted(docs_dir.glob("*.md")):
        try:
            documents.append(parse_document(load_file(path), doc_id_for(path.name), path.name, {}, chunker))
        except LoadError as exc:
            print(f"  skipped {path.name}: {exc}")
    return documents


def known_item_hits(searcher: Searcher, labels: list[dict[str, Any]], k: int = 10) -> dict[str, Any]:
    """hit@1 and MRR@10 per query form; the misses with what came first."""
    results: dict[str, dict[str, float]] = {}
    misses: list[str] = []
    for label in labels:
        wanted = doc_id_for(label["doc_id"] + ".md")
        for form, query in known_item_queries(label).items():
            ranked: list[str] = []
            for hit in searcher.search(query, k):
                if hit.passage.doc_id not in ranked:
                    ranked.append(hit.passage.doc_id)
            row = results.setdefault(form, {"n": 0, "hit@1": 0.0, "MRR@10": 0.0})
            rank = ranked.index(wanted) + 1 if wanted in ranked else None
            row["n"] += 1
            row["hit@1"] += rank == 1
            row["MRR@10"] += 1 / rank if rank else 0.0
            if rank != 1:
                misses.append(f"{form} {wanted} (rank {rank}, first {ranked[:1]}): {query[:90]}")
    for row in results.values():
        row["hit@1"] = round(row["hit@1"] / row["n"], 4)
        row["MRR@10"] = round(row["MRR@10"] / row["n"], 4)
    return {"forms": results, "misses": misses}


def run_realdocs_eval(dataset: Path, model: str = DEFAULT_MODEL, cache_dir: Path = Path("var/eval-cache"),
                      target_chars: int = 900) -> dict[str, Any]:
    settings = BuildSettings(model=model, target_chars=target_chars)
    documents = parse_realdocs(dataset / "docs", SectionChunker(target_chars, settings.max_chars))
    coverage = corpus_coverage(documents)
    print(f"coverage: {coverage}")
    labels = read_labels(dataset / "labels.jsonl")
    result: dict[str, Any] = {"documents": len(documents), "coverage": round(coverage.ratio, 5),
                              "coverage_below": coverage.below}
    result["metadata"] = score_metadata({d.meta.doc_id: d.meta for d in documents}, labels)
    out = cache_dir / f"{dataset.name}-{model.replace('/', '_').replace(':', '_')}"
    report = BuildReport(index_path=str(out))
    write_documents_index(documents, out, settings, report)
    print(f"index: {report.chunks} passages, embedded {report.embedded} new in {report.embed_seconds:.0f} s")
    searcher = Searcher(load_index(out), make_embedder(model, role="query"))
    known = known_item_hits(searcher, labels)
    for form, row in known["forms"].items():
        print(f"  known item ({form:>20}): hit@1 {row['hit@1']:.3f}  MRR@10 {row['MRR@10']:.3f}  (n={row['n']})")
    for miss in known["misses"][:40]:
        print(f"    miss {miss}")
    result["known_item"] = known["forms"]
    return result

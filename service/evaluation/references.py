"""Reference extraction against ``eval/references_gold.jsonl`` (hand-labelled; rules in
eval/references_README.md): precision and recall of the references found (matched by số hiệu, or a
law's name, as multisets per document), then role, date and issuer accuracy on the matched ones."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from indexer.extract.references import Reference, extract_references, reference_key
from indexer.ingest.chunking import SectionChunker
from indexer.ingest.documents import parse_document
from indexer.ingest.loaders import load_file


def _source(doc_id: str, corpus: Path, realdocs: Path) -> Path:
    return realdocs / "docs" / f"{doc_id}.md" if doc_id.startswith("vb-") else corpus / f"{doc_id}.md"


def _score_document(gold: list[dict], found: list[Reference], totals: Counter) -> None:
    wanted = Counter(reference_key(g["number"], g["name"]) for g in gold)
    got = Counter(r.key for r in found)
    matched = wanted & got
    totals["tp"] += sum(matched.values())
    totals["fp"] += sum(got.values()) - sum(matched.values())
    totals["fn"] += sum(wanted.values()) - sum(matched.values())
    for key in matched:
        pairs = zip([g for g in gold if reference_key(g["number"], g["name"]) == key],
                    [r for r in found if r.key == key])
        for g, r in pairs:
            totals["roles"] += 1
            totals["role_right"] += g["role"] == r.role
            for field in ("date", "issuer"):
                if g[field]:
                    totals[f"{field}s"] += 1
                    totals[f"{field}_right"] += g[field] == getattr(r, field)


def run_references_eval(gold_path: Path, corpus: Path, realdocs: Path) -> dict[str, Any]:
    gold = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals: Counter = Counter()
    chunker = SectionChunker(900, 1000)
    for doc_id in sorted({g["doc_id"] for g in gold}):
        path = _source(doc_id, corpus, realdocs)
        doc = parse_document(load_file(path), doc_id, path.name, {}, chunker)
        _score_document([g for g in gold if g["doc_id"] == doc_id], extract_references(doc.text), totals)
    tp = totals["tp"]
    result = {"gold": len(gold), "documents": len({g["doc_id"] for g in gold}), "found": tp + totals["fp"],
              "precision": round(tp / max(tp + totals["fp"], 1), 3), "recall": round(tp / max(tp + totals["fn"], 1), 3),
              "role_accuracy": round(totals["role_right"] / max(totals["roles"], 1), 3),
              "date_accuracy": round(totals["date_right"] / max(totals["dates"], 1), 3),
              "issuer_accuracy": round(totals["issuer_right"] / max(totals["issuers"], 1), 3)}
    print(f"references: {result}")
    return result

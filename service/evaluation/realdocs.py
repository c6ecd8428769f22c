"""Metadata accuracy on real published documents (``../shared/datasets/realdocs-dev``).

``metadata_accuracy(docs_dir, labels_path)`` parses every document the way the indexer does
(load → ``split_portal`` → ``normalize_document`` → ``extract_metadata`` with the portal's fields)
and ``score_metadata(metas, labels)`` compares the result with the portal listing's labels:

- ``doc_number``: exact after removing spaces;
- ``doc_type``: the label's type ("Văn bản" for a văn bản hợp nhất is the start of ours);
- ``year``;
- ``province``: names compared folded and without "tỉnh"/"thành phố" ("Hồ Chí Minh" equals
  "Thành phố Hồ Chí Minh"); a central document (label null) must give None;
- ``province_now``: the same through today's units (label "Bắc Giang" → Bắc Ninh), the filter users
  apply; it forgives labels that name the former province a document is about;
- ``title``: the label's trích yếu (its title minus "<type> <number> [năm <year>] ") against ours
  minus its type word: the share of documents whose title starts with the trích yếu's first 8 words
  (folded, punctuation and "về việc" removed);
- coverage: how many documents got an issuer, a signer and a level.

Run: ``python -m service.evaluation.realdocs [docs_dir labels.jsonl]``; prints accuracies and misses.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from indexer.ingest.chunking import SectionChunker
from indexer.ingest.documents import parse_document
from indexer.extract.localities import province_now
from indexer.ingest.loaders import load_file
from indexer.extract.metadata import DocumentMetadata
from indexer.vntext import fold, normalize_vietnamese

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "realdocs-dev"
SCORED = ("doc_number", "doc_type", "year", "province", "province_now")
COVERAGE = ("issuer", "signer", "level")
TITLE_WORDS = 8


def parse_for_metadata(path: Path) -> DocumentMetadata:
    """One file → metadata, exactly as the indexer parses it."""
    return parse_document(load_file(path), path.stem, path.name, {}, SectionChunker()).meta


def _province_key(name: str | None) -> str | None:
    if not name:
        return None
    key = fold(normalize_vietnamese(name)).strip()
    return re.sub(r"^(?:tinh|thanh pho|tp\.?)\s+", "", key)


_DATE_PHRASE = re.compile(r"\bngay \d{1,2}(?: thang \d{1,2} nam \d{4}| \d{1,2} \d{4})")


def _words(text: str) -> list[str]:
    """Folded words for comparing titles, with the portal listing's rewriting undone on both sides:
    no punctuation, no 'số' before a number, no dates, no leading 'về việc' / 'ban hành' / 'về'."""
    text = re.sub(r"[^\w\s]", " ", fold(normalize_vietnamese(text)))
    text = _DATE_PHRASE.sub(" ", re.sub(r"\bso (?=\d)", "", re.sub(r"\s+", " ", text)))
    text = re.sub(r"^\s*(?:ve viec |v v )?(?:ban hanh |ve )?", "", text)
    return text.split()


def label_excerpt(label: dict[str, Any]) -> str:
    """'Quyết định 2637/QĐ-UBND năm 2025 công bố …' → 'công bố …'."""
    title = re.sub(r"\s+", " ", label["title"]).strip()
    pattern = rf"^{re.escape(label['type'])}(?:\s+hợp\s+nhất)?\s+{re.escape(label['doc_number'])}(?:\s+năm\s+\d{{4}})?\s+"
    return re.sub(pattern, "", title, flags=re.IGNORECASE)


def title_matches(meta: DocumentMetadata, label: dict[str, Any]) -> bool:
    if not meta.title:
        return False
    ours = _words(meta.title)
    kind = _words(meta.doc_type or "")
    if ours[: len(kind)] == kind:
        ours = ours[len(kind):]
    ours = _words(" ".join(ours))
    theirs = _words(label_excerpt(label))[:TITLE_WORDS]
    return bool(theirs) and ours[: len(theirs)] == theirs


def _field_ok(field: str, meta: DocumentMetadata, label: dict[str, Any]) -> bool:
    if field == "doc_number":
        return re.sub(r"\s+", "", meta.doc_number or "") == re.sub(r"\s+", "", label["doc_number"])
    if field == "doc_type":
        ours, theirs = fold(meta.doc_type or ""), fold(label["type"])
        return bool(ours) and (ours == theirs or ours.startswith(theirs + " "))
    if field == "year":
        return meta.year == label["year"]
    if field == "province_now":
        expected = province_now(label["province"]) if label["province"] else None
        return _province_key(meta.province_now) == _province_key(expected)
    return _province_key(meta.province) == _province_key(label["province"])


def score_metadata(metas: dict[str, DocumentMetadata], labels: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-field accuracy, title similarity, coverage and the misses, over the labelled documents."""
    misses: dict[str, list[dict[str, Any]]] = {f: [] for f in (*SCORED, "title")}
    correct = dict.fromkeys((*SCORED, "title"), 0)
    covered = dict.fromkeys(COVERAGE, 0)
    for label in labels:
        meta = metas.get(label["doc_id"]) or DocumentMetadata(doc_id=label["doc_id"])
        for field in SCORED:
            expected = label["type" if field == "doc_type" else "province" if field == "province_now" else field]
            if _field_ok(field, meta, label):
                correct[field] += 1
            else:
                misses[field].append({"doc_id": label["doc_id"], "expected": expected, "got": getattr(meta, field)})
        if title_matches(meta, label):
            correct["title"] += 1
        else:
            misses["title"].append({"doc_id": label["doc_id"], "expected": label_excerpt(label), "got": meta.title})
        for field in COVERAGE:
            covered[field] += bool(getattr(meta, field))
    total = len(labels)
    return {"documents": total,
            "accuracy": {f: round(correct[f] / total, 4) if total else 0.0 for f in correct},
            "coverage": covered, "misses": misses}


def load_labels(labels_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metadata_accuracy(docs_dir: Path, labels_path: Path, verbose: bool = True) -> dict[str, Any]:
    """Parse every labelled document under ``docs_dir``, score it, print the report, return it."""
    labels = load_labels(labels_path)
    metas = {}
    for label in labels:
        path = docs_dir / f"{label['doc_id']}.md"
        if path.exists():
            metas[label["doc_id"]] = parse_for_metadata(path)
    report = score_metadata(metas, labels)
    if verbose:
        print_report(report)
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"documents: {report['documents']}")
    for field, value in report["accuracy"].items():
        print(f"  {field:11s} {value:.3f}")
    print("  coverage: " + ", ".join(f"{k} {v}/{report['documents']}" for k, v in report["coverage"].items()))
    for field, missed in report["misses"].items():
        for miss in missed:
            print(f"  MISS {field:10s} {miss['doc_id']}: expected {miss['expected']!r}, got {miss['got']!r}")


def main(argv: list[str]) -> int:
    base = Path(argv[0]) if argv else DEFAULT_DIR
    docs = base / "docs" if (base / "docs").is_dir() else base
    labels = Path(argv[1]) if len(argv) > 1 else base / "labels.jsonl"
    metadata_accuracy(docs, labels)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

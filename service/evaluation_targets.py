"""Target extraction against eval/targets_gold.jsonl, and compare topics against eval/compare.jsonl."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from indexer.embeddings import make_embedder
from indexer.store import load_index

from .answering import TermWeights
from .compare import TargetMatcher
from .retrieval import Searcher


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(t: dict) -> tuple:
    return t["doc_id"], round(float(t["value"]), 4), t["unit"].lower(), t.get("year")


def run_targets_eval(index_dir: Path, gold_path: Path) -> dict[str, Any]:
    """Precision and recall of extracted targets: value, unit and year all right."""
    extracted = load_index(index_dir, verify=False).targets
    gold = _read(gold_path)
    unmatched = [_key(g) for g in gold]
    true_pos, false_pos = 0, []
    for target in extracted:
        if _key(target) in unmatched:
            unmatched.remove(_key(target))
            true_pos += 1
        else:
            false_pos.append(_key(target))
    precision = true_pos / len(extracted) if extracted else 0.0
    recall = true_pos / len(gold) if gold else 0.0
    print(f"targets: {len(extracted)} extracted, {len(gold)} gold, {true_pos} right "
          f"→ precision {precision:.3f}, recall {recall:.3f}")
    for key in false_pos:
        print(f"  extra  {key}")
    for key in unmatched:
        print(f"  missed {key}")
    return {"extracted": len(extracted), "gold": len(gold), "right": true_pos,
            "precision": round(precision, 3), "recall": round(recall, 3)}


def _locality_right(expected: list[dict], targets: list[dict]) -> bool:
    for want in expected:
        if not any(t["value"] in want["values"] and t["unit"] == want["unit"] and t["year"] == want.get("year")
                   for t in targets):
            return False
    return True


def run_compare_eval(index_dir: Path, compare_path: Path) -> dict[str, Any]:
    """Per topic and locality: the expected value/year is among the locality's matches, and
    localities without a target on the topic get none."""
    index = load_index(index_dir, verify=False)
    searcher = Searcher(index, make_embedder(index.model_spec))
    matcher = TargetMatcher(searcher, TermWeights(index.lexical))
    topics = _read(compare_path)
    pairs_right = pairs = topics_right = 0
    for topic in topics:
        rows = {r.document["doc_id"]: [m.target for m in r.targets] for r in matcher.compare(topic["topic"])}
        expected: dict[str, list[dict]] = {}
        for want in topic["expected"]:
            expected.setdefault(want["doc_id"], []).append(want)
        verdicts = {doc: _locality_right(wants, rows.get(doc, [])) for doc, wants in expected.items()}
        verdicts |= {doc: not rows.get(doc) for doc in topic.get("no_target", [])}
        pairs += len(verdicts)
        pairs_right += sum(verdicts.values())
        topics_right += all(verdicts.values())
        wrong = [d for d, ok in verdicts.items() if not ok]
        print(f"  {'ok ' if not wrong else 'BAD'} {topic['topic'][:70]:<70} {'wrong: ' + ', '.join(wrong) if wrong else ''}")
    print(f"compare: {topics_right}/{len(topics)} topics fully right, {pairs_right}/{pairs} topic-locality pairs right")
    return {"topics": len(topics), "topics_right": topics_right, "pairs": pairs, "pairs_right": pairs_right}

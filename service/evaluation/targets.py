"""Target extraction against eval/targets_gold.jsonl (from a built index) and against any gold over a folder of
documents (``targets_from_documents``: eval/targets_realdocs_gold.jsonl over ../shared/datasets/realdocs-dev), and
compare topics against eval/compare.jsonl."""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from indexer.store import TargetRecord

TargetKey = tuple[str, float, str, int | None]  # doc_id, value, unit, year: a target is right when all four agree


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _key(doc_id: str, value: float, unit: str, year: int | None) -> TargetKey:
    return doc_id, round(float(value), 4), unit.lower(), year


def _gold_key(gold: dict[str, Any]) -> TargetKey:
    return _key(gold["doc_id"], gold["value"], gold["unit"], gold.get("year"))


def _record_key(target: TargetRecord) -> TargetKey:
    return _key(target.doc_id, target.value, target.unit, target.year)


def run_targets_eval(index_dir: Path, gold_path: Path) -> dict[str, Any]:
    """Precision and recall of extracted targets: value, unit and year all right."""
    from indexer.store import load_index

    extracted = load_index(index_dir, verify=False).targets
    gold = _read(gold_path)
    unmatched = [_gold_key(g) for g in gold]
    true_pos, false_pos = 0, []
    for target in extracted:
        if _record_key(target) in unmatched:
            unmatched.remove(_record_key(target))
            true_pos += 1
        else:
            false_pos.append(_record_key(target))
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


def _locality_right(expected: list[dict], targets: list[TargetRecord]) -> bool:
    for want in expected:
        if not any(t.value in want["values"] and t.unit == want["unit"] and t.year == want.get("year")
                   for t in targets):
            return False
    return True


def run_compare_eval(index_dir: Path, compare_path: Path) -> dict[str, Any]:
    """Per topic and locality: the expected value/year is among the locality's matches, and
    localities without a target on the topic get none."""
    from indexer.models.embeddings import make_embedder
    from indexer.store import load_index

    from ..term_weights import TermWeights
    from ..compare import TargetMatcher
    from ..retrieval import Searcher

    index = load_index(index_dir, verify=False)
    searcher = Searcher(index, make_embedder(index.model_spec, role="query"))
    matcher = TargetMatcher(searcher, TermWeights(index.lexical))
    topics = _read(compare_path)
    pairs_right = pairs = topics_right = 0
    for topic in topics:
        rows = {r.document.doc_id: [m.target for m in r.targets] for r in matcher.compare(topic["topic"])}
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


# --- Targets over a folder of documents, no index (nothing embedded) ------------------------------------------

_LIST_ITEM = re.compile(r"^(?:[-+•–]\s|[a-zđ]\)\s|\d{1,2}(?:\.\d{1,2})*\.\s|\d{1,2}\.\d{1,2}\s|\d{1,2}\)\s|[IVXLC]+\.\s"
                        r"|Điều\s+\d+|Chương\b|Mục\s+\d+\b|PH[ỤU]\s*L[ỤU]C\b)")
_BARE_NUMBER = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVXLC]+\.|[a-zđ]\))$")


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` continues ``previous`` (a hard wrap) rather than starting a new sentence or item."""
    if _BARE_NUMBER.match(previous):  # "1." alone on its line, its title on the next
        return True
    if re.search(r"\d$", previous) and re.match(r"[-–]\s*\d", line):  # "giai đoạn 2026" / "- 2030 …", "05" / "- 06%"
        return True
    return not re.search(r"[.;:!?]$", previous) and not _LIST_ITEM.match(line)


def reflow_markdown(raw: str) -> tuple[str, set[int]]:
    """Emulates the indexer's coming normalisation of a portal .md: emphasis marks removed, hard-wrapped lines
    joined into sentences with one space, lines that are only "|" become paragraph breaks. Returns the text and
    the offsets of paragraphs that were wholly bold or ``#`` headings in the source."""
    lines: list[str | None] = []  # None: a paragraph break
    opens: list[bool] = []  # the line's first source line began with "**" or "#"
    closes: list[bool] = []  # its last source line ended with "**" (or was a "#" heading)
    for raw_line in unicodedata.normalize("NFC", raw).split("\n"):
        stripped = raw_line.strip()
        line = stripped.replace("**", "").replace("*", "").strip().lstrip("#").strip()
        if line in ("|", ""):
            lines.append(None)
            opens.append(False)
            closes.append(False)
        elif lines and lines[-1] is not None and _continues(lines[-1], line):
            lines[-1] += " " + line
            closes[-1] = stripped.endswith("**")
        else:
            lines.append(line)
            opens.append(stripped.startswith(("**", "#")))
            closes.append(stripped.endswith("**") or stripped.startswith("#"))
    text, marked, separator = "", set(), ""
    for line, opened, closed in zip(lines, opens, closes):
        if line is None:
            separator = "\n\n" if text else ""
            continue
        text += separator
        if opened and closed and (not text or text.endswith("\n\n")):
            marked.add(len(text))
        text += line
        separator = "\n"
    return text, marked


def sections_from_markdown(raw: str) -> tuple[str, list]:
    """(text, sections) of portal markdown as the indexer will see it once reflow lands (``reflow_markdown``,
    then NFC + tone placement, which keep the length, and ``indexer.ingest.structure.parse_sections``)."""
    from indexer.ingest.normalize import normalize_vietnamese
    from indexer.ingest.structure import parse_sections

    text, marked = reflow_markdown(raw)
    text = normalize_vietnamese(text)
    return text, parse_sections(text, lambda offset: offset in marked)


def parse_markdown_emulated(path: Path) -> tuple[str, list]:
    return sections_from_markdown(path.read_text(encoding="utf-8"))


def parse_with_indexer(path: Path) -> tuple[str, list]:
    """(text, sections) exactly as the index build produces them (``indexer.ingest.documents.parse_document``)."""
    from indexer.ingest.chunking import SectionChunker
    from indexer.ingest.documents import parse_document
    from indexer.ingest.loaders import load_file

    doc = parse_document(load_file(path), path.stem, path.name, {}, SectionChunker())
    return doc.text, doc.sections


def _document_path(docs_dir: Path, doc_id: str) -> Path:
    for suffix in (".md", ".txt", ".docx", ".pdf"):
        if (docs_dir / f"{doc_id}{suffix}").exists():
            return docs_dir / f"{doc_id}{suffix}"
    raise FileNotFoundError(f"no document {doc_id} in {docs_dir}")


def targets_from_documents(docs_dir: Path, gold_path: Path,
                           parse: Callable[[Path], tuple[str, list]] = parse_markdown_emulated,
                           doc_ids: list[str] | None = None, verbose: bool = True) -> dict[str, Any]:
    """Precision and recall of ``extract_targets`` over the gold's documents (or ``doc_ids``: documents without
    any gold target then count for precision only), a target right when doc_id, value, unit and year agree.

    ``parse(path) -> (text, sections)``: the default emulates the indexer's reflowed text of portal markdown;
    ``parse_with_indexer`` runs the real loader + normaliser + structure (use it once reflow lands, and for the
    seed corpus)."""
    from indexer.extract.targets import extract_targets

    gold = _read(Path(gold_path))
    ids = list(dict.fromkeys(doc_ids or [g["doc_id"] for g in gold]))
    unmatched = [_gold_key(g) for g in gold if g["doc_id"] in ids]
    n_gold = len(unmatched)
    true_pos, extracted, false_pos = 0, 0, []
    for doc_id in ids:
        text, sections = parse(_document_path(Path(docs_dir), doc_id))
        for target in extract_targets(text, sections):
            extracted += 1
            key = _key(doc_id, target.value, target.unit, target.year)
            if key in unmatched:
                unmatched.remove(key)
                true_pos += 1
            else:
                false_pos.append((key, target.text[:120]))
    precision = true_pos / extracted if extracted else 0.0
    recall = true_pos / n_gold if n_gold else 0.0
    if verbose:
        print(f"targets over {len(ids)} documents: {extracted} extracted, {n_gold} gold, {true_pos} right "
              f"→ precision {precision:.3f}, recall {recall:.3f}")
        for key, sentence in false_pos:
            print(f"  extra  {key}  {sentence}")
        for key in unmatched:
            print(f"  missed {key}")
    return {"documents": len(ids), "extracted": extracted, "gold": n_gold, "right": true_pos,
            "precision": round(precision, 3), "recall": round(recall, 3),
            "extra": [k for k, _ in false_pos], "missed": unmatched}

"""The directive chain over a loaded index: what each document cites and implements, who cites it.

References are extracted and resolved at index time (``indexer/extract/references.py`` and
``directives.py``); here they are grouped for the API: a document's outgoing references (one entry
per referenced document, its strongest role), the documents citing it, every document that
implements or cites a directive (grouped by the issuer the mentions name, since numbers such as
"311-KH/HU" restart with every district), and the ``implements`` filter and facet.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from indexer.extract.references import IMPLEMENTING_ROLES, ROLES, parse_reference_query
from indexer.store import DocumentRecord, ReferenceRecord
from indexer.vntext import fold

ROLE_STRENGTH = {role: n for n, role in enumerate(("thay thế", "bãi bỏ", "sửa đổi", "thực hiện", "căn cứ", "dẫn chiếu"))}
assert set(ROLE_STRENGTH) == set(ROLES)


@dataclass(frozen=True)
class Citation:
    doc_id: str  # the citing document
    reference: ReferenceRecord


def unique_references(refs: Iterable[ReferenceRecord]) -> list[ReferenceRecord]:
    """One reference per cited document (by key), with its strongest role and the fullest mention."""
    best: dict[str, ReferenceRecord] = {}
    for ref in refs:
        kept = best.get(ref.key)
        if kept is None or (ROLE_STRENGTH[ref.role], -_detail(ref)) < (ROLE_STRENGTH[kept.role], -_detail(kept)):
            best[ref.key] = ref
    return sorted(best.values(), key=lambda r: r.start)


def _detail(ref: ReferenceRecord) -> int:
    return (ref.date is not None) + (ref.issuer is not None) + (ref.doc_id is not None)


class DirectiveGraph:
    def __init__(self, documents: Mapping[str, DocumentRecord]) -> None:
        self.documents = documents
        self.cited_by: dict[str, list[Citation]] = defaultdict(list)  # resolved doc_id → citations
        self.by_key: dict[str, list[Citation]] = defaultdict(list)  # reference key → citations
        self.implemented: dict[str, dict[str, set[str]]] = {}  # doc_id → key → kinds of what it implements
        self.unique: dict[str, list[ReferenceRecord]] = {}  # doc_id → one reference per cited document
        for doc in documents.values():
            refs = self.unique[doc.doc_id] = unique_references(doc.references)
            for ref in refs:
                self.by_key[ref.key].append(Citation(doc.doc_id, ref))
                if ref.doc_id:
                    self.cited_by[ref.doc_id].append(Citation(doc.doc_id, ref))
            kinds: dict[str, set[str]] = defaultdict(set)
            for ref in refs:
                if ref.role in IMPLEMENTING_ROLES:
                    kinds[ref.key].add(ref.kind)
            self.implemented[doc.doc_id] = dict(kinds)

    def outgoing(self, doc_id: str) -> list[ReferenceRecord]:
        return self.unique.get(doc_id, [])

    def incoming(self, doc_id: str) -> list[Citation]:
        return self.cited_by.get(doc_id, [])

    def implements(self, doc: DocumentRecord, wanted: Iterable[tuple[str | None, str]]) -> bool:
        """Whether ``doc`` implements (or has as its legal basis) any of ``wanted``: (kind or None, key)
        pairs from ``parse_reference_query`` ('Nghị quyết 57-NQ/TW', '57-NQ/TW', a law's name)."""
        keys = self.implemented.get(doc.doc_id, {})
        return any(key in keys and (kind is None or kind in keys[key]) for kind, key in wanted)

    def implements_labels(self, doc: DocumentRecord) -> list[str]:
        """The facet values of ``doc``: 'Kết luận 69-KL/TW', … for what it implements."""
        return [r.label for r in self.unique.get(doc.doc_id, []) if r.role in IMPLEMENTING_ROLES]

    def citing(self, value: str) -> list[Citation]:
        """Every document citing the directive ``value`` names."""
        kind, key = parse_reference_query(value)
        return [c for c in self.by_key.get(key, []) if kind is None or c.reference.kind == kind]


def issuer_group(citation: Citation) -> str:
    """The group a citation belongs to: the document it resolves to, else the issuer its mention names."""
    ref = citation.reference
    if ref.doc_id:
        return f"doc:{ref.doc_id}"
    return "issuer:" + " ".join(fold(ref.issuer or "").split())

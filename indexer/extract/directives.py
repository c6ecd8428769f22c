"""The directive chain across a corpus: each reference resolved to the document it names, and the
validity that replacing and repealing documents give the ones they name.

A reference resolves when exactly one document of the corpus fits it: same số hiệu (or, for a law
cited by name, a Luật whose title is that name), and no contradiction in kind, date or issuer.
Numbers such as "311-KH/HU" restart in every district, so where several documents fit, the one
of the citing document's own locality, then its province, is taken; still several: unresolved.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..vntext import fold
from .metadata import DocumentMetadata
from .references import Reference, number_key, reference_key

IN_FORCE = "còn hiệu lực"
STATUS_OF_ROLE = {"thay thế": "bị thay thế", "bãi bỏ": "bị bãi bỏ"}


@dataclass(frozen=True)
class Validity:
    status: str  # còn hiệu lực | bị thay thế | bị bãi bỏ
    by: str | None = None  # the doc_id that replaces or repeals it


# Words every issuer shares; what is left names the place or body ("chi lang", "chinh tri").
_GENERIC = frozenset("uy ban nhan dan tinh huyen xa thanh pho phuong thi thuong vu chap hanh dang bo so trung uong "
                     "ubnd hdnd hoi dong cua".split())


def _words(value: str | None) -> set[str]:
    return set(fold(value or "").replace(",", " ").split()) - _GENERIC


def _fits(ref: Reference, meta: DocumentMetadata) -> bool:
    """No contradiction between what the reference says and the document."""
    if meta.doc_type and ref.kind not in ("Văn bản", "Công văn") and fold(meta.doc_type) != fold(ref.kind):
        return False
    if ref.date and meta.issued_date and ref.date != meta.issued_date:
        return False
    named, actual = _words(ref.issuer), _words(meta.issuer)
    return not (named and actual) or bool(named & actual)


def _other_place(ref: Reference, meta: DocumentMetadata, citing: DocumentMetadata) -> bool:
    """A mention naming no issuer ("thay thế Quyết định số 12/QĐ-UBND") means a document of the citing
    document's own province: local numbers restart in every province."""
    return (ref.issuer is None and bool(meta.province) and bool(citing.province)
            and fold(meta.province) != fold(citing.province))


class DirectiveIndex:
    """The corpus's documents by số hiệu and by law name, for resolving references."""

    def __init__(self, documents: Sequence[DocumentMetadata]) -> None:
        self.by_key: dict[str, list[DocumentMetadata]] = defaultdict(list)
        for meta in documents:
            if meta.doc_number:
                self.by_key[number_key(meta.doc_number)].append(meta)
            if meta.doc_type in ("Luật", "Bộ luật", "Pháp lệnh") and meta.title:
                self.by_key[reference_key(None, f"{meta.doc_type} {meta.title}")].append(meta)
                self.by_key[reference_key(None, meta.title)].append(meta)

    def resolve(self, ref: Reference, citing: DocumentMetadata) -> str | None:
        candidates = [m for m in self.by_key.get(ref.key, []) if m.doc_id != citing.doc_id and _fits(ref, m)
                      and not _other_place(ref, m, citing)]
        for narrower in (lambda m: m.locality and m.locality == citing.locality,
                         lambda m: m.province and m.province == citing.province):
            if len(candidates) > 1:
                candidates = [m for m in candidates if narrower(m)] or candidates
        return candidates[0].doc_id if len(candidates) == 1 else None


def validity(links: dict[str, list[tuple[Reference, str | None]]]) -> dict[str, Validity]:
    """doc_id → its validity, from the resolved 'thay thế' / 'bãi bỏ' references of the others."""
    found: dict[str, Validity] = {}
    for citing, refs in links.items():
        for ref, target in refs:
            if target and ref.role in STATUS_OF_ROLE:
                found[target] = Validity(STATUS_OF_ROLE[ref.role], citing)
    return found


def link(documents: Sequence[tuple[DocumentMetadata, Sequence[Reference]]]) -> dict[str, list[tuple[Reference, str | None]]]:
    """doc_id → its references, each with the doc_id it resolves to (or None)."""
    index = DirectiveIndex([meta for meta, _ in documents])
    return {meta.doc_id: [(ref, index.resolve(ref, meta)) for ref in refs] for meta, refs in documents}

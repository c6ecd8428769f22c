"""Facet counts: how many documents (not passages) match a query, per province, level, type, year …

A document matches when one of its passages contains a content syllable of the query (accents
folded, stop-words ignored) or is among the dense candidates above the relevance floor, under the
current filters. Each facet field is coded once per document when the index is loaded (an integer
per document; -1 when the document has no value), so counting is one ``np.bincount`` per field
over the matched documents.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.store import DocumentRecord

MAX_VALUES = 50  # values per facet in a response (34 provinces fit; issuers are the long tail)


@dataclass(frozen=True)
class FacetValue:
    value: str | int
    count: int


class FacetColumn:
    """One field's value per document, as codes into ``values``."""

    def __init__(self, per_document: Iterable[Sequence[str | int]]) -> None:
        codes: dict[str | int, int] = {}
        rows: list[int] = []
        owners: list[int] = []
        for doc_pos, values in enumerate(per_document):
            for value in dict.fromkeys(values):  # a document counts once per value
                rows.append(codes.setdefault(value, len(codes)))
                owners.append(doc_pos)
        self.values = list(codes)
        self.codes = np.asarray(rows, dtype=np.int64)
        self.owners = np.asarray(owners, dtype=np.int64)

    def count(self, doc_mask: np.ndarray, limit: int = MAX_VALUES) -> list[FacetValue]:
        """Values of the documents in ``doc_mask`` with their document counts, most first."""
        counts = np.bincount(self.codes[doc_mask[self.owners]], minlength=len(self.values))
        order = sorted(np.flatnonzero(counts), key=lambda c: (-counts[c], str(self.values[c])))
        return [FacetValue(self.values[c], int(counts[c])) for c in order[:limit]]


class FacetTable:
    """The facet columns of an index's documents, in the searcher's document order."""

    def __init__(self, documents: Sequence[DocumentRecord],
                 fields: dict[str, Callable[[DocumentRecord], Sequence[str | int]]]) -> None:
        self.columns = {name: FacetColumn(values(doc) for doc in documents) for name, values in fields.items()}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.columns)

    def count(self, doc_mask: np.ndarray, names: Iterable[str]) -> dict[str, list[FacetValue]]:
        return {name: self.columns[name].count(doc_mask) for name in names}


def _one(value: str | int | None) -> list[str | int]:
    return [] if value is None or value == "" else [value]


def document_facets(implements: Callable[[DocumentRecord], Sequence[str]]) -> dict[str, Callable[[DocumentRecord], Sequence[str | int]]]:
    """The facet fields, each named like the search filter that selects its values; ``implements``
    gives the directives a document implements ('Kết luận 69-KL/TW')."""
    return {"province": lambda d: _one(d.province), "province_now": lambda d: _one(d.province_now),
            "level": lambda d: _one(d.level), "doc_type": lambda d: _one(d.doc_type),
            "year": lambda d: _one(d.year), "issuer": lambda d: _one(d.issuer), "implements": implements}

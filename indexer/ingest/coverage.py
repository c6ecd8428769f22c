"""Nothing lost: how much of a document's body its passages hold.

Coverage counts non-space characters of the normalised text that lie inside at least one
passage, over all non-space characters except the boilerplate kept as metadata ("Nơi nhận" and
the signature block). Portal page chrome around a published document is cut before
normalisation and is not part of the text at all.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

MIN_COVERAGE = 0.995  # the bar a corpus must clear (tests and `vnpolicy eval --coverage`)


@dataclass
class Coverage:
    covered: int = 0
    total: int = 0
    exempt: int = 0  # boilerplate characters, not counted in ``total``
    documents: int = 0
    below: int = 0  # documents under MIN_COVERAGE

    @property
    def ratio(self) -> float:
        return self.covered / self.total if self.total else 1.0

    def add(self, other: "Coverage") -> None:
        self.covered += other.covered
        self.total += other.total
        self.exempt += other.exempt
        self.documents += other.documents
        self.below += other.below

    def __str__(self) -> str:
        return (f"{self.ratio:.4%} of {self.total:,} non-space characters in passages "
                f"({self.documents} documents, {self.below} under {MIN_COVERAGE:.1%}; "
                f"{self.exempt:,} boilerplate characters exempt)")


def document_coverage(doc) -> Coverage:
    """Coverage of one ``ParsedDocument``."""
    text = doc.text
    inside = bytearray(len(text))
    exempt = bytearray(len(text))
    for chunk in doc.chunks:
        inside[chunk.char_start: chunk.char_end] = b"\1" * (chunk.char_end - chunk.char_start)
    for section in doc.sections:
        if section.kind == "boilerplate":
            exempt[section.start: section.end] = b"\1" * (section.end - section.start)
    result = Coverage(documents=1)
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        if exempt[i]:
            result.exempt += 1
        else:
            result.total += 1
            result.covered += inside[i]
    result.below = int(result.ratio < MIN_COVERAGE)
    return result


def corpus_coverage(documents: Iterable) -> Coverage:
    total = Coverage()
    for doc in documents:
        total.add(document_coverage(doc))
    return total

"""The records of an index version, one JSON object a line, and how they are written and read.

``Passage`` (chunks.jsonl), ``DocumentRecord`` with its ``SectionRecord`` s (documents.jsonl) and
``TargetRecord`` (targets.jsonl) are the format: the indexer builds them from what it parsed
(``of``), the store writes them (``to_json``) and reads them back (``from_json``), and the service
reads their attributes. ``FORMAT_VERSION`` changes whenever a field does; a version of another
format is refused at load (rebuild with ``vnpolicy index --force``).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..extract.references import Reference
from ..extract.targets import Target

if TYPE_CHECKING:  # the parsed objects records are made from (only their types are needed here)
    from ..ingest.chunking import Chunk
    from ..ingest.documents import ParsedDocument

FORMAT_VERSION = 6  # 3: typed records, every metadata field present; 4: diacritic model and target BM25 built at
# index time; 5: documents carry their references (resolved) and validity; 6: documents per folded syllable


def _tuple(value: Iterable[Any] | None) -> tuple[Any, ...]:
    return tuple(value) if value is not None else ()


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage: its text is ``document.text[char_start:char_end]``; ``context`` (title, place,
    heading path, lead-ins) is what both rankers see besides it."""

    chunk_id: str  # "<doc_id>#<n>": the document's n-th passage
    doc_id: str
    text: str
    char_start: int
    char_end: int
    section: tuple[str, ...]
    page: int | None
    page_end: int | None
    kind: str  # text | table
    context: str
    content_hash: str  # of search_text: vectors are reused by it

    @property
    def search_text(self) -> str:
        return f"{self.context}\n{self.text}" if self.context else self.text

    @classmethod
    def of(cls, chunk: Chunk) -> Passage:
        return cls(chunk.chunk_id, chunk.doc_id, chunk.text, chunk.char_start, chunk.char_end, tuple(chunk.section),
                   chunk.page, chunk.page_end, chunk.kind, chunk.context, chunk.content_hash)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Passage:
        return cls(**(row | {"section": _tuple(row["section"])}))

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _names(type(self))}


@dataclass(frozen=True, slots=True)
class SectionRecord:
    path: tuple[str, ...]
    start: int
    end: int
    kind: str  # body | boilerplate | appendix | preamble

    def to_json(self) -> dict[str, Any]:
        return {"path": list(self.path), "start": self.start, "end": self.end, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A document: its metadata (``indexer.extract.metadata.DocumentMetadata``), normalised text, pages and sections."""

    doc_id: str
    title: str | None = None
    doc_type: str | None = None
    doc_number: str | None = None
    issued_date: str | None = None
    year: int | None = None
    issuer: str | None = None
    issuer_kind: str | None = None  # "state" | "party"
    locality: str | None = None
    province: str | None = None  # as named when issued
    province_now: str | None = None  # today's provincial unit
    level: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    recipients: tuple[str, ...] = ()
    source_file: str = ""
    extracted: tuple[str, ...] = ()  # metadata fields read from the text
    missing: tuple[str, ...] = ()
    text: str = ""
    page_starts: tuple[int, ...] | None = None  # into ``text``
    sha256: str = ""
    file_format: str = ""
    n_chunks: int = 0
    n_pages: int | None = None
    sections: tuple[SectionRecord, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    ocr_page_confidence: tuple[float | None, ...] = ()
    ocr_confidence: float | None = None
    unread_pages: tuple[int, ...] = ()
    references: tuple[ReferenceRecord, ...] = ()  # what it cites, each resolved to a doc_id where the corpus has it
    status: str = "còn hiệu lực"  # or "bị thay thế" / "bị bãi bỏ" by a document of the corpus
    status_by: str | None = None  # the doc_id that replaces or repeals it

    @classmethod
    def of(cls, doc: ParsedDocument, references: Iterable[ReferenceRecord] = (),
           status: str = "còn hiệu lực", status_by: str | None = None) -> DocumentRecord:
        meta = doc.meta
        return cls(
            **{name: getattr(meta, name) for name in _META_FIELDS},
            recipients=tuple(meta.recipients), extracted=tuple(meta.extracted), missing=tuple(meta.missing),
            text=doc.text, page_starts=None if doc.page_starts is None else tuple(doc.page_starts),
            sha256=doc.sha256, file_format=doc.file_format, n_chunks=len(doc.chunks),
            n_pages=len(doc.page_starts) if doc.page_starts else None,
            sections=tuple(SectionRecord(tuple(s.path), s.start, s.end, s.kind) for s in doc.sections),
            ocr_pages=tuple(doc.ocr_pages), ocr_page_confidence=tuple(doc.ocr_page_confidence),
            ocr_confidence=doc.ocr_confidence, unread_pages=tuple(doc.unread_pages),
            references=tuple(references), status=status, status_by=status_by)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> DocumentRecord:
        tuples = {name: _tuple(row[name]) for name in _DOCUMENT_TUPLES if name in row}
        sections = tuple(SectionRecord(_tuple(s["path"]), s["start"], s["end"], s["kind"]) for s in row["sections"])
        page_starts = None if row.get("page_starts") is None else _tuple(row["page_starts"])
        references = tuple(ReferenceRecord(**r) for r in row.get("references", ()))
        return cls(**(row | tuples | {"sections": sections, "page_starts": page_starts, "references": references}))

    def to_json(self) -> dict[str, Any]:
        row = {name: getattr(self, name) for name in _names(type(self))}
        row["sections"] = [s.to_json() for s in self.sections]
        row["references"] = [{name: getattr(r, name) for name in _names(ReferenceRecord)} for r in self.references]
        return row


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceRecord(Reference):
    """A reference a document makes (``indexer.extract.references.Reference``), resolved."""

    doc_id: str | None = None  # the document of the corpus it names, when there is exactly one

    @classmethod
    def of(cls, ref: Reference, doc_id: str | None) -> ReferenceRecord:
        return cls(**{name: getattr(ref, name) for name in _names(Reference)}, doc_id=doc_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetRecord(Target):
    """A numeric target (chỉ tiêu) with its document's place and the passage that cites it."""

    target_id: str  # "<doc_id>#t<n>"
    doc_id: str
    locality: str | None
    province: str | None
    level: str | None
    chunk_id: str | None  # the passage holding ``start``
    section: tuple[str, ...]
    page: int | None
    content_hash: str  # of ``embed_text``: its vector is reused by it

    @property
    def embed_text(self) -> str:
        """What is embedded and matched for a target: its metric, then its sentence."""
        return f"{self.metric}\n{self.text}"

    @classmethod
    def of(cls, target: Target, doc: ParsedDocument, n: int) -> TargetRecord:
        """The ``n``-th target of ``doc``, cited by the passage that holds its number."""
        chunk = next((c for c in doc.chunks if c.char_start <= target.start < c.char_end), None)
        meta = doc.meta
        embed_text = f"{target.metric}\n{target.text}"
        return cls(**asdict(target), target_id=f"{meta.doc_id}#t{n:03d}", doc_id=meta.doc_id,
                   locality=meta.locality, province=meta.province, level=meta.level,
                   chunk_id=chunk.chunk_id if chunk else None, section=tuple(chunk.section) if chunk else (),
                   page=chunk.page if chunk else None,
                   content_hash=hashlib.sha256(embed_text.encode()).hexdigest()[:32])

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> TargetRecord:
        return cls(**(row | {"section": _tuple(row["section"])}))

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _names(type(self))}


_META_FIELDS = ("doc_id", "title", "doc_type", "doc_number", "issued_date", "year", "issuer", "issuer_kind",
                "locality", "province", "province_now", "level", "signer", "signer_title", "source_file")
_DOCUMENT_TUPLES = ("recipients", "extracted", "missing", "ocr_pages", "ocr_page_confidence", "unread_pages")
_NAMES: dict[type, tuple[str, ...]] = {}
Record = TypeVar("Record", Passage, DocumentRecord, TargetRecord)


def _names(cls: type) -> tuple[str, ...]:
    if cls not in _NAMES:
        _NAMES[cls] = tuple(f.name for f in fields(cls))
    return _NAMES[cls]


def write_records(path: Path, records: Iterable[Passage | DocumentRecord | TargetRecord]) -> int:
    """One record a line; returns how many were written."""
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_records(path: Path, cls: type[Record]) -> Iterator[Record]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield cls.from_json(json.loads(line))


def read_field(path: Path, name: str) -> Iterator[Any]:
    """One field of every record of a file, of any format version that has it (vector reuse)."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)[name]

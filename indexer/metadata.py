"""Document metadata: what the text says (số hiệu, date, issuer, signer, locality)
merged with ``corpus/manifest.yaml``, which only fills gaps and overrides.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

REQUIRED_FIELDS = ("title", "doc_number", "issued_date", "issuer", "locality", "province", "level", "signer")
LEVELS = ("tỉnh", "huyện", "sở", "xã", "bộ")
_HEAD_CHARS = 4000

DOC_NUMBER = re.compile(r"\bSố\s*:?\s*(\d{1,5})\s*/\s*([A-ZĐ]{1,6}(?:\s*-\s*[A-ZĐ&]{1,10}){1,3})")
PLACE_DATE = re.compile(
    r"(?P<place>[A-ZĐ][^\W\d_]*(?: [A-ZĐ][^\W\d_]*){0,4}),\s*ngày\s*(?P<d>\d{1,2})\s*tháng\s*(?P<m>\d{1,2})\s*năm\s*(?P<y>\d{4})")
DOC_TYPE = re.compile(r"^(KẾ HOẠCH|CHƯƠNG TRÌNH HÀNH ĐỘNG|QUYẾT ĐỊNH|NGHỊ QUYẾT|ĐỀ ÁN|CHƯƠNG TRÌNH)\s*$", re.M)
ISSUER_UBND = re.compile(
    r"(?:Ủy ban nhân dân|UBND)\s+(?P<level>tỉnh|huyện|thành phố|thị xã)"
    r"(?P<name>(?:\s+[A-ZĐ][^\W\d_]*){0,4})\s+(?:ban hành|xây dựng)")
ISSUER_SO = re.compile(r"(?P<name>Sở [A-ZĐ][\w ,&]{3,60}?)\s+xây dựng [Kk]ế hoạch")
SIGNER_TITLE = re.compile(r"\b(CHỦ TỊCH|GIÁM ĐỐC|TRƯỞNG BAN|BÍ THƯ)\b")
NAME_LINE = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+)(?: [A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")


@dataclass
class DocumentMetadata:
    doc_id: str
    title: str | None = None
    doc_number: str | None = None
    issued_date: str | None = None  # ISO yyyy-mm-dd
    year: int | None = None
    issuer: str | None = None
    locality: str | None = None
    province: str | None = None
    level: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    recipients: list[str] = field(default_factory=list)
    source_file: str = ""
    extracted: list[str] = field(default_factory=list)  # which fields came from the text
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_doc_number(head: str) -> str | None:
    match = DOC_NUMBER.search(head)
    if not match:
        return None
    series = re.sub(r"\s+", "", match.group(2))
    return f"{match.group(1)}/{series}"


def extract_place_date(head: str) -> tuple[str | None, str | None]:
    match = PLACE_DATE.search(head)
    if not match:
        return None, None
    try:
        issued = date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        issued = None
    return match["place"].strip(), issued


def extract_title(head: str) -> str | None:
    match = DOC_TYPE.search(head)
    if not match:
        return None
    rest = head[match.end():].strip().split("\n\n", 1)[0].replace("\n", " ").strip()
    kind = match.group(1).capitalize()
    if not rest or len(rest) > 600:
        return kind
    return f"{kind} {rest[0].lower()}{rest[1:]}" if rest[0].isupper() and not rest[:2].isupper() else f"{kind} {rest}"


def extract_issuer(head: str) -> tuple[str | None, str | None, str | None]:
    """(issuer, level, locality named in the issuer) from the opening paragraphs."""
    match = ISSUER_UBND.search(head)
    if match:
        level = "huyện" if match["level"] in ("huyện", "thị xã") else "tỉnh"
        name = match["name"].strip() or None
        issuer = f"UBND {match['level']}" + (f" {name}" if name else "")
        return issuer, level, name
    match = ISSUER_SO.search(head)
    if match:
        return match["name"].strip(), "sở", None
    return None, None, None


def extract_signature(boilerplate: str) -> tuple[str | None, str | None, list[str]]:
    """(signer, signer title, recipients) from the 'Nơi nhận' + signature block."""
    lines = [ln.strip() for ln in boilerplate.split("\n") if ln.strip()]
    recipients = [ln.lstrip("-• ").rstrip(";.") for ln in lines if ln.startswith(("-", "•"))]
    names = [ln for ln in lines if NAME_LINE.match(ln) and not ln.startswith(("-", "Nơi"))]
    titles = [ln for ln in lines if SIGNER_TITLE.search(ln)]
    title = " / ".join(titles) if titles else None
    return (names[-1] if names else None), title, recipients


def extract_metadata(doc_id: str, text: str, boilerplate: str) -> DocumentMetadata:
    head = text[:_HEAD_CHARS]
    meta = DocumentMetadata(doc_id=doc_id)
    place, meta.issued_date = extract_place_date(head)
    meta.doc_number = extract_doc_number(head)
    meta.title = extract_title(head)
    meta.issuer, meta.level, named_locality = extract_issuer(head)
    meta.locality = named_locality or place
    if meta.level in ("tỉnh", "sở") and place:
        meta.province = place
    meta.signer, meta.signer_title, meta.recipients = extract_signature(boilerplate)
    meta.extracted = [f for f in REQUIRED_FIELDS if getattr(meta, f)]
    return meta


def load_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """``manifest.yaml`` → {doc_id or source file: overrides}; a missing file is an empty manifest."""
    path = corpus_dir / "manifest.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    documents = data.get("documents", data)
    if not isinstance(documents, dict):
        raise ValueError(f"{path}: expected a mapping 'documents: {{doc_id: {{field: value}}}}'")
    return {str(k): (v or {}) for k, v in documents.items()}


def apply_manifest(meta: DocumentMetadata, overrides: dict[str, Any]) -> DocumentMetadata:
    for key, value in overrides.items():
        if key in ("source", "source_file", "notes"):
            continue
        if not hasattr(meta, key):
            raise ValueError(f"manifest entry for '{meta.doc_id}': unknown field '{key}'")
        if key == "issued_date" and value is not None:
            value = value.isoformat() if isinstance(value, date) else str(value)
        if value is not None:
            setattr(meta, key, value)
    if meta.level and meta.level not in LEVELS:
        raise ValueError(f"manifest entry for '{meta.doc_id}': level '{meta.level}' not one of {LEVELS}")
    if meta.issued_date and not meta.year:
        meta.year = int(meta.issued_date[:4])
    meta.missing = [f for f in REQUIRED_FIELDS if not getattr(meta, f)]
    return meta

"""Document metadata: what the text says (loại văn bản, số hiệu, date, issuer, signer, province,
locality, level, trích yếu) merged with ``corpus/manifest.yaml``, which only fills gaps and overrides.

``extract_metadata(doc_id, text, boilerplate, portal_fields)`` reads the normalised body. The header
of a Vietnamese administrative document is a two-column table: the issuing body over its số hiệu on
the left ("ỦY BAN NHÂN DÂN TỈNH VĨNH LONG", "Số: 2637/QĐ-UBND"), the national motto over place and
date on the right ("Vĩnh Long, ngày 16 tháng 11 năm 2025"), then the document type and trích yếu in
capitals ("QUYẾT ĐỊNH CÔNG BỐ DANH MỤC …"), then the authority line ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH
…"). Normalisation may leave the cells on separate lines, tab-separated or joined by spaces, and
lines hard-wrapped anywhere, so every pattern here allows any whitespace between words. The portal
metadata table (``indexer.ingest.portal``), when the file had one, fills what the text does not state.

Signatures ("TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH Mai Sơn") are read by ``indexer.extract.signature``;
the issuing body by ``indexer.extract.issuers``; places by ``indexer.extract.localities``.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .issuers import Issuer, parse_issuer
from .localities import find_locality, find_province, iter_provinces, province_now
from .signature import extract_signature
from .titles import DOC_TYPES, doc_type_from_number, extract_title, subject_line

REQUIRED_FIELDS = ("title", "doc_number", "issued_date", "issuer", "locality", "province", "level", "signer")
LEVELS = ("trung ương", "bộ", "tỉnh", "sở", "huyện", "xã")
CENTRAL_LEVELS = ("trung ương", "bộ")
_HEAD_CHARS = 5000

NATIONAL = re.compile(r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM|ĐẢNG\s+CỘNG\s+SẢN\s+VIỆT\s+NAM")
DOC_NUMBER = re.compile(
    r"(?<![^\W_])Số(?:\s+hiệu)?\s*:?\s*(?P<num>\d{1,6})\s*(?P<sep>[/-])\s*"
    r"(?P<series>(?:\d{4}\s*/\s*)?[A-ZĐ][\wĐđ&.]*(?:\s*[-/]\s*[A-ZĐ][\wĐđ&.]*){0,4})")
PLACE_DATE = re.compile(
    r",\s*ngày\s*(?:(?P<d>\d{1,2})?[\s.…_]*tháng\s*(?P<m>\d{1,2})?[\s.…_]*năm\s*(?P<y>(?:19|20)\d{2})"
    r"|(?P<d2>\d{1,2})\s*/\s*(?P<m2>\d{1,2})\s*/\s*(?P<y2>(?:19|20)\d{2}))")
_PLACE_WORDS = re.compile(r"(?<![\w/.-])((?:TP\.\s*|Thành\s+phố\s+|Thủ\s+đô\s+)?(?:[A-ZĐÀ-Ỹ][^\W\d_]*\.?\s+){0,4}"
                          r"[A-ZĐÀ-Ỹ][^\W\d_]*)\s*$")
ISSUER_UBND = re.compile(
    r"(?:Ủy ban nhân dân|UBND)\s+(?P<level>tỉnh|huyện|thành phố|thị xã|xã|phường)"
    r"(?P<name>(?:\s+[A-ZĐ][^\W\d_]*){0,4})\s+(?:ban hành|xây dựng)")
ISSUER_SO = re.compile(r"(?P<name>Sở [A-ZĐ][\w ,&]{3,60}?)\s+xây dựng [Kk]ế hoạch")


@dataclass
class DocumentMetadata:
    doc_id: str
    title: str | None = None
    doc_type: str | None = None  # Quyết định, Kế hoạch, Nghị quyết, Thông tư, …
    doc_number: str | None = None  # số hiệu, e.g. "35/2025/QĐ-UBND"
    issued_date: str | None = None  # ISO yyyy-mm-dd
    year: int | None = None
    issuer: str | None = None  # "UBND tỉnh Đồng Tháp", "Bộ Y tế", "Ban Thường vụ Huyện ủy Chi Lăng"
    issuer_kind: str | None = None  # "state" | "party"
    locality: str | None = None  # the province for a provincial document, else the commune/district
    province: str | None = None  # as named when issued ("Hà Nam"); None for central documents
    province_now: str | None = None  # today's provincial unit ("Ninh Bình")
    level: str | None = None  # one of LEVELS
    signer: str | None = None
    signer_title: str | None = None
    recipients: list[str] = field(default_factory=list)
    source_file: str = ""
    extracted: list[str] = field(default_factory=list)  # which fields came from the text
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"-{3,}|[|#*]", " ", text)).strip()


def extract_doc_number(head: str) -> str | None:
    """'Số: 2811 /KH-UBND' → '2811/KH-UBND'; '35/2025/QĐ-UBND', '311-KH/HU', '1234/UBND-KT'."""
    match = DOC_NUMBER.search(head)
    if not match:
        return None
    series = re.sub(r"\s+", "", match["series"]).rstrip(".")
    return f"{match['num']}{match['sep']}{series}"


def extract_place_date(head: str) -> tuple[str | None, str | None, int | None]:
    """(place, ISO date, year) from 'Hà Nam, ngày 16 tháng 9 năm 2020' (blank day/month: no date).
    A date without a place before it ('Kế hoạch số 311-KH/HU, ngày 17/10/2024') is a citation."""
    for match in PLACE_DATE.finditer(head):
        before = _PLACE_WORDS.search(head[max(0, match.start() - 80): match.start()])
        if not before:
            continue
        place = re.sub(r"\s+", " ", before.group(1)).strip()
        day, month, year = (match["d"], match["m"], match["y"]) if match["y"] else (match["d2"], match["m2"], match["y2"])
        try:
            issued = date(int(year), int(month), int(day)).isoformat() if day and month else None
        except ValueError:
            issued = None
        return place, issued, int(year)
    return None, None, None


def _header_cell(head: str) -> tuple[str | None, int]:
    """The left header cell (before the national motto) and where the header ends."""
    motto = NATIONAL.search(head, 0, 1500)
    if not motto:
        return None, 0
    cell = head[:motto.start()]
    number = DOC_NUMBER.search(cell)  # party headers put the số hiệu under the issuer, before the motto
    return (cell[:number.start()] if number else cell), motto.end()


def issuer_from_opening(head: str, place: str | None) -> Issuer | None:
    """Seeds without a header table: 'Ủy ban nhân dân huyện Chi Lăng ban hành Kế hoạch …'."""
    match = ISSUER_UBND.search(head)
    if match:
        unit, name = match["level"], match["name"].strip()
        if not name and unit == "tỉnh" and place:
            name = place
        issuer = parse_issuer(f"ỦY BAN NHÂN DÂN {unit.upper()} {name.upper()}") if name else None
        if issuer and issuer.level:
            return issuer
        level = "huyện" if unit in ("huyện", "thị xã") else "xã" if unit in ("xã", "phường") else "tỉnh"
        return Issuer(f"UBND {unit}", "state", level)
    match = ISSUER_SO.search(head)
    if match:
        return Issuer(match["name"].strip(), "state", "sở")
    return None


def _complete_bare_issuer(issuer: Issuer, place: str | None) -> Issuer:
    """'UBND' alone in the header: the place line says which ("Hà Nội, ngày …" → UBND thành phố Hà Nội)."""
    if issuer.level or not place:
        return issuer
    province = find_province(place)
    if province:
        return parse_issuer(f"{issuer.name.upper()} {province.kind.upper()} {province.name.upper()}") or issuer
    locality = find_locality(place)
    return Issuer(f"{issuer.name} {place}", issuer.kind, "xã" if locality is None else locality.level,
                  None, place)


def _province_of(meta: DocumentMetadata, issuer: Issuer | None, place: str | None, text: str,
                 portal: dict[str, str]) -> str | None:
    """Header first, then the place line, the portal's 'Nơi ban hành', the most-named province."""
    if meta.level in CENTRAL_LEVELS:
        return None
    if issuer and issuer.province:
        return issuer.province
    for source in (place, portal.get("issuer_place")):
        match = find_province(source) if source else None
        if match:
            return match.name
    if meta.level in ("huyện", "xã", "sở") or meta.issuer is None:
        counts: dict[str, int] = {}
        for match in iter_provinces(text[:20_000], require_prefix=True):
            counts[match.name] = counts.get(match.name, 0) + 1
        if counts:
            return max(counts, key=counts.get)
    return None


def _fill_from_portal(meta: DocumentMetadata, portal: dict[str, str]) -> None:
    if not meta.doc_number and portal.get("doc_number"):
        meta.doc_number = re.sub(r"\s+", "", portal["doc_number"])
    if not meta.issued_date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", portal.get("issued_date", "")):
        meta.issued_date = portal["issued_date"]
    if not meta.doc_type and portal.get("doc_type"):
        meta.doc_type = portal["doc_type"]
    if not meta.signer and portal.get("signer"):
        meta.signer = portal["signer"]
    if not meta.year:
        year = re.search(r"/((?:19|20)\d{2})/", meta.doc_number or "")
        meta.year = int(meta.issued_date[:4]) if meta.issued_date else int(year[1]) if year else None


def _apply_issuer(meta: DocumentMetadata, issuer: Issuer | None) -> None:
    if issuer is None:
        return
    meta.issuer, meta.issuer_kind, meta.level = issuer.name, issuer.kind, issuer.level or None
    standing = re.match(r"T\.?/?M\.?\s+(BAN\s+THƯỜNG\s+VỤ|BAN\s+CHẤP\s+HÀNH)", meta.signer_title or "")
    if issuer.kind == "party" and standing and not issuer.name.startswith("Ban "):
        meta.issuer = f"{'Ban Thường vụ' if 'THƯỜNG' in standing[1] else 'Ban Chấp hành'} {issuer.name}"
    if issuer.locality and issuer.level in ("huyện", "xã"):
        meta.locality = issuer.locality


def _type_and_title(meta: DocumentMetadata, head: str, header_end: int, portal: dict[str, str]) -> None:
    """Type word under the header, else 'V/v' (Công văn), else the portal's type, else the số hiệu series."""
    meta.doc_type, meta.title = extract_title(head, header_end)
    number_type = doc_type_from_number(meta.doc_number)
    if number_type == "Văn bản hợp nhất":  # a consolidation keeps its source's type word as title
        meta.doc_type = number_type
    elif meta.doc_type is None and re.search(r"(?<![^\W_])V/v\s", head[:2000]):
        meta.doc_type = "Công văn"
    meta.doc_type = meta.doc_type or portal.get("doc_type") or number_type
    if meta.title is None and meta.doc_type == "Công văn":
        subject = subject_line(head)
        meta.title = f"Công văn {subject}" if subject else None


def _place_fields(meta: DocumentMetadata, issuer: Issuer | None, place: str | None, text: str,
                  portal: dict[str, str]) -> None:
    meta.province = _province_of(meta, issuer, place, text, portal)
    meta.province_now = province_now(meta.province) if meta.province else None
    if meta.locality is not None or meta.level in CENTRAL_LEVELS:
        return
    if meta.level in ("huyện", "xã"):  # the district or commune itself, when the place line names it
        meta.locality = place if place and not find_province(place) else None
    else:
        meta.locality = meta.province or place


def extract_metadata(doc_id: str, text: str, boilerplate: str,
                     portal_fields: dict[str, str] | None = None) -> DocumentMetadata:
    """Metadata stated by the text (``portal_fields`` fill gaps); see the module docstring."""
    portal = portal_fields or {}
    head = text[:_HEAD_CHARS]
    meta = DocumentMetadata(doc_id=doc_id)
    cell, header_end = _header_cell(head)
    header = head[: header_end + 800] if header_end else head[:1500]
    place, meta.issued_date, meta.year = extract_place_date(header)
    meta.doc_number = extract_doc_number(head[: max(header_end + 600, 1500)])
    _type_and_title(meta, head, header_end, portal)
    issuer = parse_issuer(cell) if cell else None
    issuer = _complete_bare_issuer(issuer, place) if issuer else issuer_from_opening(head, place)
    meta.signer, meta.signer_title, meta.recipients = extract_signature(text, boilerplate)
    _apply_issuer(meta, issuer)
    _place_fields(meta, issuer, place, text, portal)
    _fill_from_portal(meta, portal)
    _name_committee_place(meta)
    meta.extracted = [f for f in REQUIRED_FIELDS if getattr(meta, f)]
    meta.missing = [f for f in REQUIRED_FIELDS if not getattr(meta, f)]
    return meta


_BARE_COMMITTEES = ("Tỉnh ủy", "Thành ủy", "Ban Thường vụ Tỉnh ủy", "Ban Thường vụ Thành ủy",
                    "Ban Chấp hành Đảng bộ tỉnh", "Đảng ủy")


def _name_committee_place(meta: DocumentMetadata) -> None:
    """A provincial Party committee named without its province ("ĐẢNG BỘ TỈNH LẠNG SƠN / TỈNH ỦY")."""
    if meta.issuer in _BARE_COMMITTEES and meta.province and meta.level == "tỉnh":
        meta.issuer = f"{meta.issuer} {meta.province}"


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
    """Manifest values override or fill any field; ``province_now`` follows a new ``province``."""
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
    if "province" in overrides and "province_now" not in overrides and meta.province:
        meta.province_now = province_now(meta.province)
    if meta.issued_date and not meta.year:
        meta.year = int(meta.issued_date[:4])
    meta.missing = [f for f in REQUIRED_FIELDS if not getattr(meta, f)]
    return meta


__all__ = ["DocumentMetadata", "extract_metadata", "load_manifest", "apply_manifest", "REQUIRED_FIELDS", "LEVELS",
           "DOC_TYPES", "CENTRAL_LEVELS"]

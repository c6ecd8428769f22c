"""Documents saved from a legal-document portal: the document body apart from the page chrome.

About half of the published documents we ingest were saved with the portal's page around them:

- before the document, a copyright notice and a metadata table, one cell per line between lone
  ``|`` lines: ``**Số hiệu:** | 2637/QĐ-UBND | **Loại văn bản:** | Quyết định | **Nơi ban hành:** |
  Tỉnh Vĩnh Long | **Người ký:** | … | **Ngày ban hành:** | 16/11/2025 | … **Tình trạng:** | Đã biết``;
- after it, the portal's own listing ("<type> <number> năm <year> <trích yếu>" + "Văn bản này chưa cập
  nhật nội dung Tiếng Anh"), "FILE ĐƯỢC ĐÍNH KÈM THEO VĂN BẢN", "## Văn bản liên quan", "Thưa Quý khách,"
  and the rest of the page.

``split_portal(raw)`` finds the document body proper: it starts at the first cell after the
metadata table (the document's own header table: "ỦY BAN NHÂN DÂN …", "BỘ …", "CỘNG HÒA XÃ HỘI …")
and ends before the first trailing portal marker. The metadata table's cells come back as
``fields`` (``doc_number``, ``doc_type``, ``issuer_place``, ``signer``, ``issued_date`` in ISO form,
``effective``, ``gazette_date``, ``gazette_number``, ``status``, ``consolidated_date``); placeholders
such as "Đã biết" / "Đang cập nhật" (shown to visitors who are not logged in) are dropped.

Rules are chosen never to cut real body text: the head is only removed when a metadata table with
at least two known labels is found near the top, and the tail only at markers that no government
document contains. Text without a portal page: ``PortalSplit(0, len(raw), {})``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vntext import fold

_HEAD_SEARCH = 20_000  # the metadata table sits after ~1 000 characters of notices
LABELS = {
    "so hieu": "doc_number", "loai van ban": "doc_type", "noi ban hanh": "issuer_place", "nguoi ky": "signer",
    "ngay ban hanh": "issued_date", "ngay hieu luc": "effective", "ngay cong bao": "gazette_date",
    "so cong bao": "gazette_number", "tinh trang": "status", "ngay hop nhat": "consolidated_date",
}
PLACEHOLDERS = {"da biet", "dang cap nhat", "khong xac dinh", ""}
_LABEL_CELL = re.compile(r"^[*\s]*(?P<label>[^\W\d_][^:|*\n]{1,38}?)\s*:[*\s]*$")
_TABLE_START = re.compile(r"\*\*\s*Số\s+hiệu\s*:\s*\*\*")
_SEPARATOR = re.compile(r"^[ \t]*\|[ \t]*$", re.M)
_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
# Trailing portal chrome; a marker must start a line (after optional markdown emphasis).
_TAIL_MARKERS = re.compile(
    r"^[ \t*#]*(?:FILE\s+ĐƯỢC\s+ĐÍNH\s+KÈM\s+THEO\s+VĂN\s+BẢN|Văn\s+bản\s+này\s+chưa\s+cập\s+nhật\s+nội\s+dung\s+Tiếng\s+Anh"
    r"|#+\s*Văn\s+bản\s+liên\s+quan\s*$|Thưa\s+Quý\s+khách,|Cảm\s+ơn\s+đã\s+dùng\s+ThuVienPhapLuat)",
    re.M)
_NOT_TRANSLATED = re.compile(r"Văn\s+bản\s+này\s+chưa\s+cập\s+nhật")


@dataclass(frozen=True)
class PortalSplit:
    """``raw[body_start:body_end]`` is the document; ``fields`` the portal's metadata table."""

    body_start: int
    body_end: int
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Cell:
    start: int
    text: str


def _cells(raw: str, start: int, limit: int) -> list[_Cell]:
    """Non-empty cells of the one-cell-per-line table from ``start``: text between lone '|' lines."""
    cells: list[_Cell] = []
    pos = start
    for sep in _SEPARATOR.finditer(raw, start, limit):
        chunk = raw[pos: sep.start()]
        if chunk.strip():
            cells.append(_Cell(pos + len(chunk) - len(chunk.lstrip()), chunk.strip()))
        pos = sep.end()
    return cells


def _label_key(cell: str) -> str | None:
    match = _LABEL_CELL.match(cell)
    if not match:
        return None
    label = fold(re.sub(r"\s+", " ", match["label"]).strip())
    return LABELS.get(label, re.sub(r"\W+", "_", label).strip("_"))


def _clean_value(key: str, value: str) -> str | None:
    value = re.sub(r"\s+", " ", value.replace("*", "")).strip()
    if fold(value) in PLACEHOLDERS:
        return None
    date = _DATE.match(value)
    if date and key.endswith("date"):
        return f"{date[3]}-{int(date[2]):02d}-{int(date[1]):02d}"
    return value


def _read_table(raw: str, cells: list[_Cell]) -> tuple[dict[str, str], int | None]:
    """Label/value pairs from the first cell on; the start of the first cell that is neither."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(cells):
        key = _label_key(cells[i].text)
        if key is None:
            return fields, cells[i].start
        value = cells[i + 1].text if i + 1 < len(cells) else ""
        if i + 1 < len(cells) and _label_key(value) is not None:
            i += 1  # an empty value: the next cell is already a label
            continue
        cleaned = _clean_value(key, value)
        if cleaned:
            fields[key] = cleaned
        i += 2
    return fields, None


def _head(raw: str) -> tuple[int, dict[str, str]]:
    match = _TABLE_START.search(raw, 0, _HEAD_SEARCH)
    if not match:
        return 0, {}
    line_start = raw.rfind("\n", 0, match.start()) + 1
    limit = min(len(raw), match.start() + _HEAD_SEARCH)
    fields, body_start = _read_table(raw, _cells(raw, line_start, limit))
    known = sum(1 for k in fields if k in LABELS.values())
    if body_start is None or known < 2:
        return 0, {}
    return body_start, fields


def _listing_line_before(raw: str, marker: int) -> int:
    """Start of the portal's listing title ('Quyết định 2637/QĐ-UBND năm 2025 …') just before the
    "not translated" marker, when the line after the marker repeats its type and number; else ``marker``."""
    before = raw[:marker].rstrip("\n")
    line_start = before.rfind("\n") + 1
    previous = before[line_start:]
    after_end = raw.find("\n", marker)
    following = raw[after_end + 1: raw.find("\n", after_end + 1) if after_end >= 0 else len(raw)]
    head = re.match(r"\s*(\S+(?:\s+\S+){0,3}?)\s+(\S*\d\S*/\S+)", previous)
    if head and following.startswith(head.group(0).strip()):
        return line_start
    return marker


def _tail(raw: str, start: int) -> int:
    match = _TAIL_MARKERS.search(raw, start)
    if not match:
        return len(raw)
    end = match.start()
    if _NOT_TRANSLATED.search(match.group(0)):
        end = _listing_line_before(raw, match.start())
    while end > start and raw[end - 1].isspace():
        end -= 1
    return end


def split_portal(raw: str) -> PortalSplit:
    """Where the document body lies in ``raw`` and what the portal's metadata table says."""
    body_start, fields = _head(raw)
    body_end = _tail(raw, body_start)
    if body_end <= body_start:  # a marker right at the start: keep everything rather than nothing
        body_end = len(raw)
    return PortalSplit(body_start, body_end, fields)

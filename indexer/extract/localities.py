"""Vietnamese administrative units: today's 34 provincial units, the 63 they replaced, and
commune/district-level localities named in a text.

Since 1 July 2025 Vietnam has 34 provincial units (6 centrally-run cities, 28 provinces;
Resolution 202/2025/QH15), each absorbing zero or more former provinces, and no district
level: local government is tỉnh and xã/phường/đặc khu. Thừa Thiên Huế became the city Huế
on 1 January 2025. Archives hold documents of both eras, so a document keeps the unit it was
issued for (``ProvinceMatch.name``) and maps to today's (``province_now``).

- ``find_province(text)``: the first province-level name in a text, with or without
  "tỉnh"/"thành phố"/"TP.", in any case ("TỈNH ĐỒNG THÁP"), old or new tone marks, names
  wrapped over lines, and the usual spellings of Hồ Chí Minh ("TP.HCM", "TPHCM").
- ``province_now(name)``: former → today's unit ("Hà Nam" → "Ninh Bình").
- ``find_locality(text)``: a commune-level ("xã/phường/thị trấn/đặc khu X") or former
  district-level ("huyện/quận/thị xã X", "thành phố X" that is not a centrally-run city) unit.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..vntext import fold, normalize_vietnamese

# Today's unit → the former provinces it absorbed (facts from provinces-2025.yaml).
CITIES: dict[str, tuple[str, ...]] = {
    "Hà Nội": (), "Huế": ("Thừa Thiên Huế",), "Hải Phòng": ("Hải Dương",), "Đà Nẵng": ("Quảng Nam",),
    "Thành phố Hồ Chí Minh": ("Bình Dương", "Bà Rịa - Vũng Tàu"), "Cần Thơ": ("Sóc Trăng", "Hậu Giang"),
}
PROVINCES: dict[str, tuple[str, ...]] = {
    "Lai Châu": (), "Điện Biên": (), "Sơn La": (), "Lạng Sơn": (), "Quảng Ninh": (), "Thanh Hóa": (),
    "Nghệ An": (), "Hà Tĩnh": (), "Cao Bằng": (), "Tuyên Quang": ("Hà Giang",), "Lào Cai": ("Yên Bái",),
    "Thái Nguyên": ("Bắc Kạn",), "Phú Thọ": ("Vĩnh Phúc", "Hòa Bình"), "Bắc Ninh": ("Bắc Giang",),
    "Hưng Yên": ("Thái Bình",), "Ninh Bình": ("Hà Nam", "Nam Định"), "Quảng Trị": ("Quảng Bình",),
    "Quảng Ngãi": ("Kon Tum",), "Gia Lai": ("Bình Định",), "Khánh Hòa": ("Ninh Thuận",),
    "Lâm Đồng": ("Đắk Nông", "Bình Thuận"), "Đắk Lắk": ("Phú Yên",), "Đồng Nai": ("Bình Phước",),
    "Tây Ninh": ("Long An",), "Vĩnh Long": ("Bến Tre", "Trà Vinh"), "Đồng Tháp": ("Tiền Giang",),
    "Cà Mau": ("Bạc Liêu",), "An Giang": ("Kiên Giang",),
}
# Other spellings met in documents → canonical name (matched after tone normalisation, any case).
ALIASES: dict[str, str] = {
    "Hồ Chí Minh": "Thành phố Hồ Chí Minh", "HCM": "Thành phố Hồ Chí Minh", "TPHCM": "Thành phố Hồ Chí Minh",
    "Sài Gòn": "Thành phố Hồ Chí Minh", "Thừa Thiên - Huế": "Thừa Thiên Huế", "Bà Rịa Vũng Tàu": "Bà Rịa - Vũng Tàu",
    "Đắc Lắc": "Đắk Lắk", "Đăk Lăk": "Đắk Lắk", "Đắk Lắc": "Đắk Lắk", "Đăk Nông": "Đắk Nông", "Đắc Nông": "Đắk Nông",
    "Kontum": "Kon Tum", "Bắc Cạn": "Bắc Kạn",
}
# Cities under the central government: "thành phố X" names the province-level unit only for these;
# elsewhere it is a provincial city (former district level) such as "thành phố Thanh Hóa".
CENTRAL_CITIES = ("Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Cần Thơ")

COMMUNE_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
DISTRICT_KINDS = ("huyện", "quận", "thị xã", "thành phố")

UPPER = "[" + "".join(sorted(c for c in map(chr, range(0x41, 0x1EFA)) if c.isalpha() and c.isupper())) + "]"
LOWER = "[" + "".join(sorted(c for c in map(chr, range(0x61, 0x1EFA)) if c.isalpha() and c.islower())) + "]"


@dataclass(frozen=True)
class ProvinceMatch:
    """A province-level unit named in a text: its canonical name at the time the text uses
    ("Hà Nam", "Thành phố Hồ Chí Minh"), today's unit, and where it was found."""

    name: str
    now: str
    start: int
    end: int
    former: bool  # not one of today's 34 units (absorbed, or renamed like Thừa Thiên Huế)
    kind: str  # "tỉnh" or "thành phố"
    matched: str = ""  # the name as written, without its prefix ("THANH HOÁ")


@dataclass(frozen=True)
class LocalityMatch:
    """A commune- or district-level unit: kind ("xã", "huyện", …), name ("Chi Lăng"), level
    ("xã" for xã/phường/thị trấn/đặc khu, "huyện" for the former district level)."""

    kind: str
    name: str
    level: str
    start: int
    end: int


@functools.lru_cache(maxsize=1)
def all_provinces() -> dict[str, str]:
    """Every province-level name (today's 34 and the former ones) → today's unit."""
    table: dict[str, str] = {}
    for now, formers in (*CITIES.items(), *PROVINCES.items()):
        table[now] = now
        for former in formers:
            table[former] = now
    return table


def _key(name: str) -> str:
    """Comparison key: folded, one space, ' - ' for any dash."""
    return re.sub(r"\s+", " ", re.sub(r"\s*[-–]\s*", " - ", fold(name))).strip()


def canonical_province(name: str) -> str | None:
    """'TP. HCM', 'thanh hoá', 'TỈNH ĐỒNG THÁP' → canonical name, or None."""
    match = find_province(name)
    return match.name if match else None


def province_now(name: str) -> str:
    """The unit that governs a (possibly former) province today; unknown names come back as given."""
    canonical = canonical_province(name)
    return all_provinces()[canonical] if canonical else name


def is_central_city(name: str) -> bool:
    """Hà Nội, Huế, Hải Phòng, Đà Nẵng, Hồ Chí Minh (any spelling), Cần Thơ."""
    return _key(name) in {_key(c) for c in (*CENTRAL_CITIES, "Hồ Chí Minh", "HCM", "TPHCM")}


def _name_pattern(name: str) -> str:
    """'Bà Rịa - Vũng Tàu' → words joined by any whitespace (hard-wrapped text), any dash."""
    parts = re.split(r"\s*[-–]\s*", name.strip())
    return r"\s*[-–]\s*".join(r"\s+".join(map(re.escape, part.split())) for part in parts)


@functools.lru_cache(maxsize=1)
def _province_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    spellings = {_key(n): n for n in all_provinces()}
    spellings.update({_key(alias): target for alias, target in ALIASES.items()})
    names = sorted({*all_provinces(), *ALIASES}, key=len, reverse=True)
    prefix = r"(?P<prefix>(?:tỉnh|thành\s+phố|tp\.?|thủ\s+đô)\s*)?"
    body = "|".join(_name_pattern(normalize_vietnamese(n)) for n in names)
    pattern = re.compile(rf"(?<![^\W_]){prefix}(?P<name>{body})(?![^\W_])", re.IGNORECASE)
    return pattern, spellings


def iter_provinces(text: str, require_prefix: bool = False) -> Iterator[ProvinceMatch]:
    """Every province-level unit named in ``text`` (``ProvinceMatch``), left to right. A
    "thành phố X" that is not a centrally-run city is a district-level city, not the province."""
    pattern, spellings = _province_regex()
    for match in pattern.finditer(normalize_vietnamese(text)):
        prefix = fold(match["prefix"] or "").strip()
        name = spellings.get(_key(match["name"]))
        if name is None or (require_prefix and not prefix):
            continue
        if prefix.startswith("thanh") and not is_central_city(name):
            continue
        kind = "thành phố" if name in CITIES else "tỉnh"
        yield ProvinceMatch(name, all_provinces()[name], match.start(), match.end(),
                            name not in CITIES and name not in PROVINCES, kind, match["name"])


def find_province(text: str, require_prefix: bool = False) -> ProvinceMatch | None:
    """The first province-level unit named in ``text`` (with ``require_prefix``, only names
    written as "tỉnh X" / "thành phố X" / "TP. X", which avoids "Nguyễn Hòa Bình")."""
    return next(iter_provinces(text, require_prefix), None)


_KIND = r"(?P<kind>(?i:xã|phường|thị\s+trấn|đặc\s+khu|huyện|quận|thị\s+xã|thành\s+phố))"
_NAME_WORD = rf"(?:{UPPER}[^\W\d_]*|\d{{1,2}})"
_LOCALITY = re.compile(rf"(?<![^\W_]){_KIND}[ \t]*\n?[ \t]*(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})")
# Words that start the next phrase rather than continue a place name.
_NOT_NAME = {w.lower() for w in (
    "Căn", "Thực", "Về", "Theo", "Ban", "Xây", "Tỉnh", "Thành", "Trên", "Và", "Tại", "Của", "Cho", "Ủy", "Hội",
    "Độc", "Số", "Cộng", "Đảng", "Huyện", "Xã", "Phường", "Quận", "UBND", "HĐND", "Kế", "Quyết", "Nghị", "Chương",
    "Thông", "Chỉ", "Công", "Ngày", "Nơi", "Sở", "Phòng", "Các", "Trung", "Nhân", "Thị", "Đặc", "Khóa", "Kỳ")}


def _title_case(name: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in name.split())


def _trim_name(words: list[str]) -> list[str]:
    """Keep the words that continue the name: same casing style, not a phrase-starting word."""
    upper = words[0].isupper() and len(words[0]) > 1
    kept: list[str] = []
    for word in words:
        if word.lower() in _NOT_NAME or (kept and not word.isdigit() and (word.isupper() and len(word) > 1) != upper):
            break
        kept.append(word)
    return kept


def iter_localities(text: str) -> Iterator[LocalityMatch]:
    """Commune-level and former district-level units named in ``text``. A centrally-run city
    ("thành phố Hà Nội") is a province, not a locality; "thành phố Lạng Sơn" is a locality."""
    for match in _LOCALITY.finditer(normalize_vietnamese(text)):
        kind = re.sub(r"\s+", " ", match["kind"]).lower()
        words = _trim_name(match["name"].split())
        if not words:
            continue
        name = _title_case(" ".join(words)) if any(w.isupper() and len(w) > 1 for w in words) else " ".join(words)
        if kind == "thành phố" and is_central_city(name):
            continue
        level = "xã" if kind in COMMUNE_KINDS else "huyện"
        ends = [m.end() for m in re.finditer(r"\S+", match["name"])]
        yield LocalityMatch(kind, name, level, match.start(), match.start("name") + ends[len(words) - 1])


def find_locality(text: str) -> LocalityMatch | None:
    """The first commune-level or former district-level unit named in ``text``."""
    return next(iter_localities(text), None)

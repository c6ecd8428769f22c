"""Who issued a document, read from its header cell: "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG",
"BỘ TÀI CHÍNH CỤC HẢI QUAN", "UBND TỈNH QUẢNG TRỊ SỞ KHOA HỌC VÀ CÔNG NGHỆ", "ĐẢNG BỘ TỈNH LẠNG SƠN
HUYỆN ỦY CHI LĂNG" (the text before "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").

``parse_issuer(cell)`` splits the cell into organisation pieces (parent first, issuing unit last),
writes the issuing unit the way documents cite it ("UBND tỉnh Vĩnh Long", "Sở Khoa học và Công nghệ
tỉnh Quảng Trị", "Bộ Văn hóa, Thể thao và Du lịch", "Huyện ủy Chi Lăng") and classifies it:
``kind`` ("party" or "state") and ``level`` (trung ương / bộ / tỉnh / sở / huyện / xã; "" when the
cell names a body but not its place, e.g. a bare "ỦY BAN NHÂN DÂN"). Patterns accept any
whitespace between words: header cells arrive hard-wrapped, tab- or newline-separated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .localities import UPPER, all_provinces, find_locality, find_province, is_central_city

_CENTRAL = {"THỦ TƯỚNG CHÍNH PHỦ": "Thủ tướng Chính phủ", "VĂN PHÒNG CHÍNH PHỦ": "Văn phòng Chính phủ",
            "CHÍNH PHỦ": "Chính phủ", "KIỂM TOÁN NHÀ NƯỚC": "Kiểm toán nhà nước", "QUỐC HỘI": "Quốc hội",
            "ỦY BAN THƯỜNG VỤ QUỐC HỘI": "Ủy ban Thường vụ Quốc hội", "CHỦ TỊCH NƯỚC": "Chủ tịch nước",
            "BỘ CHÍNH TRỊ": "Bộ Chính trị", "BAN BÍ THƯ": "Ban Bí thư",
            "BAN CHẤP HÀNH TRUNG ƯƠNG": "Ban Chấp hành Trung ương"}
_PARTY_CENTRAL = ("Bộ Chính trị", "Ban Bí thư", "Ban Chấp hành Trung ương")
_UNITS = ("TỔNG CỤC", "CHI CỤC", "BAN QUẢN LÝ", "BẢO HIỂM XÃ HỘI", "KHO BẠC", "VĂN PHÒNG", "TRUNG TÂM", "HỌC VIỆN",
          "ĐẠI HỌC", "NGÂN HÀNG", "BỘ", "SỞ", "CỤC", "VỤ", "BAN", "PHÒNG", "VIỆN", "THUẾ")
# A unit word that ends a compound ("PHỤC VỤ", "QUỐC PHÒNG", "CỤC THUẾ", "ỦY BAN") does not start a piece.
_COMPOUND_TAILS = {"VỤ": ("PHỤC", "DỊCH", "NHIỆM", "THƯỜNG", "NGHĨA"), "PHÒNG": ("QUỐC", "VĂN"), "THUẾ": ("CỤC",),
                   "BAN": ("ỦY", "UỶ"), "BỘ": ("ĐẢNG", "CÁN"), "CỤC": ("TỔNG", "CHI"), "VIỆN": ("HỌC", "BỆNH")}
_GOV = r"(?:CHỦ\s+TỊCH\s+)?(?:ỦY\s+BAN\s+NHÂN\s+DÂN|UỶ\s+BAN\s+NHÂN\s+DÂN|UBND|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|HĐND|NHÂN\s+DÂN)"
_COMMITTEE = r"(?:BAN\s+THƯỜNG\s+VỤ\s+|BAN\s+CHẤP\s+HÀNH\s+)?(?:TỈNH\s+ỦY|THÀNH\s+ỦY|HUYỆN\s+ỦY|QUẬN\s+ỦY|THỊ\s+ỦY|ĐẢNG\s+ỦY|ĐẢNG\s+BỘ)"
_UNIT_RE = "|".join(u.replace(" ", r"\s+") for u in _UNITS)
_UNIT_START = "|".join("".join(f"(?<!{w} )" for w in _COMPOUND_TAILS.get(u, ())) + u.replace(" ", r"\s+") for u in _UNITS)
_PIECE_START = re.compile("|".join([*(k.replace(" ", r"\s+") for k in sorted(_CENTRAL, key=len, reverse=True)),
                                    _COMMITTEE, r"(?:CHỦ\s+TỊCH\s+)?(?:ỦY|UỶ)\s+BAN\s+NHÂN\s+DÂN|UBND|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|HĐND",
                                    rf"(?:{_UNIT_START})(?=\s|$)"]))
_PLACE = rf"(?P<unit>TỈNH|THÀNH\s+PHỐ|HUYỆN|QUẬN|THỊ\s+XÃ|THỊ\s+TRẤN|XÃ|PHƯỜNG|ĐẶC\s+KHU)\s+(?P<name>{UPPER}+(?:\s+(?:{UPPER}+|\d+))*|\d+)"
_IMPLIED_UNIT = {"tỉnh ủy": "TỈNH", "huyện ủy": "HUYỆN", "quận ủy": "QUẬN", "thị ủy": "THỊ XÃ", "thành ủy": "THÀNH PHỐ"}
_STANDING = {"ban thường vụ": "Ban Thường vụ", "ban chấp hành": "Ban Chấp hành"}
# Words written in capitals inside an organisation name (after the first syllable of a component).
_PROPER = {"chính phủ": "Chính phủ", "công thương": "Công Thương", "quốc hội": "Quốc hội", "việt nam": "Việt Nam",
           "trung ương": "Trung ương"}


@dataclass(frozen=True)
class Issuer:
    name: str  # "UBND tỉnh Vĩnh Long"
    kind: str  # "state" | "party"
    level: str  # trung ương | bộ | tỉnh | sở | huyện | xã | "" (place not named)
    province: str | None = None  # canonical province the issuer belongs to
    locality: str | None = None  # commune/district name when below province level


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def org_case(upper: str) -> str:
    """'BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH' → 'Bộ Văn hóa, Thể thao và Du lịch': the unit word and the
    first syllable of each component after it capitalised; a few fixed names kept."""
    words = _squash(upper).lower().split()
    units = (u for u in _UNITS if u != "BAN QUẢN LÝ")  # "Ban Quản lý các khu công nghiệp"
    unit = next((u.lower().split() for u in units if words[:len(u.split())] == u.lower().split()), words[:1])
    out = [words[0].capitalize(), *words[1:len(unit)]]
    start = True
    for word in words[len(unit):]:
        out.append(word.capitalize() if start and word != "và" else word)
        start = word.endswith(",") or word == "và"
    text = " ".join(out)
    for lower, proper in _PROPER.items():
        text = re.sub(rf"(?<= ){lower}(?!\w)", proper, text, flags=re.IGNORECASE)
    return text


def _place(unit: str, name: str) -> tuple[str, str | None, str | None, str]:
    """('TỈNH', 'VĨNH LONG') → ('tỉnh Vĩnh Long', province, locality, level)."""
    unit = _squash(unit).lower()
    province = find_province(f"{unit} {name}")
    if province and (unit == "tỉnh" or is_central_city(province.name)):
        return f"{unit} {province.name.removeprefix('Thành phố ')}", province.name, None, "tỉnh"
    locality = find_locality(f"{unit} {name}")
    shown = locality.name if locality else _squash(name).title()
    same_name = find_province(shown)  # "thành phố Lạng Sơn" lies in Lạng Sơn province
    home = same_name.name if same_name and same_name.name in all_provinces() and same_name.end == len(shown) else None
    level = "xã" if unit in ("xã", "phường", "thị trấn", "đặc khu") else "huyện"
    return f"{unit} {shown}", home, shown, level


def _split_pieces(cell: str) -> list[str]:
    """Header cell → organisation pieces. A keyword right after a bare unit word ('VĂN PHÒNG ỦY BAN
    NHÂN DÂN …') continues that piece instead of starting a new one."""
    starts = [m.start() for m in _PIECE_START.finditer(cell)]
    if not starts:
        return [cell] if cell else []
    pieces = [cell[:starts[0]].strip()] if cell[:starts[0]].strip() else []
    for i, start in enumerate(starts):
        piece = cell[start: starts[i + 1] if i + 1 < len(starts) else len(cell)].strip(" ,")
        if pieces and re.fullmatch(_UNIT_RE, pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        elif piece:
            pieces.append(piece)
    return pieces


def _gov_piece(piece: str) -> Issuer | None:
    match = re.fullmatch(rf"(?P<body>{_GOV})(?:\s+{_PLACE})?", piece)
    if not match:
        return None
    body = _squash(match["body"])
    short = "HĐND" if body.startswith(("HỘI", "HĐND")) else "UBND"
    chair = body.startswith("CHỦ TỊCH") or body == "NHÂN DÂN"
    if not match["unit"]:
        return Issuer(f"Chủ tịch {short}" if chair else short, "state", "")
    place, province, locality, level = _place(match["unit"], match["name"])
    return Issuer(f"{'Chủ tịch ' if chair else ''}{short} {place}", "state", level, province, locality)


def _party_piece(piece: str) -> Issuer | None:
    match = re.fullmatch(rf"(?P<committee>{_COMMITTEE})(?:\s+{_PLACE}|\s+(?P<bare>{UPPER}+(?:\s+{UPPER}+)*))?", piece)
    if not match:
        return None
    words = _squash(match["committee"]).lower().split()
    standing = _STANDING.get(" ".join(words[:3]))
    committee = " ".join(words[3:] if standing else words).capitalize()
    if match["unit"]:
        place, province, locality, level = _place(match["unit"], match["name"])
    elif match["bare"]:
        unit = _IMPLIED_UNIT.get(committee.lower(), "TỈNH")
        place, province, locality, level = _place(unit, match["bare"])
        place = place.split(" ", len(unit.split()))[-1]  # "Huyện ủy Chi Lăng", not "Huyện ủy huyện Chi Lăng"
    else:
        place, province, locality, level = "", None, None, "tỉnh" if committee in ("Tỉnh ủy", "Thành ủy") else ""
    name = " ".join(p for p in (standing, committee, place) if p)
    return Issuer(name, "party", level, province, locality)


def _unit_piece(piece: str, parent: Issuer | None) -> Issuer:
    """A ministry, department, office …: a trailing 'TỈNH X', or else the parent's place, completes it."""
    central = _CENTRAL.get(_squash(piece))
    if central:
        return Issuer(central, "party" if central in _PARTY_CENTRAL else "state", "trung ương")
    tail = re.search(rf"\s+{_PLACE}$", piece)
    body, place, province, locality, level = piece, "", None, None, None
    if tail and (find_province(tail.group(0)) or find_locality(tail.group(0))):
        place, province, locality, level = _place(tail["unit"], tail["name"])
        body = piece[:tail.start()]
    elif parent and parent.level in ("tỉnh", "huyện", "xã") and parent.kind == "state":
        place = parent.name.split(" ", 1)[-1].removeprefix("UBND ").removeprefix("HĐND ")
        province, locality, level = parent.province, parent.locality, parent.level
    if level is None:
        central_unit = body.split()[0] in ("BỘ", "CỤC", "TỔNG", "VỤ") or (parent and parent.level in ("bộ", "trung ương"))
        level = "bộ" if central_unit else "sở"
    elif level == "tỉnh":
        level = "sở"
    kind = "party" if parent and parent.kind == "party" else "state"
    return Issuer(_squash(f"{org_case(body)} {place}"), kind, level, province, locality)


def parse_issuer(cell: str) -> Issuer | None:
    """The issuing body named in a header cell; None when the cell names no known kind of body."""
    flat = _squash(re.sub(r"-{3,}|[|#*]", " ", cell))
    issuer: Issuer | None = None
    for piece in _split_pieces(flat):
        found = _gov_piece(piece) or _party_piece(piece)
        if found is None and _PIECE_START.match(piece):
            found = _unit_piece(piece, issuer)
        if found is None:
            continue
        if issuer and issuer.province and not found.province and found.level not in ("bộ", "trung ương"):
            found = replace(found, province=issuer.province)
        issuer = found
    return issuer

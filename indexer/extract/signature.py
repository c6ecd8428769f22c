"""The signature block and the recipients list ("Nơi nhận") at the end of a document.

A signature block is a signing title in capitals, optionally under a delegation marker, then the
signer's name: "KT. CHỦ TỊCH PHÓ CHỦ TỊCH Nguyễn Quỳnh Thiện", "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH Lê
Ngọc Châu", "KT. BỘ TRƯỞNG THỨ TRƯỞNG Thượng tướng Vũ Hải Sản". Names may be wrapped over two lines
("Nguyễn Quỳnh\\nThiện") and printed twice (a scanned signature line and the typed name). The
block is looked for in the boilerplate (the "Nơi nhận" + signature section) first, then near the
"Nơi nhận" of the whole text; a last-resort signer is a lone name line in the boilerplate.
"""
from __future__ import annotations

import re

from .localities import LOWER, UPPER

_TITLES = ("PHÓ CHỦ TỊCH THƯỜNG TRỰC", "PHÓ CHỦ TỊCH", "CHỦ TỊCH", "PHÓ THỦ TƯỚNG", "THỦ TƯỚNG", "BỘ TRƯỞNG",
           "THỨ TRƯỞNG", "PHÓ GIÁM ĐỐC", "GIÁM ĐỐC", "PHÓ CỤC TRƯỞNG", "CỤC TRƯỞNG", "PHÓ CHỦ NHIỆM", "CHỦ NHIỆM",
           "PHÓ TRƯỞNG BAN", "TRƯỞNG BAN", "PHÓ BÍ THƯ", "BÍ THƯ", "PHÓ TỔNG KIỂM TOÁN", "TỔNG KIỂM TOÁN",
           "PHÓ CHÁNH VĂN PHÒNG", "CHÁNH VĂN PHÒNG", "VỤ TRƯỞNG", "PHÓ VỤ TRƯỞNG", "TỔNG CỤC TRƯỞNG",
           "PHÓ TỔNG GIÁM ĐỐC", "TỔNG GIÁM ĐỐC", "TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "CHI CỤC TRƯỞNG", "VIỆN TRƯỞNG",
           "CHÁNH THANH TRA", "TRƯỞNG ĐOÀN", "THỦ TRƯỞNG")
_RANKS = r"(?:Đại\s+tướng|Thượng\s+tướng|Trung\s+tướng|Thiếu\s+tướng|Đại\s+tá|Thượng\s+tá|Trung\s+tá|Thiếu\s+tá|" \
         r"Chuẩn\s+Đô\s+đốc|Phó\s+Đô\s+đốc|Đô\s+đốc|(?:GS|PGS|TS|ThS|BS|Ths)\.(?:\s*TS\.)?)"
_NAME_WORD = rf"{UPPER}{LOWER}+"
_SIGNATURE = re.compile(
    r"(?<![^\W_])(?P<title>(?:" + "|".join(t.replace(" ", r"\s+") for t in _TITLES) + rf")(?:[\s,]+{UPPER}{{2,}}){{0,8}})(?![^\W_])"
    r"[\s,]*(?:[(\[]?\s*(?:[Đđ]ã\s+ký|daky|ký|Ký)[^)\]\n]{0,25}[)\]]?\s*)?"
    rf"(?:{_RANKS}\s+)?(?P<name>{_NAME_WORD}(?:[ \t]*\n?[ \t]*{_NAME_WORD}){{1,5}})")
_MARKERS = {"KT.", "TM.", "TL.", "TUQ.", "Q.", "T/M", "K/T", "T/L", "KT", "TM", "TL", "TUQ"}
_NOT_NAME = {"Nơi", "Phụ", "Căn", "Điều", "Kèm", "Ghi", "Mẫu", "Danh", "Bảng", "Biểu", "Phần", "Mục", "Chương",
             "Thông", "Nghị", "Quyết", "Kế", "Số", "Ngày", "Tên", "Chữ", "Đã", "Ký", "Các", "Như"}
_NAME_LINE = re.compile(r"^(?:[A-ZĐÀ-Ỹ][a-zà-ỹđ]+)(?: [A-ZĐÀ-Ỹ][a-zà-ỹđ]+){1,4}$")
_UPPER_TOKEN = re.compile(rf"^(?:{UPPER}+[.,]?|[.,]|KT\.|TM\.|TL\.|TUQ\.|Q\.|T/M|K/T|T/L)$")


def _clean_name(raw: str) -> str | None:
    words = raw.split()
    for i, word in enumerate(words):
        if word in _NOT_NAME:
            words = words[:i]
            break
    for k in range(2, len(words) // 2 + 1):  # the typed name printed twice
        if words[k: 2 * k] == words[:k]:
            words = words[:k]
            break
    return " ".join(words[:5]) if len(words) >= 2 else None


_TITLE_WORDS = re.compile(r"(?<![^\W_])(?:" + "|".join(t.replace(" ", r"\s+") for t in _TITLES) + r")(?![^\W_])")


def _block_title(text: str, title_match: re.Match[str]) -> str:
    """'TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH' → 'KT. CHỦ TỊCH / PHÓ CHỦ TỊCH'."""
    before = text[max(0, title_match.start() - 160): title_match.start()].split()
    block: list[str] = []
    for token in reversed(before):
        if not _UPPER_TOKEN.match(token) or len(block) >= 14:
            break
        block.insert(0, token)
    markers = [i for i, t in enumerate(block) if t in _MARKERS]
    segment = " ".join([*block[markers[-1]:], title_match["title"]] if markers else [title_match["title"]])
    segment = re.sub(r"\s+", " ", segment).strip(" ,")
    last = list(_TITLE_WORDS.finditer(segment))[-1]
    lead, tail = segment[: last.start()].strip(" ,"), segment[last.start():]
    if lead in _MARKERS:  # "Q. CHỦ TỊCH"
        return f"{lead} {tail}"
    return f"{lead} / {tail}" if lead else tail


def _candidates(text: str) -> list[tuple[int, str, str]]:
    found = []
    for match in _SIGNATURE.finditer(text):
        name = _clean_name(match["name"])
        if name:
            found.append((match.start(), name, _block_title(text, match)))
    return found


def _lone_name(boilerplate: str) -> str | None:
    lines = [ln.strip() for ln in boilerplate.split("\n") if ln.strip()]
    names = [ln for ln in lines if _NAME_LINE.match(ln) and not ln.startswith(("-", "Nơi"))]
    return names[-1] if names else None


def extract_recipients(text: str) -> list[str]:
    """Items of the 'Nơi nhận:' list, up to 'Lưu …'."""
    match = re.search(r"Nơi\s+nhận\s*:?", text)
    if not match:
        return []
    region = text[match.end(): match.end() + 1500]
    items = []
    for item in re.split(r"(?:^|\s)[-+•]\s*", region)[1:]:
        item = re.sub(r"\s+", " ", item).strip().rstrip(";.,")
        first_caps = re.search(rf"\s(?:KT\.|TM\.|TL\.|Q\.|{UPPER}{{2,}}\s+{UPPER}{{2,}})", item)
        if item.startswith("Lưu") and first_caps:
            item = item[: first_caps.start()].rstrip(";.,")
        if item:
            items.append(item)
        if item.startswith("Lưu"):
            break
    return items


def extract_signature(text: str, boilerplate: str = "") -> tuple[str | None, str | None, list[str]]:
    """(signer, signer title, recipients): the boilerplate first, then near 'Nơi nhận' in ``text``."""
    recipients = extract_recipients(boilerplate) or extract_recipients(text)
    found = _candidates(boilerplate) if boilerplate else []
    if not found:
        anchor = text.find("Nơi nhận")
        found = [c for c in _candidates(text) if anchor < 0 or c[0] >= anchor - 600] or []
    if found:
        _, name, title = found[0]
        return name, title, recipients
    return _lone_name(boilerplate), None, recipients

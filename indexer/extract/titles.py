"""Loại văn bản and trích yếu: the type word under the header ("QUYẾT ĐỊNH", "KẾ HOẠCH") and the
title that follows it, written as one line ("Quyết định công bố danh mục thủ tục hành chính …").

Titles come in capitals ("QUYẾT ĐỊNH CÔNG BỐ DANH MỤC …") or in sentence case ("KẾ HOẠCH Triển khai
…"). A capital title ends where the capitals end ("Căn cứ …") or at the authority line that follows
it ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "BỘ TRƯỞNG BỘ Y TẾ", "HỘI ĐỒNG NHÂN DÂN … KHÓA XVI …"); a
sentence-case title ends at a blank line or at the opening words of the preamble ("Căn cứ",
"Thực hiện", "Kính gửi"). Capital titles are lowered, keeping codes ("06/QĐ-TTg") and place names
("tỉnh Vĩnh Long") capitalised. The số hiệu series ("QĐ", "KH", "NQ" …) gives the type when no
type word stands under the header.
"""
from __future__ import annotations

import re

from .localities import iter_provinces

DOC_TYPES = {
    "CHƯƠNG TRÌNH HÀNH ĐỘNG": "Chương trình", "THÔNG TƯ LIÊN TỊCH": "Thông tư liên tịch",
    "VĂN BẢN HỢP NHẤT": "Văn bản hợp nhất", "QUYẾT ĐỊNH": "Quyết định", "NGHỊ QUYẾT": "Nghị quyết",
    "NGHỊ ĐỊNH": "Nghị định", "KẾ HOẠCH": "Kế hoạch", "CHỈ THỊ": "Chỉ thị", "CHƯƠNG TRÌNH": "Chương trình",
    "THÔNG BÁO": "Thông báo", "THÔNG TƯ": "Thông tư", "CÔNG ĐIỆN": "Công điện", "CÔNG VĂN": "Công văn",
    "BÁO CÁO": "Báo cáo", "TỜ TRÌNH": "Tờ trình", "HƯỚNG DẪN": "Hướng dẫn", "ĐỀ ÁN": "Đề án",
    "PHÁP LỆNH": "Pháp lệnh", "LUẬT": "Luật", "QUY ĐỊNH": "Quy định", "QUY CHẾ": "Quy chế", "KẾT LUẬN": "Kết luận",
    "ĐIỀU LỆ": "Điều lệ", "LỆNH": "Lệnh",
}
SERIES_TYPES = {
    "QĐ": "Quyết định", "NQ": "Nghị quyết", "NĐ": "Nghị định", "KH": "Kế hoạch", "CT": "Chỉ thị",
    "CTr": "Chương trình", "TB": "Thông báo", "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "CĐ": "Công điện",
    "BC": "Báo cáo", "TTr": "Tờ trình", "HD": "Hướng dẫn", "ĐA": "Đề án", "VBHN": "Văn bản hợp nhất",
    "KL": "Kết luận", "QC": "Quy chế", "QyĐ": "Quy định", "L": "Lệnh", "CV": "Công văn",
}
_TYPE_WORD = re.compile(r"(?<![^\W_])(?P<type>" + "|".join(
    k.replace(" ", r"\s+") for k in sorted(DOC_TYPES, key=len, reverse=True)) + r")(?![^\W_])(?!\s*:)")
# Authority lines that follow a capital title (not after a linking word such as CỦA, VÀ, CHO).
_AUTHORITY = re.compile(
    r"(?:(?:KT|TM|Q)\.\s*)?(?:CHỦ\s+TỊCH|BỘ\s+TRƯỞNG|THỦ\s+TƯỚNG|HỘI\s+ĐỒNG\s+NHÂN\s+DÂN|ỦY\s+BAN\s+NHÂN\s+DÂN|"
    r"UỶ\s+BAN\s+NHÂN\s+DÂN|GIÁM\s+ĐỐC|TỔNG\s+GIÁM\s+ĐỐC|CỤC\s+TRƯỞNG|TỔNG\s+CỤC\s+TRƯỞNG|TỔNG\s+KIỂM\s+TOÁN|"
    r"CHÍNH\s+PHỦ|TRƯỞNG\s+BAN|CHÁNH\s+VĂN\s+PHÒNG|BAN\s+THƯỜNG\s+VỤ|BAN\s+CHẤP\s+HÀNH|TỈNH\s+ỦY|HUYỆN\s+ỦY|"
    r"THÀNH\s+ỦY|ĐẢNG\s+ỦY|VỤ\s+TRƯỞNG|VIỆN\s+TRƯỞNG)(?![^\W_])")
_LINKING = {"CỦA", "CHO", "VÀ", "VỚI", "THUỘC", "TẠI", "GIỮA", "ĐỐI", "ĐẾN", "TRÊN", "BỞI", "CÁC", "PHÓ", "HOẶC",
            "TRỰC", "CẤP", "QUYỀN"}
_MAX_AUTHORITY_WORDS = 16
# Opening words of the preamble: never a title ("Căn cứ"), or only after a title ("Thực hiện" can start one).
_PREAMBLE_ALWAYS = re.compile(r"(?:^|\s)(?:Căn\s+cứ|Kính\s+gửi|Xét\s|Theo\s+đề\s+nghị|Điều\s+1\.)")
_PREAMBLE = re.compile(r"\s(?:Thực\s+hiện|Trên\s+cơ\s+sở|Để\s|Nhằm\s|Ngày\s+\d|Sáng\s+ngày|Chiều\s+ngày|"
                       r"Trong\s+(?:những|thời)|Hiện\s+nay|[IVX]+\.\s|\d+\.\s)")
_AUTHORITY_BREAKERS = {"TẠI", "VỀ", "VỚI", "CỦA", "CHO", "TRÊN", "ĐỐI", "THEO", "NĂM", "GIAI"}
_ENDS_RUN = re.compile(r"^(?:[IVX]+\.|\d+\.|Điều|\(Kèm)$")


def doc_type_from_number(doc_number: str | None) -> str | None:
    """'35/2025/QĐ-UBND' → 'Quyết định'; '311-KH/HU' → 'Kế hoạch'; '1234/UBND-KT' → 'Công văn'."""
    if not doc_number:
        return None
    parts = [p for p in re.split(r"[/-]", doc_number) if p and not p.isdigit()]
    if not parts:
        return None
    return SERIES_TYPES.get(parts[0], "Công văn" if len(parts) >= 2 else None)


def _is_upper_token(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return bool(letters) and token == token.upper() or not letters


def _upper_run(words: list[str]) -> list[str]:
    run: list[str] = []
    for word in words:
        if not _is_upper_token(word) or _ENDS_RUN.match(word) or (run and word.endswith(":")):
            break
        run.append(word)
    while run and not any(c.isalnum() for c in run[-1]):
        run.pop()
    return run


def _cut_authority(run: list[str]) -> list[str]:
    """Drop a trailing authority line ('CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH VĨNH LONG') from a capital run."""
    text = " ".join(run)
    for match in _AUTHORITY.finditer(text):
        before = text[:match.start()].split()
        if not before or before[-1].strip(",") in _LINKING:
            continue
        line = text[match.start():].split()
        if len(line) <= _MAX_AUTHORITY_WORDS and not _AUTHORITY_BREAKERS.intersection(w.strip(",") for w in line):
            return before
    return run


_PROPER_NAMES = (  # bodies a lowered capital title names: their official capitals come back
    ("thủ tướng chính phủ", "Thủ tướng Chính phủ"), ("chính phủ", "Chính phủ"), ("bộ chính trị", "Bộ Chính trị"),
    ("ban bí thư", "Ban Bí thư"), ("ban chấp hành trung ương", "Ban Chấp hành Trung ương"), ("quốc hội", "Quốc hội"),
    ("hội đồng nhân dân", "Hội đồng nhân dân"), ("ủy ban nhân dân", "Ủy ban nhân dân"), ("hđnd", "HĐND"),
    ("ubnd", "UBND"), ("tỉnh ủy", "Tỉnh ủy"), ("thành ủy", "Thành ủy"), ("huyện ủy", "Huyện ủy"),
    ("bộ khoa học và công nghệ", "Bộ Khoa học và Công nghệ"), ("bộ tư pháp", "Bộ Tư pháp"), ("bộ y tế", "Bộ Y tế"),
    ("bộ tài chính", "Bộ Tài chính"), ("bộ xây dựng", "Bộ Xây dựng"), ("bộ công thương", "Bộ Công Thương"),
    ("bộ nội vụ", "Bộ Nội vụ"), ("bộ nông nghiệp và môi trường", "Bộ Nông nghiệp và Môi trường"),
    ("bộ giáo dục và đào tạo", "Bộ Giáo dục và Đào tạo"), ("bộ văn hóa, thể thao và du lịch", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("sở khoa học và công nghệ", "Sở Khoa học và Công nghệ"), ("sở tư pháp", "Sở Tư pháp"),
)


def _restore_case(lowered: str) -> str:
    """Capitalise province names again in a lowered title: 'tỉnh vĩnh long' → 'tỉnh Vĩnh Long'."""
    out = list(lowered)
    for match in iter_provinces(lowered, require_prefix=True):
        name_start = match.end - len(match.matched)
        out[name_start: match.end] = list(lowered[name_start: match.end].title())
    title = re.sub(r"\bviệt nam\b", "Việt Nam", "".join(out))
    for lower, proper in _PROPER_NAMES:
        title = re.sub(rf"(?<!\w){lower}(?!\w)", proper, title)
    title = re.sub(r"(?<!\w)(nghị quyết|quyết định|chỉ thị|kết luận|kế hoạch|thông tư|nghị định|luật|chương trình)"
                   r"(?= số\b| \d)", lambda m: m.group(1).capitalize(), title)
    return re.sub(r"-TTG\b", "-TTg", title)


def _lower_title(words: list[str]) -> str:
    """Capital title words → lower case, keeping codes with digits ('06/QĐ-TTG') as written."""
    lowered = " ".join(w if any(c.isdigit() for c in w) else w.lower() for w in words)
    return _restore_case(lowered)


def _sentence_title(rest: str) -> str:
    """Sentence-case title: up to a blank line or the preamble's opening words."""
    paragraph = re.split(r"\n[ \t]*\n", rest.lstrip(), maxsplit=1)[0]
    cuts = [m.start() for m in (_PREAMBLE_ALWAYS.search(paragraph), _PREAMBLE.search(paragraph, 1)) if m]
    paragraph = paragraph[: min(cuts)] if cuts else paragraph
    words = re.sub(r"\s+", " ", paragraph).strip().split(" ")[:80]
    title = " ".join(words).strip(" .;,")
    return title[:1].lower() + title[1:] if title[1:2].islower() else title


_SUBJECT = re.compile(r"(?<![^\W_])V/[Vv]\s*:?\s+(?P<subject>.+?)(?=\n[ \t]*\n|\s+Kính\s+gửi|\s+(?:[A-ZĐ][^\W\d_]*\.?\s+){0,4}"
                      r"[A-ZĐ][^\W\d_]*\s*,\s*ngày|$)", re.S)


def subject_line(head: str) -> str | None:
    """A Công văn's 'V/v Chính sách thuế' under its số hiệu → 'về việc chính sách thuế'."""
    match = _SUBJECT.search(head[:2000])
    if not match:
        return None
    subject = re.sub(r"\s+", " ", re.sub(r"[|*#]", " ", match["subject"])).strip(" .;,")
    if not subject or len(subject) > 300:
        return None
    return "về việc " + (subject[:1].lower() + subject[1:] if subject[1:2].islower() else subject)


def extract_title(head: str, header_end: int = 0) -> tuple[str | None, str | None]:
    """(doc type, title) from the type word under the header and the words after it."""
    region = re.sub(r"[|#*]|-{3,}", " ", head[header_end: header_end + 2500])
    match = _TYPE_WORD.search(region)
    if not match:
        return None, None
    kind = DOC_TYPES[re.sub(r"\s+", " ", match["type"])]
    rest = region[match.end():]
    words = rest.split()
    if words and words[0] in ("V/V", "V/v"):
        words[0] = "VỀ VIỆC"
    run = _upper_run(words)
    if len([w for w in run if any(c.isalpha() for c in w)]) >= 2:
        body = _lower_title(_cut_authority(run))
    else:
        body = _sentence_title(rest)
    body = re.sub(r"^\s*v/v\s+", "về việc ", body, flags=re.IGNORECASE)
    return kind, (f"{kind} {body}".strip() if body else kind)


__all__ = ["DOC_TYPES", "SERIES_TYPES", "doc_type_from_number", "extract_title", "subject_line"]

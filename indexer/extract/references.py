"""References a document makes to others: "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính
trị", "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015", "thay thế Quyết định số 12/2020/QĐ-UBND".

Each mention becomes a ``Reference``: kind (loại văn bản), số hiệu or, for a law cited by name, its
name; date and issuing body when the mention gives them; and its role, read from the clause it sits
in: a "Căn cứ …" clause is the legal basis (căn cứ), "Thực hiện / Triển khai / Quán triệt …" what the
document implements (thực hiện), and the document's own "thay thế / bãi bỏ / sửa đổi …" what it replaces,
repeals or amends; any other mention ("Xét …", "theo …") is dẫn chiếu. Numbers listed after one kind
("các Nghị định số 08/2014/NĐ-CP và 70/2018/NĐ-CP") each become a reference of that kind.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..vntext import fold

ROLES = ("căn cứ", "thực hiện", "sửa đổi", "thay thế", "bãi bỏ", "dẫn chiếu")
IMPLEMENTING_ROLES = frozenset({"thực hiện", "căn cứ"})
KINDS = ("Thông tư liên tịch", "Nghị quyết liên tịch", "Nghị quyết", "Nghị định", "Quyết định", "Kế hoạch",
         "Chỉ thị", "Kết luận", "Thông tư", "Thông báo", "Công văn", "Công điện", "Chương trình", "Hướng dẫn",
         "Quy định", "Quy chế", "Đề án", "Tờ trình", "Báo cáo", "Pháp lệnh", "Bộ luật", "Luật", "Văn bản")
_CANONICAL_KIND = {fold(k): k for k in KINDS}
# The kind a số hiệu's code names ("…/QĐ-TTg", "57-NQ/TW"), for "Văn bản số …".
_CODE_KINDS = {"NQ": "Nghị quyết", "QD": "Quyết định", "KH": "Kế hoạch", "CT": "Chỉ thị", "KL": "Kết luận",
               "TT": "Thông tư", "ND": "Nghị định", "TB": "Thông báo", "TTR": "Tờ trình", "BC": "Báo cáo",
               "CD": "Công điện", "HD": "Hướng dẫn", "CTR": "Chương trình", "QH": "Luật", "TTLT": "Thông tư liên tịch"}
_SEGMENT = r"[A-ZĐ][A-Za-zĐđ0-9&]*"
NUMBER = rf"\d{{1,5}}(?:/\d{{4}})?[/-]?\s?{_SEGMENT}(?:\s?[/-]\s?{_SEGMENT}){{0,3}}"
_KIND = "(?i:" + "|".join(k.replace(" ", r"\s+") for k in KINDS) + ")"
_NUMBERED = re.compile(rf"(?<!\w)(?P<kind>{_KIND})(?:\s+(?i:số|số hiệu))?\s*:?\s*(?P<number>{NUMBER})(?![\w/-])")
_QUALIFIED = re.compile(rf"(?<!\w)(?P<kind>{_KIND})(?:\s+[a-zà-ỹđ]+,?){{1,3}}?\s+số\s*(?P<number>{NUMBER})(?![\w/-])")
_BARE_NUMBERED = re.compile(r"(?<!\w)(?P<kind>Đề án|Chương trình)\s+(?:số\s+)?(?P<number>\d{1,3})(?![\w/,.%-])")
_MORE = re.compile(rf"\s*(?:,|;|và|hoặc)\s*(?:(?i:số)\s*)?(?P<number>{NUMBER})(?![\w/-])")
_DATE = re.compile(r"\s*(?:,\s*)?(?:được\s+)?(?:(?:ban\s+hành|ký)\s+)?ngày\s+(?:(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*"
                   r"(?P<y>\d{4})|(?P<d2>\d{1,2})\s+tháng\s+(?P<m2>\d{1,2})\s+năm\s+(?P<y2>\d{4}))")
_ISSUER_START = re.compile(r"\s*(?:,\s*)?(?:của|do)\s+")
_ISSUER_WORDS = frozenset(("nhân dân tỉnh huyện thị xã thành phố phường chấp hành thường vụ trực và tướng trị ủy uỷ "
                           "ương phủ đảng học nghệ tư pháp nội vụ tài chính quốc hội đồng bộ ban bí thư").split())
_KIND_STARTS = frozenset(k.split()[0] for k in KINDS)
_LAW = re.compile(r"(?<![Pp]háp )(?<!\w)(?P<kind>Bộ luật|Luật|Pháp lệnh|Hiến pháp)\s+(?=(?P<name>(?:sửa đổi|[A-ZĐ])[^\n;:()]*))")
_LAW_STOP = re.compile(r"\s+(?:ngày|số(?=\s*\d)|\d|năm\s+\d{4}|đã|được|quy định|thì|về|hướng dẫn|và\s+(?:các\s+)?văn bản"
                       r"|và\s+(?=Luật|Bộ luật|Nghị|Pháp lệnh))|,\s+(?=[A-ZĐ])|\.(?:\s|$)|,\s+(?:các|những|điểm|khoản|điều)\b")
# An amending law's name lists the laws it amends ("… của Luật Chứng khoán, Luật Kế toán và Luật Đầu tư"): one law.
_AMENDING_STOP = re.compile(r"\s+(?:ngày|số(?=\s*\d)|\d|năm\s+\d{4}|đã|được|quy định|thì|về)\b|\.(?:\s|$)")
_LAW_NUMBER = re.compile(rf"\s*(?:,\s*)?(?:(?i:số)\s*)?(?P<number>{NUMBER})(?![\w/-])")
_CLAUSE_BREAK = re.compile(r";|\.\s")
MAX_LAW_NAME_WORDS = 80  # amending laws list every law they amend


@dataclass(frozen=True, slots=True)
class Reference:
    kind: str
    number: str | None  # số hiệu as written ("57-NQ/TW"), None for a law cited by name
    name: str | None  # a law's name ("Luật Tổ chức chính quyền địa phương"), else None
    date: str | None  # ISO
    issuer: str | None
    role: str
    start: int  # the mention in the document's text
    end: int

    @property
    def key(self) -> str:
        return reference_key(self.number, self.name)

    @property
    def label(self) -> str:
        """How people write it: 'Nghị quyết 57-NQ/TW', 'Luật Đầu tư công'."""
        return f"{self.kind} {self.number}" if self.number else (self.name or self.kind)


def number_key(number: str) -> str:
    """'709/QĐ-TTg' and '709/qđ-ttg' and '709 / QĐ-TTg' agree: folded, upper case, no spaces."""
    return re.sub(r"\s+", "", fold(number)).upper()


def reference_key(number: str | None, name: str | None) -> str:
    return number_key(number) if number else "LUAT:" + " ".join(fold(name or "").split())


def parse_reference_query(value: str) -> tuple[str | None, str]:
    """'Nghị quyết 57-NQ/TW' → ('Nghị quyết', key of 57-NQ/TW); '57-NQ/TW' → (None, key); a law's name → its key."""
    bare = _BARE_NUMBERED.search(value)
    if bare:  # "Đề án 06"
        return _canonical_kind(bare.group("kind"), None), number_key(bare.group("number"))
    match = _NUMBERED.search(value) or re.search(rf"(?P<number>{NUMBER})", value)
    if match:
        kind = match.groupdict().get("kind")
        return (_canonical_kind(kind, match.group("number")) if kind else None), number_key(match.group("number"))
    law = _LAW.search(value)
    if law:
        return law.group("kind"), reference_key(None, _law_name(law))
    return None, number_key(value)


def extract_references(text: str) -> list[Reference]:
    """Every reference in ``text``, in order of appearance."""
    found = [ref for match in _NUMBERED.finditer(text) for ref in _numbered(text, match)]
    found += [ref for match in _QUALIFIED.finditer(text)  # "Báo cáo thẩm tra số 104/BC-BVHXH"
              if not any(r.start <= match.start("number") < r.end for r in found) for ref in _numbered(text, match)]
    found += [_reference(text, m.group("kind"), m.group("number"), None, m.start(), m.end())
              for m in _BARE_NUMBERED.finditer(text)]
    taken = [(r.start, r.end) for r in found]
    for match in _LAW.finditer(text):  # the name is a lookahead: the next law of the clause is found too
        if any(s <= match.start() < e for s, e in taken):
            continue
        name = _law_name(match)
        if not name or len(name.split()) < 2:
            continue
        end = match.start() + len(name)
        numbered = _LAW_NUMBER.match(text, end)
        if numbered:  # "Luật Tổ chức chính quyền địa phương số 72/2025/QH15": the number identifies it
            found.append(_reference(text, match.group("kind"), numbered.group("number"), name, match.start(),
                                    numbered.end()))
        else:
            found.append(_reference(text, match.group("kind"), None, name, match.start(), end))
        taken.append((match.start(), end))  # "… của Luật X" inside an amending law's name is not another law
    return sorted(found, key=lambda r: r.start)


def _numbered(text: str, match: re.Match[str]) -> list[Reference]:
    """The reference ``match`` found, then any numbers listed after it under the same kind."""
    kind = match.group("kind")
    refs = [_reference(text, kind, match.group("number"), None, match.start(), match.end())]
    pos = refs[0].end
    while (more := _MORE.match(text, pos)) is not None:
        refs.append(_reference(text, kind, more.group("number"), None, more.start("number"), more.end()))
        pos = refs[-1].end
    return refs


def _reference(text: str, kind: str, number: str | None, name: str | None, start: int, end: int) -> Reference:
    date, end = _date_after(text, end)
    issuer, end = _issuer_after(text, end)
    number = re.sub(r"\s+", "", number) if number else None
    return Reference(_canonical_kind(kind, number), number, name, date, issuer, role_at(text, start), start, end)


def _canonical_kind(kind: str, number: str | None) -> str:
    canonical = _CANONICAL_KIND.get(" ".join(fold(kind).split()), kind)
    if canonical == "Văn bản" and number:
        codes = re.findall(r"[A-ZĐa-zđ]+", number)
        key = fold(codes[0]).upper() if codes else ""
        return _CODE_KINDS.get(key, "Công văn")
    return canonical


def _date_after(text: str, pos: int) -> tuple[str | None, int]:
    match = _DATE.match(text, pos)
    if not match:
        return None, pos
    d, m, y = (match.group("d") or match.group("d2"), match.group("m") or match.group("m2"),
               match.group("y") or match.group("y2"))
    try:
        return date(int(y), int(m), int(d)).isoformat(), match.end()
    except ValueError:  # "31/02/2024"
        return None, pos


def _issuer_after(text: str, pos: int) -> tuple[str | None, int]:
    """'của Ban Thường vụ Huyện ủy Chi Lăng về …' → 'Ban Thường vụ Huyện ủy Chi Lăng'."""
    start = _ISSUER_START.match(text, pos)
    if not start:
        return None, pos
    segment = re.match(r"[^,;.:()\n]{0,120}", text[start.end():]).group(0)
    words: list[str] = []
    tokens = segment.split(" ")
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if not token or not (token[0].isupper() or token.lower() in _ISSUER_WORDS):
            break
        if (token.lower(), following.lower()) in (("ban", "hành"), ("phê", "duyệt")) or (
                token == "và" and following in _KIND_STARTS):
            break
        words.append(token)
    while words and words[-1].lower() in ("và", "ban"):
        words.pop()
    if not words or not words[0][0].isupper():
        return None, pos
    issuer = " ".join(words)
    return issuer, start.end() + len(issuer)


def _law_name(match: re.Match[str]) -> str:
    """'Luật Tổ chức chính quyền địa phương ngày 19/6/2015' → 'Luật Tổ chức chính quyền địa phương'."""
    rest = match.group("name")
    stop = (_AMENDING_STOP if rest.startswith("sửa đổi") else _LAW_STOP).search(rest)
    name = rest[: stop.start()] if stop else rest
    words = name.split()[:MAX_LAW_NAME_WORDS]
    while words and words[-1] in ("và", "hoặc", ","):  # a name cut at a line break: "Luật X và"
        words.pop()
    return f"{match.group('kind')} {' '.join(words)}".strip(" ,.") if words else ""


def role_at(text: str, start: int) -> str:
    """The role of the mention at ``start``, read from its paragraph: a "Căn cứ …" paragraph is the
    legal basis; otherwise its clause (after the last ';' or sentence end) or, for a list item, the
    line that introduces the list ("Quyết định này thay thế các Quyết định sau đây:")."""
    line_start = text.rfind("\n", 0, start) + 1
    paragraph = text[line_start:start]
    head = fold(_ITEM_MARK.sub("", paragraph, count=1))
    if head.startswith("can cu"):
        return "căn cứ"
    if head.startswith(("xet ", "theo de nghi", "de nghi", "kien nghi", "du thao", "xem xet")):
        return "dẫn chiếu"
    breaks = list(_CLAUSE_BREAK.finditer(paragraph))
    role = _clause_role(paragraph[breaks[-1].end():] if breaks else paragraph)
    if role is None and _ITEM_MARK.match(paragraph):
        role = _clause_role(_list_intro(text, line_start) + " ", tail_only=False)
    return role or "dẫn chiếu"


_ITEM_MARK = re.compile(r"^[\s*_]*(?:(?:Điều\s+\d+[a-zđ]?|[IVXLC]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*|[-+•–]\s*)")
_OWN_ACTION = re.compile(r"^(?:\S+\s+){0,4}?(?:thay the|bai bo|sua doi)\b|\bnay\b.{0,80}\b(?:thay the|bai bo|sua doi)\b")
_PART_OF = re.compile(r"\b(?:dieu|khoan|diem|phu luc|mot so|mot phan)\b")
_IMPLEMENTS_HEAD = re.compile(r"^(?:de\s+)?(?:trien khai|thuc hien|quan triet|cu the hoa|to chuc thuc hien)\b")
_IMPLEMENTS_NEAR = re.compile(r"(?:trien khai|thuc hien|quan triet|cu the hoa)\b(?!.*\b(?:theo|tai|quy dinh)\b).{0,80}$")


def _clause_role(clause: str, tail_only: bool = True) -> str | None:
    """'thay thế' / 'bãi bỏ' / 'sửa đổi' when the clause is the document's own action (its head, or
    after '… này'); 'thực hiện' when it opens with, or just follows, an implementing verb."""
    folded = fold(_ITEM_MARK.sub("", clause, count=1)).strip()
    own = _OWN_ACTION.search(folded)
    if own:
        if _PART_OF.search(folded, own.end()):  # "bãi bỏ khoản 2 Điều 3 Quyết định số …": the rest stays
            return "sửa đổi"
        verb = re.findall(r"thay the|bai bo|sua doi", own.group(0))[-1]
        return {"thay the": "thay thế", "bai bo": "bãi bỏ", "sua doi": "sửa đổi"}[verb]
    if _IMPLEMENTS_HEAD.match(folded) or (tail_only and _IMPLEMENTS_NEAR.search(folded)):
        return "thực hiện"
    return None


def _list_intro(text: str, line_start: int) -> str:
    """The nearest line above ``line_start`` that is not itself a list item (within 3,000 characters)."""
    pos = line_start
    floor = max(0, line_start - 3000)
    while pos > floor:
        prev = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev: pos - 1]
        if line.strip() and not _ITEM_MARK.match(line) or line.lstrip(" *_").startswith("Điều"):
            return line
        pos = prev
    return ""

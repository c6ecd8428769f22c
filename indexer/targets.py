"""Numeric targets (chỉ tiêu): "đạt trên 90%", "từ 70-80% sản phẩm chủ lực", "0,05% … năm 2025
và 0,1 % vào năm 2030", "từ 01 sản phẩm trở lên", "3-5 dự án", "tăng từ 20%/năm".

Each target records its sentence, value (decimal comma parsed), value_max for ranges,
unit, comparator, deadline year, whether it is per year, and a metric phrase; the
document's locality and a citation (chunk, offsets, page) come from the caller.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

NUMBER = r"\d+(?:[.,]\d+)?"
UNITS = (
    "chỉ dẫn địa lý", "nhãn hiệu tập thể", "nhãn hiệu chứng nhận", "nhãn hiệu", "sản phẩm", "dự án", "doanh nghiệp",
    "sáng kiến", "cơ sở", "ý tưởng", "nhiệm vụ", "tổ chức", "mô hình", "hợp tác xã", "sáng chế", "giống",
    "đề tài", "công trình", "người", "cán bộ", "trung tâm", "phòng thí nghiệm", "giải pháp", "tiêu chuẩn",
    "bài báo", "xã", "thôn", "hộ", "lượt", "khóa đào tạo", "lớp", "hội thảo", "điểm", "sàn giao dịch",
)
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
# value, optional range (-, –, đến), then % or a counted noun
TARGET = re.compile(
    rf"(?<![\w/.,-])(?P<value>{NUMBER})\s*(?P<pct1>%)?\s*(?:(?:-|–|—|đến)\s*(?P<max>{NUMBER})\s*)?"
    rf"(?P<unit>%|(?:{_UNIT})(?!\w))", re.I)
YEAR = re.compile(r"\bnăm\s+(?P<year>(?:19|20)\d{2})\b|\b(?:giai đoạn|đến)\s+(?:\d{4}\s*-\s*)?(?P<year2>20\d{2})\b", re.I)
PER_YEAR = re.compile(r"hằng năm|hàng năm|mỗi năm|/\s*năm", re.I)
COMPARATORS = (("ít nhất", "ít nhất"), ("tối thiểu", "ít nhất"), ("trên", "trên"), ("hơn", "trên"), ("khoảng", "khoảng"),
               ("dưới", "dưới"), ("tối đa", "dưới"), ("tăng", "tăng"), ("từ", "từ"), ("đạt", "đạt"))
_NOT_TARGET_BEFORE = re.compile(r"(số|khóa|khoá|trung ương|lần thứ|điều|khoản|mục|ngày|tháng|năm|quyết định|nghị quyết)\s*$", re.I)
TARGET_SECTIONS = re.compile(r"mục tiêu|chỉ tiêu|tầm nhìn", re.I)
TARGET_CUES = re.compile(r"phấn đấu|phân đầu|đạt|chỉ tiêu|mục tiêu|ít nhất|trở lên|đến năm|hằng năm|hàng năm|hỗ trợ", re.I)


@dataclass
class Target:
    text: str  # the sentence
    metric: str
    value: float
    value_max: float | None
    unit: str
    comparator: str
    year: int | None
    per_year: bool
    start: int = 0  # offsets of the number phrase in the document text
    end: int = 0
    sentence_start: int = 0
    sentence_end: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record.update(record.pop("extra"))
        return record


def parse_number(text: str) -> float:
    """Vietnamese number: decimal comma ("0,05" → 0.05), leading zeros ("01" → 1).

    A dot or comma followed by exactly three digits is a thousands separator ("1.500" → 1500).
    """
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text) and not re.fullmatch(r"0[.,]\d{3}", text):
        return float(re.sub(r"[.,]", "", text))
    return float(text.replace(",", "."))


def _comparator(before: str, after: str) -> str:
    window = before[-25:].lower()
    if re.search(r"\btừ\s*$", window) and re.match(r"[^.;]{0,40}trở lên", after):
        return "từ"
    for cue, name in COMPARATORS:
        if re.search(rf"\b{cue}\b[^\d]{{0,12}}$", window):
            return name
    return "="


def _years(sentence: str) -> list[tuple[int, int]]:
    return [(m.start(), int(m.group("year") or m.group("year2"))) for m in YEAR.finditer(sentence)]


def _year_for(position: int, end: int, next_start: int, years: list[tuple[int, int]], sentence: str,
              default: int | None) -> int | None:
    """The year stated right after the target ("0,05% … vào năm 2025"), else the closest one
    before it ("Đến năm 2030, khoảng 100% …"); "đến năm" binds forward, to what follows it."""
    after = [y for pos, y in years if end <= pos < next_start and not _BINDS_FORWARD.search(sentence[max(0, pos - 8): pos + 3])]
    if after:
        return after[0]
    before = [y for pos, y in years if pos < position]
    if before:
        return before[-1]
    return default if default is not None else (years[0][1] if years else None)


_BINDS_FORWARD = re.compile(r"đến\s+năm", re.I)
_CUT = re.compile(r"\b(?:vào|đến|từ nay đến)?\s*năm\s+\d{4}|\b(?:đạt|tăng|từ nay)\b", re.I)
_LEAD = re.compile(r"^(?:[-+•\s]*)(?:đến năm \d{4},?\s*)?(?:phấn đấu|phân đầu)?\s*", re.I)


def _words(text: str, limit: int = 16) -> str:
    return " ".join(re.findall(r"[\w&/%-]+", text)[:limit]).lower()


def _metric(sentence: str, match: re.Match[str], next_start: int, previous: str | None) -> str:
    """What is measured: "tỷ lệ …" before the number, else the counted noun or the words after
    the percentage (up to the next target or year), else the previous target's metric."""
    before = sentence[: match.start()]
    subject = list(re.finditer(r"(?:^|[;:,]\s*|\s)(t[ỷỉ] lệ|số)\s+(?!\d)", before, re.I))
    if subject:
        return re.sub(r"(\s+(từ|trên|đạt|khoảng|ít nhất|có))+$", "", _words(_CUT.split(before[subject[-1].start(1):])[0]))
    tail = sentence[match.end(): next_start]
    tail = _CUT.split(tail)[0]
    if match.group("unit") != "%":
        tail = match.group("unit") + " " + tail
    words = _words(tail)
    if len(words.split()) >= 2:
        return words
    return previous or _words(_LEAD.sub("", _CUT.split(before)[0]))


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"[^.;\n]+(?:[.;](?!\d)|$)", text[start:end], re.M):
        s, e = start + match.start(), start + match.end()
        while s < e and text[s] in " \t-+•":
            s += 1
        if e - s > 10:
            spans.append((s, e))
    return spans


def targets_in_sentence(text: str, s: int, e: int, default_year: int | None) -> list[Target]:
    sentence = text[s:e]
    matches = [m for m in TARGET.finditer(sentence) if not _NOT_TARGET_BEFORE.search(sentence[: m.start()])]
    years = _years(sentence)
    found: list[Target] = []
    for i, match in enumerate(matches):
        next_start = matches[i + 1].start() if i + 1 < len(matches) else len(sentence)
        unit = "%" if match.group("pct1") or match.group("unit") == "%" else match.group("unit").lower()
        value_max = parse_number(match.group("max")) if match.group("max") else None
        clause = sentence[max(0, match.start() - 40): next_start]
        found.append(Target(
            text=" ".join(sentence.split()), value=parse_number(match.group("value")),
            metric=_metric(sentence, match, next_start, found[-1].metric if found else None),
            value_max=value_max, unit=unit, comparator=_comparator(sentence[: match.start()], sentence[match.end():]),
            year=_year_for(match.start(), match.end(), next_start, years, sentence, default_year),
            per_year=bool(PER_YEAR.search(clause)), start=s + match.start(), end=s + match.end(),
            sentence_start=s, sentence_end=e))
    return found


def extract_targets(text: str, sections: list) -> list[Target]:
    """All targets of a document: every sentence of goal/target sections, and sentences
    elsewhere that carry a target cue (phấn đấu, đạt, ít nhất, trở lên…)."""
    found: list[Target] = []
    for section in sections:
        if section.kind == "boilerplate":
            continue
        in_goals = any(TARGET_SECTIONS.search(p) for p in section.path)
        section_year = _section_year(section.path)
        for para in (p for p in section.paragraphs if not p.is_table):
            default_year = section_year
            for s, e in sentences(text, para.start, para.end):
                sentence = text[s:e]
                if in_goals or TARGET_CUES.search(sentence):
                    found.extend(targets_in_sentence(text, s, e, default_year))
                default_year = _carried_year(sentence, default_year)
            section_year = _lead_year(text[para.start: para.end], section_year)
    return found


def _carried_year(sentence: str, current: int | None) -> int | None:
    """In an enumeration ("… đến năm 2030: a …; b …; c …") the year carries to the next items."""
    years = _years(sentence)
    return years[-1][1] if years and sentence.rstrip()[-1:] in ":;" else current


def _section_year(path: list[str]) -> int | None:
    years = [y for p in path for _, y in _years(p)]
    return years[-1] if years else None


def _lead_year(paragraph: str, current: int | None) -> int | None:
    """A lead-in paragraph like "Một số chỉ tiêu cụ thể đến năm 2030 …:" sets the year of the next ones."""
    years = _years(paragraph)
    return years[-1][1] if years and paragraph.rstrip().endswith(":") else current


def document_targets(doc) -> list[dict[str, Any]]:
    """Targets of a ``ParsedDocument`` with locality and the passage that cites each one."""
    rows = []
    for n, target in enumerate(extract_targets(doc.text, doc.sections)):
        chunk = next((c for c in doc.chunks if c.char_start <= target.start < c.char_end), None)
        rows.append(target.to_dict() | {
            "target_id": f"{doc.meta.doc_id}#t{n:03d}", "doc_id": doc.meta.doc_id,
            "locality": doc.meta.locality, "province": doc.meta.province, "level": doc.meta.level,
            "chunk_id": chunk.chunk_id if chunk else None, "section": chunk.section if chunk else [],
            "page": chunk.page if chunk else None})
    return rows

"""Numeric targets (chỉ tiêu): "đạt trên 90%", "từ 70-80% sản phẩm chủ lực", "0,05% … năm 2025
và 0,1 % vào năm 2030", "từ 01 sản phẩm trở lên", "3-5 dự án", "tăng từ 20%/năm", "18.000 tấn".

Each target records its sentence, value (decimal comma parsed), value_max for ranges,
unit, comparator, deadline year, whether it is per year, and a metric phrase; the
document's locality and a citation (chunk, offsets, page) are added by its index record
(``indexer.store.TargetRecord.of``). Deadline years come from the sentence, else from the
heading path or the lead-in governing the list (``targets_years``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .targets_years import YearContext, is_status, year_for, years_in
from ..vntext import sentence_spans

NUMBER = r"\d+(?:[.,]\d+)*"
UNITS = (
    "chỉ dẫn địa lý", "nhãn hiệu tập thể", "nhãn hiệu chứng nhận", "nhãn hiệu", "sản phẩm", "dự án", "doanh nghiệp",
    "sáng kiến", "cơ sở dữ liệu", "cơ sở", "ý tưởng", "nhiệm vụ", "tổ chức", "mô hình", "hợp tác xã", "sáng chế",
    "giống", "đề tài", "công trình", "người", "lao động", "cán bộ", "trung tâm", "phòng thí nghiệm", "giải pháp",
    "tiêu chuẩn", "bài báo", "xã", "thôn", "hộ", "lượt", "khóa đào tạo", "lớp", "hội thảo", "điểm", "sàn giao dịch",
    # what real plans count and measure besides
    "bộ dữ liệu", "tập dữ liệu", "kịch bản", "vùng", "ha", "km", "tấn", "triệu USD", "tỷ USD", "tỷ đồng", "triệu đồng",
)
_CANONICAL = {u.lower(): u for u in UNITS}
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
# value, optional range (-, –, đến), then % or a counted noun
TARGET = re.compile(
    rf"(?<![\w/.,-])(?P<value>{NUMBER})\s*(?P<pct1>%)?\s*(?:(?:-|–|—|đến)\s*(?P<max>{NUMBER})\s*)?"
    rf"(?P<unit>%|(?:{_UNIT})(?!\w))", re.I)
PER_YEAR = re.compile(r"hằng năm|hàng năm|mỗi năm|/\s*năm", re.I)
COMPARATORS = (("ít nhất", "ít nhất"), ("tối thiểu", "ít nhất"), ("trên", "trên"), ("hơn", "trên"),
               ("khoảng", "khoảng"), ("dưới", "dưới"), ("tối đa", "dưới"), ("tăng", "tăng"), ("giảm", "giảm"),
               ("từ", "từ"), ("đạt", "đạt"))
# A number right after these is a reference, a rank, a year, an estimate of the present or a score.
_NOT_TARGET_BEFORE = re.compile(r"(số|khóa|khoá|trung ương|lần thứ|điều|khoản|mục|ngày|tháng|quyết định|nghị quyết"
                                r"|top|thứ|nhóm|(?<!hàng )(?<!hằng )(?<!mỗi )năm|ước(?: đạt| thực hiện| tính)?"
                                r"(?: khoảng| trên)?|bằng|vượt|cộng|trừ|tính)\s*$", re.I)
# "81% dự toán", "100% kế hoạch", "tăng 6% so cùng kỳ": execution of this year's budget, not a goal;
# "04 xã: Gia Thuận, …" names the units it counts; "hỗ trợ 100% chi phí", "50% thuế": a rate of money.
_NOT_TARGET_AFTER = re.compile(r"\s*(?:(?:so\s+)?(?:với\s+)?(?:cùng kỳ|dự toán|kế hoạch)\b|:|(?:các\s+)?"
                               r"(?:chi phí|kinh phí|mức (?:phí|chi|thu)|(?:học\s+|lệ\s+)?phí|giá vé|giá dịch vụ|thuế"
                               r"|lãi suất|tiền thuê)\b)", re.I)
TARGET_CUES = re.compile(r"phấn đấu|phân đầu|đạt|chỉ tiêu|mục tiêu|ít nhất|tối thiểu|trở lên|đến năm|hằng năm|hàng năm"
                         r"|hỗ trợ|bảo đảm|đảm bảo|hoàn thành|hoàn thiện|giảm"
                         rf"|^(?:có\s+)?{NUMBER}\s*%", re.I)  # a sentence opening with a share: "100% xã …", "Có 30% …"
# Scoring rules of an emulation campaign ("đạt tỷ lệ 100% … được cộng 05 điểm") grade units; they set no goal.
_SCORING = re.compile(r"\b(?:cộng|trừ|tính)(?:\s+trực tiếp)?\s+(?:\d+\s+)?điểm\b|\bchấm điểm\b", re.I)
_FOOTNOTE = re.compile(r"\[\d{1,3}\]\s")  # "[2] Cụ thể: …": a note on a figure of the text


@dataclass(frozen=True, slots=True)
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


def parse_number(text: str) -> float:
    """Vietnamese number: decimal comma ("0,05" → 0.05), leading zeros ("01" → 1).

    A dot or comma followed by exactly three digits is a thousands separator ("1.500" → 1500).
    """
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text) and not re.fullmatch(r"0[.,]\d{3}", text):
        return float(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", text):  # "1.234,5"
        return float(text.replace(".", "").replace(",", "."))
    return float(text.replace(",", "."))


def _comparator(before: str, after: str) -> str:
    window = before[-25:].lower()
    if re.search(r"\btừ\s*$", window) and re.match(r"[^.;]{0,40}trở lên", after):
        return "từ"
    for cue, name in COMPARATORS:
        if re.search(rf"\b{cue}\b[^\d]{{0,12}}$", window):
            return name
    return "="


_CUT = re.compile(r"\b(?:vào|đến|từ nay đến)?\s*năm\s+\d{4}|\b(?:đạt|tăng|giảm|từ nay)\b", re.I)
_LEAD = re.compile(r"^(?:[-+•\s]*)(?:đến năm \d{4},?\s*)?(?:phấn đấu|phân đầu)?\s*", re.I)
_YEAR_PHRASE = re.compile(r"\b(?:vào|đến|từ nay đến|trong)?\s*(?:hết\s+)?(?:năm|giai đoạn)\s+\d{4}"
                          r"(?:\s*[-–]\s*\d{4})?", re.I)
_HEAD_LEAD = re.compile(r"^(?:(?:phấn đấu|phân đầu|đảm bảo|bảo đảm|hỗ trợ|hình thành|dự kiến|hàng năm|hằng năm|mỗi năm"
                        r"|trong đó|có|đạt|với|ít nhất|tối thiểu|trên|khoảng|từ)\s+)+", re.I)
_HEAD_TAIL = re.compile(r"(?:\s+(?:phấn đấu|dự kiến|đạt|trên|hơn|khoảng|tối thiểu|ít nhất|từ|có"
                        r"|lên|tăng|giảm|là|và|dưới|tối đa))+$", re.I)
# "<subject> đạt / chiếm / tăng … N%": the words before the share name it; "N% <noun phrase>": the words after.
_LINKED = re.compile(r"(?:đạt|chiếm|là|bằng|lên|tăng|giảm|tối thiểu|ít nhất)(?:\s+(?:khoảng|trên|hơn|tối thiểu|ít nhất"
                     r"|từ|dưới))?\s*$", re.I)
_MEASURES = {"ha", "km", "tấn", "triệu USD", "tỷ USD", "tỷ đồng", "triệu đồng"}


def _number_end(match: re.Match[str]) -> int:
    """End of the number phrase: "100%" in "100% hợp tác xã" (a share of them, not a count), else the match."""
    return match.end("pct1") if match.group("pct1") and not match.group("max") else match.end()


def _words(text: str, limit: int = 16) -> str:
    return " ".join(re.findall(r"[\w&/%-]+", text)[:limit]).lower()


def _trim(phrase: str) -> str:
    """Words of a phrase without the lead words before and the linking words after what it names."""
    return _words(_HEAD_TAIL.sub("", _HEAD_LEAD.sub("", phrase.strip() + " ").rstrip()))


def _head(sentence: str, start: int, end: int) -> str:
    """The words before a number that name what it measures ("Quy mô GRDP … đạt 660.085 tỷ đồng"), from the
    clause start (or the previous target), years and lead words ("phấn đấu", "dự kiến đạt") left out."""
    clause = re.split(r"[;:]", sentence[start:end])[-1]
    last_comma = clause.rsplit(",", 1)[-1]
    if len(_trim(last_comma).split()) >= 4 and len(_trim(clause).split()) > 10:  # "Phục hồi …, diện tích …"
        clause = last_comma
    clause = _YEAR_PHRASE.sub(" ", clause).strip(" ,-+•")
    return _trim(" ".join(clause.split()))


def _metric(sentence: str, match: re.Match[str], next_start: int, previous: str | None, previous_end: int) -> str:
    """What is measured: "tỷ lệ …" (or a clause opening "số …") before the number; else the counted noun and
    the words after it; for amounts (tấn, ha, triệu USD …) and shares the words before the number, with the
    words after a share when they are few ("chiếm 45% GRDP"); else the previous target's metric."""
    before = sentence[: match.start()]
    subject = list(re.finditer(r"(?:^|[;:,]\s*|\s)(t[ỷỉ] (?:lệ|trọng))\s+|(?:^|[;:,]\s*)(số)\s+(?!\d)", before, re.I))
    phrase = ""
    if subject:
        phrase = _words(_CUT.split(before[subject[-1].start(subject[-1].lastindex):])[0])
        phrase = re.sub(r"(\s+(từ|trên|đạt|khoảng|ít nhất|tối thiểu|có|chiếm))+$", "", phrase)
    if len(phrase.split()) > 2:  # not a bare "tỷ lệ 100% người …"
        return phrase
    unit = "%" if match.group("pct1") or match.group("unit") == "%" else _CANONICAL[match.group("unit").lower()]
    tail = _trim(" ".join(w for w in _CUT.split(sentence[_number_end(match): next_start])[0].split()
                          if not w.startswith("/")))
    head = _head(sentence, previous_end, match.start())
    between = _YEAR_PHRASE.sub(" ", sentence[previous_end: match.start()])
    if previous and previous_end and len(tail.split()) < 2 and re.search(r"\bvà\s*$", between):
        return previous  # "đạt 0,05% tổng chi … vào năm 2025 và 0,1 % vào năm 2030"
    if unit == "%":
        if len(tail.split()) >= 2 and not (_LINKED.search(before) and len(head.split()) >= 2):
            return tail
        if len(head.split()) >= 2 and len(tail.split()) >= 4:  # "đầu tư cho KH&CN đạt 0,05% tổng chi ngân sách"
            return _words(f"{head} trên {tail}", 24)
        if len(head.split()) >= 2:
            return f"{head} {tail}".strip()
    elif unit in _MEASURES:
        if head:
            return head
    elif len(tail.split()) >= 1 or not head:
        return _words(f"{unit} {tail}")
    elif head:
        return head if unit.lower() in head else _words(f"{head} {unit}")
    return previous or head or _words(_LEAD.sub("", _CUT.split(before)[0]))


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of a table's cells (rows are lines, cells are tab-separated)."""
    spans = []
    for match in re.finditer(r"[^\t\n]+", text[start:end]):
        spans.extend(sentence_spans(text, start + match.start(), start + match.end()))
    return spans


def targets_in_sentence(text: str, s: int, e: int, default_year: int | None) -> list[Target]:
    sentence = text[s:e]
    if _SCORING.search(sentence):
        return []
    matches = [m for m in TARGET.finditer(sentence) if not _NOT_TARGET_BEFORE.search(sentence[: m.start()])
               and not _NOT_TARGET_AFTER.match(sentence, m.end())]
    years = years_in(sentence)
    found: list[Target] = []
    for i, match in enumerate(matches):
        next_start = matches[i + 1].start() if i + 1 < len(matches) else len(sentence)
        unit = "%" if match.group("pct1") or match.group("unit") == "%" else _CANONICAL[match.group("unit").lower()]
        value_max = parse_number(match.group("max")) if match.group("max") else None
        clause = sentence[max(0, match.start() - 40): next_start]
        found.append(Target(
            text=" ".join(sentence.split()), value=parse_number(match.group("value")),
            metric=_metric(sentence, match, next_start, found[-1].metric if found else None,
                           matches[i - 1].end() if i else 0),
            value_max=value_max, unit=unit, comparator=_comparator(sentence[: match.start()], sentence[match.end():]),
            year=year_for(match.start(), match.end(), next_start, years, sentence, default_year),
            per_year=bool(PER_YEAR.search(clause)), start=s + match.start(), end=s + _number_end(match),
            sentence_start=s, sentence_end=e))
    return found


def extract_targets(text: str, sections: list) -> list[Target]:
    """All targets of a document: every sentence under a goal/target heading or lead-in, and sentences
    elsewhere that carry a target cue (phấn đấu, đạt, ít nhất, trở lên…); not in sections that report
    results ("Tình hình thực hiện …"). Table rows are read cell by cell."""
    found: list[Target] = []
    context = YearContext()
    for section in sections:
        if section.kind == "boilerplate":
            continue
        context.enter(section.path)
        if is_status(section.path):
            continue
        appendix = section.kind == "appendix"
        for para in section.paragraphs:
            if _FOOTNOTE.match(text, para.start):
                continue
            spans = _cells(text, para.start, para.end) if para.is_table else sentence_spans(text, para.start, para.end)
            carry, previous = None, None  # the year an enumeration ("…2030: a …; b …;") or "Trong đó" carries
            for s, e in spans:
                sentence = text[s:e]
                default = carry if carry is not None else context.year()
                if previous is not None and re.match(r"trong đó\b", sentence, re.I):
                    default = previous  # "… đến năm 2030 đạt 400 triệu USD. Trong đó: … 395 triệu USD"
                if context.in_goals() or TARGET_CUES.search(sentence):
                    found.extend(targets_in_sentence(text, s, e, default))
                own = years_in(sentence)
                previous = own[-1][1] if own else default
                carry = previous if sentence.rstrip()[-1:] in ":;" and not para.is_table else None
                if not para.is_table:
                    context.lead_in(sentence, appendix)
    return found

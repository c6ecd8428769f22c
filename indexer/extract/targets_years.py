"""Deadline years for targets: years stated in a sentence, in the heading path ("Mục tiêu đến năm
2030", "Giai đoạn 2026 - 2030", "2.1. Đến năm 2030"), or in a lead-in that governs the list after it
("Đến năm 2030:", "Phấn đấu đến năm 2025, đạt các chỉ tiêu sau:", an appendix title "… ĐẾN NĂM 2030").

A lead-in carries its year to the items that follow it until the next lead-in with a year, or until a
section that is not under the heading the lead-in was written in (a heading of the same or a higher
level). A deeper heading that states its own year wins over the lead-in above it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# "năm 2030", "giai đoạn 2026 - 2030" / "2026–2030", "đến 2030"; not a date ("tháng 11 năm 2025").
# "năm 2026 - 2028" (a span): its last year.
YEAR = re.compile(r"(?<!\w)(?:năm\s+(?P<year>(?:19|20)\d{2})(?:\s*[-–—]\s*(?P<year3>20\d{2}))?"
                  r"|(?:giai đoạn|đến|thời kỳ)\s+(?:(?:19|20)\d{2}\s*[-–—]\s*)?(?P<year2>20\d{2}))(?!\d)", re.I)
_DATE_BEFORE = re.compile(r"(?:tháng\s+\d{1,2}|\d{1,2}/\d{1,2}/?)\s*$", re.I)
_BINDS_FORWARD = re.compile(r"đến\s+(?:hết\s+)?năm", re.I)
# Sections that report the state of things (results, estimates), not what the plan commits to.
STATUS_SECTION = re.compile(r"tình hình (?:thực hiện|triển khai|phát triển)|kết quả (?:thực hiện|đạt được|triển khai)"
                            r"|đánh giá (?:tình hình|kết quả|thực trạng|việc thực hiện)|thực trạng|bối cảnh", re.I)
GOAL_WORDS = re.compile(r"mục tiêu|chỉ tiêu|tầm nhìn", re.I)


def years_in(text: str) -> list[tuple[int, int]]:
    """(offset, year) of each deadline-like year in ``text``; dates and document numbers are not years."""
    found = []
    for match in YEAR.finditer(text):
        if match.group("year") and _DATE_BEFORE.search(text[max(0, match.start() - 16): match.start()]):
            continue
        found.append((match.start(), int(match.group("year3") or match.group("year") or match.group("year2"))))
    return found


def year_for(position: int, end: int, next_start: int, years: list[tuple[int, int]], sentence: str,
             default: int | None) -> int | None:
    """The year stated right after the target ("0,05% … vào năm 2025"), else the closest one before it
    ("Đến năm 2030, khoảng 100% …"); "đến năm" binds forward, to what follows it."""
    after = [y for pos, y in years
             if end <= pos < next_start and not _BINDS_FORWARD.search(sentence[max(0, pos - 12): pos + 3])]
    if after:
        return after[0]
    before = [y for pos, y in years if pos < position]
    if before:
        return before[-1]
    # "hàng năm … 01 đến 02 cơ sở, phấn đấu đến năm 2030 …": the sentence's own deadline, else the context's
    return default if default is not None else (years[0][1] if years else None)


def path_year(path: list[str]) -> tuple[int | None, int]:
    """The year of the deepest heading that states one, and that heading's depth (1-based; 0: none)."""
    for depth in range(len(path), 0, -1):
        years = years_in(path[depth - 1])
        if years:
            return years[-1][1], depth
    return None, 0


def is_status(path: list[str]) -> bool:
    return any(STATUS_SECTION.search(p) for p in path)


def _is_caps_title(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


@dataclass
class _Lead:
    path: tuple[str, ...]
    year: int | None
    goals: bool


class YearContext:
    """Walks the sections in document order and answers: which year governs the next sentence, and are we
    in a list of goals? ``enter`` each section, ``lead_in`` each paragraph or sentence read."""

    def __init__(self) -> None:
        self.path: tuple[str, ...] = ()
        self.leads: list[_Lead] = []

    def enter(self, path: list[str]) -> None:
        self.path = tuple(path)
        self.leads = [lead for lead in self.leads if self.path[: len(lead.path)] == lead.path]

    def lead_in(self, text: str, appendix: bool = False) -> None:
        """A sentence or paragraph ending with ":" (or an appendix's capitalised title) leads the items after it."""
        stripped = text.rstrip()
        if not (stripped.endswith(":") or appendix and _is_caps_title(stripped)):
            return
        years = years_in(stripped)
        goals = bool(GOAL_WORDS.search(stripped))
        if not years and not goals:
            return
        if years:  # a new year replaces the leads of this level
            self.leads = [lead for lead in self.leads if len(lead.path) < len(self.path)]
        self.leads.append(_Lead(self.path, years[-1][1] if years else None, goals))

    def year(self) -> int | None:
        heading_year, depth = path_year(list(self.path))
        for lead in reversed(self.leads):
            if lead.year is not None and len(lead.path) >= depth:
                return lead.year
        return heading_year

    def in_goals(self) -> bool:
        return any(GOAL_WORDS.search(p) for p in self.path) or any(lead.goals for lead in self.leads)

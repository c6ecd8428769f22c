"""A search result as the flat citation metadata the framework retrievers attach to their documents."""
from __future__ import annotations

from typing import Any

from .models import Result

CITATION_FIELDS = ("chunk_id", "doc_id", "title", "doc_type", "doc_number", "issued_date", "year", "issuer",
                   "issuer_kind", "locality", "province", "province_now", "level", "section", "page", "page_end",
                   "char_start", "char_end", "url", "score", "ocr")


def citation(result: Result) -> dict[str, Any]:
    """Document, số hiệu, date, place, section path, page, offsets, URL and score of one passage; plus
    ``highlights`` as [start, end] pairs in the passage's text."""
    data = result.model_dump(include=set(CITATION_FIELDS))
    data["section"] = list(result.section)
    data["highlights"] = [[h.start, h.end] for h in result.highlights]
    return data

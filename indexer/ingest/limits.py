"""Per-document ingestion limits: pages, OCR pages, extracted characters and passages.

One oversized document must not hold the index hostage (a 20,000-page blank PDF queues hours
of OCR; a small .docx can expand to millions of characters). Each limit is a setting
(``IndexerSettings.doc_max_*``, ``VNPOLICY_DOC_MAX_*``; 0 turns a limit off); a document over one is
skipped with a ``LimitExceeded`` that names the setting, and the rest of the corpus still indexes.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

from ..settings import IndexerSettings, env_name

DEFAULTS = {name: IndexerSettings.model_fields[name].default
            for name in ("doc_max_pages", "doc_max_ocr_pages", "doc_max_chars", "doc_max_passages")}
UNITS = {"doc_max_pages": "pages", "doc_max_ocr_pages": "pages to OCR", "doc_max_chars": "characters",
         "doc_max_passages": "passages"}


class LimitExceeded(Exception):
    """A document over one of the limits; ``setting`` names it (e.g. ``doc_max_pages``)."""

    def __init__(self, setting: str, value: int, maximum: int) -> None:
        self.setting, self.value, self.maximum = setting, value, maximum
        super().__init__(f"over the limit {env_name(setting)}: {value:,} {UNITS.get(setting, '')} "
                         f"(at most {maximum:,})")


def check_limit(setting: str, value: int, maximum: int | None) -> None:
    """Raise ``LimitExceeded`` when ``value`` is over ``maximum`` (None or ≤ 0: no limit)."""
    if maximum and maximum > 0 and value > maximum:
        raise LimitExceeded(setting, value, maximum)


@dataclass(frozen=True)
class DocumentLimits:
    doc_max_pages: int = DEFAULTS["doc_max_pages"]
    doc_max_ocr_pages: int = DEFAULTS["doc_max_ocr_pages"]
    doc_max_chars: int = DEFAULTS["doc_max_chars"]
    doc_max_passages: int = DEFAULTS["doc_max_passages"]

    @classmethod
    def of(cls, source: object) -> "DocumentLimits":
        """The limits held by any object with the same attribute names (BuildSettings, IndexerSettings)."""
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})

"""Per-document ingestion limits: pages, OCR pages, extracted characters and passages.

One oversized document must not hold the index hostage (a 20,000-page blank PDF queues hours
of OCR; a small .docx can expand to millions of characters). Each limit is read from
``VNPOLICY_DOC_MAX_*`` (0 turns a limit off); a document over one is skipped with a
``LimitExceeded`` that names the setting, and the rest of the corpus still indexes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

ENV_PREFIX = "VNPOLICY_"
DEFAULTS = {"doc_max_pages": 2_000, "doc_max_ocr_pages": 300, "doc_max_chars": 2_000_000, "doc_max_passages": 5_000}
UNITS = {"doc_max_pages": "pages", "doc_max_ocr_pages": "pages to OCR", "doc_max_chars": "characters",
         "doc_max_passages": "passages"}


def env_name(setting: str) -> str:
    """``doc_max_pages`` → ``VNPOLICY_DOC_MAX_PAGES``."""
    return ENV_PREFIX + setting.upper()


def env_limit(setting: str) -> int:
    """The limit from the environment, or its default (for the CLI, which builds without service settings)."""
    raw = os.environ.get(env_name(setting), "").strip().replace("_", "")
    return int(raw) if raw.lstrip("-").isdigit() else DEFAULTS[setting]


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
    def from_env(cls) -> "DocumentLimits":
        return cls(**{name: env_limit(name) for name in DEFAULTS})

    @classmethod
    def of(cls, source: object) -> "DocumentLimits":
        """The limits held by any object with the same attribute names (BuildSettings, service Settings)."""
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})

"""Indexer settings, read from ``VNPOLICY_*`` environment variables (or a ``.env`` file).

The one place the indexer reads its environment: model, passage sizes, the embedding runtime, the
model cache, OCR and the per-document limits. ``vnpolicy index`` reads them, and so does the server
(``service.config.ServiceSettings`` extends this class), which embeds queries and re-indexes uploads
with the same code. Modules read a fresh ``IndexerSettings()`` when they are not handed one, so a
variable changed between two builds in one process applies to the second.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "VNPOLICY_"


def env_name(setting: str) -> str:
    """``doc_max_pages`` → ``VNPOLICY_DOC_MAX_PAGES``."""
    return ENV_PREFIX + setting.upper()


def default_model_cache() -> Path:
    """``$XDG_CACHE_HOME/vnpolicy/models``, else ``~/.cache/vnpolicy/models``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "vnpolicy" / "models"


class IndexerSettings(BaseSettings):
    # env_ignore_empty: ``VAR=`` means the default, as an unset variable
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", env_ignore_empty=True)

    index_dir: Path = Path("var/index")  # the index path: a symlink to the live version
    corpus_dir: Path = Path("corpus")
    model: str | None = None  # None: the index's own model (the server), e5-small for a new index
    chunk_chars: int = 900  # target passage length
    chunk_max_chars: int = 1000  # a unit up to this length stays one passage
    embed_device: Literal["auto", "cpu", "cuda"] = "auto"  # e5-small; auto: the GPU when torch sees one
    # e5-small's runtime: float32/bfloat16 (torch) or int8 (ONNX Runtime); auto: models/engine_choice.py
    embed_dtype: Literal["auto", "float32", "bfloat16", "int8"] = "auto"
    embed_threads: int = 0  # torch CPU threads for e5-small; 0: torch's default
    model_cache: Path = Field(default_factory=default_model_cache)  # where e5-small is converted to
    ocr_cache: Path = Path("var/ocr-cache")
    parse_cache: Path | None = Path("var/parse-cache")  # parsed documents by content (indexer.ingest.parse_cache); "off": none
    ocr_workers: int = 0  # parallel Tesseract processes; 0: one per core
    tesseract: str = "tesseract"  # the command
    ocr_progress: bool = True
    doc_max_pages: int = 2_000  # per document, at upload (PDF page count) and at indexing; 0: no limit
    doc_max_ocr_pages: int = 300  # pages of one PDF that need OCR
    doc_max_chars: int = 2_000_000  # characters extracted from one document
    doc_max_passages: int = 5_000  # passages cut from one document
    ray_embed_actors: int = 0  # vnpolicy index --ray: embedding actors; 0: one per GPU, else the CPUs less one for parsing
    ray_embed_cpus: float = 1.0  # CPUs (torch threads) per CPU embedding actor

    @field_validator("embed_device", "embed_dtype", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("parse_cache", mode="before")
    @classmethod
    def _off(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip().lower() in ("off", "none", "0") else value

    @field_validator("doc_max_pages", "doc_max_ocr_pages", "doc_max_chars", "doc_max_passages", mode="before")
    @classmethod
    def _digits(cls, value: object) -> object:
        """``2_000_000`` as in the README's defaults."""
        return value.strip().replace("_", "") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _chunk_sizes(self) -> "IndexerSettings":
        if not 100 <= self.chunk_chars <= self.chunk_max_chars:
            raise ValueError(f"need 100 <= VNPOLICY_CHUNK_CHARS ({self.chunk_chars}) "
                             f"<= VNPOLICY_CHUNK_MAX_CHARS ({self.chunk_max_chars})")
        return self

    def model_cache_dir(self) -> Path:
        return self.model_cache.expanduser()

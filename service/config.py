"""Service settings, read from ``VNPOLICY_*`` environment variables (or a ``.env`` file)."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VNPOLICY_", env_file=".env", extra="ignore")

    index_dir: Path = Path("var/index")
    corpus_dir: Path = Path("corpus")
    model: str | None = None  # None: the model recorded in the index manifest
    query_cache_size: int = 2048
    max_query_chars: int = 2000
    max_k: int = 100
    verify_index: bool = True
    public_base_url: str | None = None  # e.g. https://intranet.example/vnpolicy ; default: the request's


def get_settings() -> Settings:
    return Settings()

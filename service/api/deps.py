"""Shared dependencies: the loaded engine (index + searcher) and settings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from indexer.store import StoredIndex

from ..answering import ExtractiveGenerator
from ..config import Settings
from ..retrieval import Searcher


@dataclass
class Engine:
    index: StoredIndex
    searcher: Searcher
    settings: Settings
    extractive: ExtractiveGenerator
    matcher: Any = None  # compare.TargetMatcher
    llm: Any = None  # LLMGenerator when VNPOLICY_LLM_BASE_URL is set


def get_engine(request: Request) -> Engine:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        raise HTTPException(status_code=503, detail="the index is not loaded yet; see /readyz")
    return engine


def base_url(request: Request) -> str:
    configured = request.app.state.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


EngineDep = Annotated[Engine, Depends(get_engine)]
BaseUrlDep = Annotated[str, Depends(base_url)]

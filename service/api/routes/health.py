"""Liveness (/healthz) and readiness (/readyz, with the index manifest)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", summary="The index is loaded; reports its manifest")
def readyz(request: Request) -> JSONResponse:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        error = getattr(request.app.state, "load_error", "index not loaded")
        return JSONResponse({"status": "not ready", "detail": error}, status_code=503)
    manifest = engine.index.manifest
    return JSONResponse({
        "status": "ready",
        "index": {"path": str(engine.index.path.resolve()), "built_at": manifest.get("built_at"),
                  "model": manifest.get("model"), "counts": manifest.get("counts"),
                  "dense": manifest.get("dense"), "lexical": manifest.get("lexical"),
                  "settings": manifest.get("settings"), "versions": manifest.get("versions")},
        "query_cache": {"hits": engine.searcher.query_vectors.hits, "misses": engine.searcher.query_vectors.misses},
    })

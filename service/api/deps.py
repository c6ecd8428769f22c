"""FastAPI dependencies: the request's engine (``service.engine.Engine``), base URL and API-key scopes."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..auth import PAGE_COOKIE, match_key, page_key, same_origin_fetch, valid_page_token
from ..engine import Engine
from ..index_versions import served_version


def get_engine(request: Request) -> Engine:
    """The engine this request uses from start to end (a reload swaps it for later requests)."""
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        raise HTTPException(status_code=503, detail="the index is not loaded yet; see /readyz")
    request.state.index_version = served_version(engine)  # the X-Index-Version header (index_versions.VersionHeader)
    return engine


def base_url(request: Request) -> str:
    configured = request.app.state.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


SCOPES = {"search": {"search", "admin"}, "admin": {"admin"}}  # scope needed → key scopes that grant it


def has_page_session(request: Request) -> bool:
    """The request carries a valid page-session cookie (set by the bundled pages when
    ``VNPOLICY_PAGE_KEY`` names a search key) and the browser says it is same-origin."""
    key = page_key(request.app.state.settings)
    return (key is not None and same_origin_fetch(request.headers)
            and valid_page_token(request.cookies.get(PAGE_COOKIE), key))


def require_scope(scope: str):
    """Dependency: when API keys are configured, the request's key (header ``X-API-Key`` or
    query ``api_key``) must grant ``scope``; a search key cannot call admin endpoints. Search
    endpoints also accept the bundled pages' same-origin session (never admin ones)."""

    def check(request: Request) -> None:
        keys = request.app.state.settings.api_key_scopes()
        if not keys:
            return
        key = request.headers.get("x-api-key") or request.query_params.get("api_key")
        if not key:
            if scope == "search" and has_page_session(request):
                return
            raise HTTPException(401, "an API key is required: send it in the X-API-Key header",
                                headers={"WWW-Authenticate": "ApiKey"})
        if match_key(key, keys) not in SCOPES[scope]:
            raise HTTPException(403, f"this API key is not allowed to use {scope} endpoints")

    return Depends(check)


EngineDep = Annotated[Engine, Depends(get_engine)]
BaseUrlDep = Annotated[str, Depends(base_url)]

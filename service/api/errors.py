"""The error answers of the API as ``/openapi.json`` declares them: every one is an ``ErrorResponse``
body (``vnpolicy.models``), with examples of what the service really says.

Routers pass ``SEARCH_ERRORS``, ``ADMIN_ERRORS`` or ``HEALTH_ERRORS`` as their ``responses``; a route
adds its own (404, 409, 415, a 422 with more examples) with :func:`error` and :func:`invalid`, and an
untyped route (a ``dict`` or a ``JSONResponse``) its success example with :func:`success`. Declaring
422 on every route keeps FastAPI's ``HTTPValidationError`` out of the schema: the service's 422 is
``{"detail": ..., "errors": [...]}`` (``service.main``). 401 and 403 come only when API keys are configured;
429 only when the rate limit is on (the default); 413 from ``service.limits.BodySizeLimit`` on any route.
"""
from __future__ import annotations

from typing import Any

from vnpolicy.models import ErrorResponse

Responses = dict[int | str, dict[str, Any]]

RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before the next request",
                               "schema": {"type": "integer", "examples": [3]}}}
WWW_AUTHENTICATE = {"WWW-Authenticate": {"description": "the scheme: ApiKey", "schema": {"type": "string",
                                                                                          "examples": ["ApiKey"]}}}


def _summary(detail: str, length: int = 100) -> str:
    return detail if len(detail) <= length else detail[:length - 1].rstrip() + "…"


def error(description: str, *examples: tuple[str, dict[str, Any]],
          headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """One error response: the ``ErrorResponse`` schema with named example bodies ``(name, body)``."""
    response: dict[str, Any] = {"model": ErrorResponse, "description": description, "content": {
        "application/json": {"examples": {name: {"summary": _summary(body["detail"]), "value": body}
                                          for name, body in examples}}}}
    if headers:
        response["headers"] = headers
    return response


def success(status: int, description: str, example: Any, schema: dict[str, Any] | None = None) -> Responses:
    """The success answer of a route without a response model: its description and a JSON example."""
    content: dict[str, Any] = {"example": example} | ({"schema": schema} if schema else {})
    return {status: {"description": description, "content": {"application/json": content}}}


def field_error(location: tuple[str, ...], message: str, kind: str) -> dict[str, Any]:
    """The 422 body for one invalid field, as ``service.main`` writes it (``loc`` a list of path parts)."""
    return {"detail": f"{'.'.join(p for p in location if p != 'body')}: {message}",
            "errors": [{"type": kind, "loc": list(location), "msg": message}]}


BODY_422 = ("empty-query", field_error(("body", "query"), "String should have at least 1 character", "string_too_short"))
QUERY_422 = ("limit-too-high", field_error(("query", "limit"), "Input should be less than or equal to 500",
                                           "less_than_equal"))


def invalid(*examples: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """422: the request does not validate; ``examples`` default to an empty search query."""
    return error("The request does not validate: `detail` says what to fix; `errors` lists each field that "
                 "failed (absent when the route itself refuses the request, e.g. an unknown query parameter).",
                 *(examples or (BODY_422,)))


def _unauthorized() -> dict[str, Any]:
    return error("API keys are configured (VNPOLICY_API_KEYS) and the request has none: send it in X-API-Key "
                 "(or `?api_key=`).", ("no-key", {"detail": "an API key is required: send it in the X-API-Key header"}),
                 headers=WWW_AUTHENTICATE)


def _forbidden(scope: str) -> dict[str, Any]:
    return error(f"API keys are configured and this one is unknown, or its scope does not grant {scope} endpoints.",
                 ("wrong-scope", {"detail": f"this API key is not allowed to use {scope} endpoints"}))


def _too_large() -> dict[str, Any]:
    return error("The request body is over the size limit (VNPOLICY_MAX_BODY_BYTES, 65,536 by default; uploads: "
                 "VNPOLICY_UPLOAD_MAX_BYTES).",
                 ("too-large", {"detail": "request body is 70,000 bytes; the limit is 65,536"}))


def _rate_limited() -> dict[str, Any]:
    return error("Too many requests from this API key or address (VNPOLICY_RATE_LIMIT_PER_MINUTE): wait "
                 "Retry-After seconds.", ("rate-limited", {"detail": "too many requests; retry in 3 s"}),
                 headers=RETRY_AFTER)


NOT_LOADED = error("No index is loaded yet (the service is starting): see /readyz.",
                   ("not-loaded", {"detail": "the index is not loaded yet; see /readyz"}))
BODY_TOO_LARGE = _too_large()


def guarded(scope: str, request_example: tuple[str, dict[str, Any]]) -> Responses:
    """The errors any route guarded by ``require_scope(scope)`` may answer with."""
    return {401: _unauthorized(), 403: _forbidden(scope), 413: BODY_TOO_LARGE, 422: invalid(request_example),
            429: _rate_limited()}


SEARCH_ERRORS: Responses = guarded("search", BODY_422) | {503: NOT_LOADED}
ADMIN_ERRORS: Responses = guarded("admin", QUERY_422)
HEALTH_ERRORS: Responses = {413: BODY_TOO_LARGE}  # exempt from the rate limit; nothing to validate


def not_found(*examples: tuple[str, dict[str, Any]]) -> Responses:
    """404 for an unknown document or job id (``examples``: what the route says)."""
    return {404: error("No such document, version or job: the detail names the list to pick an id from.", *examples)}


NO_DOCUMENT = not_found(("unknown-document", {
    "detail": "no document 'ha-nam-kh-2811' in the index (see GET /v1/documents for the ids)"}))

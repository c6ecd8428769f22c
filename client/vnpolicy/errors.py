"""Exceptions of the client: one per kind of answer the service gives, each carrying its message."""
from __future__ import annotations

from typing import Any


class VnpolicyError(Exception):
    """Anything the client cannot do: the service refused, failed, or could not be reached."""


class ConnectionFailed(VnpolicyError):
    """The service did not answer (wrong URL, down, timed out)."""


class ServiceError(VnpolicyError):
    """The service answered with an error status; ``detail`` is its message (what to fix)."""

    def __init__(self, status: int, detail: str, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status, self.detail, self.body, self.headers = status, detail, body, headers or {}


class InvalidRequest(ServiceError):
    """400, 413 or 422: the request is malformed, too large or out of range (also raised before sending when
    the client's own copy of the request models refuses it, with status 422)."""


class AuthenticationRequired(ServiceError):
    """401: an API key is needed (argument ``api_key`` or ``VNPOLICY_API_KEY``)."""


class PermissionDenied(ServiceError):
    """403: the key does not grant this route (admin routes need an admin key)."""


class NotFound(ServiceError):
    """404: no such document, job or version."""


class Conflict(ServiceError):
    """409: a document with this name exists, a job is finished, or an index version does not load."""


class RateLimited(ServiceError):
    """429: too many requests; ``retry_after`` says how many seconds to wait."""

    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


class Unavailable(ServiceError):
    """503: the index is not loaded yet (see ``/readyz``)."""


class ServerFailure(ServiceError):
    """Any other 5xx: the service failed; the request may be retried."""


_BY_STATUS: dict[int, type[ServiceError]] = {400: InvalidRequest, 401: AuthenticationRequired, 403: PermissionDenied,
                                             404: NotFound, 409: Conflict, 413: InvalidRequest, 422: InvalidRequest,
                                             429: RateLimited, 503: Unavailable}


def error_for(status: int, body: Any, text: str, headers: dict[str, str]) -> ServiceError:
    """The exception for an error response: its class by status, its message from ``detail`` (or the body)."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if detail is None and isinstance(body, dict):
        detail = body.get("error") or body.get("message")
    if not isinstance(detail, str):
        detail = text.strip()[:500] if detail is None else str(detail)
    kind = _BY_STATUS.get(status, ServerFailure if status >= 500 else ServiceError)
    return kind(status, detail or f"HTTP {status}", body, headers)

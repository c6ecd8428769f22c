"""The API-key security scheme in ``/openapi.json``.

Routes guarded by ``api.deps.require_scope`` accept a key in the ``X-API-Key`` header or the
``api_key`` query parameter; the schema declares both schemes and marks each guarded
operation with them and with the scope it needs (``x-api-key-scope``). When no keys are
configured the requirement is optional (an empty alternative ``{}``), as the service is open.
"""
from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

SCHEMES = {
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                     "description": "An API key from VNPOLICY_API_KEYS (scope search or admin)."},
    "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key",
                    "description": "The same key as a query parameter (for links and the widget)."},
}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def required_scope(route: APIRoute) -> str | None:
    """The scope a route's ``require_scope`` dependency asks for, or None when it has none."""
    for call in _calls(route.dependant):
        if getattr(call, "__qualname__", "").startswith("require_scope."):
            return inspect.getclosurevars(call).nonlocals.get("scope")
    return None


def guarded_operations(routes: list) -> Iterator[tuple[str, str, str]]:
    """(path, method, scope) of every operation in the schema that ``require_scope`` guards."""
    try:  # newer FastAPI includes routers lazily: walk their route contexts
        from fastapi.routing import iter_route_contexts

        pairs = [(c.original_route, c.path_format) for c in iter_route_contexts(routes)]
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        pairs = [(r, getattr(r, "path_format", None)) for r in routes]
    for route, path in pairs:
        if isinstance(route, APIRoute) and route.include_in_schema and path:
            scope = required_scope(route)
            for method in sorted(route.methods or ()) if scope else ():
                yield path, method.lower(), scope


def add_security(schema: dict[str, Any], routes: list, keys_required: bool) -> dict[str, Any]:
    """Declare the schemes in ``schema`` and attach them to every guarded operation (idempotent)."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(SCHEMES)
    requirement = [{name: []} for name in SCHEMES] + ([] if keys_required else [{}])
    for path, method, scope in guarded_operations(routes):
        operation = schema.get("paths", {}).get(path, {}).get(method)
        if operation is not None:
            operation["security"] = requirement
            operation["x-api-key-scope"] = scope
    return schema


def install_security_schemes(app: FastAPI, keys_required: bool) -> None:
    """Wrap ``app.openapi`` so the schema FastAPI generates (and caches) carries the schemes."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return add_security(generate(), app.routes, keys_required)

    app.openapi = openapi

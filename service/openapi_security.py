"""The API-key security scheme in ``/openapi.json``.

Routes guarded by ``api.deps.require_scope`` accept a key in the ``X-API-Key`` header or the
``api_key`` query parameter; the schema declares both schemes and marks each guarded
operation with them and with the scope it needs (``x-api-key-scope``). When no keys are
configured the requirement is optional (an empty alternative ``{}``), as the service is open.

FastAPI writes the document without any ``null`` (``exclude_none``), examples included, so an example's
``"page": null`` would vanish and leave it invalid against its own schema: :func:`restore_examples` puts the
examples back as the models (``vnpolicy.models``) and the routes' ``responses`` give them.
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel

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


def schema_routes(routes: list) -> Iterator[tuple[APIRoute, Any, str]]:
    """(route, the route as included, path) of every route in the schema."""
    try:  # newer FastAPI includes routers lazily: walk their route contexts
        from fastapi.routing import iter_route_contexts

        triples = [(c.original_route, c, c.path_format) for c in iter_route_contexts(routes)]
    except ImportError:  # older FastAPI: included routes are copied into app.routes
        triples = [(r, r, getattr(r, "path_format", None)) for r in routes]
    for route, included, path in triples:
        if isinstance(route, APIRoute) and route.include_in_schema and path:
            yield route, included, path


def guarded_operations(routes: list) -> Iterator[tuple[str, str, str]]:
    """(path, method, scope) of every operation in the schema that ``require_scope`` guards."""
    for route, _, path in schema_routes(routes):
        scope = required_scope(route)
        for method in sorted(route.methods or ()) if scope else ():
            yield path, method.lower(), scope


def model_examples() -> dict[str, list[Any]]:
    """The ``examples`` of each model of ``vnpolicy.models`` that has some, by name (as in the components)."""
    from vnpolicy import models

    found = {}
    for name, model in vars(models).items():
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == models.__name__:
            extra = model.model_config.get("json_schema_extra")
            if isinstance(extra, dict) and "examples" in extra:
                found[name] = copy.deepcopy(extra["examples"])
    return found


def _restore_responses(operation: dict[str, Any], responses: dict[Any, Any]) -> None:
    for status, response in responses.items():
        documented = operation.get("responses", {}).get(str(status).upper(), {}).get("content", {})
        for media_type, media in response.get("content", {}).items():
            if media_type in documented:
                documented[media_type].update({k: copy.deepcopy(media[k]) for k in ("example", "examples")
                                               if k in media})


def restore_examples(schema: dict[str, Any], routes: list) -> dict[str, Any]:
    """Put the examples of the models and of the routes' ``responses`` back whole, nulls included (idempotent)."""
    components = schema.get("components", {}).get("schemas", {})
    for name, examples in model_examples().items():
        if name in components:
            components[name]["examples"] = examples
    for route, included, path in schema_routes(routes):
        for method in route.methods or ():
            operation = schema.get("paths", {}).get(path, {}).get(method.lower())
            if operation is not None:
                _restore_responses(operation, getattr(included, "responses", None) or route.responses)
    return schema


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
    """Wrap ``app.openapi`` so the schema FastAPI generates (and caches) carries the schemes and whole examples."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return add_security(restore_examples(generate(), app.routes), app.routes, keys_required)

    app.openapi = openapi

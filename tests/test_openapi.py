"""``/openapi.json`` is a document a client generator can use: valid OpenAPI, every v1 operation with
Vietnamese request and response examples from the seed plans, every error answer an ``ErrorResponse``
(422 included, instead of FastAPI's ``HTTPValidationError``), 401 and 403 on the guarded operations,
and every example valid against its own schema.

The schema is read from apps without an index (no lifespan runs: nothing is loaded), with and without
API keys; one test sends the request examples to the seed index (``client``) and checks the answers
against the schema too.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service.config import Settings
from service.main import create_app

KEYS = "s3arch:search,adm1n:admin"
METHODS = ("get", "post", "put", "patch", "delete")
ERROR_REF = "#/components/schemas/ErrorResponse"
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)
Operation = tuple[str, str, dict[str, Any]]


@pytest.fixture(scope="module", params=["", KEYS], ids=["open", "api-keys"])
def schema(request, tmp_path_factory) -> dict[str, Any]:
    settings = Settings(index_dir=tmp_path_factory.mktemp("no-index") / "index", api_keys=request.param,
                        index_watch_interval=0)
    response = TestClient(create_app(settings)).get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any], prefix: str = "/") -> Iterator[Operation]:
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item and path.startswith(prefix):
                yield path, method, item[method]


def resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``node`` itself, or the component its ``$ref`` names."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def schema_examples(node: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    node = resolve(node, schema)
    return list(node.get("examples", [])) + ([node["example"]] if "example" in node else [])


def own_examples(holder: dict[str, Any]) -> list[Any]:
    """The ``example`` / ``examples`` of a media type or parameter (not of its schema)."""
    named = holder.get("examples", {})
    return ([holder["example"]] if "example" in holder else []) + [e["value"] for e in named.values()]


def examples_of(holder: dict[str, Any], schema: dict[str, Any]) -> list[Any]:
    return own_examples(holder) + schema_examples(holder.get("schema", {}), schema)


def is_binary(media_type: str) -> bool:
    return not (media_type.startswith("text/") or media_type.endswith("json"))


def request_examples(operation: dict[str, Any], schema: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """(the examples of the operation's parameters and JSON body, the inputs that have none)."""
    found, missing = [], []
    for parameter in operation.get("parameters", []):
        values = examples_of(parameter, schema)
        found += values
        missing += [] if values else [f"{parameter['in']} {parameter['name']}"]
    for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
        if is_binary(media_type):  # a file upload: each part described instead
            body = resolve(media["schema"], schema)
            missing += [f"{media_type} {n}" for n, part in body["properties"].items() if not part.get("description")]
            continue
        values = examples_of(media, schema)
        found += values
        missing += [] if values else [media_type]
    return found, missing


def success_examples(operation: dict[str, Any], schema: dict[str, Any]) -> tuple[list[Any], list[str]]:
    """(the examples of the 2xx answers, the 2xx media types without one); binary downloads are skipped."""
    found, missing = [], []
    for status, response in operation["responses"].items():
        for media_type, media in response.get("content", {}).items() if status.startswith("2") else ():
            values = [] if is_binary(media_type) else examples_of(media, schema)
            found += values
            missing += [] if values or is_binary(media_type) else [f"{status} {media_type}"]
    return found, missing


def vietnamese(values: list[Any]) -> bool:
    return bool(VIETNAMESE.search(json.dumps(values, ensure_ascii=False)))


def is_search_scope(operation: dict[str, Any]) -> bool:
    return operation.get("x-api-key-scope") == "search"


def test_the_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.1")


def test_every_v1_operation_has_request_examples(schema):
    problems = []
    for path, method, operation in operations(schema, "/v1"):
        found, missing = request_examples(operation, schema)
        problems += [f"{method.upper()} {path}: no example for {m}" for m in missing]
        has_text_input = "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", []))
        if is_search_scope(operation) and has_text_input and not vietnamese(found):
            problems.append(f"{method.upper()} {path}: no Vietnamese request example")
    assert not problems, "\n".join(problems)


def test_every_v1_operation_has_success_examples(schema):
    problems = []
    for path, method, operation in operations(schema, "/v1"):
        assert any(s in operation["responses"] for s in ("200", "202")), (method, path)
        found, missing = success_examples(operation, schema)
        problems += [f"{method.upper()} {path}: no example for {m}" for m in missing]
        if is_search_scope(operation) and found and not vietnamese(found):  # found: none for a binary download
            problems.append(f"{method.upper()} {path}: no Vietnamese response example")
    assert not problems, "\n".join(problems)


def test_every_error_answer_is_an_error_response(schema):
    problems = []
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        for status, response in responses.items():
            media = response.get("content", {}).get("application/json", {})
            if int(status) >= 400 and (media.get("schema", {}).get("$ref") != ERROR_REF or not own_examples(media)):
                problems.append(f"{method.upper()} {path} {status}: not an ErrorResponse with examples")
        expected = {"413"} | ({"422"} if path.startswith("/v1") else set())
        expected |= {"401", "403", "429"} if "x-api-key-scope" in operation else set()
        problems += [f"{method.upper()} {path}: no {s}" for s in sorted(expected - set(responses))]
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"], path
    assert not problems, "\n".join(problems)
    text = json.dumps(schema)
    assert "HTTPValidationError" not in text and '"ValidationError"' not in text
    assert not {"HTTPValidationError", "ValidationError"} & set(schema["components"]["schemas"])


def test_guarded_operations_keep_their_security_schemes(schema):
    guarded = [(path, op) for path, _, op in operations(schema, "/v1")]
    assert guarded and all(op.get("x-api-key-scope") in ("search", "admin") for _, op in guarded)
    for path, operation in guarded:
        names = {name for requirement in operation["security"] for name in requirement}
        assert names == set(schema["components"]["securitySchemes"]), path
    assert "security" not in schema["paths"]["/healthz"]["get"]


def all_examples(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, its schema, example) for every example in the document."""
    for name, component in schema["components"]["schemas"].items():
        for example in component.get("examples", []):
            yield f"components {name}", component, example
    for path, method, operation in operations(schema):
        where = f"{method.upper()} {path}"
        for parameter in operation.get("parameters", []):
            for example in examples_of(parameter, schema):
                yield f"{where} {parameter['name']}", parameter["schema"], example
        holders = [("request", media_type, media) for media_type, media
                   in operation.get("requestBody", {}).get("content", {}).items()]
        holders += [(status, media_type, media) for status, response in operation["responses"].items()
                    for media_type, media in response.get("content", {}).items()]
        holders += [(f"{status} {name}", "header", header) for status, response in operation["responses"].items()
                    for name, header in response.get("headers", {}).items()]
        for label, media_type, media in holders:
            for example in examples_of(media, schema):
                yield f"{where} {label} {media_type}", media.get("schema", {}), example


def test_every_example_validates_against_its_own_schema(schema):
    checked, problems = 0, []
    for where, node, example in all_examples(schema):
        validator = Draft202012Validator({**node, "components": schema["components"]})
        problems += [f"{where}: {e.message[:300]}" for e in validator.iter_errors(example)]
        checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 100, checked


def first_examples(operation: dict[str, Any], schema: dict[str, Any], where: str) -> dict[str, Any]:
    return {p["name"]: examples_of(p, schema)[0] for p in operation.get("parameters", []) if p["in"] == where}


def requests_from_examples(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, url, request keywords, operation) built from the examples of every search-scope operation."""
    for path, method, operation in operations(schema, "/v1"):
        if not is_search_scope(operation):
            continue
        url = path.format(**first_examples(operation, schema, "path"))
        params = first_examples(operation, schema, "query")
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        for example in examples_of(body, schema) if body else [None]:
            yield method, url, {"params": params} | ({"json": example} if example is not None else {}), operation


def test_the_request_examples_are_answered_as_the_schema_says(client):
    schema = client.get("/openapi.json").json()
    sent = 0
    for method, url, keywords, operation in requests_from_examples(schema):
        response = client.request(method, url, **keywords)
        assert response.status_code == 200, (method, url, keywords, response.text[:500])
        sent += 1
        if response.headers["content-type"].startswith("application/json"):
            answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
            errors = list(Draft202012Validator({**answer, "components": schema["components"]}).iter_errors(
                response.json()))
            assert not errors, (method, url, [e.message[:300] for e in errors])
    assert sent >= 14, sent

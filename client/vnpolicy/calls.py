"""What each route of the v1 API takes and returns, as ``Call``s that ``Client`` and ``AsyncClient`` send.

A builder validates its arguments with the shared request models before anything is sent (the same
422 message the service would give), and names the model its response is read into.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel

from .errors import InvalidRequest
from .models import (AnswerRequest, AnswerResponse, CompareRequest, CompareResponse, DirectiveResponse, DocumentDetail,
                     DocumentList, DocumentReferences, Filters, SearchRequest, SearchResponse)

FiltersArg = Filters | dict[str, Any] | None
Mode = Literal["hybrid", "dense", "lexical"]
Sort = Literal["relevance", "value", "year"]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes]] | None = None
    model: type[BaseModel] | None = None  # None: the JSON (or bytes for a download) as it comes
    raw: bool = False


def checked(model: type[BaseModel], **values: Any) -> BaseModel:
    """``model(**values)``, or ``InvalidRequest`` (422) with the service's wording of what to fix."""
    try:
        return model(**values)
    except pydantic.ValidationError as exc:
        messages = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".lstrip(": ") for e in exc.errors()]
        raise InvalidRequest(422, "; ".join(messages), {"detail": "; ".join(messages)}) from None


def _body(request: BaseModel) -> dict[str, Any]:
    return request.model_dump(mode="json", exclude_defaults=True)


def search(query: str, k: int, filters: FiltersArg, mode: Mode, facets: Iterable[str]) -> Call:
    request = checked(SearchRequest, query=query, k=k, filters=filters, mode=mode, facets=list(facets))
    return Call("POST", "/v1/search", json=_body(request), model=SearchResponse)


def answer(query: str, k: int, filters: FiltersArg, generator: str, stream: bool = False) -> Call:
    request = checked(AnswerRequest, query=query, k=k, filters=filters, generator=generator, stream=stream)
    return Call("POST", "/v1/answer", json=_body(request) | ({"stream": True} if stream else {}),
                model=AnswerResponse)


def compare(topic: str, localities: Iterable[str], province: Iterable[str], province_now: Iterable[str],
            implements: Iterable[str], sort: Sort) -> Call:
    request = checked(CompareRequest, topic=topic, localities=list(localities), province=list(province),
                      province_now=list(province_now), implements=list(implements), sort=sort)
    return Call("POST", "/v1/compare", json=_body(request), model=CompareResponse)


def compare_table(topic: str, fmt: Literal["csv", "xlsx"], localities: Iterable[str], province: Iterable[str],
                  province_now: Iterable[str], implements: Iterable[str], sort: Sort) -> Call:
    if fmt not in ("csv", "xlsx"):
        raise InvalidRequest(422, f"format {fmt!r} is not one of: csv, xlsx")
    request = checked(CompareRequest, topic=topic, localities=list(localities), province=list(province),
                      province_now=list(province_now), implements=list(implements), sort=sort)
    return Call("GET", f"/v1/compare.{fmt}", params=_body(request) | {"topic": topic}, raw=True)


def document(doc_id: str) -> Call:
    return Call("GET", f"/v1/documents/{segment(doc_id)}", model=DocumentDetail)


def references(doc_id: str) -> Call:
    return Call("GET", f"/v1/documents/{segment(doc_id)}/references", model=DocumentReferences)


def documents() -> Call:
    return Call("GET", "/v1/documents", model=DocumentList)


def directives(ref: str) -> Call:
    return Call("GET", "/v1/directives", params={"ref": ref}, model=DirectiveResponse)


def upload(file: str | Path | bytes, filename: str | None, replace: bool) -> Call:
    if isinstance(file, (str, Path)):
        data, name = Path(file).read_bytes(), filename or Path(file).name
    else:
        if not filename:
            raise InvalidRequest(422, "filename is required when uploading bytes (e.g. 'ke-hoach.pdf')")
        data, name = bytes(file), filename
    return Call("POST", "/v1/admin/documents", params={"replace": replace} if replace else None,
                files={"file": (name, data)})


def segment(value: str) -> str:
    """A path segment: '/' and the like cannot reach another route (the service answers 404 with a message)."""
    from urllib.parse import quote

    return quote(value, safe="")


def sse_events(lines: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) of each Server-Sent Event in a stream of text lines."""
    event, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield event, json.loads("\n".join(data))

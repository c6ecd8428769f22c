"""``Client`` and ``AsyncClient``: the vnpolicy v1 API from Python, one method per route, typed models back.

    from vnpolicy.client import Client
    with Client("http://localhost:8000") as api:
        for hit in api.search("sở hữu trí tuệ sản phẩm chủ lực", k=3).results:
            print(hit.doc_number, hit.section, hit.page)

The base URL and API key come from the arguments, else ``VNPOLICY_URL`` and ``VNPOLICY_API_KEY``.
An error response raises a ``vnpolicy.errors.ServiceError`` subclass with the service's message.
"""
from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from . import calls
from .calls import Call, FiltersArg, Mode, Sort
from .errors import ConnectionFailed, error_for
from .models import (AnswerResponse, CompareResponse, DirectiveResponse, DocumentDetail, DocumentList,
                     DocumentReferences, SearchResponse)

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE, KEY_VARIABLE = "VNPOLICY_URL", "VNPOLICY_API_KEY"
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class TokenEvent:
    """Text of the answer as it is produced."""
    text: str


@dataclass(frozen=True)
class FinalEvent:
    """The whole answer, last: its text, citations, evidence and whether it abstained."""
    answer: AnswerResponse


AnswerEvent = TokenEvent | FinalEvent


def _settings(base_url: str | None, api_key: str | None) -> tuple[str, dict[str, str]]:
    url = (base_url or os.environ.get(URL_VARIABLE) or DEFAULT_URL).rstrip("/")
    key = api_key if api_key is not None else os.environ.get(KEY_VARIABLE)
    return url, {"X-API-Key": key} if key else {}


def _request_args(call: Call) -> dict[str, Any]:
    return {"json": call.json, "params": call.params, "files": call.files}


def _read(call: Call, response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = None
        raise error_for(response.status_code, body, response.text, dict(response.headers))
    if call.raw:
        return response.content
    body = response.json()
    return call.model.model_validate(body) if call.model is not None else body


def _event(name: str, data: dict[str, Any]) -> AnswerEvent | None:
    if name == "token":
        return TokenEvent(data.get("text", ""))
    if name == "done":
        return FinalEvent(AnswerResponse.model_validate(data))
    return None


class Client:
    """Blocking client; use it as a context manager (or call ``close``)."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 transport: httpx.BaseTransport | None = None) -> None:
        url, headers = _settings(base_url, api_key)
        self.base_url = url
        self._http = httpx.Client(base_url=url, headers=headers, timeout=timeout, transport=transport)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: Call) -> Any:
        try:
            response = self._http.request(call.method, call.path, **_request_args(call))
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {exc}") from exc
        return _read(call, response)

    # search and answers
    def search(self, query: str, *, k: int = 10, filters: FiltersArg = None, mode: Mode = "hybrid",
               facets: Iterable[str] = ()) -> SearchResponse:
        return self._send(calls.search(query, k, filters, mode, facets))

    def answer(self, query: str, *, k: int = 5, filters: FiltersArg = None,
               generator: Literal["extractive", "llm"] = "extractive") -> AnswerResponse:
        return self._send(calls.answer(query, k, filters, generator))

    def answer_stream(self, query: str, *, k: int = 5, filters: FiltersArg = None,
                      generator: Literal["extractive", "llm"] = "extractive") -> Iterator[AnswerEvent]:
        """``TokenEvent``s as the answer is written, then one ``FinalEvent`` with the citations."""
        call = calls.answer(query, k, filters, generator, stream=True)
        try:
            with self._http.stream(call.method, call.path, json=call.json) as response:
                if response.status_code >= 400:
                    response.read()
                    _read(call, response)
                for name, data in calls.sse_events(response.iter_lines()):
                    if (event := _event(name, data)) is not None:
                        yield event
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {exc}") from exc

    def compare(self, topic: str, *, localities: Iterable[str] = (), province: Iterable[str] = (),
                province_now: Iterable[str] = (), implements: Iterable[str] = (), sort: Sort = "relevance"
                ) -> CompareResponse:
        return self._send(calls.compare(topic, localities, province, province_now, implements, sort))

    def compare_table(self, topic: str, format: Literal["csv", "xlsx"] = "csv", *, localities: Iterable[str] = (),
                      province: Iterable[str] = (), province_now: Iterable[str] = (), implements: Iterable[str] = (),
                      sort: Sort = "relevance") -> bytes:
        """The comparison as a CSV or Excel file's bytes."""
        return self._send(calls.compare_table(topic, format, localities, province, province_now, implements, sort))

    def compare_suggestions(self) -> list[str]:
        return self._send(Call("GET", "/v1/compare/suggestions"))["topics"]

    # documents
    def documents(self) -> DocumentList:
        return self._send(calls.documents())

    def document(self, doc_id: str) -> DocumentDetail:
        return self._send(calls.document(doc_id))

    def references(self, doc_id: str) -> DocumentReferences:
        return self._send(calls.references(doc_id))

    def directives(self, ref: str) -> DirectiveResponse:
        return self._send(calls.directives(ref))

    # health
    def health(self) -> dict[str, Any]:
        return self._send(Call("GET", "/healthz"))

    def ready(self) -> dict[str, Any]:
        return self._send(Call("GET", "/readyz"))

    # admin (an admin key)
    def upload(self, file: str | Path | bytes, *, filename: str | None = None, replace: bool = False) -> dict[str, Any]:
        return self._send(calls.upload(file, filename, replace))

    def delete_document(self, doc_id: str) -> dict[str, Any]:
        return self._send(Call("DELETE", f"/v1/admin/documents/{calls.segment(doc_id)}"))

    def document_versions(self, doc_id: str) -> dict[str, Any]:
        return self._send(Call("GET", f"/v1/admin/documents/{calls.segment(doc_id)}/versions"))

    def restore_document(self, doc_id: str, version: str) -> dict[str, Any]:
        return self._send(Call("POST", f"/v1/admin/documents/{calls.segment(doc_id)}/restore",
                               params={"version": version}))

    def reindex(self, *, force: bool = False) -> dict[str, Any]:
        return self._send(Call("POST", "/v1/admin/reindex", params={"force": force} if force else None))

    def reindex_status(self) -> dict[str, Any]:
        return self._send(Call("GET", "/v1/admin/reindex"))

    def reload(self) -> dict[str, Any]:
        return self._send(Call("POST", "/v1/admin/reload"))

    def jobs(self, *, limit: int = 50, state: str | None = None) -> list[dict[str, Any]]:
        params = {"limit": limit} | ({"state": state} if state else {})
        return self._send(Call("GET", "/v1/admin/jobs", params=params))["jobs"]

    def job(self, job_id: str) -> dict[str, Any]:
        return self._send(Call("GET", f"/v1/admin/jobs/{calls.segment(job_id)}"))

    def cancel_job(self, job_id: str) -> dict[str, Any]:
        return self._send(Call("DELETE", f"/v1/admin/jobs/{calls.segment(job_id)}"))


class AsyncClient:
    """The same methods as ``Client``, as coroutines (``answer_stream`` is an async iterator)."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        url, headers = _settings(base_url, api_key)
        self.base_url = url
        self._http = httpx.AsyncClient(base_url=url, headers=headers, timeout=timeout, transport=transport)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: Call) -> Any:
        try:
            response = await self._http.request(call.method, call.path, **_request_args(call))
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {exc}") from exc
        return _read(call, response)

    async def search(self, query: str, *, k: int = 10, filters: FiltersArg = None, mode: Mode = "hybrid",
                     facets: Iterable[str] = ()) -> SearchResponse:
        return await self._send(calls.search(query, k, filters, mode, facets))

    async def answer(self, query: str, *, k: int = 5, filters: FiltersArg = None,
                     generator: Literal["extractive", "llm"] = "extractive") -> AnswerResponse:
        return await self._send(calls.answer(query, k, filters, generator))

    async def answer_stream(self, query: str, *, k: int = 5, filters: FiltersArg = None,
                            generator: Literal["extractive", "llm"] = "extractive") -> AsyncIterator[AnswerEvent]:
        call = calls.answer(query, k, filters, generator, stream=True)
        try:
            async with self._http.stream(call.method, call.path, json=call.json) as response:
                if response.status_code >= 400:
                    await response.aread()
                    _read(call, response)
                async for name, data in _async_sse(response.aiter_lines()):
                    if (event := _event(name, data)) is not None:
                        yield event
        except httpx.TransportError as exc:
            raise ConnectionFailed(f"cannot reach {self.base_url}: {exc}") from exc

    async def compare(self, topic: str, *, localities: Iterable[str] = (), province: Iterable[str] = (),
                      province_now: Iterable[str] = (), implements: Iterable[str] = (), sort: Sort = "relevance"
                      ) -> CompareResponse:
        return await self._send(calls.compare(topic, localities, province, province_now, implements, sort))

    async def compare_table(self, topic: str, format: Literal["csv", "xlsx"] = "csv", *,
                            localities: Iterable[str] = (), province: Iterable[str] = (),
                            province_now: Iterable[str] = (), implements: Iterable[str] = (),
                            sort: Sort = "relevance") -> bytes:
        return await self._send(calls.compare_table(topic, format, localities, province, province_now, implements,
                                                    sort))

    async def compare_suggestions(self) -> list[str]:
        return (await self._send(Call("GET", "/v1/compare/suggestions")))["topics"]

    async def documents(self) -> DocumentList:
        return await self._send(calls.documents())

    async def document(self, doc_id: str) -> DocumentDetail:
        return await self._send(calls.document(doc_id))

    async def references(self, doc_id: str) -> DocumentReferences:
        return await self._send(calls.references(doc_id))

    async def directives(self, ref: str) -> DirectiveResponse:
        return await self._send(calls.directives(ref))

    async def health(self) -> dict[str, Any]:
        return await self._send(Call("GET", "/healthz"))

    async def ready(self) -> dict[str, Any]:
        return await self._send(Call("GET", "/readyz"))

    async def upload(self, file: str | Path | bytes, *, filename: str | None = None,
                     replace: bool = False) -> dict[str, Any]:
        return await self._send(calls.upload(file, filename, replace))

    async def delete_document(self, doc_id: str) -> dict[str, Any]:
        return await self._send(Call("DELETE", f"/v1/admin/documents/{calls.segment(doc_id)}"))

    async def document_versions(self, doc_id: str) -> dict[str, Any]:
        return await self._send(Call("GET", f"/v1/admin/documents/{calls.segment(doc_id)}/versions"))

    async def restore_document(self, doc_id: str, version: str) -> dict[str, Any]:
        return await self._send(Call("POST", f"/v1/admin/documents/{calls.segment(doc_id)}/restore",
                                     params={"version": version}))

    async def reindex(self, *, force: bool = False) -> dict[str, Any]:
        return await self._send(Call("POST", "/v1/admin/reindex", params={"force": force} if force else None))

    async def reindex_status(self) -> dict[str, Any]:
        return await self._send(Call("GET", "/v1/admin/reindex"))

    async def reload(self) -> dict[str, Any]:
        return await self._send(Call("POST", "/v1/admin/reload"))

    async def jobs(self, *, limit: int = 50, state: str | None = None) -> list[dict[str, Any]]:
        params = {"limit": limit} | ({"state": state} if state else {})
        return (await self._send(Call("GET", "/v1/admin/jobs", params=params)))["jobs"]

    async def job(self, job_id: str) -> dict[str, Any]:
        return await self._send(Call("GET", f"/v1/admin/jobs/{calls.segment(job_id)}"))

    async def cancel_job(self, job_id: str) -> dict[str, Any]:
        return await self._send(Call("DELETE", f"/v1/admin/jobs/{calls.segment(job_id)}"))


async def _async_sse(lines: AsyncIterator[str]) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """``calls.sse_events`` over an async stream of lines."""
    buffer: list[str] = []
    async for line in lines:
        buffer.append(line)
        if not line:
            for item in calls.sse_events(buffer):
                yield item
            buffer = []
    for item in calls.sse_events(buffer):
        yield item

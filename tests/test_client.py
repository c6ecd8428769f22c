"""The Python client (``vnpolicy.client``) against a real server: every route, typed models, errors,
streaming; and that the client distribution imports nothing of the service, the indexer, torch or FAISS."""
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vnpolicy import errors
from vnpolicy.calls import Call
from vnpolicy.client import AsyncClient, Client, FinalEvent, TokenEvent
from vnpolicy.models import AnswerResponse, DocumentDetail, SearchResponse

from .conftest import ADMIN_KEY, SEARCH_KEY
from .helpers import free_port

QUERY = "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def api(keyed_server):
    with Client(keyed_server, SEARCH_KEY) as client:
        yield client


def test_client_imports_nothing_of_the_service_and_is_quick():
    code = ("import sys, time; t = time.perf_counter(); import vnpolicy.client, vnpolicy.terminal, vnpolicy.langchain; "
            "print(round((time.perf_counter() - t) * 1000)); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'indexer', 'service', 'torch', 'faiss', "
            "'sentence_transformers', 'numpy', 'fastapi'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    millis, heavy = out.stdout.split("\n")[:2]
    print(f"import vnpolicy.client + terminal + langchain: {millis} ms")
    assert heavy == "[]", heavy


def test_search_returns_typed_cited_results_with_filters_and_facets(api):
    response = api.search(QUERY, k=3, filters={"province": ["Quảng Trị"]}, facets=["province", "year"])
    assert isinstance(response, SearchResponse) and 1 <= len(response.results) <= 3
    top = response.results[0]
    assert top.province == "Quảng Trị" and top.section and top.char_end > top.char_start
    assert top.url.startswith(api.base_url + "/view/")
    assert response.facets["province"][0].value == "Quảng Trị"


def test_answer_and_its_stream_end_with_the_citations(api):
    question = "Chi Lăng hỗ trợ bao nhiêu cơ sở ứng dụng khoa học công nghệ đến năm 2030?"
    whole = api.answer(question)
    assert isinstance(whole, AnswerResponse) and not whole.abstained and "10 cơ sở" in whole.answer
    events = list(api.answer_stream(question))
    tokens, final = events[:-1], events[-1]
    assert tokens and all(isinstance(e, TokenEvent) for e in tokens)
    assert isinstance(final, FinalEvent) and final.answer.citations
    assert "".join(e.text for e in tokens).strip() == final.answer.answer.strip()
    assert final.answer.citations[0].locality == "Chi Lăng"


def test_compare_documents_references_directives_and_downloads(api):
    rows = api.compare(QUERY).rows
    assert any(t.year == 2030 for row in rows for t in row.targets)
    listed = api.documents()
    assert listed.count == len(listed.documents) >= 4
    doc_id = rows[0].doc_id
    detail = api.document(doc_id)
    assert isinstance(detail, DocumentDetail) and detail.sections and detail.text
    assert api.references(doc_id).doc_id == doc_id
    assert api.directives("69-KL/TW").ref
    csv = api.compare_table(QUERY, "csv").decode("utf-8-sig")
    assert csv.startswith('"locality"') and api.compare_table(QUERY, "xlsx")[:2] == b"PK"
    assert api.compare_suggestions()
    assert api.health()["status"] == "ok" and api.ready()["status"] == "ready"


def test_errors_carry_the_service_status_and_message(keyed_server, api):
    with pytest.raises(errors.AuthenticationRequired, match="API key is required"):
        with Client(keyed_server, "") as anonymous:
            anonymous.search(QUERY)
    with pytest.raises(errors.PermissionDenied) as denied:
        api.jobs()
    assert denied.value.status == 403 and "admin" in denied.value.detail
    with pytest.raises(errors.NotFound, match="no document 'no-such-doc'"):
        api.document("no-such-doc")
    with pytest.raises(errors.InvalidRequest, match="level"):  # refused before sending, in the service's words
        api.search(QUERY, filters={"level": ["thôn"]})
    with pytest.raises(errors.InvalidRequest) as empty:  # the service's own 422, sent as is
        api._send(Call("POST", "/v1/search", json={"query": ""}))
    assert empty.value.status == 422 and "query" in empty.value.detail and empty.value.body["errors"]
    with pytest.raises(errors.ConnectionFailed):
        with Client(f"http://127.0.0.1:{free_port()}", timeout=2) as nowhere:
            nowhere.search(QUERY)


def test_key_and_url_come_from_the_environment(keyed_server, monkeypatch):
    monkeypatch.setenv("VNPOLICY_URL", keyed_server)
    monkeypatch.setenv("VNPOLICY_API_KEY", SEARCH_KEY)
    with Client() as client:
        assert client.base_url == keyed_server and client.search(QUERY, k=1).results


def test_admin_routes_with_an_admin_key(keyed_server):
    with Client(keyed_server, ADMIN_KEY) as admin:
        note = "Kế hoạch thử nghiệm: phát triển giống lúa chịu mặn Quỳnh Lưu năm 2031.\n\nMục tiêu: 12 mô hình."
        accepted = admin.upload(note.encode(), filename="thu-nghiem-lua-chiu-man.txt")
        job = wait_for_job(admin, accepted["job_id"])
        assert job["state"] == "done", job
        assert admin.search("giống lúa chịu mặn Quỳnh Lưu", k=1).results[0].doc_id == accepted["doc_id"]
        assert admin.document_versions(accepted["doc_id"])["current"]
        assert admin.jobs(limit=5)[0]["id"] == accepted["job_id"] and admin.reindex_status()["state"]
        removed = admin.delete_document(accepted["doc_id"])
        assert wait_for_job(admin, removed["job_id"])["state"] == "done"
        version = admin.document_versions(accepted["doc_id"])["versions"][0]["version"]
        restored = admin.restore_document(accepted["doc_id"], version)
        assert wait_for_job(admin, restored["job_id"])["state"] == "done"
        assert admin.reload()["built_at"]
        with pytest.raises(errors.NotFound):
            admin.cancel_job("20261201T000000000000-abcdef")
        with pytest.raises(errors.Conflict, match="already done"):
            admin.cancel_job(restored["job_id"])


def wait_for_job(admin: Client, job_id: str, timeout: float = 180) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = admin.job(job_id)
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.mark.anyio
async def test_async_client_streams_and_raises_the_same(keyed_server):
    async with AsyncClient(keyed_server, SEARCH_KEY) as api:
        response = await api.search(QUERY, k=2, filters={"level": "huyen"})
        assert response.results and {r.level for r in response.results} == {"huyện"}
        events = [e async for e in api.answer_stream("Chi Lăng hỗ trợ bao nhiêu cơ sở đến năm 2030?")]
        assert isinstance(events[-1], FinalEvent) and events[-1].answer.citations
        with pytest.raises(errors.NotFound):
            await api.references("no-such-doc")


def test_sse_parser_reads_multiline_data():
    from vnpolicy.calls import sse_events

    lines = ["event: token", 'data: {"text": "a"}', "", "event: done", 'data: {"x":', "data: 1}", ""]
    assert list(sse_events(lines)) == [("token", {"text": "a"}), ("done", {"x": 1})]


def test_error_classes_by_status_keep_the_message_and_retry_after():
    limited = errors.error_for(429, {"detail": "too many requests; retry in 7 s"}, "", {"retry-after": "7"})
    assert isinstance(limited, errors.RateLimited) and limited.retry_after == 7.0 and limited.detail.startswith("too")
    index = errors.error_for(409, {"error": "checksum mismatch", "serving": None}, "", {})
    assert isinstance(index, errors.Conflict) and index.detail == "checksum mismatch"
    assert isinstance(errors.error_for(502, None, "Bad Gateway", {}), errors.ServerFailure)
    assert str(errors.error_for(413, {"detail": "request body is over the 1,000-byte limit"}, "", {})).startswith("413")

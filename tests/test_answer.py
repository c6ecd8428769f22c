"""Answers: extractive figures with citations, abstention, SSE streaming, and the LLM path
against a real OpenAI-compatible protocol server process."""
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from service.llm import LLMGenerator, check_citations

from .conftest import ROOT
from .helpers import free_port

QUESTIONS = [json.loads(line) for line in (ROOT / "eval" / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
IN_DOMAIN = [q for q in QUESTIONS if not q.get("ood")][:10]
OUT_OF_DOMAIN = [q for q in QUESTIONS if q.get("ood")]


def ask(client, query, **body):
    response = client.post("/v1/answer", json={"query": query, **body})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("item", IN_DOMAIN, ids=[q["id"] for q in IN_DOMAIN])
def test_extractive_answer_has_the_figure_and_a_marker_citing_it(client, item):
    answer = ask(client, item["query"])
    assert not answer["abstained"] and item["expect"] in answer["answer"]
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])]
    assert markers and all(1 <= n <= len(answer["citations"]) for n in markers)
    assert any(item["expect"] in answer["citations"][n - 1]["text"] for n in markers)
    assert all(s.rstrip().endswith("]") for s in re.split(r"(?<=\])\s+", answer["answer"]))


def test_abstains_on_out_of_domain_questions(client):
    abstained = [ask(client, q["query"])["abstained"] for q in OUT_OF_DOMAIN]
    assert sum(abstained) >= len(OUT_OF_DOMAIN) - 1  # calibrated: 17/18 (eval/RESULTS.md)
    answer = ask(client, "Giá vàng SJC hôm nay bao nhiêu một lượng?")
    assert answer["abstained"] and "Không tìm thấy" in answer["answer"] and answer["citations"] == []


def read_sse(response) -> list[tuple[str, dict]]:
    events = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_streaming_extractive_answer(client):
    response = client.post("/v1/answer", json={"query": IN_DOMAIN[0]["query"], "stream": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    events = read_sse(response)
    assert [e for e, _ in events[:-1]] == ["token"] * (len(events) - 1) and events[-1][0] == "done"
    final = events[-1][1]
    assert IN_DOMAIN[0]["expect"] in final["answer"] and final["citations"]
    assert "".join(d["text"] for _, d in events[:-1]).strip() == final["answer"]


def test_llm_generator_not_configured_is_a_clear_422(client):
    response = client.post("/v1/answer", json={"query": "khoa học", "generator": "llm"})
    assert response.status_code == 422 and "VNPOLICY_LLM_BASE_URL" in response.json()["detail"]


@pytest.mark.parametrize("body", [{"query": ""}, {"query": "x", "k": 0}, {"query": "x", "generator": "gpt"},
                                  {"query": "x", "stream": "maybe"}, {"query": "x", "foo": 1}])
def test_bad_answer_input_is_422(client, body):
    assert client.post("/v1/answer", json=body).status_code == 422


def test_check_citations_removes_invalid_markers():
    text, valid, removed = check_citations("Đạt 90% [1]. Khác [7]. Thêm [2][2].", 3)
    assert text == "Đạt 90% [1]. Khác. Thêm [2][2]." and valid == [1, 2] and removed


@pytest.fixture(scope="module")
def protocol_server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("chat_protocol_server.py")), str(port)])
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(100):
        try:
            httpx.post(base + "/chat/completions", json={"model": "quote", "messages": [{"role": "user", "content": "x"}]})
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def llm(engine, base, model, timeout=3.0) -> LLMGenerator:
    return LLMGenerator(base, model, None, timeout, engine.extractive)


QUESTION = "Quảng Trị đặt mục tiêu bao nhiêu phần trăm sản phẩm chủ lực được bảo hộ sở hữu trí tuệ?"


def test_llm_answer_with_valid_citation(engine, protocol_server):
    hits = engine.searcher.search(QUESTION, 5)
    answer = llm(engine, protocol_server, "quote").answer(QUESTION, hits)
    assert answer.generator == "llm" and not answer.flagged and not answer.abstained
    assert answer.text.endswith("[1].") and answer.citations == [hits[0]]


def test_llm_invalid_citation_is_removed_and_flagged(engine, protocol_server):
    hits = engine.searcher.search(QUESTION, 5)
    answer = llm(engine, protocol_server, "bad-citation").answer(QUESTION, hits)
    assert answer.flagged and "[9]" not in answer.text and "[1]" in answer.text and answer.note


def test_llm_not_found_abstains(engine, protocol_server):
    hits = engine.searcher.search(QUESTION, 5)
    answer = llm(engine, protocol_server, "not-found").answer(QUESTION, hits)
    assert answer.abstained and answer.citations == []


def test_llm_timeout_falls_back_to_extractive(engine, protocol_server):
    hits = engine.searcher.search(QUESTION, 5)
    started = time.perf_counter()
    answer = llm(engine, protocol_server, "slow", timeout=1.0).answer(QUESTION, hits)
    assert time.perf_counter() - started < 4.5
    assert answer.generator == "extractive" and "70-80%" in answer.text and "Timeout" in answer.note


def test_llm_endpoint_down_falls_back(engine):
    hits = engine.searcher.search(QUESTION, 5)
    answer = llm(engine, f"http://127.0.0.1:{free_port()}/v1", "quote").answer(QUESTION, hits)
    assert answer.generator == "extractive" and "failed" in answer.note


def test_llm_streaming_over_the_api(engine, protocol_server):
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app

    engine.llm = llm(engine, protocol_server, "bad-citation")
    try:
        with TestClient(create_app(Settings(index_dir=engine.index.path), engine=engine)) as client:
            response = client.post("/v1/answer", json={"query": QUESTION, "generator": "llm", "stream": True})
            events = read_sse(response)
            final = events[-1][1]
            assert events[-1][0] == "done" and len(events) > 3, final.get("note")
            assert final["generator"] == "llm" and final["flagged"] and "[9]" not in final["answer"]
            plain = client.post("/v1/answer", json={"query": QUESTION, "generator": "llm"}).json()
            assert plain["flagged"] and plain["citations"][0]["doc_id"] == "quang-tri-skhcn-kh-43-2023"
    finally:
        engine.llm = None

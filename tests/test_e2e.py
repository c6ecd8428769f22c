"""End to end: `vnpolicy serve` as a real uvicorn process on a free port."""
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(seed_index):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index", str(seed_index)],
                            cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(proc.stdout.read().decode(errors="replace"))
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_search_over_http(server):
    response = httpx.post(server + "/v1/search", json={
        "query": "Chi Lăng hỗ trợ bao nhiêu cơ sở ứng dụng khoa học công nghệ đến năm 2030", "k": 5})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["locality"] == "Chi Lăng"
    assert any("10 cơ sở" in r["text"] for r in results[:3])
    assert results[0]["url"].startswith(server + "/view/chi-lang-kh-kl69-khcn?start=")


def test_widget_style_get_with_filters(server):
    response = httpx.get(server + "/v1/search", params={"q": "so huu tri tue", "k": 3, "level": "huyện"})
    assert response.status_code == 200
    assert {r["level"] for r in response.json()["results"]} == {"huyện"}


def test_document_view_and_bad_input_over_http(server):
    assert "view.js" in httpx.get(server + "/view/ha-nam-kh-2811-2020?start=0&end=10").text
    bad = httpx.post(server + "/v1/search", json={"query": "x", "filters": {"bogus": 1}})
    assert bad.status_code == 422 and "bogus" in bad.json()["detail"]

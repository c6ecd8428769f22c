"""End to end: `vnpolicy serve` as a real uvicorn process on a free port."""
import httpx
import pytest

from .helpers import running_server


@pytest.fixture(scope="module")
def server(seed_index, tmp_path_factory):
    with running_server(seed_index, tmp_path_factory.mktemp("e2e") / "server.log") as (base, _):
        yield base


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

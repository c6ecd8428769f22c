"""Issue 14, items 4–8 and 10: what an outside attack found, each reproduced against the service.

4 the LLM time limit bounds the whole generation (a real server trickling a byte a second);
5 the rate limit keys only on verified keys or the client address, believes X-Forwarded-For only
  from trusted proxies (also in the logs), keeps a bounded table, and 429/413 carry CORS headers;
6 compare.csv neutralises formula cells; 7 control/invisible-only queries are a 422;
8 the bundled pages work with API keys on (page session; HTTP checks and real Chromium);
10 API keys are compared in constant time against every configured key.
"""
import csv
import dataclasses
import hmac
import io
import json
import logging
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.deps import require_scope
from service.config import Settings
from service.limits import RateLimit, TokenBucket
from service.llm import LLMGenerator
from service.main import create_app

from .helpers import free_port

ORIGIN = "http://intranet.example"
QUESTION = "Quảng Trị đặt mục tiêu bao nhiêu phần trăm sản phẩm chủ lực được bảo hộ sở hữu trí tuệ?"


def app_with(engine, **settings):
    return create_app(Settings(index_dir=engine.index.path, **settings), engine=engine)


# -- 4: LLM time limit is total ---------------------------------------------------------------
@pytest.fixture(scope="module")
def trickle_base():
    """tests/chat_protocol_server.py as a real process; model "trickle" sends its first 12 body bytes 1/s."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("chat_protocol_server.py")), str(port)])
    base = f"http://127.0.0.1:{port}/v1"
    for _ in range(150):
        try:
            httpx.post(base + "/chat/completions", json={"model": "quote", "messages": [{"role": "user", "content": "x"}]})
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_llm_time_limit_bounds_a_trickling_endpoint(engine, trickle_base):
    settings = Settings(index_dir=engine.index.path, llm_base_url=trickle_base, llm_model="trickle", llm_timeout=3)
    llm = LLMGenerator(settings.llm_base_url, settings.llm_model, None, settings.llm_timeout, engine.extractive)
    with TestClient(create_app(settings, engine=dataclasses.replace(engine, llm=llm))) as client:
        for stream in (False, True):
            started = time.perf_counter()
            response = client.post("/v1/answer", json={"query": QUESTION, "generator": "llm", "stream": stream})
            elapsed = time.perf_counter() - started
            final = response.json() if not stream else [
                json.loads(b.split("data: ", 1)[1]) for b in response.text.strip().split("\n\n")][-1]
            assert elapsed < 5.5, f"stream={stream}: held {elapsed:.1f} s with a 3 s limit"
            assert final["generator"] == "extractive" and "70-80%" in final["answer"]
            assert "3-second limit" in final["note"], final["note"]


# -- 5: rate limit that cannot be bypassed ----------------------------------------------------
def limited(engine, peer="203.0.113.7", **settings):
    app = app_with(engine, rate_limit_per_minute=60, rate_limit_burst=2, **settings)
    return TestClient(app, client=(peer, 40000))


def test_random_api_keys_get_no_buckets_of_their_own(engine):
    with limited(engine) as client:  # an open server: the key means nothing, the peer is counted
        codes = [client.get("/v1/search", params={"q": "khoa học"}, headers={"X-API-Key": f"random-{i}"}).status_code
                 for i in range(4)]
    assert codes == [200, 200, 429, 429]
    with limited(engine, api_keys="s3arch:search") as client:  # keys on: wrong keys count against the peer
        codes = [client.get("/v1/search", params={"q": "khoa học"}, headers={"X-API-Key": f"wrong-{i}"}).status_code
                 for i in range(4)]
        assert codes == [403, 403, 429, 429]
        ok = client.get("/v1/search", params={"q": "khoa học"}, headers={"X-API-Key": "s3arch"})
        assert ok.status_code == 200  # a verified key has its own bucket


def test_forwarded_for_is_believed_only_from_trusted_proxies(engine, caplog):
    spoofed = [{"X-Forwarded-For": f"198.51.100.{i}"} for i in range(4)]
    with limited(engine, trusted_proxies="10.0.0.0/8") as client, caplog.at_level(logging.INFO, "vnpolicy.access"):
        codes = [client.get("/v1/search", params={"q": "khoa học"}, headers=h).status_code for h in spoofed]
    assert codes == [200, 200, 429, 429]
    assert {r.payload["client"] for r in caplog.records if hasattr(r, "payload")} == {"203.0.113.7"}
    caplog.clear()
    with limited(engine, peer="10.0.0.2", trusted_proxies="10.0.0.0/8") as client, \
            caplog.at_level(logging.INFO, "vnpolicy.access"):
        codes = [client.get("/v1/search", params={"q": "khoa học"},
                            headers={"X-Forwarded-For": f"6.6.6.6, {h['X-Forwarded-For']}, 10.0.0.9"}).status_code
                 for h in spoofed]
    assert codes == [200] * 4  # behind the proxy, four clients
    logged = [r.payload["client"] for r in caplog.records if hasattr(r, "payload")]
    assert logged == [f"198.51.100.{i}" for i in range(4)]  # the nearest untrusted hop, not 6.6.6.6


def test_bucket_table_is_bounded_least_recently_used_first():
    bucket = TokenBucket(60, 2, max_entries=3)
    for key in ("a", "b", "c", "a", "d"):
        bucket.take(key)
    assert len(bucket) == 3 and set(bucket._state) == {"a", "c", "d"}
    for i in range(1000):
        bucket.take(f"ip:{i}")
    assert len(bucket) == 3


def test_rate_limit_table_is_bounded_through_the_app(engine):
    with limited(engine, peer="10.0.0.2", trusted_proxies="10.0.0.0/8", rate_limit_max_clients=5) as client:
        for i in range(30):
            client.get("/v1/documents", headers={"X-Forwarded-For": f"198.51.100.{i}"})
        layer = client.app.middleware_stack
        while not isinstance(layer, RateLimit):
            layer = layer.app
    assert len(layer.bucket) == 5


def test_429_and_413_carry_cors_headers_for_allowed_origins(engine):
    with limited(engine, cors_origins=ORIGIN, max_body_bytes=1000) as client:
        big = client.post("/v1/search", content=b'{"query": "' + b"x" * 5000 + b'"}',
                          headers={"content-type": "application/json", "Origin": ORIGIN})
        assert big.status_code == 413 and big.headers["access-control-allow-origin"] == ORIGIN
        codes = [client.get("/v1/search", params={"q": "khoa học"}, headers={"Origin": ORIGIN}) for _ in range(3)]
        assert codes[-1].status_code == 429 and codes[-1].headers["access-control-allow-origin"] == ORIGIN
        assert "retry-after" in codes[-1].headers["access-control-expose-headers"].lower()
        other = client.get("/v1/search", params={"q": "khoa học"}, headers={"Origin": "http://evil.example"})
        assert other.status_code == 429 and "access-control-allow-origin" not in other.headers


# -- 6: CSV injection -------------------------------------------------------------------------
PAYLOAD = "@SUM(1+1)cmd|' /C calc'!A0"


def test_formula_cells_are_neutralised_numbers_kept():
    from service.api.routes.compare import safe_cell

    for cell in ("=", "=1+1", "+cmd", "-x", "@A1", "\tx", "\rx", PAYLOAD):
        assert safe_cell(cell) == "'" + cell
    assert safe_cell(-5.0) == -5.0 and safe_cell(2030) == 2030 and safe_cell("-5") == "-5"
    assert safe_cell("Hà Nam") == "Hà Nam" and safe_cell(None) == ""


class PlantedMatcher:
    """The real matcher, with its first target's text fields replaced by formulas."""

    def __init__(self, real):
        self.real = real

    def compare(self, topic, scope):
        rows = self.real.compare(topic, scope)
        first = next(r for r in rows if r.targets)
        match = first.targets[0]
        planted = dataclasses.replace(match.target, metric=PAYLOAD, comparator="=", text="+cmd|' /C calc'!A0", unit="-",
                                      value=-5.0)
        first.targets[0] = dataclasses.replace(match, target=planted)
        return rows


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


def test_compare_csv_has_no_formula_cells(engine):
    planted = dataclasses.replace(engine, matcher=PlantedMatcher(engine.matcher))
    with TestClient(create_app(Settings(index_dir=engine.index.path), engine=planted)) as client:
        response = client.get("/v1/compare.csv", params={"topic": "tỷ lệ chi ngân sách cho khoa học và công nghệ"})
    table = read_csv(response)
    assert all(not v.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for k, v in row.items()
               if k != "value"), table[0]
    row = next(r for r in table if r["metric"] == "'" + PAYLOAD)
    assert row["comparator"] == "'=" and row["unit"] == "'-" and row["value"] == "-5.0"
    assert "\n" + '"' in response.text and ",-5.0," in response.text  # text quoted, the number bare


def test_real_corpus_comparator_equals_is_neutralised(client):
    table = read_csv(client.get("/v1/compare.csv", params={"topic": "số doanh nghiệp khoa học và công nghệ"}))
    comparators = {r["comparator"] for r in table}
    assert "'=" in comparators and "=" not in comparators, comparators


# -- 7: queries with nothing searchable -------------------------------------------------------
INVISIBLE = ["\x00", "\x01", "\u200b", "\u202e", "\ufffd", "\x00\u200b \u202e\ufffd\x01", "\u200b\u200b\t\ufeff"]


@pytest.mark.parametrize("query", INVISIBLE, ids=[ascii(q) for q in INVISIBLE])
def test_invisible_only_queries_are_422_everywhere(client, query):
    empty = client.post("/v1/search", json={"query": " "}).json()["detail"]
    responses = {
        "POST search": client.post("/v1/search", json={"query": query}),
        "GET search": client.get("/v1/search", params={"q": query}),
        "answer": client.post("/v1/answer", json={"query": query}),
        "compare": client.post("/v1/compare", json={"topic": query}),
        "compare.csv": client.get("/v1/compare.csv", params={"topic": query}),
    }
    for name, response in responses.items():
        assert response.status_code == 422, (name, response.status_code)
        assert "not only whitespace, control or invisible" in response.json()["detail"], name
    assert "not only whitespace, control or invisible" in empty


# -- 8: the bundled pages with API keys on ----------------------------------------------------
KEYS = "pg-key:search,adm1n:admin"


def keyed_app(engine, **settings):
    app = app_with(engine, api_keys=KEYS, **settings)

    @app.post("/v1/admin/ping-test", dependencies=[require_scope("admin")])
    def ping() -> dict:
        return {"ok": True}

    return app


def test_page_session_is_same_origin_search_only(engine):
    with TestClient(keyed_app(engine, page_key="pg-key")) as client:
        page = client.get("/")
        cookie = page.cookies.get("vnpolicy_page")
        header = page.headers["set-cookie"].lower()
        assert cookie and "httponly" in header and "samesite=strict" in header
        assert "pg-key" not in page.text and "pg-key" not in cookie
        search = {"q": "khoa học"}
        assert client.get("/v1/search", params=search).status_code == 200  # the cookie jar sends it
        assert client.get("/v1/documents").status_code == 200
        assert client.get("/v1/search", params=search, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 401
        assert client.post("/v1/admin/ping-test").status_code == 401
        client.cookies.clear()
        assert client.get("/v1/search", params=search).status_code == 401
        client.cookies.set("vnpolicy_page", "9999999999." + "0" * 64)  # forged
        assert client.get("/v1/search", params=search).status_code == 401
    with TestClient(keyed_app(engine, page_key="adm1n")) as client:  # only a search key can be a page key
        assert "vnpolicy_page" not in client.get("/").cookies
    with TestClient(keyed_app(engine)) as client:  # no page key: as before
        assert "vnpolicy_page" not in client.get("/").cookies
        assert client.get("/v1/search", params={"q": "khoa học"}).status_code == 401


@pytest.fixture(scope="module")
def keyed_server(engine):
    """The app with keys and a page key, on real uvicorn in this process (the session's engine)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(keyed_app(engine, page_key="pg-key"), host="127.0.0.1", port=port,
                                           log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed: run `make browser` (or apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        yield browser
        browser.close()


def test_bundled_pages_work_with_api_keys_in_chromium(chromium, keyed_server):
    assert httpx.get(keyed_server + "/v1/search", params={"q": "khoa học"}).status_code == 401  # keys are on
    page = chromium.new_page()
    page.set_default_timeout(15000)
    page.goto(keyed_server + "/?q=ngan+sach+cho+khoa+hoc+cong+nghe+nam+2025")
    page.locator(".result").first.wait_for()
    assert "Lỗi" not in page.locator("#status").inner_text()
    page.locator("#answer a.cite").first.wait_for()
    with page.expect_navigation():
        page.locator(".result h2 a").first.click()
    page.locator("#passage").wait_for()
    assert page.locator("#doc").inner_text().strip() and "Lỗi" not in page.locator("#status").inner_text()
    page.goto(keyed_server + "/demo")
    page.locator("vnpolicy-search input").fill("dau tu khoa hoc cong nghe ngan sach")
    option = page.locator("vnpolicy-search li[role=option]").first
    option.wait_for()
    assert page.locator("vnpolicy-search li.msg").count() == 0, option.inner_text()
    page.close()


# -- 10: keys compared in constant time -------------------------------------------------------
def test_keys_are_compared_with_compare_digest_against_every_key(engine, monkeypatch):
    calls = []
    real = hmac.compare_digest

    def counting(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    with TestClient(app_with(engine, api_keys="first:search,second:admin,third:search")) as client:
        assert client.get("/v1/documents", headers={"X-API-Key": "first"}).status_code == 200
    assert calls and len(calls) % 3 == 0, len(calls)  # every check compares all three keys
    from service.auth import match_key

    calls.clear()
    keys = {"first": "search", "second": "admin", "third": "search"}
    assert match_key("first", keys) == "search" and len(calls) == 3  # no early exit on the first match
    assert match_key("second", keys) == "admin" and match_key("nope", keys) is None and len(calls) == 9
    assert all(len(a) == len(b) for a, b in calls)  # digests: equal lengths, nothing told by length

"""The embeddable widget: size, caching, CORS, API-key scopes, and a real headless Chromium
(Debian's, driven by Playwright) on a page served from a second origin."""
import gzip
import http.server
import json
import os
import re
import shutil
import socketserver
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.pipeline import build_index
from service.api.deps import require_scope
from service.config import Settings
from service.main import create_app

from .conftest import CORPUS, ROOT
from .helpers import free_port, running_server

WIDGET = ROOT / "service" / "static" / "widget.js"
OUTPUT = Path(os.environ.get("VNPOLICY_TEST_OUTPUT", ROOT / "var" / "test-output"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
XSS_DOC = ("KẾ HOẠCH\n\nThử nghiệm hiển thị an toàn\n\nI. MỤC TIÊU\n\n"
           "Đoạn kiểm thử an toàn hiển thị: <img src=x onerror=\"window.__xss=1;alert(1)\"> và "
           "<script>window.__xss=2;alert(2)</script> trong văn bản về chuyển đổi số cấp xã.\n")


def test_widget_is_small():
    size = len(gzip.compress(WIDGET.read_bytes(), 9))
    assert size <= 15 * 1024, f"widget.js is {size} bytes gzipped"


def test_widget_caching_headers(client):
    first = client.get("/widget.js")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/javascript")
    etag, version = first.headers["etag"], first.headers["x-widget-version"]
    assert "must-revalidate" in first.headers["cache-control"]
    assert client.get("/widget.js", headers={"If-None-Match": etag}).status_code == 304
    assert "immutable" in client.get(f"/widget.js?v={version}").headers["cache-control"]
    demo = client.get("/demo").text
    assert f"/widget.js?v={version}" in demo and "<vnpolicy-search" in demo


def test_cors_default_same_origin_only(engine):
    with TestClient(create_app(Settings(index_dir=engine.index.path), engine=engine)) as c:
        response = c.get("/v1/search", params={"q": "khoa học"}, headers={"Origin": "http://intranet.example"})
        assert "access-control-allow-origin" not in response.headers


def test_cors_allowlist(engine):
    settings = Settings(index_dir=engine.index.path, cors_origins="http://intranet.example")
    with TestClient(create_app(settings, engine=engine)) as c:
        preflight = c.options("/v1/search", headers={"Origin": "http://intranet.example",
                                                     "Access-Control-Request-Method": "GET",
                                                     "Access-Control-Request-Headers": "x-api-key"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://intranet.example"
        other = c.get("/v1/search", params={"q": "khoa học"}, headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_api_key_is_scoped_to_search(engine):
    settings = Settings(index_dir=engine.index.path, api_keys="s3arch:search,4dmin:admin")
    app = create_app(settings, engine=engine)

    @app.post("/v1/admin/ping", dependencies=[require_scope("admin")])
    def admin_ping() -> dict:
        return {"ok": True}

    with TestClient(app) as c:
        assert c.get("/v1/search", params={"q": "khoa học"}).status_code == 401
        assert c.get("/v1/search", params={"q": "khoa học"}, headers={"X-API-Key": "wrong"}).status_code == 403
        assert c.get("/v1/search", params={"q": "khoa học"}, headers={"X-API-Key": "s3arch"}).status_code == 200
        assert c.get("/v1/search", params={"q": "khoa học", "api_key": "s3arch"}).status_code == 200
        assert c.post("/v1/admin/ping", headers={"X-API-Key": "s3arch"}).status_code == 403
        assert c.post("/v1/admin/ping", headers={"X-API-Key": "4dmin"}).status_code == 200
        assert c.get("/healthz").status_code == 200 and c.get("/widget.js").status_code == 200


# -- real browser ------------------------------------------------------------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def two_origins(tmp_path_factory):
    """The service on one port (CORS allowing the second) and a plain intranet page on another."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make browser` (or apt-get install chromium)")
    root = tmp_path_factory.mktemp("widget")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "thua-thien-hue-huyen-kh-nq07.md", corpus)
    (corpus / "kiem-thu-an-toan.md").write_text(XSS_DOC, encoding="utf-8")
    build_index(corpus, root / "index")
    api_port, page_port = free_port(), free_port()
    api, page_origin = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{page_port}"
    site = root / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Intranet</title></head>"
        "<body style='font-size:20px'><h1>Cổng nội bộ</h1>"
        f"<script src='{api}/widget.js' defer></script>"
        f"<vnpolicy-search endpoint='{api}' k='5'></vnpolicy-search></body></html>", encoding="utf-8")
    handler = lambda *a, **kw: _Quiet(*a, directory=str(site), **kw)  # noqa: E731
    httpd = socketserver.ThreadingTCPServer(("127.0.0.1", page_port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    with running_server(root / "index", root / "server.log", port=api_port, VNPOLICY_CORS_ORIGINS=page_origin):
        yield api, page_origin
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


def open_page(browser, url, searches: list):
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: searches.append(r.url) if "/v1/search" in r.url else None)
    page.goto(url)
    return page, dialogs


def test_widget_search_keyboard_and_document_view(browser, two_origins):
    from playwright.sync_api import expect

    api, page_origin = two_origins
    searches: list[str] = []
    page, dialogs = open_page(browser, page_origin + "/index.html", searches)
    box = page.locator("vnpolicy-search input")
    box.click()
    box.press_sequentially("dau tu khoa hoc cong nghe ngan sach", delay=25)
    options = page.locator("vnpolicy-search li[role=option]")
    options.first.wait_for()
    assert len(searches) <= 2, searches  # debounced: not one request per keystroke
    assert box.get_attribute("aria-expanded") == "true"
    # under load a pause in typing may send a prefix first: wait for the whole question's answer
    expect(page.locator("vnpolicy-search [role=status]")).to_contain_text("kết quả", timeout=15_000)
    expect(options.first).to_contain_text("0,05%", timeout=15_000)
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    first_id = options.first.get_attribute("id")
    assert box.get_attribute("aria-activedescendant") == first_id
    assert options.first.get_attribute("aria-selected") == "true"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "widget-results.png"))
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.startswith(api + "/view/thua-thien-hue-huyen-kh-nq07?start=")
    passage = page.locator("#passage")
    passage.wait_for()
    assert "0,05%" in passage.inner_text() and passage.is_visible()
    page.screenshot(path=str(OUTPUT / "widget-document-view.png"))
    assert dialogs == []


def test_widget_escape_and_no_results_state(browser, two_origins):
    _, page_origin = two_origins
    page, _ = open_page(browser, page_origin + "/index.html", [])
    page.evaluate("document.querySelector('vnpolicy-search').setAttribute('province', 'Cà Mau')")
    box = page.locator("vnpolicy-search input")
    box.fill("khoa hoc cong nghe")
    page.locator("vnpolicy-search li.msg").wait_for()
    assert "Không tìm thấy" in page.locator("vnpolicy-search li.msg").inner_text()
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"


def test_widget_renders_server_text_inert(browser, two_origins):
    _, page_origin = two_origins
    page, dialogs = open_page(browser, page_origin + "/index.html", [])
    box = page.locator("vnpolicy-search input")
    box.fill("kiem thu an toan hien thi")
    option = page.locator("vnpolicy-search li[role=option]").first
    option.wait_for()
    text = option.inner_text()
    assert "<img src=x onerror=" in text and "<script>" in text
    assert page.locator("vnpolicy-search img").count() == 0 and page.locator("vnpolicy-search li script").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == [] and page.evaluate("window.__xss") is None
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "widget-inert-markup.png"))


def test_widget_shows_service_unavailable(browser, two_origins):
    _, page_origin = two_origins
    page, _ = open_page(browser, page_origin + "/index.html", [])
    page.evaluate(f"document.querySelector('vnpolicy-search').setAttribute('endpoint', 'http://127.0.0.1:{free_port()}')")
    page.locator("vnpolicy-search input").fill("khoa hoc")
    message = page.locator("vnpolicy-search li.msg")
    message.wait_for()
    assert "không truy cập được" in message.inner_text()


def test_search_and_compare_pages_in_the_browser(browser, two_origins):
    api, _ = two_origins
    page, dialogs = open_page(browser, api + "/?q=ngan+sach+cho+khoa+hoc+cong+nghe+nam+2025", [])
    page.locator(".result").first.wait_for()
    page.locator("#answer a.cite").first.wait_for()
    assert "0,05%" in page.locator("#answer").inner_text()
    assert page.locator(".result mark").count() > 0
    page.locator(".facet-province input").first.wait_for()
    assert page.locator(".facet").count() >= 3  # documents per province, level, type …
    page.screenshot(path=str(OUTPUT / "search-page.png"), full_page=True)
    page.locator(".facet-province input").first.check()  # a click filters; the chip removes it again
    page.locator("#chips button.chip").first.wait_for()
    assert "province=" in page.url
    page.locator("#chips button.chip").first.click()
    page.wait_for_function("!location.search.includes('province=')")
    page.goto(api + "/view/thua-thien-hue-huyen-kh-nq07")
    page.locator("#chain-diagram svg .node").first.wait_for()
    assert "07-NQ/TU" in page.locator("#refs-out").inner_text()
    page.screenshot(path=str(OUTPUT / "directive-chain.png"), full_page=False)
    page.goto(api + "/compare?topic=" + "tỷ lệ chi ngân sách cho khoa học và công nghệ")
    page.locator("#rows tr").first.wait_for()
    rows = page.locator("#rows tr").all_inner_texts()
    assert any("0,05" in r and "2025" in r for r in rows) and any("0,1" in r and "2030" in r for r in rows)
    page.screenshot(path=str(OUTPUT / "compare-page.png"), full_page=True)
    assert dialogs == []


def test_widget_snippet_crops_around_the_densest_matches(browser):
    """The widget's own cropping function, run in Chromium: a stray early match does not win."""
    source = WIDGET.read_text(encoding="utf-8")
    densest = re.search(r"function densest\(text, hs, max\) \{.*?\n  \}\n", source, re.S).group(0)
    text = "Số lượng " + "hoạt động chung của xã " * 12 + "đạt 10 nhãn hiệu tập thể được bảo hộ vào năm 2030."
    spans = [{"start": m.start(), "end": m.end()} for m in re.finditer("nhãn hiệu tập thể|bảo hộ", text)]
    spans.insert(0, {"start": 0, "end": 2})  # a stray match at the start
    page = browser.new_page()
    start = page.evaluate(f"(() => {{ {densest}; return densest({json.dumps(text)}, {json.dumps(spans)}, 120); }})()")
    page.close()
    assert "nhãn hiệu tập thể được bảo hộ" in text[start: start + 120]

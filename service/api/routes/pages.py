"""HTML pages and the widget: search at /, compare at /compare, the document view at
/view/{doc_id}, the embeddable /widget.js and a /demo page that embeds it (no CDN).

With API keys on, the pages work through a page session: when ``VNPOLICY_PAGE_KEY`` names a
configured search key, each page sets an HttpOnly, SameSite=Strict cookie holding a token signed
with that key (never the key itself), which search endpoints accept on same-origin requests."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from ...auth import PAGE_COOKIE, issue_page_token, page_key
from ..deps import BaseUrlDep

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parents[2] / "static"


@lru_cache(maxsize=1)
def widget_source() -> tuple[bytes, str]:
    body = (STATIC / "widget.js").read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:16]


def with_page_session(response: Response, request: Request) -> Response:
    """Add the page-session cookie when a page key is configured (pages only ever call their own origin)."""
    settings = request.app.state.settings
    key = page_key(settings)
    if key is not None:
        lifetime = int(settings.page_session_hours * 3600)
        secure = (settings.public_base_url or str(request.base_url)).startswith("https:")
        response.set_cookie(PAGE_COOKIE, issue_page_token(key, lifetime), max_age=lifetime, path="/",
                            httponly=True, samesite="strict", secure=secure)
        response.headers["Cache-Control"] = "private, no-store"
    return response


def page(name: str, request: Request) -> Response:
    return with_page_session(FileResponse(STATIC / name, media_type="text/html"), request)


@router.get("/")
def search_page(request: Request) -> Response:
    return page("index.html", request)


@router.get("/compare")
def compare_page(request: Request) -> Response:
    return page("compare.html", request)


@router.get("/view/{doc_id}")
def document_view(doc_id: str, request: Request) -> Response:
    return page("view.html", request)


@router.get("/widget.js")
def widget(request: Request) -> Response:
    """The widget script; ``?v=<version>`` URLs are cached for a year, plain ones revalidate by ETag."""
    body, version = widget_source()
    etag = f'"{version}"'
    versioned = request.query_params.get("v") == version
    headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable" if versioned
               else "public, max-age=300, must-revalidate", "X-Widget-Version": version,
               "Cross-Origin-Resource-Policy": "cross-origin"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


DEMO = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cổng thông tin Sở Khoa học và Công nghệ — trang mẫu nhúng ô tìm kiếm</title>
<style>body{{font-family:Georgia,serif;font-size:18px;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}}
header{{border-bottom:3px solid #0b5394;margin-bottom:1.5rem}}h1{{font-size:1.4rem;color:#0b5394}}</style></head>
<body><header><h1>Sở Khoa học và Công nghệ — Cổng thông tin nội bộ</h1></header>
<p>Tra cứu nhanh các kế hoạch khoa học, công nghệ và đổi mới sáng tạo của các địa phương:</p>
<!-- the two lines a page author copies -->
<script src="{base}/widget.js?v={version}" defer></script>
<vnpolicy-search endpoint="{base}" k="8" lang="vi"></vnpolicy-search>
<p style="margin-top:16rem;color:#666">Trang này nhúng ô tìm kiếm đúng như một trang intranet bên ngoài.</p>
</body></html>"""


@router.get("/demo")
def demo(base: BaseUrlDep, request: Request) -> Response:
    return with_page_session(HTMLResponse(DEMO.format(base=base, version=widget_source()[1])), request)

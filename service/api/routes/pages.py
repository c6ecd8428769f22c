"""HTML pages: search at /, compare at /compare, the document view at /view/{doc_id} (no CDN)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parents[2] / "static"


@router.get("/")
def search_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/compare")
def compare_page() -> FileResponse:
    return FileResponse(STATIC / "compare.html", media_type="text/html")


@router.get("/view/{doc_id}")
def document_view(doc_id: str) -> FileResponse:
    return FileResponse(STATIC / "view.html", media_type="text/html")

"""Admin endpoints (admin API key): rebuild/reload the index, upload documents."""
from __future__ import annotations

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse

from indexer.documents import doc_id_for

from ...uploads import check_content, safe_filename, save_atomically
from ..deps import require_scope

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require_scope("admin")])


def manager(request: Request):
    return request.app.state.index_manager


@router.post("/reindex", status_code=202, summary="Rebuild the index from corpus/ beside the live one, then swap")
def reindex(request: Request, force: bool = False) -> JSONResponse:
    started = manager(request).start_rebuild(force=force)
    status = manager(request).status.to_dict()
    return JSONResponse({"started": started, "queued": not started, "status": status}, status_code=202)


@router.get("/reindex", summary="State of the last rebuild")
def reindex_status(request: Request) -> dict:
    return manager(request).status.to_dict()


@router.post("/reload", summary="Load the index the index path points at now (as SIGHUP does)")
def reload(request: Request) -> dict:
    manifest = manager(request).reload()
    return {"built_at": manifest.get("built_at"), "counts": manifest.get("counts")}


@router.post("/documents", status_code=202, summary="Upload a PDF, DOCX or TXT and index it incrementally")
async def upload(request: Request, file: UploadFile = File(...)) -> JSONResponse:
    settings = request.app.state.settings
    filename = safe_filename(file.filename)
    data = await file.read(settings.upload_max_bytes + 1)
    check_content(filename, data, settings.upload_max_bytes)
    path = save_atomically(settings.corpus_dir, filename, data)
    started = manager(request).start_rebuild()
    return JSONResponse({"file": path.name, "doc_id": doc_id_for(path.name), "bytes": len(data),
                         "reindex": "started" if started else "queued"}, status_code=202)



"""Admin endpoints (admin API key): upload, delete and restore documents (nothing is overwritten
or removed without a previous version kept), indexing jobs (status, list, cancel), rebuild and
reload of the index."""
from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from indexer.ingest.documents import doc_id_for

from ...doc_versions import DOC_ID, corpus_lock, current_files, describe, keep_version, list_versions, restore_version
from ...jobs import JOB_ID
from ...uploads import UploadConflict, check_content, safe_filename, store_upload
from ..deps import require_scope
from ..errors import ADMIN_ERRORS
from . import admin_examples as examples

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require_scope("admin")], responses=ADMIN_ERRORS)
DocIdPath = Annotated[str, Path(description="a document id (GET /v1/documents)",
                                examples=["quang-tri-skhcn-kh-43-2023"])]
JobIdPath = Annotated[str, Path(description="from GET /v1/admin/jobs", examples=[examples.JOB_ID])]


def manager(request: Request):
    """The app's IndexManager; a runner is (re)started when jobs wait, e.g. queued before a restart."""
    index_manager = request.app.state.index_manager
    if index_manager.queue.has_active():
        index_manager.ensure_runner()
    return index_manager


def _accepted(body: dict[str, Any], job: dict[str, Any]) -> JSONResponse:
    return JSONResponse({**body, "job_id": job["id"], "job": job}, status_code=202)


def _doc_id(doc_id: str) -> str:
    if not DOC_ID.match(doc_id):
        raise HTTPException(404, f"'{doc_id[:80]}' is not a document id (lower-case letters, digits and '-')")
    return doc_id


@router.post("/reindex", status_code=202, summary="Queue a rebuild of the index from corpus/ (a job)",
             responses=examples.REINDEX)
def reindex(request: Request, force: Annotated[bool, Query(description="rebuild even when corpus/ and the "
                                                                       "settings are unchanged",
                                                           examples=[False])] = False) -> JSONResponse:
    index_manager = manager(request)
    busy = index_manager.queue.has_active()
    job = index_manager.submit("reindex", force=force)
    return _accepted({"started": not busy, "queued": busy, "status": index_manager.status.to_dict()}, job)


@router.get("/reindex", summary="State of the latest rebuild (running while any job is queued or running)",
            responses=examples.REINDEX_STATUS)
def reindex_status(request: Request) -> dict:
    return manager(request).status.to_dict()


@router.post("/reload", summary="Load the index the index path points at now (as SIGHUP does)",
             responses=examples.RELOAD)
def reload(request: Request) -> dict:
    manifest = manager(request).reload()
    return {"built_at": manifest.get("built_at"), "counts": manifest.get("counts")}


@router.post("/documents", status_code=202, summary="Upload a PDF, DOCX, TXT or MD file and queue its indexing",
             responses=examples.UPLOAD)
def upload(request: Request, file: UploadFile = File(..., description="the document: a PDF, DOCX, TXT or MD file, "
                                                                      "e.g. chi-lang-kh-kl69-khcn.md"),
           replace: bool = Query(False, description="replace documents with this name, id or content; "
                                                    "each is kept as a previous version", examples=[False])
           ) -> JSONResponse:
    settings = request.app.state.settings
    filename = safe_filename(file.filename)
    data = file.file.read(settings.upload_max_bytes + 1)
    check_content(filename, data, settings.upload_max_bytes, settings)
    try:
        path, kept = store_upload(settings.corpus_dir, filename, data, replace)
    except UploadConflict as conflict:
        return JSONResponse(conflict.body(), status_code=409)
    index_manager = manager(request)
    busy = index_manager.queue.has_active()
    job = index_manager.submit("upload", file=path.name, doc_id=doc_id_for(path.name))
    return _accepted({"file": path.name, "doc_id": doc_id_for(path.name), "bytes": len(data),
                      "sha256": hashlib.sha256(data).hexdigest(), "replaced": kept,
                      "reindex": "queued" if busy else "started"}, job)


@router.delete("/documents/{doc_id}", status_code=202, summary="Remove a document (kept as a previous version)",
               responses=examples.DELETE)
def delete_document(request: Request, doc_id: DocIdPath) -> JSONResponse:
    corpus = request.app.state.settings.corpus_dir
    with corpus_lock(corpus):
        files = current_files(corpus, _doc_id(doc_id))
        if not files:
            raise HTTPException(404, f"no document '{doc_id}' in corpus/ (GET /v1/admin/documents/{doc_id}/versions "
                                     "lists kept versions)")
        kept = [keep_version(corpus, path, "deleted") for path in files]
    return _accepted({"doc_id": doc_id, "kept": kept}, manager(request).submit("delete", doc_id=doc_id))


@router.get("/documents/{doc_id}/versions", summary="The current file of a document and its previous versions",
            responses=examples.VERSIONS)
def document_versions(request: Request, doc_id: DocIdPath) -> dict:
    corpus = request.app.state.settings.corpus_dir
    current = [asdict(describe(corpus, p)) for p in current_files(corpus, _doc_id(doc_id))]
    versions = list_versions(corpus, doc_id)
    if not current and not versions:
        raise HTTPException(404, f"no document '{doc_id}' in corpus/ and no previous versions of it")
    return {"doc_id": doc_id, "current": current, "versions": versions}


@router.post("/documents/{doc_id}/restore", status_code=202,
             summary="Put a previous version back (the current file is kept as a version) and queue indexing",
             responses=examples.RESTORE)
def restore(request: Request, doc_id: DocIdPath,
            version: str = Query(..., description="from .../versions", examples=[examples.VERSION])) -> JSONResponse:
    corpus = request.app.state.settings.corpus_dir
    with corpus_lock(corpus):
        try:
            path, kept = restore_version(corpus, _doc_id(doc_id), version)
        except KeyError:
            raise HTTPException(404, f"no version '{version[:80]}' of document '{doc_id}' "
                                     f"(GET /v1/admin/documents/{doc_id}/versions)") from None
    relative = path.relative_to(corpus).as_posix()
    job = manager(request).submit("restore", file=relative, doc_id=doc_id, version=version)
    return _accepted({"doc_id": doc_id, "file": relative, "restored": version, "kept": kept}, job)


@router.get("/jobs", summary="Recent indexing jobs, newest first", responses=examples.JOBS)
def list_jobs(request: Request, limit: int = Query(50, ge=1, le=500, examples=[20]),
              state: str | None = Query(None, pattern="^(queued|running|done|failed|cancelled)$", examples=["done"])
              ) -> dict:
    return {"jobs": manager(request).queue.recent(limit, state)}


def _job(request: Request, job_id: str) -> dict[str, Any]:
    job = manager(request).queue.get(job_id) if JOB_ID.match(job_id) else None
    if job is None:
        raise HTTPException(404, f"no job '{job_id[:80]}' (GET /v1/admin/jobs lists recent ones)")
    return job


@router.get("/jobs/{job_id}", summary="One job: queued, running (with progress), done, failed (reason), cancelled",
            responses=examples.JOB)
def get_job(request: Request, job_id: JobIdPath) -> dict:
    return _job(request, job_id)


@router.delete("/jobs/{job_id}", summary="Cancel a job: a queued one is dropped, a running one stops at the "
                                         "next document and leaves the live index untouched",
               responses=examples.CANCEL)
def cancel_job(request: Request, job_id: JobIdPath) -> JSONResponse:
    job = _job(request, job_id)
    if job["state"] not in ("queued", "running"):
        raise HTTPException(409, f"job {job_id} is already {job['state']}")
    job = manager(request).queue.cancel(job_id)
    return JSONResponse(job, status_code=200 if job["state"] == "cancelled" else 202)

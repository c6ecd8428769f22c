"""The documented answers of the admin routes (``admin.py``) in ``/openapi.json``: success examples
taken from a run over the seed plans (an upload of the Chi Lăng plan, a delete and restore of the
Quảng Trị plan), and each route's own errors. The routes answer plain dicts, so these are examples only."""
from __future__ import annotations

from typing import Any

from ..errors import Responses, error, field_error, invalid, not_found, success

JOB_ID = "20261202T072838970349-f06364"
VERSION = "20261202T072849519675Z-694fc206.md"
_QT_FILE = {"file": "quang-tri-skhcn-kh-43-2023.md", "doc_id": "quang-tri-skhcn-kh-43-2023", "bytes": 16485,
            "sha256": "694fc2062ad83573e37fd9fe9d5963433a25637005d384acbcf325b335187980"}
_CL_FILE = {"file": "chi-lang-kh-kl69-khcn.md", "doc_id": "chi-lang-kh-kl69-khcn", "bytes": 23210,
            "sha256": "f000e4afd876cdf195fd48fde16017ea4d8bec0976447b08b4a8eb7ebb390442"}
_KEPT = {"version": VERSION, **_QT_FILE, "kept_at": 1796196529.52, "reason": "deleted"}
_REPORT = {"index_path": "/srv/vnpolicy/var/index", "documents": 4, "chunks": 105, "embedded": 29, "reused": 76,
           "seconds": 10.49, "embed_seconds": 9.29, "unchanged": False, "skipped": [],
           "missing_fields": {"chi-lang-kh-kl69-khcn": ["doc_number", "issued_date"]}}


def job(kind: str, state: str = "queued", **fields: Any) -> dict[str, Any]:
    """An indexing job as ``service.jobs.JobQueue`` stores it."""
    return {"id": JOB_ID, "kind": kind, "state": state, "created_at": 1796196518.97, "started_at": None,
            "finished_at": None, "progress": None, "cancel_requested": False, "reason": None, "report": None,
            "owner": None, "force": False, **fields, "updated_at": 1796196518.97}


_UPLOAD_JOB = job("upload", file=_CL_FILE["file"], doc_id=_CL_FILE["doc_id"])
_RUNNING = job("upload", "running", started_at=1796196518.97, owner={"host": "vnpolicy-1", "pid": 13042},
               progress={"phase": "embedding", "done": 12, "total": 29, "document": None},
               file=_CL_FILE["file"], doc_id=_CL_FILE["doc_id"])
_DONE = job("upload", "done", started_at=1796196518.97, finished_at=1796196529.49, owner={"host": "vnpolicy-1",
            "pid": 13042}, progress={"phase": "embedding", "done": 29, "total": 29, "document": None},
            report=_REPORT, file=_CL_FILE["file"], doc_id=_CL_FILE["doc_id"])
_STATUS = {"state": "done", "started_at": 1796196518.97, "finished_at": 1796196529.49, "report": _REPORT,
           "error": None, "job": JOB_ID, "history": [{"job": JOB_ID, "kind": "upload", "state": "done",
                                                      "started_at": 1796196518.97, "finished_at": 1796196529.49,
                                                      "error": None}]}
_NO_DOCUMENT = ("unknown-document", {"detail": "no document 'ha-nam-kh-2811' in corpus/ (GET /v1/admin/documents/"
                                               "ha-nam-kh-2811/versions lists kept versions)"})
_NO_JOB = ("unknown-job", {"detail": "no job '20261202T000000000000-abcdef' (GET /v1/admin/jobs lists recent ones)"})
_BAD_INDEX = {"check": "checksum", "files": ["dense.faiss"],
              "detail": "index at '/srv/vnpolicy/var/index' is damaged: checksum mismatch or missing file(s): "
                        "dense.faiss. Rebuild it with `vnpolicy index`."}

REINDEX: Responses = success(202, "The rebuild is queued as a job (started now unless another job runs)", {
    "started": True, "queued": False, "job_id": JOB_ID, "job": job("reindex"),
    "status": {"state": "running", "started_at": 1796196518.97, "finished_at": None, "report": None,
               "error": None, "history": [], "job": JOB_ID}})
REINDEX_STATUS: Responses = success(200, "The latest rebuild: running while any job waits, else the last one "
                                         "finished, with its report", _STATUS)
RELOAD: Responses = success(200, "The version now served", {
    "built_at": "2026-12-02T07:27:00.849297+00:00", "counts": {"documents": 4, "chunks": 105, "targets": 23}}) | {
    409: error("The version the index path points at does not load; the previous version keeps serving",
               ("damaged-index", _BAD_INDEX | {"serving": {"build_id": "build-20261202T072655-12444-155129",
                                                           "built_at": "2026-12-02T07:27:00.849297+00:00"}})),
    503: error("The version does not load and no version is served", ("damaged-index", _BAD_INDEX | {"serving": None})),
}
UPLOAD: Responses = success(202, "The file is in corpus/ and its indexing is queued as a job", {
    **_CL_FILE, "replaced": [], "reindex": "started", "job_id": JOB_ID, "job": _UPLOAD_JOB}) | {
    409: error("A document with this name, id or content exists: upload again with replace=true", ("conflict", {
        "detail": "'chi-lang-kh-kl69-khcn.md' conflicts with document 'chi-lang-kh-kl69-khcn' (file "
                  "chi-lang-kh-kl69-khcn.md): same file name. Upload again with replace=true to replace it (the "
                  "current file is kept as a previous version, listed by GET "
                  "/v1/admin/documents/chi-lang-kh-kl69-khcn/versions)",
        "conflicts": [{"reason": "same file name", **_CL_FILE}]})),
    413: error("Over a size or page limit, named with its setting", ("too-large", {
        "detail": "request body is 25,165,824 bytes; the limit is 20,971,520"}), ("too-many-pages", {
        "detail": "the PDF has 2,400 pages; the limit is 2,000 (VNPOLICY_DOC_MAX_PAGES)"})),
    415: error("Not a PDF, DOCX, TXT or MD file, or not what its name says", ("wrong-type", {
        "detail": "file type '.exe' is not accepted; upload one of ['.docx', '.md', '.pdf', '.txt']"})),
    422: invalid(("empty-file", {"detail": "the uploaded file is empty"}),
                 ("no-file", field_error(("body", "file"), "Field required", "missing"))),
}
DELETE: Responses = success(202, "The file is kept as a previous version and its removal from the index is queued",
                            {"doc_id": _QT_FILE["doc_id"], "kept": [_KEPT], "job_id": JOB_ID,
                             "job": job("delete", doc_id=_QT_FILE["doc_id"])}) | not_found(_NO_DOCUMENT)
VERSIONS: Responses = success(200, "The document's current file(s) and its previous versions, newest first", {
    "doc_id": _QT_FILE["doc_id"], "current": [_QT_FILE],
    "versions": [{k: v for k, v in _KEPT.items() if k != "doc_id"}]}) | not_found(_NO_DOCUMENT)
RESTORE: Responses = success(202, "The version is back in corpus/ and its indexing is queued", {
    "doc_id": _QT_FILE["doc_id"], "file": _QT_FILE["file"], "restored": VERSION, "kept": [], "job_id": JOB_ID,
    "job": job("restore", file=_QT_FILE["file"], doc_id=_QT_FILE["doc_id"], version=VERSION)}) | not_found(
    ("unknown-version", {"detail": f"no version '20260101T000000000000Z-00000000.md' of document "
                                   f"'{_QT_FILE['doc_id']}' (GET /v1/admin/documents/{_QT_FILE['doc_id']}/versions)"}))
JOBS: Responses = success(200, "Recent jobs, newest first", {"jobs": [_DONE]})
JOB: Responses = success(200, "The job, with its progress while running and its report when done",
                         _RUNNING) | not_found(_NO_JOB)
CANCEL: Responses = success(200, "A queued job: cancelled", job("reindex", "cancelled", finished_at=1796196529.59,
                                                                 reason="cancelled before it started")) | {
    **success(202, "A running job: asked to stop at the next document", _RUNNING | {"cancel_requested": True}),
    **not_found(_NO_JOB),
    409: error("The job has finished already", ("finished", {"detail": f"job {JOB_ID} is already done"})),
}

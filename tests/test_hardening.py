"""Hardening: reindex while serving, kill -9 during indexing, uploads, limits, logs, metrics."""
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer.pipeline import build_index
from indexer.store import load_index
from service.config import Settings
from service.main import create_app

from .conftest import CORPUS, ROOT
from .helpers import PDF_PAGES, make_pdf, running_server

ADMIN = {"X-API-Key": "adm1n"}
KEYS = "s3arch:search,adm1n:admin"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A real uvicorn server over a small corpus it may rebuild; admin and search keys set.
    Shared by this module's tests, which run in file order (reindex, then uploads)."""
    tmp_path = tmp_path_factory.mktemp("live")
    small_corpus = tmp_path / "corpus"
    small_corpus.mkdir()
    for name in ("thua-thien-hue-huyen-kh-nq07.md", "quang-tri-skhcn-kh-43-2023.md"):
        shutil.copy(CORPUS / name, small_corpus / name)
    out = tmp_path / "index"
    build_index(small_corpus, out)
    with running_server(out, tmp_path / "server.log", VNPOLICY_CORPUS_DIR=str(small_corpus), VNPOLICY_API_KEYS=KEYS,
                        VNPOLICY_RATE_LIMIT_PER_MINUTE="0") as (base, proc):
        yield base, small_corpus, out, proc


def wait_reindex(base: str, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = httpx.get(base + "/v1/admin/reindex", headers=ADMIN).json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.2)
    raise AssertionError("reindex did not finish")


def test_reindex_while_serving_has_no_failed_or_mixed_responses(live):
    base, corpus, _, _ = live
    query = {"q": "đầu tư cho hoạt động khoa học công nghệ tổng chi ngân sách", "k": 3}
    old_version = httpx.get(base + "/v1/search", params=query, headers=ADMIN).json()["index_version"]
    doc = corpus / "thua-thien-hue-huyen-kh-nq07.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("0,1 %", "0,2 %"), encoding="utf-8")
    seen, failures, stop = [], [], threading.Event()

    def hammer():
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                response = client.get(base + "/v1/search", params=query, headers=ADMIN)
                if response.status_code != 200:
                    failures.append(response.status_code)
                    continue
                body = response.json()
                texts = " ".join(r["text"] for r in body["results"])
                seen.append((body["index_version"], "0,1 %" in texts, "0,2 %" in texts))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    assert httpx.post(base + "/v1/admin/reindex", headers=ADMIN).status_code == 202
    status = wait_reindex(base)
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert status["state"] == "done" and status["report"]["embedded"] == 1, status
    assert failures == []
    versions = {v for v, _, _ in seen}
    assert old_version in versions and len(versions) == 2
    for version, has_old, has_new in seen:  # every response is wholly one index or the other
        assert (has_old and not has_new) if version == old_version else (has_new and not has_old)


def test_search_key_cannot_reindex_or_upload(live):
    base = live[0]
    assert httpx.post(base + "/v1/admin/reindex", headers={"X-API-Key": "s3arch"}).status_code == 403
    assert httpx.post(base + "/v1/admin/reindex").status_code == 401
    files = {"file": ("plan.txt", "KẾ HOẠCH\n\nNội dung.".encode(), "text/plain")}
    assert httpx.post(base + "/v1/admin/documents", files=files, headers={"X-API-Key": "s3arch"}).status_code == 403


def test_upload_pdf_is_indexed_incrementally(live, tmp_path):
    base, corpus, _, _ = live
    pdf = make_pdf(tmp_path / "Kế hoạch Bắc Ninh.pdf", PDF_PAGES).read_bytes()
    response = httpx.post(base + "/v1/admin/documents", headers=ADMIN,
                          files={"file": ("Kế hoạch Bắc Ninh.pdf", pdf, "application/pdf")})
    assert response.status_code == 202, response.text
    assert response.json()["file"] == "ke-hoach-bac-ninh.pdf" and (corpus / "ke-hoach-bac-ninh.pdf").exists()
    status = wait_reindex(base)
    assert status["state"] == "done" and status["report"]["reused"] > 0
    results = httpx.get(base + "/v1/search", params={"q": "sàn giao dịch công nghệ của tỉnh", "k": 3},
                        headers=ADMIN).json()["results"]
    top = results[0]  # a short plan is one passage across its pages: it starts on page 1 and spans page 2
    assert top["doc_id"] == "ke-hoach-bac-ninh" and top["page"] <= 2 <= top["page_end"]


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
        archive.writestr("[Content_Types].xml", b"<Types/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name,data,status,needle", [
    ("virus.exe", b"MZ\x90\x00", 415, "not accepted"),
    ("../../etc/passwd.txt", b"x", 422, "plain name"),
    ("..\\boot.ini.txt", b"x", 422, "plain name"),
    (".hidden.txt", b"x", 422, "plain name"),
    ("fake.pdf", b"<html>not a pdf</html>", 415, "%PDF"),
    ("fake.docx", b"PK\x03\x04 broken", 415, "Word"),
    ("bomb.docx", None, 422, "decompression bomb"),
    ("empty.txt", b"", 422, "empty"),
    ("latin1.txt", "Kế hoạch".encode("utf-16"), 415, "UTF-8"),
])
def test_bad_uploads_are_refused_and_corpus_untouched(live, name, data, status, needle):
    base, corpus, _, _ = live
    before = sorted(p.name for p in corpus.iterdir())
    response = httpx.post(base + "/v1/admin/documents", headers=ADMIN,
                          files={"file": (name, zip_bomb() if data is None else data, "application/octet-stream")})
    assert response.status_code == status, response.text
    assert needle in response.json()["detail"]
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_kill_9_during_indexing_leaves_previous_index(small_corpus, tmp_path):
    out = tmp_path / "index"
    build_index(small_corpus, out)
    before = load_index(out).manifest["build_id"]
    (small_corpus / "extra.md").write_text("KẾ HOẠCH\n\nI. MỤC TIÊU\n\n" + "Chuyển đổi số cấp xã. " * 400,
                                           encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "index", "--corpus", str(small_corpus),
                             "--out", str(out), "--force"], cwd=ROOT, env=os.environ | {"PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE, text=True)
    started = time.time()
    while "embedding" not in (proc.stderr.read(64) or "") and time.time() - started < 60:
        pass
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    index = load_index(out)  # checksums verified: the live version is whole
    assert index.manifest["build_id"] == before and "extra" not in index.documents


def test_body_size_limit_and_rate_limit(engine):
    settings = Settings(index_dir=engine.index.path, max_body_bytes=1000, rate_limit_per_minute=60, rate_limit_burst=3)
    with TestClient(create_app(settings, engine=engine)) as client:
        big = client.post("/v1/search", content=json.dumps({"query": "x" * 5000}),
                          headers={"content-type": "application/json"})
        assert big.status_code == 413 and "limit" in big.json()["detail"]
        codes = [client.get("/v1/search", params={"q": "khoa học"}).status_code for _ in range(5)]
        assert codes[:2] == [200, 200] and codes[-1] == 429
        limited = client.get("/v1/search", params={"q": "khoa học"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert client.get("/healthz").status_code == 200  # health is never limited


def test_structured_logs_and_metrics(engine, caplog):
    quiet = Settings(index_dir=engine.index.path, log_queries=False)
    with TestClient(create_app(quiet, engine=engine)) as client, caplog.at_level(logging.INFO, "vnpolicy.access"):
        client.get("/v1/search", params={"q": "bí mật quốc gia", "k": 4})
        metrics = client.get("/metrics").text
    record = next(r for r in caplog.records if getattr(r, "payload", {}).get("path") == "/v1/search")
    assert record.payload["results"] == 4 and record.payload["status"] == 200 and record.payload["ms"] > 0
    assert "query" not in record.payload and "bí mật" not in json.dumps(record.payload, ensure_ascii=False)
    assert 'vnpolicy_requests_total{method="GET",route="/v1/search",status="200"}' in metrics
    assert "vnpolicy_index_chunks" in metrics
    loud = Settings(index_dir=engine.index.path, log_queries=True)
    caplog.clear()
    with TestClient(create_app(loud, engine=engine)) as client, caplog.at_level(logging.INFO, "vnpolicy.access"):
        client.get("/v1/search", params={"q": "sản phẩm chủ lực"})
    record = next(r for r in caplog.records if getattr(r, "payload", {}).get("path") == "/v1/search")
    assert record.payload["query"] == "sản phẩm chủ lực"

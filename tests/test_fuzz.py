"""Schemathesis over the whole OpenAPI schema, against a real server: no input makes it answer 5xx.

Bounded: 25 examples per operation, deterministic generation. Admin endpoints need an admin key
the fuzzer lacks, so they are exercised up to their 403 without rebuilding or writing corpus/.
"""
import shutil
import subprocess

import pytest

from .conftest import CORPUS, ROOT
from .helpers import running_server


@pytest.fixture(scope="module")
def fuzz_server(seed_index, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("fuzz-corpus")
    shutil.copy(CORPUS / "thua-thien-hue-huyen-kh-nq07.md", corpus)
    with running_server(seed_index, corpus / "server.log", VNPOLICY_CORPUS_DIR=str(corpus),
                        VNPOLICY_RATE_LIMIT_PER_MINUTE="0", VNPOLICY_LOG_LEVEL="WARNING",
                        VNPOLICY_API_KEYS="fuzz-search:search,never-given:admin") as (base, _):
        yield base


def test_no_server_errors_anywhere_in_the_schema(fuzz_server, tmp_path):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "schemathesis") if (ROOT / ".venv" / "bin" / "schemathesis").exists()
         else "schemathesis", "run", f"{fuzz_server}/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", "25", "--generation-deterministic", "--request-timeout", "20",
         "--header", "X-API-Key: fuzz-search", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary
    assert "passed" in summary.lower() or "success" in summary.lower(), summary

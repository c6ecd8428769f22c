"""The README's integration snippets run as written against a real server (only the URL is swapped)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEARCH_KEY

ROOT = Path(__file__).resolve().parents[1]
README_URL = "http://localhost:8000"


def integration_snippets() -> list[tuple[str, str]]:
    """(language, code) of each python or bash block of the README's 'Integrations' section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Integrations\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(python|bash)\n(.*?)```", section, re.S)


def test_the_section_has_a_snippet_per_integration():
    languages = [language for language, _ in integration_snippets()]
    assert languages.count("python") == 4 and languages.count("bash") == 1


@pytest.mark.parametrize("language,code", integration_snippets(), ids=lambda v: v if v in ("python", "bash") else "")
def test_snippet_runs(keyed_server, language, code):
    code = code.replace(README_URL, keyed_server)
    env = os.environ | {"VNPOLICY_API_KEY": SEARCH_KEY, "VNPOLICY_URL": keyed_server, "PYTHONPATH": str(ROOT),
                        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    command = [sys.executable, "-c", code] if language == "python" else ["bash", "-euo", "pipefail", "-c", code]
    run = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    cited = (keyed_server in run.stdout or "[1] " in run.stdout  # a passage's URL, or a numbered passage
             or re.search(r"\b[a-z0-9]+(?:-[a-z0-9]+){2,}\b", run.stdout))  # or a doc_id
    assert cited, run.stdout

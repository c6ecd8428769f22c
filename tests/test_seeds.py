"""The four seed plans parse with the right metadata, sections and passages."""
import pytest

from indexer.ingest.chunking import SectionChunker
from indexer.ingest.documents import doc_id_for, parse_document
from indexer.ingest.loaders import load_file
from indexer.extract.metadata import load_manifest

from .conftest import CORPUS

EXPECTED = {
    "chi-lang-kh-kl69-khcn": dict(locality="Chi Lăng", province="Lạng Sơn", level="huyện", signer="Phùng Văn Nghĩa",
                                  issuer="UBND huyện Chi Lăng", doc_number=None, year=2024),
    "ha-nam-kh-2811-2020": dict(locality="Hà Nam", province="Hà Nam", level="tỉnh", signer="Đinh Thị Lụa",
                                doc_number="2811/KH-UBND", issued_date="2020-09-16"),
    "quang-tri-skhcn-kh-43-2023": dict(locality="Quảng Trị", province="Quảng Trị", level="sở",
                                       signer="Đào Ngọc Hoàng", doc_number="43/KH-SKHCN", issued_date="2023-04-11"),
    "thua-thien-hue-huyen-kh-nq07": dict(province="Thừa Thiên Huế", level="huyện", signer="Hoàng Văn Thái"),
}


@pytest.fixture(scope="module")
def parsed():
    manifest = load_manifest(CORPUS)
    docs = {}
    for path in sorted(CORPUS.glob("*.md")):
        doc_id = doc_id_for(path.name)
        docs[doc_id] = parse_document(load_file(path), doc_id, path.name, manifest.get(doc_id, {}), SectionChunker())
    return docs


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_seed_metadata(parsed, doc_id):
    meta = parsed[doc_id].meta
    for field, value in EXPECTED[doc_id].items():
        assert getattr(meta, field) == value, field


def test_extraction_without_manifest_finds_number_date_and_signer(parsed):
    meta = parsed["ha-nam-kh-2811-2020"].meta
    assert {"doc_number", "issued_date", "signer", "locality", "level"} <= set(meta.extracted)


def test_chunks_stay_in_their_top_section_and_carry_heading_path(parsed):
    doc = parsed["thua-thien-hue-huyen-kh-nq07"]
    target = next(c for c in doc.chunks if "0,05% tổng chi ngân sách" in c.text)
    assert target.section == ["I. MỤC TIÊU, CHỈ TIÊU", "2. Chỉ tiêu"]
    for chunk in doc.chunks:  # a passage may start at an ancestor's heading that has no body of its own
        top = next(s for s in doc.sections if s.path == chunk.section[:1])
        section = next(s for s in doc.sections if s.path == chunk.section)
        assert top.start <= chunk.char_start and chunk.char_end <= top.end and section.start >= top.start
        assert doc.text[chunk.char_start: chunk.char_end] == chunk.text


def test_boilerplate_is_metadata_not_passages(parsed):
    for doc in parsed.values():
        assert not any("Nơi nhận" in c.text or "Lưu: VT" in c.text for c in doc.chunks)
        assert doc.meta.recipients


def test_appendix_table_rows_stay_whole(parsed):
    doc = parsed["quang-tri-skhcn-kh-43-2023"]
    rows = [line for line in doc.text.split("\n") if line.count("\t") >= 3]
    table_text = "\n".join(c.text for c in doc.chunks if c.kind == "table")
    assert len(rows) == 6
    for row in rows:
        assert row in table_text
    for chunk in (c for c in doc.chunks if c.kind == "table"):
        assert chunk.section[0].startswith("PHỤ LỤC")


def test_markdown_is_out_and_page_break_sentences_are_joined(parsed):
    doc = parsed["ha-nam-kh-2811-2020"]
    assert "**" not in doc.text and "\n#" not in doc.text
    assert "kinh tế thị trường định hướng xã hội chủ nghĩa và hội" in doc.text
    assert all(len(c.text) <= 1000 for d in parsed.values() for c in d.chunks)

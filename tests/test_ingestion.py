"""Nothing lost between the file and the passages: coverage, offsets, sizes, lead-ins, tables, formats."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.ingest.chunking import SectionChunker
from indexer.ingest.coverage import MIN_COVERAGE, corpus_coverage, document_coverage
from indexer.ingest.documents import parse_document
from indexer.ingest.loaders import LoadedFile, load_file
from indexer.ingest.normalize import normalize_document

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "datasets"
CHUNKER = SectionChunker()


def parse_text(text: str, doc_id: str = "doc", chunker: SectionChunker = CHUNKER, fmt: str = "txt"):
    loaded = LoadedFile(Path(f"{doc_id}.{fmt}"), text, None, "0" * 64, fmt)
    return parse_document(loaded, doc_id, f"{doc_id}.{fmt}", {}, chunker)


def assert_sound(doc, chunker: SectionChunker = CHUNKER) -> None:
    """Full coverage, exact offsets, passages inside the maximum and never overlapping."""
    assert document_coverage(doc).ratio == 1.0
    previous_end = 0
    for chunk in doc.chunks:
        assert chunk.text == doc.text[chunk.char_start: chunk.char_end]
        assert chunk.char_start >= previous_end
        assert len(chunk.text) <= chunker.max_chars
        previous_end = chunk.char_end


# -- generated documents ------------------------------------------------------------------
_WORDS = ("phát triển khoa học công nghệ đổi mới sáng tạo tỉnh huyện xã doanh nghiệp sản phẩm chủ lực "
          "tỷ lệ đạt năm 2030 người nào thì bị phạt tù từ hai năm đến bảy năm trường hợp sau đây").split()
words = st.lists(st.sampled_from(_WORDS), min_size=2, max_size=60).map(" ".join)
sentence = words.map(lambda w: w[0].upper() + w[1:] + ".")
body = st.lists(sentence, min_size=0, max_size=4).map(" ".join)
lead_in = words.map(lambda w: w[0].upper() + w[1:] + " như sau:")


@st.composite
def plan_documents(draw) -> str:
    blocks = ["KẾ HOẠCH", draw(sentence)]
    for i in range(1, draw(st.integers(1, 3)) + 1):
        blocks.append(f"{'I' * i}. {draw(words).upper()}")
        for j in range(1, draw(st.integers(0, 3)) + 1):
            blocks.append(f"{j}. {draw(st.one_of(lead_in, sentence))}")
            for k in range(1, draw(st.integers(0, 3)) + 1):
                blocks.append(f"{j}.{k}. {draw(words)}")
                blocks.extend(f"{letter}) {draw(body) or draw(sentence)}" for letter in "abcd"[: draw(st.integers(0, 4))])
                blocks.extend(f"- {draw(sentence)}" for _ in range(draw(st.integers(0, 3))))
            if draw(st.booleans()):
                blocks.append(draw(body) or draw(sentence))
    blocks += ["Nơi nhận:", "- Như trên;", "- Lưu: VT.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]
    return "\n\n".join(blocks)


@st.composite
def legal_documents(draw) -> str:
    blocks = [draw(sentence)]
    article = 0
    for c in range(1, draw(st.integers(1, 3)) + 1):
        blocks += [f"Chương {'I' * c}", draw(words).upper()]
        for _ in range(draw(st.integers(1, 3))):
            article += 1
            blocks.append(f"Điều {article}. {draw(words)}")
            for k in range(1, draw(st.integers(0, 4)) + 1):
                blocks.append(f"{k}. {draw(st.one_of(lead_in, sentence))}")
                blocks.extend(f"{p}) {draw(sentence)}" for p in "abcdđe"[: draw(st.integers(0, 6))])
    return "\n\n".join(blocks)


SMALL = SectionChunker(target_chars=200, max_chars=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_documents(), st.sampled_from([SMALL, CHUNKER]), st.booleans())
def test_generated_plans_lose_nothing(text, chunker, hard_wrapped):
    if hard_wrapped:  # as a portal publishes it: every line wrapped at ~80 characters, no blank lines
        text = "\n".join(_wrap(block) for block in text.split("\n\n"))
    doc = parse_text(text, chunker=chunker)
    assert_sound(doc, chunker)
    assert "Nguyễn Văn An" not in " ".join(c.text for c in doc.chunks)  # the signature is metadata


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(legal_documents(), st.sampled_from([SMALL, CHUNKER]))
def test_generated_legal_texts_lose_nothing(text, chunker):
    doc = parse_text(text, chunker=chunker)
    assert_sound(doc, chunker)
    for chunk in doc.chunks:  # every piece of an article knows its article
        article = re.search(r"Điều \d+", " ".join(chunk.section))
        if article:
            assert article.group(0) in chunk.search_text


def _wrap(block: str, width: int = 80) -> str:
    lines, line = [], ""
    for word in block.split(" "):
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


# -- lead-ins and headings -----------------------------------------------------------------
def test_lead_in_clause_is_kept_with_its_points_and_repeated_in_context():
    points = "\n\n".join(f"{p}) Trường hợp {p}: " + "phạm tội có tổ chức, gây hậu quả nghiêm trọng. " * 6
                         for p in "abcdđe")
    text = ("Tội cướp biển\n\n1. Người nào cướp tài sản trên biển thì bị phạt tù từ 05 năm đến 15 năm:\n\n"
            + points + "\n\n2. Phạm tội thuộc trường hợp đặc biệt nghiêm trọng thì bị phạt tù chung thân.")
    doc = parse_text(text)
    assert_sound(doc)
    assert len(doc.chunks) >= 2
    assert doc.chunks[0].text.startswith("Tội cướp biển")
    for chunk in doc.chunks:
        if chunk.text.startswith(("b)", "c)", "d)", "đ)", "e)")):
            assert "thì bị phạt tù từ 05 năm đến 15 năm" in chunk.context


def test_heading_without_body_starts_its_first_passage():
    text = "I. MỤC TIÊU\n\n1. Mục tiêu chung\n\nPhát triển khoa học và công nghệ.\n\n2. Chỉ tiêu\n\nĐạt 90%."
    doc = parse_text(text)
    assert doc.chunks[0].text.startswith("I. MỤC TIÊU")
    assert all(len(c.text.strip()) > len("I. MỤC TIÊU") for c in doc.chunks)


# -- portal text --------------------------------------------------------------------------
PORTAL_SNIPPET = """|
**ỦY BAN NHÂN
DÂN**
TỈNH VĨNH LONG
-------
|
**CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM**
Độc lập - Tự do - Hạnh phúc
---------------
|
|
Số: 2637/QĐ-UBND
|
*Vĩnh Long, ngày 16 tháng 11 năm
2025*
|
**QUYẾT ĐỊNH:**
**Điều 1. **Công bố kèm theo Quyết định này danh
mục **12 (mười hai) **thủ tục hành chính được sửa đổi, bổ sung, cụ thể:
1. Sửa đổi, bổ sung:
- **05 (năm) **thủ tục hành chính
áp dụng chung (tỉnh, xã).
**Điều 2. **Phạm vi tiếp nhận
|
**STT**
|
**Tên
thủ tục**
|
**Phí**
|
|
1
|
Cấp bản sao từ sổ
gốc
|
10.000 đồng/trường hợp
|
|
2
|
Chứng thực chữ ký
|
10.000 đồng/trường hợp
|
**PHỤ LỤC I**
DANH MỤC"""


def test_portal_text_is_reflowed_with_exact_offsets():
    mapped = normalize_document(PORTAL_SNIPPET)
    text = mapped.text
    assert "ỦY BAN NHÂN DÂN TỈNH VĨNH LONG" in text
    assert "Số: 2637/QĐ-UBND\tVĩnh Long, ngày 16 tháng 11 năm 2025" in text
    assert "Điều 1. Công bố kèm theo Quyết định này danh mục 12 (mười hai) thủ tục" in text
    assert "1\tCấp bản sao từ sổ gốc\t10.000 đồng/trường hợp\n2\tChứng thực chữ ký\t10.000 đồng/trường hợp" in text
    assert "\n\nPHỤ LỤC I" in text
    for i, ch in enumerate(text):  # every kept character maps to itself in the source
        if not ch.isspace():
            assert PORTAL_SNIPPET[mapped.offsets[i]] == ch


def test_table_rows_stay_whole_with_the_header_in_context():
    rows = "\n".join(f"|\n{n}\n|\nThủ tục hành chính số {n} " + "được sửa đổi, bổ sung " * 8 + f"\n|\n{n}0.000 đồng\n|"
                     for n in range(1, 15))
    text = "**Điều 1. **Danh mục\n|\n**STT**\n|\n**Tên thủ tục**\n|\n**Phí**\n|\n" + rows
    doc = parse_text(text, fmt="md")
    assert_sound(doc)
    tables = [c for c in doc.chunks if c.kind == "table"]
    assert len(tables) >= 2
    for chunk in tables:
        for line in chunk.text.split("\n"):
            assert line.count("\t") == 2  # a whole row: three cells
        if not chunk.text.startswith("STT"):
            assert "STT | Tên thủ tục | Phí" in chunk.context


# -- the three corpora --------------------------------------------------------------------
def test_seed_plans_lose_nothing():
    docs = [parse_document(load_file(p), p.stem, p.name, {}, CHUNKER) for p in sorted((ROOT / "corpus").glob("*.md"))]
    for doc in docs:
        assert document_coverage(doc).ratio >= MIN_COVERAGE, doc.meta.doc_id


@pytest.mark.skipif(not (SHARED / "realdocs-dev").is_dir(), reason="../shared/datasets/realdocs-dev not present")
def test_real_published_documents_lose_nothing():
    paths = sorted((SHARED / "realdocs-dev" / "docs").glob("*.md"))[::3]
    coverage = corpus_coverage(parse_document(load_file(p), p.stem, p.name, {}, CHUNKER) for p in paths)
    assert coverage.ratio >= MIN_COVERAGE, str(coverage)


@pytest.mark.skipif(not (SHARED / "alqac2022").is_dir(), reason="../shared/datasets/alqac2022 not present")
def test_legal_articles_lose_nothing():
    lines = (SHARED / "alqac2022" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[::5]
    docs = [parse_text(json.loads(line)["text"], f"a{i}") for i, line in enumerate(lines)]
    coverage = corpus_coverage(docs)
    assert coverage.ratio >= MIN_COVERAGE, str(coverage)
    assert coverage.below == 0


# -- one document, three formats -----------------------------------------------------------
SAME_PLAN = [
    "KẾ HOẠCH", "Phát triển khoa học, công nghệ và đổi mới sáng tạo tỉnh Bắc Ninh giai đoạn 2026 - 2030",
    "Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học, công nghệ, "
    "đổi mới sáng tạo và chuyển đổi số quốc gia, Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:",
    "I. MỤC TIÊU", "1. Mục tiêu chung",
    "Phát triển khoa học, công nghệ và đổi mới sáng tạo thực sự trở thành động lực chính của tăng trưởng kinh tế, "
    "nâng cao năng suất lao động và năng lực cạnh tranh của tỉnh trong giai đoạn mới.",
    "2. Chỉ tiêu cụ thể đến năm 2030:",
    "a) Tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo đạt trên 40% tổng số doanh nghiệp đang hoạt động.",
    "b) Hỗ trợ ít nhất 20 doanh nghiệp khoa học và công nghệ được thành lập mới trên địa bàn tỉnh.",
    "II. NHIỆM VỤ, GIẢI PHÁP",
    "1. Sở Khoa học và Công nghệ chủ trì xây dựng sàn giao dịch công nghệ của tỉnh, hỗ trợ đăng ký nhãn hiệu "
    "tập thể cho nông sản đặc trưng và kết nối cung cầu công nghệ với các viện, trường.",
]


def test_markdown_docx_and_pdf_of_one_document_give_the_same_passages(tmp_path):
    from .helpers import make_docx, make_pdf

    wrapped_md = "\n".join(_wrap(block) for block in SAME_PLAN)  # as a portal publishes it
    (tmp_path / "plan.md").write_text(wrapped_md, encoding="utf-8")
    paths = [tmp_path / "plan.md", make_docx(tmp_path / "plan.docx", SAME_PLAN),
             make_pdf(tmp_path / "plan.pdf", ["\n".join(SAME_PLAN)])]
    passages = []
    for path in paths:
        doc = parse_document(load_file(path), "plan", path.name, {}, SMALL)
        assert_sound(doc, SMALL)
        passages.append([" ".join(c.text.split()) for c in doc.chunks])
    assert passages[0] == passages[1] == passages[2]
    assert len(passages[0]) >= 3


def test_unreadable_structure_falls_back_to_plain_passages(monkeypatch, caplog):
    import indexer.ingest.documents as documents

    def broken(*_args, **_kwargs):
        raise ValueError("unexpected numbering")

    monkeypatch.setattr(documents, "parse_tree", broken)
    doc = parse_text("I. MỤC TIÊU\n\n" + "Phát triển khoa học và công nghệ của tỉnh. " * 40, "odd")
    assert_sound(doc)
    assert "odd.txt: structure could not be read" in caplog.text


def test_only_recipients_and_signature_are_boilerplate():
    text = ("Điều 3. Các sở, ngành chịu trách nhiệm thi hành Quyết định này./.\n|\nNơi nhận:\n- Như Điều 3;\n"
            "- Lưu: VT.\n|\n**KT. CHỦ TỊCH**\nPHÓ CHỦ TỊCH\n**Nguyễn Văn An**\n|\n**QUY ĐỊNH**\n"
            "Về quản lý nhiệm vụ khoa học và công nghệ\n**Điều 1. **Phạm vi điều chỉnh\nQuy định này áp dụng cho các "
            "nhiệm vụ cấp tỉnh.\n- Nộp hồ sơ trực tuyến qua Cổng dịch vụ công quốc gia.")
    doc = parse_text(text, fmt="md")
    assert_sound(doc)
    passages = " ".join(c.text for c in doc.chunks)
    assert "Nguyễn Văn An" not in passages and "Lưu: VT" not in passages
    assert "Quy định này áp dụng cho các nhiệm vụ cấp tỉnh." in passages
    assert "Nộp hồ sơ trực tuyến qua Cổng dịch vụ công quốc gia." in passages
    assert doc.meta.signer == "Nguyễn Văn An"


def test_text_without_metadata_indexes_with_every_field_missing():
    from indexer.extract.metadata import REQUIRED_FIELDS

    doc = parse_text("ghi chép nội bộ về buổi làm việc, không có số hiệu hay ngày tháng gì cả", "note")
    assert_sound(doc)
    assert doc.chunks and set(doc.meta.missing) == set(REQUIRED_FIELDS)

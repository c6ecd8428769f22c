import pytest

from indexer.ingest.chunking import SectionChunker
from indexer.ingest.documents import parse_document
from indexer.ingest.loaders import LoadError, load_file, page_of

from .helpers import PDF_PAGES, make_docx, make_pdf


def test_pdf_pages_and_diacritics(tmp_path):
    loaded = load_file(make_pdf(tmp_path / "plan.pdf", PDF_PAGES))
    assert len(loaded.page_starts) == 3
    doc = parse_document(loaded, "plan", "plan.pdf", {}, SectionChunker(200, 300))
    assert doc.meta.doc_number == "15/KH-UBND" and doc.meta.issued_date == "2024-05-03"
    by_phrase = {c.text: c.page for c in doc.chunks}
    assert any("sàn giao dịch công nghệ" in t and p == 2 for t, p in by_phrase.items())
    assert any("quỹ phát triển khoa học và công nghệ" in t and p == 3 for t, p in by_phrase.items())
    assert "phấn đấu 85% doanh nghiệp ứng dụng công nghệ số" in doc.text


def test_docx_paragraphs_and_table(tmp_path):
    path = make_docx(tmp_path / "plan.docx", ["KẾ HOẠCH", "I. MỤC TIÊU", "Đạt trên 90% tỷ lệ hồ sơ trực tuyến."],
                     table=[["Stt", "Nội dung", "Đơn vị"], ["1.", "Tuyên truyền", "Sở Thông tin và Truyền thông"]])
    loaded = load_file(path)
    assert "Đạt trên 90% tỷ lệ hồ sơ trực tuyến." in loaded.text
    assert "1.\tTuyên truyền\tSở Thông tin và Truyền thông" in loaded.text
    doc = parse_document(loaded, "plan", "plan.docx", {}, SectionChunker())
    assert any("1.\tTuyên truyền\tSở Thông tin và Truyền thông" in c.text for c in doc.chunks)  # the row whole


@pytest.mark.parametrize("name,data,reason", [
    ("broken.pdf", b"%PDF-1.4\n this is not really a pdf", "corrupt"),
    ("broken.docx", b"PK\x03\x04 not a zip", "corrupt"),
    ("empty.txt", b"", "empty"),
    ("latin1.txt", "Kế hoạch".encode("utf-16"), "UTF-8"),
    ("image.png", b"\x89PNG", "unsupported"),
])
def test_bad_files_raise_load_error_with_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(LoadError, match=reason):
        load_file(path)


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("khoa học " * 1000, encoding="utf-8")
    with pytest.raises(LoadError, match="limit"):
        load_file(path, max_bytes=100)


def test_encrypted_pdf_is_refused(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", PDF_PAGES[:1])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match="encrypted"):
        load_file(locked)


def test_page_of():
    assert page_of(0, [0, 10, 20]) == 1
    assert page_of(15, [0, 10, 20]) == 2
    assert page_of(5, None) is None

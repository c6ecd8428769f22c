"""Numeric targets: the Vietnamese number parser, extraction on seed sentences, the gold
list, and the compare endpoint + CSV."""
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.targets import parse_number, targets_in_sentence
from service.evaluation_targets import run_compare_eval, run_targets_eval

from .conftest import ROOT


@pytest.mark.parametrize("text,value", [("0,05", 0.05), ("0,1", 0.1), ("01", 1.0), ("70", 70.0), ("1.500", 1500.0),
                                        ("2,5", 2.5), ("100", 100.0), ("1.000.000", 1e6)])
def test_parse_number(text, value):
    assert parse_number(text) == value


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99))
def test_parse_number_decimal_comma_round_trips(whole, hundredths):
    text = f"{whole},{hundredths:02d}"
    assert parse_number(text) == pytest.approx(whole + hundredths / 100)


@given(st.integers(min_value=1000, max_value=10**9))
def test_parse_number_thousands_separator(value):
    assert parse_number(f"{value:,}".replace(",", ".")) == value


def extract(sentence: str, default_year=None):
    return [(t.value, t.value_max, t.unit, t.comparator, t.year, t.per_year)
            for t in targets_in_sentence(sentence, 0, len(sentence), default_year)]


@pytest.mark.parametrize("sentence,expected", [
    ("Phân đầu đầu tư cho hoạt động khoa học - công nghệ huyện đạt 0,05% tổng chi ngân sách địa phương "
     "vào năm 2025 và 0,1 % vào năm 2030.",
     [(0.05, None, "%", "đạt", 2025, False), (0.1, None, "%", "=", 2030, False)]),
    ("từ 70-80% sản phẩm chủ lực, đặc sản của địa phương được đăng ký bảo hộ quyền sở hữu trí tuệ.",
     [(70.0, 80.0, "%", "từ", 2030, False)]),
    ("Hỗ trợ từ 2% – 3% doanh nghiệp áp dụng các công cụ cải tiến năng suất chất lượng.",
     [(2.0, 3.0, "%", "từ", 2030, False)]),
    ("Đến năm 2025, có 01-02 sản phẩm chủ lực được phát triển theo chuỗi giá trị và đến năm 2030 trên 03 sản phẩm chủ lực.",
     [(1.0, 2.0, "sản phẩm", "=", 2025, False), (3.0, None, "sản phẩm", "trên", 2030, False)]),
    ("Tỷ lệ sản phẩm được áp dụng hệ thống truy xuất nguồn gốc trên địa bàn huyện tăng từ 20%/năm.",
     [(20.0, None, "%", "tăng", None, True)]),
    ("Phấn đấu hàng năm có trên 200 sáng kiến được công nhận trên địa bàn huyện.",
     [(200.0, None, "sáng kiến", "trên", None, True)]),
    ("Đến năm 2030, khoảng 100% sản phẩm chủ lực được đăng ký bảo hộ.", [(100.0, None, "%", "khoảng", 2030, False)]),
    ("Số chỉ dẫn địa lý được hỗ trợ quản lý, phát triển từ 01 sản phẩm trở lên", [(1.0, None, "sản phẩm", "từ", 2030, False)]),
])
def test_targets_in_seed_sentences(sentence, expected):
    assert extract(sentence, default_year=2030 if "70-80%" in sentence or "2% – 3%" in sentence or "Số chỉ dẫn" in sentence
                   else None) == expected


@pytest.mark.parametrize("sentence", [
    "Thực hiện Nghị quyết số 20-NQ/TW, ngày 01/11/2012 của Ban Chấp hành Trung ương Đảng khóa XI.",
    "Quyết định số 709/QĐ-TTg ngày 23/7/2024 của Thủ tướng Chính phủ.",
    "Nghị quyết Hội nghị Trung ương 6 khóa XI về phát triển khoa học và công nghệ.",
    "Báo cáo trước ngày 25/11 hằng năm.",
])
def test_references_dates_and_names_are_not_targets(sentence):
    assert extract(sentence) == []


def test_extraction_meets_the_gold_list(seed_index):
    result = run_targets_eval(seed_index, ROOT / "eval" / "targets_gold.jsonl")
    assert result["precision"] >= 0.95 and result["recall"] >= 0.90


def test_every_dev_compare_topic_is_right(seed_index):
    result = run_compare_eval(seed_index, ROOT / "eval" / "compare.jsonl")
    assert result["pairs_right"] == result["pairs"]


def test_compare_endpoint_rows_per_locality(client):
    response = client.post("/v1/compare", json={"topic": "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"})
    assert response.status_code == 200
    rows = response.json()["rows"]
    assert len(rows) == 4
    by_doc = {r["doc_id"]: r for r in rows}
    qt = by_doc["quang-tri-skhcn-kh-43-2023"]["targets"][0]
    assert (qt["value"], qt["value_max"], qt["unit"], qt["year"]) == (70.0, 80.0, "%", 2030)
    cited = qt["citation"]
    assert "70-80%" in cited["text"][cited["highlights"][0]["start"]: cited["highlights"][0]["end"]]
    assert by_doc["thua-thien-hue-huyen-kh-nq07"]["targets"][0]["value"] == 100.0
    for doc_id in ("ha-nam-kh-2811-2020", "chi-lang-kh-kl69-khcn"):
        assert by_doc[doc_id]["targets"] == [] and by_doc[doc_id]["closest"]["doc_id"] == doc_id
    assert rows[0]["targets"] and not rows[-1]["targets"]  # localities with targets first


def test_compare_filters_localities_without_accents(client):
    rows = client.post("/v1/compare", json={"topic": "sáng kiến", "localities": ["chi lang"]}).json()["rows"]
    assert [r["locality"] for r in rows] == ["Chi Lăng"] and rows[0]["targets"][0]["value"] == 200.0


def test_compare_csv(client):
    response = client.get("/v1/compare.csv", params={"topic": "tỷ lệ chi ngân sách cho khoa học và công nghệ"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    budget = [r for r in table if r["doc_id"] == "thua-thien-hue-huyen-kh-nq07"]
    assert sorted((r["value"], r["year"]) for r in budget) == [("0.05", "2025"), ("0.1", "2030")]
    assert any(r["metric"].startswith("(không có") for r in table)


@pytest.mark.parametrize("body", [{"topic": ""}, {"topic": "   "}, {"topic": "x" * 501}, {"topic": "x", "bogus": 1},
                                  {"localities": ["Hà Nam"]}])
def test_bad_compare_input_is_422(client, body):
    assert client.post("/v1/compare", json=body).status_code == 422


def test_compare_page_and_suggestions(client):
    assert client.get("/compare").status_code == 200
    topics = client.get("/v1/compare/suggestions").json()["topics"]
    assert topics and all(len(t.split()) >= 3 for t in topics)

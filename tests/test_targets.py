"""Numeric targets: the Vietnamese number parser, extraction on seed sentences, the gold
list, and the compare endpoint + CSV."""
import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.ingest.structure import parse_sections
from indexer.extract.targets import extract_targets, parse_number, targets_in_sentence
from service.evaluation.targets import (parse_with_indexer, run_compare_eval, run_targets_eval, sections_from_markdown,
                                        targets_from_documents)

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


# --- Real plans (portal markdown: hard-wrapped lines, bold spans across lines) --------------------------------

REALDOCS = ROOT.parent / "shared" / "datasets" / "realdocs-dev"
REAL_PLANS = ["vb-681962", "vb-681433", "vb-681495", "vb-682284", "vb-682065", "vb-681609", "vb-682317", "vb-681985",
              "vb-683022", "vb-682193", "vb-682489", "vb-681504", "vb-682490", "vb-681674", "vb-682491"]


def extract_md(raw: str):
    text, sections = sections_from_markdown(raw)
    return extract_targets(text, sections)


def test_a_wrapped_metric_phrase_is_whole():
    raw = ("**II. MỤC TIÊU CHỦ YẾU**\n\n2. 100% các Sở, ngành bố\ntrí công chức, viên chức làm công tác xây dựng\n"
           "pháp luật; bố trí người làm công tác pháp chế đảm bảo điều kiện, tiêu chuẩn theo quy định.\n\n"
           "4. Trong giai đoạn 2026\n- 2030 phấn đấu có ít nhất 10% đội ngũ cán bộ, công chức xây dựng chính sách,\n"
           "pháp luật từ nguồn thu hút, tuyển dụng.\n")
    first, second = extract_md(raw)
    assert (first.value, first.unit, first.year) == (100.0, "%", None)
    assert "bố trí công chức, viên chức làm công tác xây dựng pháp luật" in first.text
    assert first.metric.startswith("các sở ngành bố trí công chức viên chức")
    assert (second.value, second.comparator, second.year) == (10.0, "ít nhất", 2030)


def test_year_inherited_from_a_lead_in_until_the_next_heading():
    raw = ("**II. MỤC TIÊU**\n\n**2. Mục tiêu cụ thể**\n\nĐến năm 2030:\n\n- Tỷ lệ doanh nghiệp vừa và nhỏ\n"
           "địa phương ứng dụng công nghệ số đạt 60%.\n\n- Hình thành ít nhất 02 vùng nuôi thủy sản thông minh.\n\n"
           "Phấn đấu đến năm 2035, đạt các chỉ tiêu sau:\n\n- Tối thiểu 80% doanh nghiệp trên địa bàn tỉnh ứng\n"
           "dụng công nghệ tiên tiến.\n\n**3. Tầm nhìn**\n\n- Tỷ lệ giao dịch không dùng tiền mặt đạt 90%.\n")
    found = [(t.value, t.unit, t.year) for t in extract_md(raw)]
    assert found == [(60.0, "%", 2030), (2.0, "vùng", 2030), (80.0, "%", 2035), (90.0, "%", None)]


def test_year_in_the_heading_path():
    raw = ("**II. MỤC TIÊU**\n\n**1. Mục tiêu đến hết năm 2026**\n\n- 100% các khu công nghệ cao, khu công nghiệp,\n"
           "cụm công nghiệp có tối thiểu 1 trạm phát sóng 5G.\n\n**2. Mục tiêu cụ thể**\n\n**2.1. Đến năm 2030**\n\n"
           "- Thủy sản\n\nĐảm bảo trên 70% diện tích nuôi cá tra và thủy sản chủ lực áp dụng công nghệ\n"
           "nuôi an toàn sinh học.\n\n**III. LỘ TRÌNH THỰC HIỆN**\n\n**1.\nGiai đoạn 2031 - 2035**\n\n"
           "- Đưa tỷ lệ doanh nghiệp ứng dụng công nghệ tiên tiến lên tối thiểu 80% trên toàn Tỉnh.\n")
    found = [(t.value, t.comparator, t.year) for t in extract_md(raw)]
    assert found == [(100.0, "=", 2026), (70.0, "trên", 2030), (80.0, "ít nhất", 2035)]


def test_units_of_real_plans_and_breakdowns_inherit_the_year():
    raw = ("**II. CHỈ TIÊU XUẤT KHẨU ĐẾN NĂM 2030**\n\n"
           "+ Tổng sản phẩm Nhãn tham gia xuất khẩu phấn đấu đến năm 2030\n"
           "đạt 8.500 tấn; tổng giá trị sản phẩm Nhãn tham gia xuất khẩu dự kiến đạt 30,2 triệu USD, tốc độ tăng\n"
           "bình quân 05\n- 06%/năm.\n\n**III. NHIỆM VỤ**\n\n"
           "3. Phấn đấu giá trị hàng hóa tham gia xuất khẩu đến năm 2030\n"
           "đạt 400 triệu USD. Trong đó: Giá trị sản phẩm nông sản tham gia xuất khẩu đạt 395 triệu USD.\n")
    found = [(t.value, t.value_max, t.unit, t.year, t.per_year) for t in extract_md(raw)]
    assert found == [(8500.0, None, "tấn", 2030, False), (30.2, None, "triệu USD", 2030, False),
                     (5.0, 6.0, "%", 2030, True), (400.0, None, "triệu USD", 2030, False),
                     (395.0, None, "triệu USD", 2030, False)]


def test_status_sections_budget_execution_and_footnotes_are_not_targets():
    raw = ("**I. TÌNH HÌNH THỰC HIỆN NHIỆM VỤ KINH TẾ - XÃ HỘI NĂM 2025**\n\n- Tốc độ tăng trưởng kinh tế của tỉnh\n"
           "năm 2025 ước đạt 8% so cùng kỳ; giải quyết việc làm cho 62.000 lao động, đạt 105,1% kế hoạch.\n\n"
           "**II. DỰ BÁO CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI 03 NĂM 2026 - 2028**\n\n"
           "**1. Dự báo các chỉ tiêu kinh tế - xã hội đến năm 2026**\n\n- Tổng số doanh nghiệp đạt khoảng 11.400\n"
           "doanh nghiệp.\n\n- Chi đầu tư phát triển phấn đấu đạt 100% kế hoạch.\n\n"
           "[2] Cụ thể: giảm thuế giá trị gia tăng khoảng 110 tỷ đồng.\n")
    found = [(t.value, t.unit, t.comparator, t.year) for t in extract_md(raw)]
    assert found == [(11400.0, "doanh nghiệp", "khoảng", 2026)]


def test_appendix_table_rows_take_the_year_of_the_appendix_title():
    text = ("PHỤ LỤC\n\nPHÂN CÔNG THỰC HIỆN CÁC CHỈ TIÊU PHÁT TRIỂN KINH TẾ SỐ, XÃ HỘI SỐ ĐẾN NĂM 2030\n\n"
            "TT\tChỉ tiêu\tChủ trì\n1\tKinh tế số chiếm 45% GRDP tỉnh.\tSở Tài chính\n"
            "2\tTỷ lệ người dân có Sổ sức khỏe điện tử đạt 95%.\tSở Y tế")
    found = [(t.value, t.unit, t.year) for t in extract_targets(text, parse_sections(text))]
    assert found == [(45.0, "%", 2030), (95.0, "%", 2030)]


def test_seed_gold_without_an_index():
    result = targets_from_documents(ROOT / "corpus", ROOT / "eval" / "targets_gold.jsonl", parse=parse_with_indexer)
    assert result["right"] == result["gold"] == result["extracted"] == 23


@pytest.mark.skipif(not REALDOCS.exists(), reason="needs ../shared/datasets/realdocs-dev")
def test_real_plans_gold():
    """Hand-labelled targets of real plans (eval/targets_realdocs_README.md), over the 15 dev plans (those
    without a target count for precision), on the emulated reflowed text."""
    result = targets_from_documents(REALDOCS / "docs", ROOT / "eval" / "targets_realdocs_gold.jsonl",
                                    doc_ids=REAL_PLANS)
    assert result["gold"] >= 60 and result["precision"] >= 0.9 and result["recall"] >= 0.9

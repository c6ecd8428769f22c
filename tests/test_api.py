"""The HTTP API on the seed index (TestClient): search, citations, filters, documents, bad input."""
import pytest

CONTRACT_FIELDS = {"chunk_id", "doc_id", "text", "score", "title", "locality", "province", "level", "doc_number",
                   "issued_date", "section", "page", "char_start", "char_end", "highlights", "url"}


def search(client, query, **body):
    response = client.post("/v1/search", json={"query": query, **body})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_search_returns_cited_passages(client):
    results = search(client, "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ", k=5)
    assert len(results) == 5
    for r in results:
        assert CONTRACT_FIELDS <= set(r)
        for h in r["highlights"]:
            assert 0 <= h["start"] < h["end"] <= len(r["text"])
    top = results[0]
    doc = client.get(f"/v1/documents/{top['doc_id']}").json()
    assert doc["text"][top["char_start"]: top["char_end"]] == top["text"]
    assert "/view/" in top["url"] and f"start={top['char_start']}" in top["url"]
    quang_tri = next(r for r in results if "70-80% sản phẩm chủ lực" in r["text"])
    marked = {quang_tri["text"][h["start"]:h["end"]].lower() for h in quang_tri["highlights"]}
    assert "sản phẩm chủ lực" in marked and any("sở hữu trí tuệ" in m for m in marked)
    assert quang_tri["doc_number"] == "43/KH-SKHCN" and quang_tri["section"] == ["I. Mục tiêu và tầm nhìn", "2. Mục tiêu cụ thể"]


def test_no_diacritics_query_finds_accented_text(client):
    results = search(client, "dau tu cho khoa hoc cong nghe 0,05% tong chi ngan sach", k=3)
    assert results[0]["doc_id"] == "thua-thien-hue-huyen-kh-nq07"
    assert "0,05% tổng chi ngân sách" in results[0]["text"]


def test_exact_accents_rank_above_folded_match(client):
    results = search(client, "Sở Y tế", k=5, mode="lexical")
    assert results[0]["section"][-1] == "3. Sở Y tế"


@pytest.mark.parametrize("query,doc_id", [("2811/KH-UBND", "ha-nam-kh-2811-2020"),
                                          ("43/KH-SKHCN", "quang-tri-skhcn-kh-43-2023"),
                                          ("kế hoạch số 2811 của tỉnh", "ha-nam-kh-2811-2020")])
def test_document_number_finds_its_document_first(client, query, doc_id):
    assert search(client, query, k=3)[0]["doc_id"] == doc_id


def test_filters_apply_before_ranking(client):
    results = search(client, "sản phẩm chủ lực", k=20, filters={"province": ["quang tri"]})
    assert results and {r["doc_id"] for r in results} == {"quang-tri-skhcn-kh-43-2023"}
    results = search(client, "khoa học", k=50, filters={"level": ["huyện"], "year_from": 2024})
    assert {r["doc_id"] for r in results} == {"chi-lang-kh-kl69-khcn"}
    assert search(client, "khoa học", filters={"year_to": 1999}) == []
    results = search(client, "nhiệm vụ", k=5, filters={"doc_number": "2811/kh-ubnd"})
    assert len(results) == 5 and all(r["doc_number"] == "2811/KH-UBND" for r in results)


def test_results_never_overlap(client):
    results = search(client, "khoa học và công nghệ", k=50)
    spans = [(r["doc_id"], r["char_start"], r["char_end"]) for r in results]
    for i, (d1, s1, e1) in enumerate(spans):
        for d2, s2, e2 in spans[i + 1:]:
            assert d1 != d2 or e1 <= s2 or e2 <= s1


def test_get_search_matches_post(client):
    get = client.get("/v1/search", params={"q": "sàn giao dịch công nghệ", "k": 3}).json()
    post = client.post("/v1/search", json={"query": "sàn giao dịch công nghệ", "k": 3}).json()
    assert [r["chunk_id"] for r in get["results"]] == [r["chunk_id"] for r in post["results"]]


def test_documents_list_and_detail(client):
    listing = client.get("/v1/documents").json()
    assert listing["count"] == 4
    detail = client.get("/v1/documents/ha-nam-kh-2811-2020").json()
    assert detail["doc_number"] == "2811/KH-UBND" and detail["sections"]
    assert detail["signer"] == "Đinh Thị Lụa"


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["index"]["counts"]["documents"] == 4
    assert ready["index"]["model"]["spec"] == "e5-small"


def test_pages_are_served_without_cdn(client):
    for path in ("/", "/view/ha-nam-kh-2811-2020", "/static/search.js", "/static/view.js", "/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "http" not in client.get("/").text.replace("http-equiv", "")


@pytest.mark.parametrize("body,needle", [
    ({"query": ""}, "query"),
    ({"query": "   "}, "whitespace"),
    ({"query": "a" * 2001}, "query"),
    ({"query": "khoa học", "k": 0}, "k"),
    ({"query": "khoa học", "k": 101}, "k"),
    ({"query": "khoa học", "filters": {"tinh": ["Hà Nam"]}}, "tinh"),
    ({"query": "khoa học", "k": "many"}, "k"),
    ({"query": 42}, "query"),
    ({"query": "khoa học", "mode": "magic"}, "mode"),
    ({"query": "khoa học", "filters": {"year_from": 2025, "year_to": 2020}}, "year_from"),
    ({"query": "khoa học", "filters": {"level": ["thôn"]}}, "level"),
    ({"q": "khoa học"}, "query"),
])
def test_bad_search_input_is_422_with_a_message(client, body, needle):
    response = client.post("/v1/search", json=body)
    assert response.status_code == 422
    assert needle in response.json()["detail"]


def test_invalid_json_is_422(client):
    response = client.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "JSON" in response.json()["detail"]


@pytest.mark.parametrize("params,status", [({"q": ""}, 422), ({"q": " "}, 422), ({"q": "x", "k": 500}, 422),
                                           ({"q": "x", "tinh": "a"}, 422), ({}, 422)])
def test_bad_get_search_is_4xx(client, params, status):
    response = client.get("/v1/search", params=params)
    assert response.status_code == status and response.json()["detail"]


@pytest.mark.parametrize("doc_id", ["no-such-plan", "..%2F..%2Fetc%2Fpasswd", "ha-nam-kh-2811-2020%00", "ABC"])
def test_unknown_or_tricky_document_ids_are_404(client, doc_id):
    response = client.get(f"/v1/documents/{doc_id}")
    assert response.status_code == 404 and "document" in response.json()["detail"]


@pytest.mark.parametrize("query", ["¡¥", "???", "—", "\u0000x"])
def test_symbol_only_queries_do_not_break_search_answer_or_compare(client, query):
    assert client.post("/v1/search", json={"query": query}).status_code == 200
    assert client.post("/v1/answer", json={"query": query}).status_code == 200
    assert client.get("/v1/compare.csv", params={"topic": query}).status_code == 200

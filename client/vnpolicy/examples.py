"""Vietnamese examples of the API's answers, for ``/openapi.json`` (``vnpolicy.models`` attaches them):
real answers over the four seed plans, with long texts cut short."""
from __future__ import annotations

from typing import Any

_BASE = "http://localhost:8000"
_QT_TITLE = ("Kế hoạch thực hiện Chương trình hành động số 59-CTr/TU thực hiện Nghị quyết số 29-NQ/TU trong lĩnh vực "
             "khoa học và công nghệ")
_HN_TITLE = ("Kế hoạch triển khai Quyết định của Thủ tướng Chính phủ thực hiện Kết luận số 50-KL/TW ngày 30/5/2019 "
             "của Ban Bí thư")
_CL_TITLE = ("Kế hoạch triển khai thực hiện Kế hoạch số 311-KH/HU của Ban Thường vụ Huyện ủy về thực hiện Kết luận "
             "số 69-KL/TW về phát triển khoa học và công nghệ")
_TTH_TITLE = ("Kế hoạch thực hiện Nghị quyết số 07-NQ/TU của Tỉnh ủy về xây dựng Thừa Thiên Huế trở thành trung tâm "
              "lớn về khoa học và công nghệ (cấp huyện)")
_QT_META = {"doc_id": "quang-tri-skhcn-kh-43-2023", "title": _QT_TITLE, "locality": "Quảng Trị",
            "province": "Quảng Trị", "level": "sở", "doc_number": "43/KH-SKHCN", "issued_date": "2023-04-11",
            "year": 2023, "issuer": "Sở Khoa học và Công nghệ tỉnh Quảng Trị", "signer": "Đào Ngọc Hoàng",
            "doc_type": "Kế hoạch", "issuer_kind": "state", "province_now": "Quảng Trị"}
_HN_META = {"doc_id": "ha-nam-kh-2811-2020", "title": _HN_TITLE, "locality": "Hà Nam", "province": "Hà Nam",
            "level": "tỉnh", "doc_number": "2811/KH-UBND", "issued_date": "2020-09-16", "year": 2020,
            "issuer": "UBND tỉnh Hà Nam", "signer": "Đinh Thị Lụa", "doc_type": "Kế hoạch", "issuer_kind": "state",
            "province_now": "Ninh Bình"}
_CL_META = {"doc_id": "chi-lang-kh-kl69-khcn", "title": _CL_TITLE, "locality": "Chi Lăng", "province": "Lạng Sơn",
            "level": "huyện", "doc_number": None, "issued_date": None, "year": 2024, "issuer": "UBND huyện Chi Lăng",
            "signer": "Phùng Văn Nghĩa", "doc_type": "Kế hoạch", "issuer_kind": "state", "province_now": "Lạng Sơn"}
_TTH_META = {"doc_id": "thua-thien-hue-huyen-kh-nq07", "title": _TTH_TITLE, "locality": None,
             "province": "Thừa Thiên Huế", "level": "huyện", "doc_number": None, "issued_date": None, "year": None,
             "issuer": "UBND huyện", "signer": "Hoàng Văn Thái", "doc_type": "Kế hoạch", "issuer_kind": "state",
             "province_now": "Huế"}


def _passage(meta: dict[str, Any], number: int, text: str, span: tuple[int, int], section: list[str],
             highlights: list[tuple[int, int]], score: float, ranks: tuple[int | None, int | None]) -> dict[str, Any]:
    """One ``Result`` of the examples: a passage of a seed plan with its citation fields."""
    start, end = span
    return {"chunk_id": f"{meta['doc_id']}#{number:04d}", **meta, "text": text, "score": score, "section": section,
            "page": None, "page_end": None, "char_start": start, "char_end": end,
            "highlights": [{"start": s, "end": e} for s, e in highlights],
            "url": f"{_BASE}/view/{meta['doc_id']}?start={start}&end={end}#passage",
            "dense_rank": ranks[0], "lexical_rank": ranks[1], "ocr": False, "ocr_confidence": None}


_QT_PASSAGE = _passage(
    _QT_META, 2, "2. Mục tiêu cụ thể\n\nMột số chỉ tiêu cụ thể đến năm 2030 trong lĩnh vực khoa học và công nghệ: … từ "
    "70-80% sản phẩm chủ lực, đặc sản của địa phương được đăng ký bảo hộ quyền sở hữu trí tuệ. …", (1159, 1932),
    ["I. Mục tiêu và tầm nhìn", "2. Mục tiêu cụ thể"], [(106, 122), (160, 166), (173, 187)], 2.176726, (2, 2))
_TTH_PASSAGE = _passage(
    _TTH_META, 3, "Đến năm 2030, khoảng 100% sản phẩm chủ lực, đặc sản của địa phương được đăng ký bảo hộ quyền sở "
    "hữu trí tuệ.", (1959, 2653), ["I. MỤC TIÊU, CHỈ TIÊU", "2. Chỉ tiêu"], [(26, 42), (80, 86), (93, 107)],
    1.939748, (None, None))
_HN_PASSAGE = _passage(
    _HN_META, 19, "- Xây dựng và kết nối sàn giao dịch công nghệ của tỉnh liên thông với hệ thống các Trung tâm ứng "
    "dụng và chuyển giao công nghệ của các tỉnh, thành phố; …", (11733, 12394),
    ["II. NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU", "5. Tiếp tục thúc đẩy phát triển mạnh thị trường khoa học và công nghệ và hệ "
     "sinh thái khởi nghiệp sáng tạo"], [], 1.514937, (2, 8))
_QUERY = "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"
_INDEX_VERSION = "2026-12-02T07:27:00.849297+00:00"
SEARCH_EXAMPLES = [
    {"query": _QUERY, "took_ms": 86.4, "mode": "hybrid", "index_version": _INDEX_VERSION, "results": [_QT_PASSAGE],
     "not_found": False, "near_misses": [], "relevance": {"cosine": 0.8648, "coverage": 0.804, "relevant": True},
     "facets": {"province": [{"value": "Quảng Trị", "count": 1}, {"value": "Thừa Thiên Huế", "count": 1}]}},
    {"query": "giá vé máy bay đi Paris", "took_ms": 55.5, "mode": "hybrid", "index_version": _INDEX_VERSION,
     "results": [], "not_found": True, "near_misses": [_HN_PASSAGE],
     "relevance": {"cosine": 0.7867, "coverage": 0.141, "relevant": False}, "facets": {}},
]
ANSWER_EXAMPLES = [
    {"query": "Quảng Trị đặt mục tiêu bao nhiêu phần trăm sản phẩm chủ lực được bảo hộ sở hữu trí tuệ?",
     "answer": "Quảng Trị (Kế hoạch số 43/KH-SKHCN): Từ 70-80% sản phẩm chủ lực, đặc sản của địa phương được đăng ký "
               "bảo hộ quyền sở hữu trí tuệ. [1]",
     "citations": [_QT_PASSAGE], "abstained": False, "generator": "extractive", "flagged": False, "note": None,
     "evidence": 0.513, "took_ms": 78.5},
]


def _target(passage: dict[str, Any], number: int, text: str, value: float, value_max: float | None,
            comparator: str) -> dict[str, Any]:
    """One ``TargetOut`` of the examples: a 2030 percentage target of a seed plan, cited by ``passage``."""
    return {"target_id": f"{passage['doc_id']}#t{number:03d}", "text": text,
            "metric": "sản phẩm chủ lực đặc sản của địa phương được đăng ký bảo hộ quyền sở", "value": value,
            "value_max": value_max, "unit": "%", "comparator": comparator, "year": 2030, "per_year": False,
            "score": passage["score"], "citation": passage}


def _row(meta: dict[str, Any], note: str | None, targets: list[dict[str, Any]],
         closest: dict[str, Any] | None = None) -> dict[str, Any]:
    """One ``CompareRow`` of the examples; a plan without a numeric target does not compare."""
    reason = None if targets else "không có chỉ tiêu định lượng về chủ đề này"
    return {"locality": meta["locality"], "province": meta["province"], "province_now": meta["province_now"],
            "note": note, "comparable": bool(targets), "reason": reason, "level": meta["level"],
            "doc_id": meta["doc_id"], "doc_number": meta["doc_number"], "title": meta["title"], "targets": targets,
            "closest": closest}


COMPARE_EXAMPLES = [{"topic": _QUERY, "took_ms": 5.2, "rows": [
    _row(_QT_META, None, [_target(_QT_PASSAGE, 1, "từ 70-80% sản phẩm chủ lực, đặc sản của địa phương được đăng ký "
                                  "bảo hộ quyền sở hữu trí tuệ.", 70.0, 80.0, "từ")]),
    _row(_TTH_META, "Thừa Thiên Huế (nay thuộc Huế)", [_target(_TTH_PASSAGE, 3, _TTH_PASSAGE["text"], 100.0, None,
                                                              "khoảng")]),
    _row(_HN_META, "Hà Nam (nay thuộc Ninh Bình)", [], _HN_PASSAGE),
]}]


def _summary(meta: dict[str, Any], signer_title: str | None, n_chunks: int, missing: list[str]) -> dict[str, Any]:
    """One ``DocumentSummary`` of the examples."""
    fields = {k: v for k, v in meta.items() if k not in ("doc_id", "title")}
    return {"doc_id": meta["doc_id"], "title": meta["title"], **fields, "signer_title": signer_title,
            "source_file": f"{meta['doc_id']}.md", "n_chunks": n_chunks, "n_pages": None, "missing": missing,
            "ocr_pages": [], "ocr_confidence": None, "url": f"{_BASE}/view/{meta['doc_id']}"}


_CL_SUMMARY = _summary(_CL_META, "Q. CHỦ TỊCH", 29, ["doc_number", "issued_date"])
DOCUMENT_LIST_EXAMPLES = [{"count": 4, "documents": [
    _CL_SUMMARY, _summary(_HN_META, "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", 42, []), _summary(_QT_META, None, 23, []),
    _summary(_TTH_META, "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", 11, ["doc_number", "issued_date", "locality"])]}]
DOCUMENT_DETAIL_EXAMPLES = [{
    **_CL_SUMMARY,
    "text": "KẾ HOẠCH\n\nTriển khai thực hiện Kế hoạch số 311-KH/HU, ngày 17/10/2024 của Ban Thường vụ Huyện ủy về thực "
            "hiện Kết luận số 69-KL/TW, ngày 11/01/2024 của Bộ Chính trị … \n\nI. MỤC ĐÍCH, YÊU CẦU\n\n1. Mục đích …",
    "page_starts": None,
    "sections": [{"path": ["Phần mở đầu"], "start": 0, "end": 1500, "kind": "preamble"},
                 {"path": ["I. MỤC ĐÍCH, YÊU CẦU"], "start": 1500, "end": 2931, "kind": "body"},
                 {"path": ["I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích"], "start": 1522, "end": 2304, "kind": "body"}],
    "recipients": ["Sở KH&CN (BC)", "TT Huyện ủy (BC)", "UBND các xã, thị trấn"]}]


def _reference(number: str, kind: str, issuer: str, date: str, role: str = "thực hiện") -> dict[str, Any]:
    """One ``ReferenceOut`` of the examples: a numbered document the plan cites (not in the index)."""
    return {"ref": number, "kind": kind, "number": number, "name": None, "issuer": issuer, "date": date,
            "role": role, "doc_id": None, "title": None}


REFERENCES_EXAMPLES = [{"doc_id": "ha-nam-kh-2811-2020", "status": "còn hiệu lực", "status_by": None, "references": [
    _reference("50-KL/TW", "Kết luận", "Ban Bí thư", "2019-05-30"),
    _reference("696/QĐ-TTg", "Quyết định", "Thủ tướng Chính phủ", "2020-05-25"),
    {"ref": "Luật Quy hoạch", "kind": "Luật", "number": None, "name": "Luật Quy hoạch", "issuer": None, "date": None,
     "role": "dẫn chiếu", "doc_id": None, "title": None}], "cited_by": []}]
_CL_CITING = {"doc_id": "chi-lang-kh-kl69-khcn", "role": "thực hiện", "title": _CL_TITLE, "doc_number": None,
              "doc_type": "Kế hoạch", "issued_date": None, "province": "Lạng Sơn", "province_now": "Lạng Sơn",
              "locality": "Chi Lăng", "level": "huyện", "url": f"{_BASE}/view/chi-lang-kh-kl69-khcn"}
DIRECTIVE_EXAMPLES = [{"ref": "69-KL/TW", "documents": [_CL_CITING],
                        "groups": [{"issuer": "Bộ Chính trị", "doc_id": None, "documents": [_CL_CITING]}]}]

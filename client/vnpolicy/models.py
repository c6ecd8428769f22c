"""Request and response models of the v1 API: the contract the service answers with and the client reads.

The service (``service/``) validates requests and builds responses with these classes, and
``vnpolicy.client`` parses responses into them, so a field added here reaches both at once. Field
names are a stable contract. Nothing here imports the indexer: this module ships in the small
``vnpolicy-client`` distribution.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .filters import LEVELS, Filters, as_list, not_blank  # noqa: F401  (LEVELS: part of the models' public names)
from .examples import (ANSWER_EXAMPLES, COMPARE_EXAMPLES, DIRECTIVE_EXAMPLES, DOCUMENT_DETAIL_EXAMPLES, DOCUMENT_LIST_EXAMPLES, REFERENCES_EXAMPLES, SEARCH_EXAMPLES)

MAX_QUERY_CHARS = 2000
MAX_K = 100


FacetName = Literal["province", "province_now", "level", "doc_type", "year", "issuer", "implements"]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ", "k": 5},
        {"query": "ty le nhiem vu khoa hoc cong nghe ung dung vao thuc tien", "k": 5,
         "filters": {"level": ["huyện"]}},
        {"query": "2811/KH-UBND", "k": 3, "mode": "hybrid"},
    ]})

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="Câu hỏi hoặc từ khóa")
    k: int = Field(default=10, ge=1, le=MAX_K)
    filters: Filters | None = None
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    facets: list[FacetName] = Field(default_factory=list, description=(
        "Count the matching documents (not passages) per value of these fields, under the filters; "
        "each facet has a filter of the same name"))

    _not_blank = field_validator("query")(not_blank("query"))


class Highlight(BaseModel):
    start: int
    end: int


class Result(BaseModel):
    chunk_id: str
    doc_id: str
    text: str
    score: float
    title: str | None
    locality: str | None
    province: str | None
    level: str | None
    doc_number: str | None
    issued_date: str | None
    year: int | None = None
    issuer: str | None = None
    signer: str | None = None
    doc_type: str | None = None
    issuer_kind: str | None = Field(default=None, description="'party' | 'state'")
    province_now: str | None = Field(default=None, description="the province that governs the place today")
    section: list[str]
    page: int | None
    page_end: int | None = None
    char_start: int
    char_end: int
    highlights: list[Highlight]
    url: str
    dense_rank: int | None = None
    lexical_rank: int | None = None
    ocr: bool = Field(default=False, description="the passage's page was read by OCR from a scanned image: "
                                                 "show 'văn bản nhận dạng từ ảnh quét'")
    ocr_confidence: float | None = Field(default=None, description="mean Tesseract word confidence (0–100) over "
                                                                   "the document's OCR'd pages; null without OCR")


class FacetCount(BaseModel):
    value: str | int
    count: int = Field(description="documents matching the query under the filters")


class RelevanceOut(BaseModel):
    cosine: float | None = Field(description="raw cosine of the best dense candidate")
    coverage: float = Field(description="share of the query's content words (IDF-weighted) in the best of the "
                                        "first ten results")
    relevant: bool


class SearchResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": SEARCH_EXAMPLES})

    query: str
    took_ms: float
    mode: str
    index_version: str | None = Field(default=None, description="built_at of the index that answered")
    results: list[Result]
    not_found: bool = Field(default=False, description=(
        "the query is under the relevance floor: 'không tìm thấy'; results is empty, near_misses holds the "
        "closest passages"))
    near_misses: list[Result] = Field(default_factory=list)
    relevance: RelevanceOut | None = None
    facets: dict[str, list[FacetCount]] = Field(default_factory=dict)


class DocumentSummary(BaseModel):
    doc_id: str
    title: str | None
    doc_type: str | None = None
    doc_number: str | None
    issued_date: str | None
    year: int | None
    issuer: str | None
    issuer_kind: str | None = None
    locality: str | None
    province: str | None
    province_now: str | None = None
    level: str | None
    signer: str | None
    signer_title: str | None = None
    source_file: str
    n_chunks: int
    n_pages: int | None = None
    missing: list[str] = Field(default_factory=list)
    ocr_pages: list[int] = Field(default_factory=list, description="pages read by OCR from scanned images")
    ocr_confidence: float | None = None
    url: str


class Section(BaseModel):
    path: list[str]
    start: int
    end: int
    kind: str


class DocumentDetail(DocumentSummary):
    model_config = ConfigDict(json_schema_extra={"examples": DOCUMENT_DETAIL_EXAMPLES})

    text: str
    page_starts: list[int] | None
    sections: list[Section]
    recipients: list[str] = Field(default_factory=list)


class DocumentList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": DOCUMENT_LIST_EXAMPLES})

    count: int
    documents: list[DocumentSummary]


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"query": "Quảng Trị đặt mục tiêu bao nhiêu phần trăm sản phẩm chủ lực được bảo hộ sở hữu trí tuệ?"},
        {"query": "Chi Lăng hỗ trợ bao nhiêu cơ sở ứng dụng khoa học công nghệ đến năm 2030?", "stream": True},
    ]})

    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="Câu hỏi")
    k: int = Field(default=5, ge=1, le=20, description="Số đoạn văn bản làm căn cứ")
    filters: Filters | None = None
    generator: Literal["extractive", "llm"] = "extractive"
    stream: bool = False

    _not_blank = field_validator("query")(not_blank("query"))


class AnswerResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": ANSWER_EXAMPLES})

    query: str
    answer: str
    citations: list[Result]
    abstained: bool
    generator: str
    flagged: bool = False
    note: str | None = None
    evidence: float = Field(description="share of the question's content words found in the best passage")
    took_ms: float


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"topic": "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"},
        {"topic": "dự án khởi nghiệp đổi mới sáng tạo được hỗ trợ", "localities": ["Quảng Trị", "Thừa Thiên Huế"]},
    ]})

    topic: str = Field(min_length=1, max_length=500, description="Chủ đề chỉ tiêu cần so sánh")
    localities: list[str] = Field(default_factory=list, max_length=100,
                                  description="Chỉ các địa phương/tỉnh này (bỏ dấu cũng được)")
    province: list[str] = Field(default_factory=list, max_length=100, description=(
        "Plans issued for these provinces (as named then: 'Hà Nam')"))
    province_now: list[str] = Field(default_factory=list, max_length=100, description=(
        "Plans of today's units, with the former provinces they absorbed ('Ninh Bình' covers Hà Nam)"))
    implements: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20, description=(
        "Only the plans answering this directive: 'Nghị quyết 57-NQ/TW' or '57-NQ/TW'"))
    sort: Literal["relevance", "value", "year"] = Field(default="relevance", description=(
        "relevance: best match first; value: highest target first; year: earliest deadline first. "
        "Rows that do not compare (other unit, no year, no target) come last"))

    _topic_not_blank = field_validator("topic")(not_blank("topic"))
    _lists = field_validator("localities", "province", "province_now", "implements", mode="before")(as_list)


class TargetOut(BaseModel):
    target_id: str
    text: str
    metric: str
    value: float
    value_max: float | None
    unit: str
    comparator: str
    year: int | None
    per_year: bool
    score: float
    citation: Result


class CompareRow(BaseModel):
    locality: str | None
    province: str | None = Field(description="the province the plan was issued for")
    province_now: str | None = Field(default=None, description="today's unit of that province")
    note: str | None = Field(default=None, description="what the row covers, e.g. 'Hà Nam (nay thuộc Ninh Bình)'")
    comparable: bool = Field(default=True, description="false: not ranked with the others (see reason)")
    reason: str | None = None
    level: str | None
    doc_id: str
    doc_number: str | None
    title: str | None
    targets: list[TargetOut]
    closest: Result | None = Field(default=None, description="the closest passage when the plan has no numeric target")


class CompareResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": COMPARE_EXAMPLES})

    topic: str
    took_ms: float
    rows: list[CompareRow]


class ReferenceOut(BaseModel):
    ref: str = Field(description="số hiệu as written, or the law's name")
    kind: str
    number: str | None = None
    name: str | None = None
    issuer: str | None = None
    date: str | None = None
    role: Literal["căn cứ", "thực hiện", "sửa đổi", "thay thế", "bãi bỏ", "dẫn chiếu"]
    doc_id: str | None = Field(default=None, description="the indexed document it names; null when not in the index")
    title: str | None = None


class CitingDocument(BaseModel):
    doc_id: str
    role: str
    title: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    issued_date: str | None = None
    province: str | None = None
    province_now: str | None = None
    locality: str | None = None
    level: str | None = None
    url: str


class DocumentReferences(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": REFERENCES_EXAMPLES})

    doc_id: str
    status: str = Field(description="còn hiệu lực | bị thay thế | bị bãi bỏ (by a document of the index)")
    status_by: str | None = Field(default=None, description="the doc_id that replaces or repeals it")
    references: list[ReferenceOut] = Field(description="what it cites, one entry per cited document")
    cited_by: list[CitingDocument] = Field(description="indexed documents citing it")


class DirectiveGroup(BaseModel):
    issuer: str | None = Field(description="the issuer the mentions name (a number may be reused by another issuer)")
    doc_id: str | None = Field(default=None, description="the directive itself, when it is indexed")
    documents: list[CitingDocument]


class DirectiveResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": DIRECTIVE_EXAMPLES})

    ref: str
    documents: list[CitingDocument] = Field(description="every indexed document implementing or citing it")
    groups: list[DirectiveGroup] = Field(description="the same documents, one group per issuer of the number")


class FieldError(BaseModel):
    """One reason a request did not validate: an item of a 422's ``errors``."""

    loc: list[str | int] = Field(description=(
        "where: the body field or the query or path parameter, e.g. [\"body\", \"query\"]"))
    msg: str = Field(description="what is wrong with it")
    type: str = Field(description="the kind of error, e.g. 'string_too_short', 'missing'")


class ErrorResponse(BaseModel):
    """The body of every error answer (4xx and 5xx): ``detail`` says what to fix. A 422 for a request that
    does not validate also lists each reason in ``errors``; some errors add fields (a 409 upload names its
    ``conflicts``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"detail": "query: String should have at least 1 character",
         "errors": [{"type": "string_too_short", "loc": ["body", "query"],
                     "msg": "String should have at least 1 character"}]},
        {"detail": "no document 'ha-nam-kh-2811' in the index (see GET /v1/documents for the ids)"},
    ]})

    detail: str = Field(description="what went wrong and how to fix it")
    errors: list[FieldError] | None = Field(default=None, description="422 only: each field that did not validate")

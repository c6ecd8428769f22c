"""The vnpolicy MCP server: tools ``search``, ``answer``, ``compare``, ``get_document`` and ``directives``.

Each tool calls the v1 API through an ``AsyncClient``: ``build_server(open_api)`` takes how to get one
for a tool call. The service mounts it at ``/mcp`` (streamable HTTP, stateless: an in-process client
carrying the caller's API key); ``vnpolicy mcp`` serves it over stdio against the local index or a
remote service (``--url``). Tool inputs and outputs are the API's own models, so their JSON schemas
carry the same fields, limits and descriptions as ``/openapi.json``.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from . import __version__
from .client import AsyncClient
from .errors import VnpolicyError
from .models import AnswerResponse, CompareResponse, DirectiveResponse, DocumentDetail, Filters, SearchResponse

ApiOpener = Callable[[Context | None], AbstractAsyncContextManager[AsyncClient]]
T = TypeVar("T")
READ_ONLY = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)

INSTRUCTIONS = (
    "Tìm kiếm và so sánh kế hoạch, chương trình, quyết định, nghị quyết của các tỉnh, huyện, xã Việt Nam; mỗi kết "
    "quả có trích dẫn (văn bản, số hiệu, mục, trang). / Search and compare Vietnamese provincial, district and "
    "commune plans and decisions; every result is cited (document, number, section, page). Cite the passages you "
    "use: doc_number, section and page of each result.")

Query = Annotated[str, Field(min_length=1, max_length=2000, description=(
    "Câu hỏi hoặc từ khóa, có dấu, không dấu hoặc tiếng Anh / the question or keywords, in Vietnamese "
    "(with or without diacritics) or English"))]
K = Annotated[int, Field(ge=1, le=20, description="Số đoạn trả về / how many passages")]
FiltersIn = Annotated[Filters | None, Field(description=(
    "Lọc theo tỉnh, cấp, loại văn bản, năm, văn bản chỉ đạo / restrict by province, level, type, year, directive"))]
Strings = Annotated[list[str], Field(max_length=100)]


async def _call(pending: Awaitable[T]) -> T:
    """The API's answer, or a tool error carrying the service's message (what to fix)."""
    try:
        return await pending
    except VnpolicyError as exc:
        raise ToolError(str(exc)) from None


def build_server(open_api: ApiOpener, name: str = "vnpolicy") -> MCPServer:
    """The MCP server whose tools call the API through ``open_api(ctx)``."""
    server = MCPServer(name=name, title="vnpolicy", version=__version__, instructions=INSTRUCTIONS,
                       log_level="WARNING")

    @server.tool(title="Tìm kiếm văn bản / Search", annotations=READ_ONLY, description=(
        "Tìm các đoạn văn bản trả lời câu hỏi, mỗi đoạn kèm trích dẫn: văn bản, số hiệu, ngày, địa phương, mục, "
        "trang, vị trí ký tự. / Find the passages that answer a question, each with its citation: document, "
        "number (số hiệu), date, locality, section path, page and character offsets. not_found=true means "
        "nothing in the index answers it."))
    async def search(query: Query, k: K = 5, filters: FiltersIn = None, ctx: Context | None = None
                     ) -> SearchResponse:
        async with open_api(ctx) as api:
            return await _call(api.search(query, k=k, filters=filters))

    @server.tool(title="Trả lời có trích dẫn / Answer", annotations=READ_ONLY, description=(
        "Câu trả lời ngắn dựa trên các đoạn được trích dẫn, hoặc 'không tìm thấy' (abstained=true). / A short "
        "answer grounded in cited passages, or an honest 'not found' (abstained=true)."))
    async def answer(query: Query, k: K = 5, filters: FiltersIn = None, ctx: Context | None = None
                     ) -> AnswerResponse:
        async with open_api(ctx) as api:
            return await _call(api.answer(query, k=k, filters=filters))

    @server.tool(title="So sánh chỉ tiêu / Compare targets", annotations=READ_ONLY, description=(
        "So sánh chỉ tiêu giữa các địa phương: mỗi tỉnh/huyện một dòng với giá trị, năm đích và trích dẫn. / "
        "Compare a target between localities: one row per province or district with its value, deadline year "
        "and citation, e.g. topic 'tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ'."))
    async def compare(
        topic: Annotated[str, Field(min_length=1, max_length=500, description="Chủ đề chỉ tiêu / the target's topic")],
        localities: Annotated[Strings, Field(description="Chỉ các địa phương này / only these localities")] = [],
        province: Annotated[Strings, Field(description="Tỉnh khi ban hành / province as issued")] = [],
        province_now: Annotated[Strings, Field(description="Tỉnh hiện nay (34 đơn vị) / today's province")] = [],
        implements: Annotated[Strings, Field(description="Văn bản chỉ đạo, e.g. '57-NQ/TW' / directive")] = [],
        sort: Literal["relevance", "value", "year"] = "relevance",
        ctx: Context | None = None,
    ) -> CompareResponse:
        async with open_api(ctx) as api:
            return await _call(api.compare(topic, localities=localities, province=province,
                                           province_now=province_now, implements=implements, sort=sort))

    @server.tool(title="Xem văn bản / Get a document", annotations=READ_ONLY, description=(
        "Thông tin, mục lục và toàn văn một văn bản theo doc_id (lấy từ kết quả tìm kiếm). / A document's "
        "metadata, sections and full text by doc_id (from a search result); max_chars cuts the text."))
    async def get_document(
        doc_id: Annotated[str, Field(min_length=1, max_length=200, description="doc_id, e.g. 'quang-tri-kh-2811'")],
        max_chars: Annotated[int | None, Field(ge=0, description="Cắt toàn văn / cut the text here")] = 20_000,
        ctx: Context | None = None,
    ) -> DocumentDetail:
        async with open_api(ctx) as api:
            document = await _call(api.document(doc_id))
        if max_chars is not None and len(document.text) > max_chars:
            document.text = document.text[:max_chars]
        return document

    @server.tool(title="Văn bản thực hiện chỉ thị / Who implements a directive", annotations=READ_ONLY,
                 description=(
        "Các văn bản đã lập chỉ mục thực hiện hoặc dẫn chiếu một văn bản chỉ đạo (nghị quyết, kết luận, luật). / "
        "Every indexed document implementing or citing a directive, e.g. ref '57-NQ/TW' or 'Nghị quyết 57-NQ/TW'."))
    async def directives(
        ref: Annotated[str, Field(min_length=2, max_length=200, description="Số hiệu hoặc tên / number or name")],
        ctx: Context | None = None,
    ) -> DirectiveResponse:
        async with open_api(ctx) as api:
            return await _call(api.directives(ref))

    return server


def shared_client(client: AsyncClient) -> ApiOpener:
    """An opener that hands every tool call the same client (stdio: one user, one process)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def opener(_: Context | None) -> Any:
        yield client

    return opener

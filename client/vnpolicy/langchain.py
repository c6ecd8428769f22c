"""``VnpolicyRetriever``: a LangChain retriever over a vnpolicy service (extra ``langchain``).

    from vnpolicy.langchain import VnpolicyRetriever
    retriever = VnpolicyRetriever(base_url="http://localhost:8000", k=4, filters={"province": ["Quảng Trị"]})
    docs = retriever.invoke("tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ")
    docs[0].metadata["doc_number"], docs[0].metadata["section"], docs[0].metadata["page"]

Each ``Document`` is one cited passage: ``page_content`` its text, ``metadata`` its citation
(``vnpolicy.citations.citation``). When the service finds nothing relevant, the list is empty.
"""
from __future__ import annotations

from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from .citations import citation
from .client import AsyncClient, Client
from .models import Filters, SearchResponse


def to_documents(response: SearchResponse) -> list[Document]:
    return [Document(page_content=r.text, metadata=citation(r), id=r.chunk_id) for r in response.results]


class VnpolicyRetriever(BaseRetriever):
    """Cited passages from ``/v1/search``; ``base_url`` and ``api_key`` default to ``VNPOLICY_URL`` and
    ``VNPOLICY_API_KEY``; ``filters`` as in the API (province, level, doc_type, year_from, implements, …)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    base_url: str | None = None
    api_key: str | None = None
    k: int = Field(default=4, ge=1, le=100)
    filters: Filters | dict[str, Any] | None = None
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    timeout: float = 60.0

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        with Client(self.base_url, self.api_key, timeout=self.timeout) as api:
            return to_documents(api.search(query, k=self.k, filters=self.filters, mode=self.mode))

    async def _aget_relevant_documents(self, query: str, *,
                                       run_manager: AsyncCallbackManagerForRetrieverRun) -> list[Document]:
        async with AsyncClient(self.base_url, self.api_key, timeout=self.timeout) as api:
            return to_documents(await api.search(query, k=self.k, filters=self.filters, mode=self.mode))

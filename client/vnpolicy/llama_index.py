"""``VnpolicyRetriever``: a LlamaIndex retriever over a vnpolicy service (extra ``llama-index``).

    from vnpolicy.llama_index import VnpolicyRetriever
    retriever = VnpolicyRetriever(base_url="http://localhost:8000", k=4)
    nodes = retriever.retrieve("ty le san pham chu luc duoc bao ho so huu tri tue")
    nodes[0].score, nodes[0].node.metadata["doc_number"]

Each ``NodeWithScore`` is one cited passage: a ``TextNode`` (id = chunk_id) whose metadata is its
citation, scored by the service's fused score.
"""
from __future__ import annotations

from typing import Any, Literal

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from .citations import citation
from .client import AsyncClient, Client
from .models import Filters, SearchResponse

# Kept out of what an LLM or an embedding sees of a node: offsets and ids are for citing, not reading.
_HIDDEN = ["chunk_id", "char_start", "char_end", "url", "score", "highlights", "ocr", "page_end"]


def to_nodes(response: SearchResponse) -> list[NodeWithScore]:
    nodes = []
    for result in response.results:
        node = TextNode(id_=result.chunk_id, text=result.text, metadata=citation(result),
                        excluded_llm_metadata_keys=_HIDDEN, excluded_embed_metadata_keys=_HIDDEN)
        nodes.append(NodeWithScore(node=node, score=result.score))
    return nodes


class VnpolicyRetriever(BaseRetriever):
    """Cited passages from ``/v1/search`` as nodes; arguments as ``vnpolicy.langchain.VnpolicyRetriever``."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None, k: int = 4,
                 filters: Filters | dict[str, Any] | None = None,
                 mode: Literal["hybrid", "dense", "lexical"] = "hybrid", timeout: float = 60.0, **kwargs: Any) -> None:
        self.base_url, self.api_key, self.k, self.filters, self.mode, self.timeout = (
            base_url, api_key, k, filters, mode, timeout)
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        with Client(self.base_url, self.api_key, timeout=self.timeout) as api:
            return to_nodes(api.search(query_bundle.query_str, k=self.k, filters=self.filters, mode=self.mode))

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        async with AsyncClient(self.base_url, self.api_key, timeout=self.timeout) as api:
            return to_nodes(await api.search(query_bundle.query_str, k=self.k, filters=self.filters, mode=self.mode))

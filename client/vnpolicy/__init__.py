"""vnpolicy-client: talk to a vnpolicy search service from Python, an LLM framework, an agent or a terminal.

- ``models``: the v1 API's request and response models (shared with the service, which validates with them).
- ``client``: ``Client`` (blocking) and ``AsyncClient`` (asyncio) over httpx: every public and admin route.
- ``errors``: the exceptions a call raises, each with the service's status and message.
- ``langchain`` / ``llama_index``: retrievers for those frameworks (extras ``langchain``, ``llama-index``).
- ``mcp``: the MCP tools (extra ``mcp``), served by the service at ``/mcp`` and by ``vnpolicy mcp`` over stdio.
- ``terminal``: ``search``, ``answer`` and ``compare`` printed for people (colour) or scripts (``--json``).

Nothing here imports torch, FAISS or the indexer; ``import vnpolicy`` itself imports nothing heavy.
"""
__version__ = "0.1.0"

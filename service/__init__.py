"""The vnpolicy HTTP service: FastAPI app, settings, retrieval, MCP, CLI.

- ``main.py``: the app factory (``create_app``) and its lifespan (loads the index once).
- ``config.py``: ``ServiceSettings`` (alias ``Settings``) from ``VNPOLICY_*`` environment variables; it extends
  the indexer's ``IndexerSettings``.
- ``engine.py``: ``Engine`` (the loaded index with its searcher, generators and matcher) and ``load_engine``.
- ``retrieval.py`` / ``highlight.py``: hybrid search over the loaded index; ``answering.py``, ``llm.py``,
  ``compare.py``: answers and target comparison on top of it.
- ``vnpolicy.models`` (the ``vnpolicy-client`` distribution in ``client/``): request and response models, the v1
  API contract shared with the Python client; ``mapping.py``: records and hits → those models.
- ``mcp_app.py``: the MCP tools (``vnpolicy.mcp``) at ``/mcp``; ``in_process.py``: the Python client calling this
  app from inside the process (the MCP tools, and the terminal commands without ``--url``).
- ``api/deps.py``: FastAPI dependencies; ``api/routes/``: one module per resource; ``static/``: the pages.
- ``evaluation/``: the metrics of ``vnpolicy eval``; ``cli.py``: the ``vnpolicy`` command.
"""

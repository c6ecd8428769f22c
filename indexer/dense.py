"""Dense vector index in FAISS: exact inner product for small corpora, HNSW above
``ANN_THRESHOLD`` vectors. Filters are FAISS ID selectors, applied inside the search
(never by cutting a top-k afterwards).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

ANN_THRESHOLD = 50_000


@dataclass(frozen=True)
class DenseParams:
    kind: str  # flat | hnsw
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 128

    def to_dict(self) -> dict:
        return asdict(self)


def choose_params(n_vectors: int, threshold: int = ANN_THRESHOLD) -> DenseParams:
    return DenseParams(kind="hnsw" if n_vectors >= threshold else "flat")


def build_dense(vectors: np.ndarray, params: DenseParams) -> faiss.Index:
    dim = vectors.shape[1]
    if params.kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif params.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params.ef_construction
        index.hnsw.efSearch = params.ef_search
    else:
        raise ValueError(f"unknown dense index kind '{params.kind}' (flat or hnsw)")
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def search_dense(index: faiss.Index, query: np.ndarray, k: int, params: DenseParams,
                 allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, ids) for one query; ``allowed`` restricts the candidate ids."""
    if index.ntotal == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    search_params = None
    if allowed is not None:
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        if params.kind == "hnsw":
            search_params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(params.ef_search, k))
        else:
            search_params = faiss.SearchParameters(sel=selector)
    elif params.kind == "hnsw":
        search_params = faiss.SearchParametersHNSW(efSearch=max(params.ef_search, k))
    k = min(k, index.ntotal)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k, params=search_params)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]


def save_dense(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_dense(path: Path) -> faiss.Index:
    """Memory-mapped where FAISS supports it (flat indexes), so worker processes share pages."""
    try:
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return faiss.read_index(str(path))

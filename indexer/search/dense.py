"""Dense vector index in FAISS: exact inner product for small corpora, an ANN index above
``ANN_THRESHOLD`` vectors. Filters are FAISS ID selectors, applied inside the search
(never by cutting a top-k afterwards); a filter that leaves few passages is searched exactly.

Kinds (chosen by measurement, eval/RESULTS.md "ANN index types"):
  flat        exact, IndexFlatIP
  hnsw        HNSW graph over float32 vectors
  hnsw-fp16   HNSW over float16 codes (half the memory, same ranking)
  hnsw-sq8    HNSW over 8-bit codes; candidates re-ranked with the exact vectors
  ivf-flat    inverted lists (k-means), float32
  ivf-sq8     inverted lists, 8-bit codes, exact re-ranking
Lossy kinds fetch ``rescore`` × k candidates and re-rank them with the float32 vectors
(``vectors.npy``, memory-mapped: only the candidates' rows are read).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

ANN_THRESHOLD = 50_000
DEFAULT_ANN_KIND = "ivf-sq8"
KINDS = ("flat", "hnsw", "hnsw-fp16", "hnsw-sq8", "ivf-flat", "ivf-sq8")
_LOSSY = {"hnsw-sq8", "ivf-sq8"}
_SQ_TYPES = {"hnsw-fp16": faiss.ScalarQuantizer.QT_fp16, "hnsw-sq8": faiss.ScalarQuantizer.QT_8bit}
_TRAINING_SAMPLE = 100_000
EXACT_FILTER_LIMIT = 20_000  # a filter leaving at most this many passages is searched exactly (≈3 ms)


@dataclass(frozen=True)
class DenseParams:
    kind: str  # one of KINDS
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    nlist: int = 0  # IVF lists; 0 = 4·√n
    nprobe: int = 64
    rescore: int = 4  # lossy kinds: candidates fetched per result, re-ranked exactly

    def to_dict(self) -> dict:
        return asdict(self)


def choose_params(n_vectors: int, threshold: int = ANN_THRESHOLD, ann_kind: str = DEFAULT_ANN_KIND) -> DenseParams:
    return DenseParams(kind=ann_kind if n_vectors >= threshold else "flat")


def _new_index(dim: int, n_vectors: int, params: DenseParams) -> faiss.Index:
    if params.kind == "flat":
        return faiss.IndexFlatIP(dim)
    if params.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    elif params.kind in _SQ_TYPES:
        index = faiss.IndexHNSWSQ(dim, _SQ_TYPES[params.kind], params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
    elif params.kind in ("ivf-flat", "ivf-sq8"):
        nlist = min(params.nlist or max(1, int(4 * math.sqrt(max(n_vectors, 1)))), max(n_vectors, 1))
        quantizer = faiss.IndexFlatIP(dim)
        if params.kind == "ivf-flat":
            return faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        return faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                             faiss.METRIC_INNER_PRODUCT)
    else:
        raise ValueError(f"unknown dense index kind '{params.kind}' (one of {', '.join(KINDS)})")
    index.hnsw.efConstruction = params.ef_construction
    index.hnsw.efSearch = params.ef_search
    return index


def build_dense(vectors: np.ndarray, params: DenseParams) -> faiss.Index:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = _new_index(vectors.shape[1], len(vectors), params)
    if len(vectors) and not index.is_trained:
        rng = np.random.default_rng(0)
        wanted = max(_TRAINING_SAMPLE, 40 * getattr(index, "nlist", 0))  # FAISS asks for ≥ 39 points per list
        sample = rng.choice(len(vectors), min(len(vectors), wanted), replace=False)
        index.train(vectors[np.sort(sample)])
    if len(vectors):
        index.add(vectors)
    return index


def _search_parameters(params: DenseParams, fetch: int, selector: faiss.IDSelector | None) -> faiss.SearchParameters:
    extra = {"sel": selector} if selector is not None else {}
    if params.kind.startswith("hnsw"):
        return faiss.SearchParametersHNSW(efSearch=max(params.ef_search, fetch), **extra)
    if params.kind.startswith("ivf"):
        return faiss.SearchParametersIVF(nprobe=params.nprobe, **extra)
    return faiss.SearchParameters(**extra)


def search_dense(index: faiss.Index, query: np.ndarray, k: int, params: DenseParams,
                 allowed: np.ndarray | None = None,
                 vectors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, ids) for one query; ``allowed`` restricts the candidate ids;
    ``vectors`` (the exact passage vectors) re-rank the candidates of lossy kinds."""
    if index.ntotal == 0 or k <= 0 or (allowed is not None and len(allowed) == 0):
        return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
    if allowed is not None and vectors is not None and len(allowed) <= EXACT_FILTER_LIMIT:
        return _exact_among(vectors, np.asarray(allowed, dtype=np.int64), query, k)
    selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64)) if allowed is not None else None
    rescore = params.kind in _LOSSY and vectors is not None
    fetch = min(k * params.rescore if rescore else k, index.ntotal)
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    scores, ids = index.search(query, fetch, params=_search_parameters(params, fetch, selector))
    keep = ids[0] >= 0
    scores, ids = scores[0][keep], ids[0][keep]
    if rescore and len(ids):
        order = np.sort(ids)  # ascending rows: sequential reads of the memory-mapped matrix
        exact = np.asarray(vectors[order], dtype=np.float32) @ query[0]
        best = np.argsort(-exact, kind="stable")[:k]
        return exact[best], order[best]
    return scores[:k], ids[:k]


def _exact_among(vectors: np.ndarray, rows: np.ndarray, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k among ``rows``: an ANN index probes only part of the space, and a narrow
    filter (one province, one document) could leave nothing of it in the probed part."""
    rows = np.sort(rows)
    scores = np.asarray(vectors[rows], dtype=np.float32) @ np.asarray(query, dtype=np.float32).ravel()
    k = min(k, len(rows))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return scores[top], rows[top]


def save_dense(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_dense(path: Path) -> faiss.Index:
    """Memory-mapped where FAISS supports it (flat indexes), so worker processes share pages."""
    try:
        return faiss.read_index(str(path), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except RuntimeError:
        return faiss.read_index(str(path))

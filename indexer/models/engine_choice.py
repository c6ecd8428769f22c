"""Which runtime embeds with e5-small on this machine: ``VNPOLICY_EMBED_DTYPE`` and what ``auto`` picks.

- ``float32``: sentence-transformers on torch, the reference vectors;
- ``bfloat16``: the same on CPUs with native bf16 (AVX512-BF16 or AMX) or GPUs; cosine to float32 ≥ 0.9999;
- ``int8``: ONNX Runtime with int8 weights (``onnx_int8``), for CPUs without native bf16; CPU only.

``auto`` picks, on this machine, the fastest engine that keeps cosine ≥ ``MIN_COSINE`` to float32's vectors
on the bundled calibration texts (``calibration_vi.json``: passages of the seed plans, questions with and
without diacritics, English), by what the engine is for:

- passages (``role="index"``, when an index is first built; later builds use the dtype its manifest
  records): bfloat16 with native bf16; else int8 only if it also embeds passages ≥ ``MIN_PASSAGE_SPEEDUP``×
  faster than float32 (issue 19's bar: on AVX2 without VNNI it measured 1.4–1.6×, so float32 stays);
  else float32;
- questions (``role="query"``, the server): bfloat16 with native bf16; else int8 when it embeds a single
  question faster (4× on that AVX2 machine); else float32. Passages and questions from different engines
  rank alike (``eval/cross_engine.py``).

On a GPU, float32. The int8 verdict (cosines, speed-ups, the CPU) is measured once per machine and model
and kept beside the int8 file.
"""
from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

MIN_COSINE = 0.99
MIN_PASSAGE_SPEEDUP = 3.0
CALIBRATION = Path(__file__).with_name("calibration_vi.json")
_CPU_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_tile", "amx_int8")


def cpu_features() -> dict[str, Any]:
    """The CPU's model name and the flags that decide the engines' speed (Linux ``/proc/cpuinfo``)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:
        pass
    return {"model": model, "flags": [f for f in _CPU_FLAGS if f in flags]}


def native_bf16() -> bool:
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def choose_dtype(device: str, requested: str, model_dir: Path, settings, role: str = "index"
                 ) -> tuple[str, dict[str, Any]]:
    """(dtype, why): the requested one, or what ``auto`` picks for ``device`` and ``role`` on this machine."""
    if requested != "auto":
        return requested, {"rule": "set", "cpu": cpu_features()}
    if device != "cpu":
        return "float32", {"rule": "auto: GPU", "cpu": cpu_features()}
    if native_bf16():
        return "bfloat16", {"rule": "auto: native bf16", "cpu": cpu_features()}
    verdict = int8_verdict(model_dir, settings)
    needed = MIN_PASSAGE_SPEEDUP if role == "index" else 1.0
    speedup = verdict["speedup"] if role == "index" else verdict["query_speedup"]
    dtype = "int8" if verdict["min_cosine"] >= MIN_COSINE and speedup >= needed else "float32"
    return dtype, {"rule": f"auto ({role}): no native bf16; int8 needs cosine >= {MIN_COSINE} and {needed}x",
                   "cpu": cpu_features(), "int8_calibration": verdict}


def int8_verdict(model_dir: Path, settings) -> dict[str, Any]:
    """Min and mean cosine of int8 to float32 vectors of the calibration texts on this CPU (measured once)."""
    from .onnx_int8 import artifact_dir

    cpu = cpu_features()
    key = hashlib.sha256(json.dumps(cpu, sort_keys=True).encode()).hexdigest()[:12]
    artifact = artifact_dir(model_dir)
    path = artifact.with_name(artifact.name + f".verdict-v4-{key}.json")
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    verdict = _measure(settings) | {"cpu": cpu}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(verdict, indent=2), encoding="utf-8")
    return verdict


def _measure(settings) -> dict[str, Any]:
    import time

    from .embeddings import E5SmallEmbedder

    texts = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    vectors: dict[str, list[np.ndarray]] = {}
    seconds: dict[str, tuple[float, float]] = {}
    for dtype in ("float32", "int8"):
        engine = E5SmallEmbedder(dtype=dtype, device="cpu", settings=settings)
        for _ in range(2):  # the first pass warms up (torch prepares kernels per input shape), the second is timed
            started = time.perf_counter()
            vectors[dtype] = [_embed(engine, texts["passages"], "passage")]
            middle = time.perf_counter()
            vectors[dtype].append(np.vstack([engine.embed_batch([q], "query") for q in texts["queries"]]))
            seconds[dtype] = (middle - started, time.perf_counter() - middle)
    cosines = np.concatenate([np.sum(a * b, axis=1) for a, b in zip(vectors["float32"], vectors["int8"])])
    return {"min_cosine": round(float(cosines.min()), 5), "mean_cosine": round(float(cosines.mean()), 5),
            "speedup": round(seconds["float32"][0] / seconds["int8"][0], 2),
            "query_speedup": round(seconds["float32"][1] / seconds["int8"][1], 2),
            "passages": len(texts["passages"]), "queries": len(texts["queries"]), "bar": MIN_COSINE}


def _embed(engine, items: list[str], kind: str) -> np.ndarray:
    return np.vstack([engine.embed_batch(items[i:i + 16], kind) for i in range(0, len(items), 16)])

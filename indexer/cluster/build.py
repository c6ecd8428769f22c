"""The driver of ``vnpolicy index --ray``: plan, send changed files through Ray Data, check, publish.

1. Plan as the local path does (``plan_files``: same ids, same skips) and pin the embedding engine
   (``indexer.models.engine_pin``; ``auto`` dtype means float32 on a cluster, whose nodes may differ).
2. Files whose parse is cached and whose passages all have vectors in the live index stay on the driver;
   the others go to the cluster: ``parse_row`` tasks (CPU), then ``EmbedActor``s (one per GPU, or CPU
   actors), streamed back to the driver, which prints progress.
3. Every file sent must come back exactly once (a re-run task's duplicate is dropped), all actors must
   report the same engine, and the local writer refuses a passage without a vector: otherwise
   ``ClusterBuildError`` and the live index is untouched. Publishing is the local path's atomic swap.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ..ingest.documents import ParsedDocument
from ..ingest.parse_cache import ParseCache
from ..models.engine_pin import model_identity, pinned_settings, recorded_model
from ..pipeline import (BuildReport, BuildSettings, EmbeddedVectors, FileJob, corpus_state, plan_files, skip,
                        write_documents_index)
from ..settings import IndexerSettings
from ..store import reusable_vectors
from .progress import ClusterProgress
from .stages import EmbedActor, parse_row, texts_to_embed

log = logging.getLogger(__name__)
ENGINE_KEYS = ("spec", "id", "dim", "engine", "dtype")  # what every actor must agree on (paths, device may differ)
MAX_BLOCKS = 2_000  # input blocks: one file each up to this many files
PARSE_MEMORY = 512 * 1024 * 1024  # bytes a parse task reserves (OCR of a page, a large document's text)


class ClusterBuildError(RuntimeError):
    """The cluster run did not give back every passage once; nothing was published."""


@dataclass
class RayOptions:
    """How to reach the cluster and size the embedding pool (``VNPOLICY_RAY_*`` for the defaults)."""

    address: str | None = None  # None: ray.init()'s own choice; "auto": a running cluster; "local": a new one
    embed_actors: int = 0  # 0: one per GPU, else the cluster's CPUs / embed_cpus, less one CPU for parsing
    embed_cpus: float = 1.0  # CPUs per CPU embedding actor (its torch threads)
    batch_documents: int = 0  # documents per embedding call; 0: enough to batch small files, few enough to spread
    on_progress: Callable[[ClusterProgress], None] | None = field(default=None, repr=False)  # after each file

    @classmethod
    def from_settings(cls, address: str | None, settings: IndexerSettings | None = None) -> RayOptions:
        settings = settings or IndexerSettings()
        return cls(address=address, embed_actors=settings.ray_embed_actors, embed_cpus=settings.ray_embed_cpus)


def build_index_ray(corpus_dir: Path, out: Path, settings: BuildSettings | None = None,
                    options: RayOptions | None = None, force: bool = False,
                    progress_out: TextIO | None = None) -> BuildReport:
    """``build_index`` on a Ray cluster: the same index directory, ids, manifest and atomic swap.
    Progress lines go to ``progress_out`` (default: standard error)."""
    settings, options = settings or BuildSettings(), options or RayOptions()
    started = time.perf_counter()
    corpus_dir, out = Path(corpus_dir), Path(out)
    report = BuildReport(index_path=str(out))
    fingerprint, current = corpus_state(corpus_dir, out, settings, report, force)
    if current:
        report.seconds = time.perf_counter() - started
        return report
    engine = pinned_settings(out, settings.model, force)
    if engine.embed_dtype == "auto":  # one dtype for every node: bf16 only where all of them have it, so not by default
        engine = engine.model_copy(update={"embed_dtype": "float32"})
    jobs = plan_files(corpus_dir, settings, report)
    reused = reusable_vectors(out, settings.model, model_identity(settings.model), _dtype(settings.model, engine))
    cache = ParseCache(engine.parse_cache)
    ready, todo = _split(jobs, cache, frozenset(reused))
    returned, vectors, model = {}, {}, None
    cluster_started = time.perf_counter()
    if todo:
        returned, vectors, model = _run_on_cluster(todo, settings, engine, frozenset(reused), options, progress_out)
    cluster_seconds = time.perf_counter() - cluster_started
    documents = _assemble(jobs, ready, returned, cache, report)
    model = model or recorded_model(out)
    if documents and model is None:
        raise ClusterBuildError("no embedding engine reported back and the index has none recorded")
    new_passages = sum(1 for d in documents for c in d.chunks if c.content_hash in vectors)
    embedded = EmbeddedVectors(reused | vectors, model or {}, embedded=new_passages)
    write_documents_index(documents, out, settings, report, fingerprint=fingerprint, embedded=embedded, force=force)
    report.embed_seconds = cluster_seconds  # parse and embed overlap on the cluster: the whole run
    report.seconds = time.perf_counter() - started
    return report


def _dtype(spec: str, engine: IndexerSettings) -> str | None:
    return engine.embed_dtype if spec == "e5-small" else None


def _split(jobs: list[FileJob], cache: ParseCache, known: frozenset[str]
           ) -> tuple[dict[str, ParsedDocument], list[tuple[FileJob, ParsedDocument | None]]]:
    """(documents complete on the driver, files for the cluster with their cached parse if any)."""
    ready: dict[str, ParsedDocument] = {}
    todo: list[tuple[FileJob, ParsedDocument | None]] = []
    for job in jobs:
        document = cache.get(job.key)
        if document is not None and not texts_to_embed(document, known)[0]:
            ready[job.doc_id] = document
        else:
            todo.append((job, document))
    return ready, todo


def _assemble(jobs: list[FileJob], ready: dict[str, ParsedDocument], returned: dict[str, dict[str, Any]],
              cache: ParseCache, report: BuildReport) -> list[ParsedDocument]:
    """Documents in the plan's order (the local build's order, hence its passage ids)."""
    documents = []
    for job in jobs:
        document = ready.get(job.doc_id)
        if document is None:
            row = returned[job.doc_id]
            if row["error"]:
                skip(report, job.relative, row["error"])
                continue
            document = pickle.loads(row["document"])
            cache.put(job.key, document)
        documents.append(document)
        if document.meta.missing:
            report.missing_fields[job.doc_id] = document.meta.missing
    return documents


def _run_on_cluster(todo: list[tuple[FileJob, ParsedDocument | None]], settings: BuildSettings,
                    engine: IndexerSettings, known: frozenset[str], options: RayOptions,
                    progress_out: TextIO | None) -> tuple[dict[str, dict[str, Any]], dict[str, np.ndarray], dict]:
    """Run the pipeline; (doc id → returned row, content hash → vector, the engine's model entry)."""
    import ray

    started_here = _connect(options.address, engine)
    try:
        dataset = _pipeline(todo, settings, engine, known, options)
        sizes = {job.doc_id: _size(job.path) for job, _ in todo}
        return _collect(dataset, sizes, progress_out, options)
    except ClusterBuildError:
        raise
    except Exception as exc:  # a task failed for good, a node and its objects were lost, the cluster went away
        raise ClusterBuildError(f"the cluster run failed ({type(exc).__name__}: {str(exc)[:500]}); "
                                "nothing was published, the live index is untouched") from exc
    finally:
        if started_here:
            ray.shutdown()


def _connect(address: str | None, engine: IndexerSettings) -> bool:
    """Join (or start) the cluster unless this process already has; True when it was joined here."""
    import ray

    if ray.is_initialized():
        return False
    env = {k: v for k, v in os.environ.items() if k.startswith("VNPOLICY_")}
    env |= {"VNPOLICY_OCR_CACHE": str(engine.ocr_cache.resolve()),
            "VNPOLICY_MODEL_CACHE": str(engine.model_cache_dir().resolve())}
    ray.init(address=address, runtime_env={"env_vars": env}, include_dashboard=False,
             logging_level=logging.WARNING, log_to_driver=True)
    return True


def _pipeline(todo, settings: BuildSettings, engine: IndexerSettings, known: frozenset[str], options: RayOptions):
    import ray
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    gpus = int(ray.cluster_resources().get("GPU", 0))
    cpus = float(ray.cluster_resources().get("CPU", 1))
    if gpus:
        actors, resources, device = options.embed_actors or gpus, {"num_gpus": 1, "num_cpus": 1}, "cuda"
    else:
        actors = options.embed_actors or max(1, int((cpus - 1) // options.embed_cpus))
        resources, device = {"num_cpus": options.embed_cpus}, "cpu"
    threads = max(1, int(round(options.embed_cpus))) if device == "cpu" else engine.embed_threads
    actor_settings = engine.model_copy(update={"embed_threads": threads})
    log.info("ray: %d files to the cluster (%d CPUs, %d GPUs), %d embedding actors on %s",
             len(todo), cpus, gpus, actors, device)
    items = [{"job": pickle.dumps(job), "document": pickle.dumps(doc) if doc else b""} for job, doc in todo]
    dataset = ray.data.from_items(items, override_num_blocks=min(len(items), MAX_BLOCKS))
    # parse tasks ask for memory, the actors do not: Ray Data keeps them apart instead of fusing them into one stage
    dataset = dataset.map(parse_row, fn_kwargs={"settings": settings}, num_cpus=1, memory=PARSE_MEMORY)
    return dataset.map_batches(
        EmbedActor, fn_constructor_kwargs={"spec": settings.model, "settings": actor_settings, "known": known,
                                           "device": device},
        batch_size=options.batch_documents or batch_documents(len(todo), actors), batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors), **resources)


def batch_documents(files: int, actors: int) -> int:
    """Documents per embedding call: up to 16 (short files, such as single articles, then share the model's
    batches of 16 passages), but at least two calls per actor, so a small run still spreads over the pool."""
    return max(1, min(16, files // (2 * actors)))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _collect(dataset, expected: dict[str, int], progress_out: TextIO | None, options: RayOptions
             ) -> tuple[dict[str, dict[str, Any]], dict[str, np.ndarray], dict]:
    """Stream the rows to the driver; exactly one per expected document (id → file size), one engine for all."""
    progress = ClusterProgress(len(expected), sum(expected.values()), out=progress_out or sys.stderr)
    returned: dict[str, dict[str, Any]] = {}
    vectors: dict[str, np.ndarray] = {}
    engines: dict[tuple, dict] = {}
    for row in dataset.iter_rows():
        doc_id = str(row["doc_id"])
        if doc_id in returned or doc_id not in expected:  # a re-run task's copy, identical: counted once
            log.warning("ray: %s came back twice; the copy is dropped", doc_id)
            continue
        returned[doc_id] = row
        model = json.loads(row["model"])
        engines.setdefault(tuple(model.get(k) for k in ENGINE_KEYS), model)
        hashes = json.loads(row["hashes"])
        block = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(hashes), -1) if hashes else []
        vectors.update(zip(hashes, block))
        progress.add(int(row["pages"]), int(row["passages"]), len(hashes), failed=bool(row["error"]),
                     size=expected[doc_id])
        if options.on_progress:
            options.on_progress(progress)
    lost = sorted(expected.keys() - returned.keys())
    if lost:
        raise ClusterBuildError(f"{len(lost)} of {len(expected)} files did not come back from the cluster "
                                f"(first: {lost[:3]}); nothing was published, the live index is untouched")
    if len(engines) > 1:
        raise ClusterBuildError(f"the embedding actors ran different engines ({sorted(engines)}): give every "
                                "node the same packages; nothing was published")
    return returned, vectors, next(iter(engines.values()), None)

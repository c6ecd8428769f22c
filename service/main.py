"""App factory: ``create_app()`` loads the index once (lifespan) and mounts the routers."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer.store import IndexLoadError

from . import mcp_app, observability
from .admin import IndexManager
from .index_versions import (IndexWatcher, Reloader, ServingState, VersionHeader, error_summary, load_at_start,
                             served_key)
from .openapi_security import install_security_schemes
from .api.routes import admin, answer, compare, directives, documents, health, pages, search
from .config import Settings
from .engine import Engine, ModelMismatchError, load_engine
from .limits import BodySizeLimit, Buckets, RateLimit

log = logging.getLogger("vnpolicy")
__all__ = ["ModelMismatchError", "create_app", "create_worker_app", "load_engine"]  # ModelMismatchError, load_engine: from .engine


def limit_compute_threads(threads: int) -> None:
    """One query's math on ``threads`` cores: with thread pools spinning against concurrent
    requests, 2 threads measured 91 ms p50 / 1,088 ms p99 per search against 34 / 69 ms with
    1 (eval/RESULTS.md). torch's setting is process-wide; FAISS's OpenMP and numpy's
    OpenBLAS settings hold per thread, so ``vnpolicy serve`` also sets OMP_NUM_THREADS and
    OPENBLAS_NUM_THREADS before they load (request threads start from those)."""
    import faiss
    import torch

    faiss.omp_set_num_threads(max(1, threads))
    torch.set_num_threads(max(1, threads))


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if hasattr(exc, "errors") else []
    messages = [f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}: {e.get('msg')}".lstrip(": ")
                for e in errors]
    return JSONResponse({"detail": "; ".join(messages) or str(exc), "errors": _jsonable(errors)}, status_code=422)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail
    if exc.status_code == 404 and detail == "Not Found":
        detail = (f"no such resource '{request.url.path[:120]}': see /docs for the API; "
                  "document ids come from GET /v1/documents")
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _index_error(request: Request, exc: IndexLoadError) -> JSONResponse:
    """A version that does not load (reload onto a damaged index): 409 while the previous
    version keeps serving, 503 when nothing is served; the body names the failed check."""
    engine = getattr(request.app.state, "engine", None)
    serving = None if engine is None else {"build_id": engine.index.build_id, "built_at": engine.index.built_at}
    body = {k: v for k, v in error_summary(exc).items() if k != "at"} | {"serving": serving}
    return JSONResponse(body, status_code=409 if engine is not None else 503)


def _jsonable(errors: list) -> list:
    """``loc``, ``msg`` and ``type`` of each error (``loc`` a list, e.g. ["body", "query"])."""
    def plain(key: str, value):
        if key == "loc":
            return [p if isinstance(p, (str, int)) else str(p) for p in value]
        return value if isinstance(value, (str, int, float, type(None))) else str(value)

    return [{k: plain(k, v) for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]


def _install_sighup(app: FastAPI) -> None:
    """SIGHUP reloads the index the index path points at (after an external `vnpolicy index`)."""
    import asyncio
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def reload() -> None:
        try:
            app.state.index_manager.reload()
        except IndexLoadError:  # logged by the reloader; the current version keeps serving
            pass

    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.run_in_executor(None, reload))
    except (NotImplementedError, RuntimeError, ValueError):  # not on the main thread / platform
        pass


def create_worker_app() -> FastAPI:
    """The app of one ``vnpolicy serve --workers N`` process: its own JSON logging, then ``create_app``."""
    from .observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def create_app(settings: Settings | None = None, engine: Engine | None = None, rate_buckets: Buckets | None = None) -> FastAPI:
    """The app; ``engine``: serve this one instead of loading the index path; ``rate_buckets``: where the
    rate limit counts (default: in this process; a Ray cluster shares one across replicas)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        limit_compute_threads(settings.compute_threads)
        if engine is not None:
            app.state.engine, app.state.serving = engine, ServingState(key=served_key(engine))
        else:
            app.state.engine, app.state.serving = load_at_start(settings, load_engine)
        _install_sighup(app)
        watcher = None
        if settings.index_watch_interval > 0:  # every worker follows the index path (issue 14, item 2)
            watcher = IndexWatcher(app.state.reloader, settings.index_watch_interval).start()
        try:
            async with app.state.mcp.running():
                yield
        finally:
            if watcher:
                watcher.stop()

    app = FastAPI(title="vnpolicy", version="0.1.0", lifespan=lifespan,
                  description="Tìm kiếm ngữ nghĩa và so sánh chỉ tiêu trong kế hoạch KH&CN của các địa phương.")
    app.state.settings = settings
    app.state.engine = None
    app.state.serving = None
    app.state.reloader = Reloader(app, load_engine)
    app.state.index_manager = IndexManager(app, load_engine)
    app.add_exception_handler(IndexLoadError, _index_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for module in (search, answer, compare, documents, directives, admin, health, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    app.state.mcp = mcp_app.mount(app)
    install_security_schemes(app, keys_required=bool(settings.api_key_scopes()))
    app.state.metrics = observability.install(app, settings.log_queries)
    origins = settings.cors_origin_list()
    if origins:  # default: same origin only (no CORS headers); "*" only when set explicitly
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-API-Key"], max_age=600)
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimit, rate_per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst,
                           buckets=rate_buckets)
    app.add_middleware(VersionHeader)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, upload_max_bytes=settings.upload_max_bytes)
    return app

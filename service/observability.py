"""Structured request logs (one JSON line per request) and Prometheus metrics at /metrics.

The query text is logged only when ``VNPOLICY_LOG_QUERIES`` is true; latency, status, path
and result count always are.
"""
from __future__ import annotations

import json
import logging
import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

log = logging.getLogger("vnpolicy.access")


class Metrics:
    """One registry per app, so tests and several apps in one process do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("vnpolicy_requests_total", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("vnpolicy_request_seconds", "Request latency", ["route"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.results = Histogram("vnpolicy_search_results", "Results returned per search", registry=self.registry,
                                 buckets=(0, 1, 3, 5, 10, 20, 50, 100))
        self.index_chunks = Gauge("vnpolicy_index_chunks", "Passages in the loaded index", registry=self.registry)
        self.reloads = Counter("vnpolicy_index_reloads_total", "Index swaps", ["outcome"], registry=self.registry)


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = getattr(record, "payload", None) or {"message": record.getMessage()}
        return json.dumps({"level": record.levelname.lower(), "logger": record.name} | payload, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("vnpolicy")
    access.handlers[:] = [handler]
    access.setLevel(level)
    access.propagate = False
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def install(app: FastAPI, log_queries: bool) -> Metrics:
    metrics = Metrics()

    @app.middleware("http")
    async def observe(request: Request, call_next):
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(request)
            metrics.requests.labels(route, request.method, str(status)).inc()
            metrics.latency.labels(route).observe(elapsed)
            count = request.scope.get("vnpolicy.result_count")
            if count is not None:
                metrics.results.observe(count)
            payload = {"event": "request", "method": request.method, "path": request.url.path, "route": route,
                       "status": status, "ms": round(elapsed * 1000, 2), "results": count,
                       "client": request.client.host if request.client else None}
            if log_queries and request.scope.get("vnpolicy.query") is not None:
                payload["query"] = request.scope["vnpolicy.query"]
            log.info("request", extra={"payload": payload})

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        engine = getattr(request.app.state, "engine", None)
        if engine is not None:
            metrics.index_chunks.set(len(engine.index.passages))
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return metrics

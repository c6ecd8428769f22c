"""The Serve application and its driver: ``vnpolicy serve --ray``.

``application`` binds a ``Gateway`` (the HTTP ingress, no CPU of its own) to N ``ApiReplica``s (or an
autoscaled range, driven by each replica's queue of ongoing requests). The replicas' user config names
the index version directory they serve; ``Rollout`` watches the index path and, when it points at a new
version whose checksums hold, deploys the same application with the new version: Serve reconfigures the
replicas one by one (its rolling update), each loading the new version while it keeps answering from
the old one, so no request fails and none mixes two versions.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import ray
from ray import serve

from indexer.store import IndexLoadError, read_manifest, verify_checksums, version_key

from ..config import ServiceSettings
from .gateway import Gateway
from .limits import NAMESPACE, start_buckets
from .replica import ApiReplica

log = logging.getLogger("vnpolicy.cluster")
APP_NAME = "vnpolicy"
SERVE_LOGGING = {"log_level": "WARNING", "enable_access_log": False}  # the replicas' app logs its own requests


@dataclass
class Replicas:
    """A fixed count, or an autoscaled range (``min_replicas`` < ``max_replicas``)."""

    count: int = 2
    min_replicas: int | None = None
    max_replicas: int | None = None
    target_ongoing_requests: float = 2.0  # per replica, what autoscaling aims at
    retries: int = 3  # gateway retries of read-only requests on another replica

    @property
    def autoscaled(self) -> bool:
        return self.min_replicas is not None and self.max_replicas is not None and self.max_replicas > self.min_replicas

    def options(self) -> dict:
        if self.autoscaled:
            return {"autoscaling_config": {"min_replicas": self.min_replicas, "max_replicas": self.max_replicas,
                                           "target_ongoing_requests": self.target_ongoing_requests,
                                           "upscale_delay_s": 5, "downscale_delay_s": 60}}
        return {"num_replicas": self.count}


def application(settings: ServiceSettings, version: Path, replicas: Replicas):
    """The bound Serve application serving ``version`` (a version directory of the index path)."""
    replica = serve.deployment(ApiReplica, name="ApiReplica").options(
        user_config={"version": str(version)}, ray_actor_options={"num_cpus": max(1, settings.compute_threads)},
        max_ongoing_requests=8, health_check_period_s=2, graceful_shutdown_timeout_s=10, **replicas.options())
    gateway = serve.deployment(Gateway, name="Gateway").options(
        num_replicas=1, ray_actor_options={"num_cpus": 0}, max_ongoing_requests=1000)
    return gateway.bind(replica.bind(settings), settings.upload_max_bytes, replicas.retries)


def connect(address: str | None) -> None:
    """Join the cluster (``None``: ray.init()'s own choice), passing this process's VNPOLICY_* settings."""
    if ray.is_initialized():
        return
    env = {k: v for k, v in os.environ.items() if k.startswith("VNPOLICY_")}
    ray.init(address=address, namespace=NAMESPACE, runtime_env={"env_vars": env}, include_dashboard=False,
             logging_level=logging.WARNING)


class Rollout:
    """Deploys the application and rolls out each new version the index path points at."""

    def __init__(self, settings: ServiceSettings, replicas: Replicas) -> None:
        self.settings, self.replicas = settings, replicas
        self.deployed: Path | None = None
        self.refused: tuple | None = None  # version_key of a version whose checksums failed

    def deploy(self, version: Path | None = None) -> Path:
        """Serve ``version`` (default: what the index path points at now); returns when every replica does."""
        version = Path(os.path.realpath(version or self.settings.index_dir))
        serve.run(application(self.settings, version, self.replicas), name=APP_NAME, route_prefix="/",
                  logging_config=SERVE_LOGGING)
        self.deployed = version
        log.info("serving index version %s", version.name)
        return version

    def check(self) -> bool:
        """Roll out the version the index path points at if it is new and intact; True when rolled."""
        key = version_key(self.settings.index_dir)
        if key is None or key == self.refused:
            return False
        version = Path(os.path.realpath(self.settings.index_dir))
        if version == self.deployed:
            return False
        try:
            verify_checksums(version, read_manifest(version))
        except IndexLoadError as exc:
            self.refused = key
            log.error("index version %s refused, still serving %s: %s", version.name,
                      self.deployed.name if self.deployed else None, exc)
            return False
        self.deploy(version)
        return True


def serve_on_ray(settings: ServiceSettings, address: str | None, host: str, port: int, replicas: Replicas,
                 watch_interval: float = 2.0) -> None:
    """Start Serve on the cluster, deploy, then roll out new index versions until interrupted."""
    connect(address)
    serve.start(http_options={"host": host, "port": port})
    buckets = None
    if settings.rate_limit_per_minute > 0:  # replicas find it by name (or create it, if it is gone)
        buckets = start_buckets(settings.rate_limit_per_minute, settings.rate_limit_burst,
                                settings.rate_limit_max_clients)
    rollout = Rollout(settings, replicas)
    rollout.deploy()
    print(f"serving on http://{host}:{port} with "
          f"{f'{replicas.min_replicas}-{replicas.max_replicas}' if replicas.autoscaled else replicas.count} replicas "
          f"(index version {rollout.deployed.name if rollout.deployed else '?'})", flush=True)
    try:
        while True:
            time.sleep(watch_interval)
            rollout.check()
    except KeyboardInterrupt:
        pass
    finally:
        serve.shutdown()
        if buckets is not None:
            ray.kill(buckets)

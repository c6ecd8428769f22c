"""The rate limit's buckets, shared by every replica of a cluster: one named Ray actor holds them.

The key is the one the single-process server uses (``service.limits.rate_key``: a verified API key, or the
client address the gateway forwarded from the connection, never the proxy's), so N replicas allow what one
server allows. The actor restarts empty if its node dies (buckets come back full, as after a restart).
"""
from __future__ import annotations

import logging

import ray
from ray.exceptions import RayActorError

from ..limits import TokenBucket

log = logging.getLogger("vnpolicy.cluster")

ACTOR_NAME = "vnpolicy-rate-limit"
NAMESPACE = "vnpolicy"


@ray.remote(num_cpus=0, max_restarts=-1)
class BucketActor:
    def __init__(self, rate_per_minute: float, burst: int, max_entries: int) -> None:
        self.bucket = TokenBucket(rate_per_minute, burst, max_entries)

    def take(self, key: str) -> float:
        return self.bucket.take(key)


def start_buckets(rate_per_minute: float, burst: int, max_entries: int):
    """The cluster's bucket actor (created by ``vnpolicy serve --ray``, found again if it runs)."""
    return BucketActor.options(name=ACTOR_NAME, namespace=NAMESPACE, lifetime="detached",
                               get_if_exists=True).remote(rate_per_minute, burst, max_entries)


class SharedBuckets:
    """``service.limits.Buckets`` over the bucket actor (one small call per request). While the actor is
    being restarted after its node died, requests pass (a limit that fails open for seconds, rather than
    a service that fails closed)."""

    def __init__(self, rate_per_minute: float, burst: int, max_entries: int) -> None:
        self._args = (rate_per_minute, burst, max_entries)
        self._actor = None

    async def take(self, key: str) -> float:
        if self._actor is None:
            self._actor = start_buckets(*self._args)
        try:
            return await self._actor.take.remote(key)
        except RayActorError as exc:
            log.warning("rate-limit actor unavailable (%s): request let through", type(exc).__name__)
            return 0.0

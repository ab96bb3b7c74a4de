"""Killing or freezing Redis under load: no 5xx, no lost acknowledged interaction, recovery without a restart.

A real ``redis-server`` on a free port and a real ``recsys serve`` (uvicorn)
in subprocesses; threads send requests while the test kills Redis and starts
it again (empty, as a crashed cache without persistence comes back), or
freezes it with ``SIGSTOP`` (a Redis that accepts connections but answers
nothing: the slow case, bounded by the cache timeout) and resumes it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from recsys.artifacts import ArtifactRegistry
from recsys.stores.segment_log import SegmentLog
from tests.redis_env import require_redis_server
from tests.serving.world import NOW, World

pytestmark = pytest.mark.slow

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(port: int) -> subprocess.Popen[bytes]:
    assert REDIS_SERVER is not None
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("redis-server did not start")


def recsys_command() -> list[str]:
    script = Path(sys.executable).with_name("recsys")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from recsys.cli.main import main; main()"]


@pytest.fixture
def live_server(world: World) -> Iterator[tuple[str, int, subprocess.Popen[bytes]]]:
    require_redis_server()  # skips, or fails under $RECSYS_REQUIRE_REDIS, without one
    redis_port, http_port = free_port(), free_port()
    redis_process = start_redis(redis_port)
    env = {
        **os.environ,
        "RECSYS_DATA_DIR": str(world.path),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "RECSYS_CACHE_PREFIX": f"deg{uuid.uuid4().hex[:8]}",
        "RECSYS_NOW": NOW.isoformat(),
        "RECSYS_RATE_PUBLIC": "0",
        "RECSYS_RATE_SERVER": "0",
        "RECSYS_CACHE_TIMEOUT": "0.25",
        "RECSYS_BREAKER_COOLDOWN": "0.3",
    }
    server = subprocess.Popen(
        [*recsys_command(), "serve", "--port", str(http_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else "server exited"
            time.sleep(0.2)
        else:
            raise RuntimeError("the server did not become ready")
        yield base, redis_port, redis_process
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        if server.stderr is not None:
            server.stderr.close()
        redis_process.kill()
        redis_process.wait()


class Load:
    """Threads that read recommendations and write interactions until stopped."""

    def __init__(self, base: str, key: str, users: list[str], events: list[str]) -> None:
        self.base, self.key, self.users, self.events = base, key, users, events
        self.statuses: list[int] = []
        self.sources: list[tuple[float, str]] = []
        self.acked: list[str] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(4)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.base, headers={"X-API-Key": self.key}, timeout=10) as client:
            while not self._stop.is_set():
                user = rng.choice(self.users)
                try:
                    if rng.random() < 0.5:
                        response = client.get(f"/v1/users/{user}/recommendations", params={"n": 10})
                        if response.status_code == 200:
                            with self._lock:
                                self.sources.append((time.monotonic(), response.json()["source"]))
                    else:
                        ids = [f"deg-{uuid.uuid4().hex}" for _ in range(3)]
                        batch = [
                            {"id": i, "user_id": user, "event_id": rng.choice(self.events), "kind": "view"} for i in ids
                        ]
                        response = client.post("/v1/interactions", json={"interactions": batch})
                        if 200 <= response.status_code < 300:
                            with self._lock:
                                self.acked.extend(ids)
                except httpx.HTTPError as exc:
                    with self._lock:
                        self.failures.append(repr(exc))
                    continue
                with self._lock:
                    self.statuses.append(response.status_code)

    def latest_source(self) -> str | None:
        with self._lock:
            return self.sources[-1][1] if self.sources else None

    def sources_since(self, moment: float) -> list[str]:
        with self._lock:
            return [s for t, s in self.sources if t >= moment]


def load_for(world: World, base: str) -> Load:
    """Load over every 7th user and every 3rd event the model knows."""
    artifact = ArtifactRegistry(world.path / "artifacts").load_active("default")
    user_vocabulary, event_vocabulary = artifact.vocabularies()
    users = [user_vocabulary.id_of(i) for i in range(0, len(user_vocabulary), 7)]
    events = [event_vocabulary.id_of(i) for i in range(0, len(event_vocabulary), 3)]
    return Load(base, world.keys["server"], users, events)


def wait_for_answers(load: Load, since: float, wanted: Callable[[list[str]], bool], limit_s: float) -> bool:
    """Whether the sources of the last half second's answers satisfy ``wanted`` within ``limit_s`` of ``since``."""
    while time.monotonic() < since + limit_s:
        recent = load.sources_since(time.monotonic() - 0.5)
        if recent and time.monotonic() > since + 1 and wanted(recent):
            return True
        time.sleep(0.2)
    return False


def all_personal(sources: list[str]) -> bool:
    """Every answer is a personal list from the cache (not the fallback)."""
    return all(source == "personal" for source in sources)


def assert_served_through(world: World, load: Load) -> None:
    """Every request answered below 500, and every acknowledged interaction is in the log."""
    assert not load.failures, load.failures[:5]
    assert load.statuses and all(status < 500 for status in load.statuses), sorted(set(load.statuses))
    log = SegmentLog(world.path / "interactions")
    try:
        stored = set(log.export(["interaction_id"]).column("interaction_id").to_pylist())
    finally:
        log.close()
    assert load.acked and not set(load.acked) - stored


def test_killing_redis_under_load(world: World, live_server: tuple[str, int, subprocess.Popen[bytes]]) -> None:
    base, redis_port, redis_process = live_server
    with load_for(world, base) as load:
        time.sleep(1.5)
        redis_process.kill()
        redis_process.wait()
        killed = time.monotonic()
        time.sleep(2.5)
        restarted_process = start_redis(redis_port)
        restarted = time.monotonic()
        recovered = wait_for_answers(
            load, restarted, lambda recent: not any(s.endswith("+fallback") for s in recent), 30
        )
        time.sleep(0.5)
    try:
        during = [s for t, s in load.sources if killed + 0.2 < t < restarted]
        assert during and all(s.endswith("+fallback") for s in during)
        assert recovered, load.sources[-10:]
        assert_served_through(world, load)
    finally:
        restarted_process.kill()
        restarted_process.wait()


def test_a_frozen_redis_under_load(world: World, live_server: tuple[str, int, subprocess.Popen[bytes]]) -> None:
    base, _, redis_process = live_server
    with load_for(world, base) as load:
        assert wait_for_answers(load, time.monotonic(), all_personal, 15), load.sources[-5:]
        redis_process.send_signal(signal.SIGSTOP)
        frozen, acked_before = time.monotonic(), len(load.acked)
        try:
            time.sleep(2.5)
            acked_while_frozen = len(load.acked) - acked_before  # these must be in the log too
        finally:
            redis_process.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        recovered = wait_for_answers(load, resumed, all_personal, 15)
        time.sleep(0.5)
    # A request in flight at the freeze waits at most the cache timeout (0.25 s) before its fallback.
    during = [s for t, s in load.sources if frozen + 0.5 < t < resumed]
    assert during and all(s.endswith("+fallback") for s in during), sorted(set(during))
    assert recovered, load.sources[-10:]
    assert acked_while_frozen > 0
    assert_served_through(world, load)

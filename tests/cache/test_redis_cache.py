"""What only the Redis backend has: failures as CacheError (fast), key layout, leftovers, stale vocabularies."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from recsys.cache.codec import HEADER_BYTES
from recsys.cache.keys import ITEM_KINDS, VERSION_PARTS
from recsys.cache.protocol import CacheError, CandidateList, RecentInteraction
from recsys.cache.redis_cache import RedisCache
from tests.cache.conftest import drop_prefix, prefix_keys, unique_prefix
from tests.cache.test_cache_contract import card, listing, publish
from tests.redis_env import require_redis_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def redis_cache(redis_url: str) -> Iterator[RedisCache]:
    prefix = unique_prefix()
    backend = RedisCache(redis_url, prefix=prefix, socket_timeout=5.0)
    try:
        yield backend
    finally:
        backend.close()
        drop_prefix(redis_url, prefix)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_raises_cache_error_at_once() -> None:
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.5)
    started = time.perf_counter()
    with pytest.raises(CacheError, match="Redis"):
        cache.active_version()
    with pytest.raises(CacheError):
        cache.user_candidates("v1", "u1")
    with pytest.raises(CacheError):
        cache.publisher("v1")
    assert cache.ping() is False
    assert time.perf_counter() - started < 2.0


def test_a_server_that_never_answers_times_out_as_cache_error() -> None:
    # Accepts connections and reads, never replies: a hung or overloaded Redis.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        cache = RedisCache(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", socket_timeout=0.3)
        started = time.perf_counter()
        with pytest.raises(CacheError, match="Timeout"):
            cache.user_candidates("v1", "u1")
        assert time.perf_counter() - started < 1.5
        assert cache.ping() is False
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_stopped_server_raises_cache_error_and_a_restarted_one_is_used_again(tmp_path: object) -> None:
    binary = require_redis_server()
    port = free_port()
    command = [binary, "--port", str(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return process
            except OSError:
                time.sleep(0.05)
        process.kill()
        pytest.fail("redis-server did not start")

    server = start()
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", socket_timeout=0.5)
    try:
        publish(cache, "v1")
        assert cache.user_candidates("v1", "u1") == listing("e1", "e2")
        server.terminate()
        server.wait(10)
        started = time.perf_counter()
        with pytest.raises(CacheError):
            cache.user_candidates("v1", "u1")
        with pytest.raises(CacheError):
            cache.push_recent("u1", [RecentInteraction("e1", "view", 1)])
        assert time.perf_counter() - started < 2.0
        server = start()  # empty again (no persistence), same address
        assert cache.ping()
        assert cache.active_version() is None
    finally:
        cache.close()
        server.kill()
        server.wait(10)


def test_malformed_stored_values_raise_cache_error(redis_cache: RedisCache) -> None:
    publish(redis_cache, "v1")
    client, keys = redis_cache.client, redis_cache.keys
    client.set(keys.item("user", "v1", "u1"), b"\x01garbage")
    with pytest.raises(CacheError, match="malformed"):
        redis_cache.user_candidates("v1", "u1")
    good = client.get(keys.item("popular", "v1", "all"))
    assert isinstance(good, bytes)
    client.set(keys.item("popular", "v1", "all"), good[:-3])
    with pytest.raises(CacheError, match="malformed"):
        redis_cache.popular("v1", "all")
    # An index past the end of the version's vocabulary.
    bad_index = good[:HEADER_BYTES] + np.array([999, 0], dtype="<i4").tobytes() + good[HEADER_BYTES + 8 :]
    client.set(keys.item("similar", "v1", "e1"), bad_index)
    with pytest.raises(CacheError):
        redis_cache.similar_events("v1", "e1")
    client.hset(keys.cards("v1"), "e1", b"{not json")
    with pytest.raises(CacheError, match="malformed card"):
        redis_cache.cards("v1", ["e1"])
    client.hset(keys.live_cards, "e2", b'{"event_id": "e2", "name": {}}')
    with pytest.raises(CacheError, match="malformed card"):
        redis_cache.cards("v1", ["e2"])
    client.zadd(keys.recent("u1"), {b"[1, 2]": 3})
    with pytest.raises(CacheError):
        redis_cache.recent("u1")
    client.set(keys.info("v1"), b"[]")
    with pytest.raises(CacheError):
        redis_cache.version_info("v1")


def test_every_key_follows_the_documented_layout(redis_url: str, redis_cache: RedisCache) -> None:
    publish(redis_cache, "v1", popular={"all": listing("e1"), "region:BE-VAN": listing("e2")})
    redis_cache.put_live_cards([card("e5")])
    redis_cache.push_recent("u:1", [RecentInteraction("e1", "view", 1)])
    prefix = redis_cache.keys.prefix
    found = {k.decode() for k in prefix_keys(redis_url, prefix)}
    expected = {
        f"{prefix}:active",
        f"{prefix}:versions",
        f"{prefix}:live:cards",
        f"{prefix}:recent:u%3A1",
        f"{prefix}:v:v1:info",
        f"{prefix}:v:v1:events",
        f"{prefix}:v:v1:cards",
        f"{prefix}:v:v1:u:u1",
        f"{prefix}:v:v1:s:e1",
        f"{prefix}:v:v1:p:all",
        f"{prefix}:v:v1:p:region%3ABE-VAN",
    }
    assert found == expected
    assert set(ITEM_KINDS.values()) == {"u", "s", "p"} and "claim" in VERSION_PARTS


def test_a_crashed_publishers_leftovers_go_with_the_next_commit(redis_url: str, redis_cache: RedisCache) -> None:
    publish(redis_cache, "v1")
    publisher = redis_cache.publisher("crashed")
    publisher.put_user_candidates({"u1": listing("e1")})
    publisher.put_cards([card("e1")])
    # The process dies here: no discard. A writer still holding its claim is left alone ...
    busy = redis_cache.publisher("busy")
    busy.put_user_candidates({"u1": listing("e1")})
    redis_cache.client.delete(redis_cache.keys.claim("crashed"))  # ... the crashed one's claim expires.
    publish(redis_cache, "v2")
    versions = {k.split(b":")[2] for k in prefix_keys(redis_url, redis_cache.keys.prefix) if k.split(b":")[1] == b"v"}
    assert versions == {b"v1", b"v2", b"busy"}
    assert redis_cache.client.smembers(redis_cache.keys.writing) == {b"busy"}
    busy.commit({})
    assert redis_cache.versions() == ["busy", "v2"]
    assert not redis_cache.client.exists(redis_cache.keys.writing)


def test_a_publish_whose_claim_expired_fails_instead_of_committing(redis_cache: RedisCache) -> None:
    with pytest.raises(CacheError, match="claim lost"), redis_cache.publisher("slow") as publisher:
        publisher.put_user_candidates({"u1": listing("e1")})
        redis_cache.client.delete(redis_cache.keys.claim("slow"))
        publisher.commit({})
    assert redis_cache.versions() == []
    assert redis_cache.active_version() is None


def test_a_version_id_published_again_is_not_read_with_a_stale_vocabulary(redis_cache: RedisCache) -> None:
    publish(redis_cache, "v1", users={"u1": listing("a", "b")})
    reader = RedisCache(redis_cache.client, prefix=redis_cache.keys.prefix)
    assert reader.user_candidates("v1", "u1") == listing("a", "b")  # caches v1's vocabulary
    publish(redis_cache, "v2")
    publish(redis_cache, "v3")  # v1 is gone ...
    publish(redis_cache, "v1", users={"u1": CandidateList(("x", "y", "z"), np.ones((3, 1), np.float32))})
    assert reader.user_candidates("v1", "u1") == CandidateList(("x", "y", "z"), np.ones((3, 1), np.float32))


def test_a_client_that_decodes_responses_is_refused(redis_url: str) -> None:
    import redis

    with pytest.raises(ValueError, match="bytes"):
        RedisCache(redis.Redis.from_url(redis_url, decode_responses=True))


def test_a_malformed_url_is_a_cache_error() -> None:
    with pytest.raises(CacheError):
        RedisCache("http://not-redis")


def test_a_commit_whose_reply_was_lost_keeps_the_version(
    redis_cache: RedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = redis_cache._flip_to

    def flip_then_lose_the_reply(version: str, info: bytes) -> list[str]:
        real(version, info)
        raise CacheError("Redis commit failed: TimeoutError")

    monkeypatch.setattr(redis_cache, "_flip_to", flip_then_lose_the_reply)
    with pytest.raises(CacheError, match="Timeout"), redis_cache.publisher("v1") as publisher:
        publisher.put_user_candidates({"u1": listing("e1")})
        publisher.commit({})
    assert redis_cache.active_version() == "v1"
    assert redis_cache.user_candidates("v1", "u1") == listing("e1")


def test_a_large_version_is_deleted_completely(redis_url: str, redis_cache: RedisCache) -> None:
    from recsys.cache.protocol import CandidateBlock

    n = 12_000  # more keys than one UNLINK call and one round of scan steps take
    events = np.array(["a", "b", "c"], dtype=object)
    block = CandidateBlock(
        [f"u{i}" for i in range(n)], events, np.tile(np.arange(2, dtype=np.int32), (n, 1)), np.ones((n, 2))
    )
    with redis_cache.publisher("big") as publisher:
        publisher.put_user_candidates(block)
        publisher.commit({})
    publish(redis_cache, "v2")
    assert redis_cache.user_candidates("big", "u11999") == CandidateList(("a", "b"), np.ones((2, 1), np.float32))
    publish(redis_cache, "v3")
    assert redis_cache.versions() == ["v3", "v2"]
    left = [k for k in prefix_keys(redis_url, redis_cache.keys.prefix) if redis_cache.keys.version_of(k) == "big"]
    assert left == []
    assert redis_cache.delete_version_keys("v2") > 0 and redis_cache.delete_version_keys("v2") == 0

"""The candidate cache contract, run against every backend (embedded memory and real Redis)."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from typing import Any

import numpy as np
import pytest

from recsys.cache.cards import EventCard, Occurrence
from recsys.cache.protocol import (
    KEEP_VERSIONS,
    RECENT_CAP,
    CacheError,
    CandidateBlock,
    CandidateCache,
    CandidateList,
    NoEarlierVersionError,
    RecentInteraction,
    UnknownVersionError,
    VersionExistsError,
)
from recsys.domain.errors import InvalidFieldError
from tests.cache.conftest import prefix_keys

ODD_IDS = ("plain-1", "with:colon", "star*and$dollar", "at@plus+eq=tilde~bang!", "%notreally", "ü-unicode")


def card(event_id: str, title: str = "Concert", **changes: Any) -> EventCard:
    values: dict[str, Any] = {
        "event_id": event_id,
        "name": {"nl": title, "fr": f"{title} (fr)"},
        "occurrences": (Occurrence(1_800_000_000_000_000, 1_800_000_360_000_000),),
    }
    values.update(changes)
    return EventCard(**values)


def listing(*ids: str, columns: int = 1, base: float = 1.0) -> CandidateList:
    scores = np.arange(len(ids) * columns, dtype=np.float32).reshape(len(ids), columns)[::-1].copy() + base
    return CandidateList(tuple(ids), scores)


def publish(
    cache: CandidateCache,
    version: str,
    *,
    users: dict[str, CandidateList] | None = None,
    similar: dict[str, CandidateList] | None = None,
    popular: dict[str, CandidateList] | None = None,
    cards: list[EventCard] | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    with cache.publisher(version) as publisher:
        publisher.put_user_candidates(users if users is not None else {"u1": listing("e1", "e2")})
        publisher.put_similar(similar if similar is not None else {"e1": listing("e2")})
        publisher.put_popular(popular if popular is not None else {"all": listing("e2", "e1")})
        publisher.put_cards(cards if cards is not None else [card("e1"), card("e2")])
        publisher.commit(info if info is not None else {"model": "hybrid", "version": version})


# -- versions ---------------------------------------------------------------------------------------


def test_a_fresh_cache_is_empty(cache: CandidateCache) -> None:
    assert isinstance(cache, CandidateCache)
    assert cache.ping()
    assert cache.active_version() is None
    assert cache.versions() == []
    assert cache.user_candidates("v1", "u1") is None
    assert cache.popular("v1", "all") is None
    assert cache.cards("v1", ["e1"]) == [None]
    with pytest.raises(UnknownVersionError):
        cache.version_info("v1")


def test_commit_makes_the_whole_version_readable(cache: CandidateCache) -> None:
    info = {"model": "hybrid", "score_columns": ["hybrid", "als"], "counts": {"users": 2}, "now": "2026-01-01"}
    users = {"u1": listing("e1", "e2", columns=2), "u:2": listing("e2", columns=2)}
    publish(cache, "v1", users=users, info=info)
    assert cache.active_version() == "v1"
    assert cache.versions() == ["v1"]
    assert cache.version_info("v1") == info
    assert cache.user_candidates("v1", "u1") == users["u1"]
    assert cache.user_candidates("v1", "u:2") == users["u:2"]
    assert cache.user_candidates("v1", "nobody") is None
    assert cache.similar_events("v1", "e1") == listing("e2")
    assert cache.similar_events("v1", "e2") is None
    assert cache.popular("v1", "all") == listing("e2", "e1")
    assert cache.popular("v1", "region:BE-VAN") is None
    assert cache.cards("v1", ["e2", "nope", "e1"]) == [card("e2"), None, card("e1")]


def test_nothing_is_visible_before_commit(cache: CandidateCache) -> None:
    publish(cache, "v1")
    with cache.publisher("v2") as publisher:
        publisher.put_user_candidates({"u1": listing("e9")})
        publisher.put_cards([card("e9")])
        assert cache.active_version() == "v1"
        assert cache.versions() == ["v1"]
        assert cache.user_candidates("v2", "u1") is None
        with pytest.raises(UnknownVersionError):
            cache.version_info("v2")
        publisher.commit({"model": "x"})
    assert cache.active_version() == "v2"
    assert cache.user_candidates("v2", "u1") == listing("e9")


@pytest.mark.parametrize("how", ["exception", "no commit"])
def test_an_aborted_publish_leaves_nothing_behind(cache: CandidateCache, how: str) -> None:
    publish(cache, "v1")
    keys_before = _keys(cache)
    expectation = pytest.raises(RuntimeError) if how == "exception" else contextlib.nullcontext()
    with expectation, cache.publisher("v2") as publisher:
        publisher.put_user_candidates({f"u{i}": listing("e1", "e3") for i in range(50)})
        publisher.put_similar({"e3": listing("e1")})
        publisher.put_cards([card("e3")])
        if how == "exception":
            raise RuntimeError("the job failed half-way")
    assert cache.active_version() == "v1"
    assert cache.versions() == ["v1"]
    assert cache.user_candidates("v2", "u1") is None
    assert _keys(cache) == keys_before
    publish(cache, "v2")  # the id is free again
    assert cache.versions() == ["v2", "v1"]


def test_two_versions_are_kept_and_older_ones_deleted(cache: CandidateCache) -> None:
    assert KEEP_VERSIONS == 2
    for i in range(1, 5):
        publish(cache, f"v{i}", users={"u1": listing(f"e{i}")}, cards=[card(f"e{i}")])
    assert cache.versions() == ["v4", "v3"]
    assert cache.active_version() == "v4"
    for gone in ("v1", "v2"):
        assert cache.user_candidates(gone, "u1") is None
        assert cache.cards(gone, [f"e{gone[1]}"]) == [None]
        with pytest.raises(UnknownVersionError):
            cache.version_info(gone)
    assert cache.user_candidates("v3", "u1") == listing("e3")
    remaining = {k.split(b":")[2] for k in _keys(cache) if k.split(b":")[1] == b"v"}
    assert remaining <= {b"v3", b"v4"}


def test_activate_and_rollback(cache: CandidateCache) -> None:
    publish(cache, "v1", users={"u1": listing("e1")})
    publish(cache, "v2", users={"u1": listing("e2")})
    assert cache.rollback() == "v1"
    assert cache.active_version() == "v1"
    assert cache.versions() == ["v2", "v1"]
    with pytest.raises(NoEarlierVersionError):
        cache.rollback()
    with pytest.raises(UnknownVersionError):  # NoEarlierVersionError is one
        cache.rollback()
    cache.activate("v2")
    assert cache.active_version() == "v2"
    with pytest.raises(UnknownVersionError):
        cache.activate("v9")
    assert cache.active_version() == "v2"


def test_a_publish_after_a_rollback_keeps_the_version_rolled_back_to(cache: CandidateCache) -> None:
    publish(cache, "v1")
    publish(cache, "v2")
    cache.rollback()  # v2 was bad: v1 serves
    publish(cache, "v3")
    assert cache.versions() == ["v3", "v1"]
    assert cache.rollback() == "v1"


def test_rollback_with_nothing_published(cache: CandidateCache) -> None:
    with pytest.raises(NoEarlierVersionError):
        cache.rollback()


def test_a_held_or_busy_version_cannot_be_published_again(cache: CandidateCache) -> None:
    publish(cache, "v1")
    with pytest.raises(VersionExistsError, match="already"):
        cache.publisher("v1")
    with cache.publisher("v2") as publisher:
        with pytest.raises(VersionExistsError, match="being written"):
            cache.publisher("v2")
        publisher.commit({})
    assert cache.versions() == ["v2", "v1"]


@pytest.mark.parametrize("bad", ["", "has:colon", "star*", "-leading", "x" * 129, "sp ace"])
def test_malformed_version_ids_are_refused(cache: CandidateCache, bad: str) -> None:
    with pytest.raises(InvalidFieldError):
        cache.publisher(bad)


def test_a_malformed_version_id_is_simply_not_held(cache: CandidateCache) -> None:
    publish(cache, "v1")
    for bad in ("has:colon", "star*", ""):
        assert cache.user_candidates(bad, "u1") is None
        assert cache.similar_events(bad, "e1") is None
        assert cache.popular(bad, "all") is None
        assert cache.cards(bad, ["e1"]) == [None]
        with pytest.raises(UnknownVersionError):
            cache.version_info(bad)
        with pytest.raises(UnknownVersionError):
            cache.activate(bad)
    assert cache.active_version() == "v1"


def test_info_must_be_json(cache: CandidateCache) -> None:
    with cache.publisher("v1") as publisher:
        publisher.put_cards([card("e1")])
        with pytest.raises(InvalidFieldError):
            publisher.commit({"model": object()})
    assert cache.versions() == []
    assert _keys(cache) == []


def test_a_closed_publisher_refuses_writes(cache: CandidateCache) -> None:
    with cache.publisher("v1") as publisher:
        publisher.commit({})
        with pytest.raises(CacheError):
            publisher.put_cards([card("e1")])
    assert cache.active_version() == "v1"


def test_readers_see_the_old_or_the_new_version_never_a_mix(cache: CandidateCache) -> None:
    users = [f"u{i}" for i in range(40)]

    def lists_of(i: int) -> dict[str, CandidateList]:
        return {u: listing(f"p{i}-a", f"p{i}-b") for u in users}

    publish(cache, "p0", users=lists_of(0), cards=[card("p0-a", "0")])
    problems: list[str] = []
    seen: set[str] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            version = cache.active_version()
            assert version is not None
            marker = version[1:]
            for user in users[::7]:
                found = cache.user_candidates(version, user)
                if found is not None and any(not e.startswith(f"p{marker}-") for e in found.event_ids):
                    problems.append(f"mixed: {version}/{user}: {found}")
                if found is None and version in cache.versions():
                    problems.append(f"missing: {version}/{user}")
            (shown,) = cache.cards(version, [f"p{marker}-a"])
            if shown is not None and shown.title("nl") != marker:
                problems.append(f"mixed: {version}: card {shown}")
            seen.add(version)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(1, 12):
            with cache.publisher(f"p{i}") as publisher:
                half = dict(list(lists_of(i).items())[:20])
                publisher.put_user_candidates(half)
                time.sleep(0.003)  # let the reader in while the version is half written
                publisher.put_user_candidates({u: lst for u, lst in lists_of(i).items() if u not in half})
                publisher.put_cards([card(f"p{i}-a", str(i))])
                publisher.commit({"i": i})
            time.sleep(0.003)
    finally:
        stop.set()
        reader.join()
    # A list is missing only when two later commits removed its version while the reader held it
    # (two versions are kept); what it finds always belongs to the version it resolved.
    assert problems == []
    assert len(seen) > 1
    assert cache.active_version() == "p11"


# -- values -----------------------------------------------------------------------------------------


def test_candidate_lists_round_trip_with_nan_and_odd_ids(cache: CandidateCache) -> None:
    scores = np.array([[1.5, np.nan, -np.inf], [np.nan, 2.0, 0.0], [-0.0, np.inf, 3.25]], dtype=np.float32)
    lists = {
        "u1": CandidateList(ODD_IDS[:3], scores),
        "empty": CandidateList((), np.zeros((0, 3), dtype=np.float32)),
        **{user: CandidateList((ODD_IDS[i % 6], ODD_IDS[(i + 1) % 6]), scores[:2]) for i, user in enumerate(ODD_IDS)},
    }
    with cache.publisher("v1") as publisher:
        publisher.put_user_candidates(lists)
        publisher.put_similar({e: lists["u1"] for e in ODD_IDS})
        publisher.put_popular({"region:BE-VAN": lists["u1"], "type:0.50.4.0.0": lists["empty"]})
        publisher.commit({})
    for user, expected in lists.items():
        found = cache.user_candidates("v1", user)
        assert found == expected
        assert found is not None and found.scores.dtype == np.float32
    assert math.isnan(float(cache.user_candidates("v1", "u1").scores[0, 1]))  # type: ignore[union-attr]
    for event_id in ODD_IDS:
        assert cache.similar_events("v1", event_id) == lists["u1"]
    assert cache.popular("v1", "region:BE-VAN") == lists["u1"]
    assert cache.popular("v1", "type:0.50.4.0.0") == lists["empty"]


def test_a_block_stores_the_same_lists_as_a_mapping(cache: CandidateCache) -> None:
    events = np.array(["a", "b:1", "c*", "d"], dtype=object)
    indices = np.array([[2, 0, 1], [3, -1, -1], [-1, -1, -1]], dtype=np.int32)
    scores = np.arange(18, dtype=np.float32).reshape(3, 3, 2)
    block = CandidateBlock(["u1", "u:2", "u3"], events, indices, scores)
    expected = dict(block.lists())
    assert expected["u1"] == CandidateList(("c*", "a", "b:1"), scores[0])
    assert expected["u:2"] == CandidateList(("d",), scores[1, :1])
    assert expected["u3"] == CandidateList((), np.zeros((0, 2), dtype=np.float32))
    with cache.publisher("v1") as publisher:
        publisher.put_user_candidates(block)
        publisher.put_similar(CandidateBlock(["a"], events, indices[:1], scores[:1]))
        publisher.put_user_candidates({"mapped": expected["u1"]})
        publisher.commit({})
    for user, lst in expected.items():
        assert cache.user_candidates("v1", user) == lst
    assert cache.user_candidates("v1", "mapped") == expected["u1"]
    assert cache.similar_events("v1", "a") == expected["u1"]


def test_blocks_refuse_inconsistent_arrays() -> None:
    events = np.array(["a", "b"], dtype=object)
    with pytest.raises(ValueError):
        CandidateBlock(["u"], events, np.array([[0, 2]], dtype=np.int32), np.zeros((1, 2, 1), np.float32))
    with pytest.raises(ValueError):
        CandidateBlock(["u"], events, np.array([[-1, 0]], dtype=np.int32), np.zeros((1, 2, 1), np.float32))
    with pytest.raises(ValueError):
        CandidateBlock(["u", "v"], events, np.array([[0, 1]], dtype=np.int32), np.zeros((1, 2, 1), np.float32))


def test_cards_round_trip(cache: CandidateCache) -> None:
    full = EventCard(
        event_id="ev:1",
        name={"nl": "Hamlet", "fr": "Hamlet", "en": "Hamlet"},
        occurrences=(
            Occurrence(1_800_000_000_000_000, 1_800_000_900_000_000),
            Occurrence(1_800_086_400_000_000, 1_800_087_300_000_000, "Unavailable", "Available"),
            Occurrence(1_800_172_800_000_000, 1_800_173_700_000_000, "Available", "Unavailable"),
        ),
        available_from_us=None,
        available_to_us=1_810_000_000_000_000,
        calendar_type="multiple",
        production_id="prod-1",
        organizer_id="org-1",
        organizer_name="Toneelhuis",
        small_organizer=True,
        location_id="place-1",
        venue_name="Bourla",
        municipality="Antwerpen",
        postcode="2000",
        region="BE-VAN",
        lat=51.2166,
        lon=4.4,
        type_id="0.55.0.0.0",
        theme_id="1.3.1.0.0",
        type_label={"nl": "Theatervoorstelling", "en": "Theatre"},
        facility_ids=("3.27.0.0.0", "3.31.0.0.0"),
        accessible=True,
        price_eur=18.5,
        uitpas=True,
        min_age=12,
        max_age=None,
        image_url="https://example.org/h.jpg",
        url="https://example.org/hamlet",
        popularity=12.25,
    )
    minimal = EventCard("ev-2", {"en": "Walk"}, calendar_type="permanent", price_eur=0.0)
    publish(cache, "v1", cards=[full, minimal])
    assert cache.cards("v1", ["ev:1", "ev-2"]) == [full, minimal]
    cache.put_live_cards([minimal])
    assert cache.live_cards() == [minimal]


def test_live_cards_take_precedence(cache: CandidateCache) -> None:
    publish(cache, "v1", cards=[card("e1", "old"), card("e2", "kept")])
    assert cache.live_cards() == []
    cache.put_live_cards([card("e1", "changed"), card("e3", "new")])
    cache.put_live_cards([card("e3", "newer")])
    found = cache.cards("v1", ["e1", "e2", "e3", "e4"])
    assert [c.title("nl") if c else None for c in found] == ["changed", "kept", "newer", None]
    assert sorted(c.title("nl") for c in cache.live_cards()) == ["changed", "newer"]
    publish(cache, "v2", cards=[card("e1", "republished")])
    assert cache.cards("v2", ["e1"])[0].title("nl") == "changed"  # type: ignore[union-attr]


def test_recent_history_is_capped_and_newest_first(cache: CandidateCache) -> None:
    assert cache.recent("u1") == []
    entries = [RecentInteraction(f"e{i}", "view" if i % 2 else "click", 1_700_000_000_000_000 + i) for i in range(60)]
    shuffled = entries[30:] + entries[:30]
    cache.push_recent("u1", shuffled[:25])
    cache.push_recent("u1", shuffled[25:])
    cache.push_recent("u1", [])
    cache.push_recent("u1", entries[-3:])  # a re-sent batch is stored once
    got = cache.recent("u1")
    assert len(got) == RECENT_CAP
    assert got == sorted(entries, key=lambda e: e.timestamp_us, reverse=True)[:RECENT_CAP]
    cache.push_recent("u1", [RecentInteraction("old", "view", 5)])  # older than everything kept: dropped
    assert cache.recent("u1") == got
    cache.push_recent("u:2", [RecentInteraction("e1", "like", 7), RecentInteraction("e1", "ticket", 7)])
    assert {(e.kind, e.timestamp_us) for e in cache.recent("u:2")} == {("like", 7), ("ticket", 7)}
    assert cache.recent("u1") == got


def test_user_view_reads_the_list_and_the_recent_history_together(cache: CandidateCache) -> None:
    users = {"u1": listing("e1", "e2"), "u:2": listing("e3")}
    publish(cache, "v1", users=users)
    cache.push_recent("u1", [RecentInteraction("e1", "click", 3), RecentInteraction("e2", "view", 9)])
    for _ in range(2):  # the first read of a version and a later one take different paths in a network backend
        assert cache.user_view("v1", "u1") == (
            users["u1"],
            [RecentInteraction("e2", "view", 9), RecentInteraction("e1", "click", 3)],
        )
        assert cache.user_view("v1", "u:2") == (users["u:2"], [])
        assert cache.user_view("v1", "nobody") == (None, [])
    cache.push_recent("nobody", [RecentInteraction("e3", "like", 1)])
    assert cache.user_view("v1", "nobody") == (None, [RecentInteraction("e3", "like", 1)])
    assert cache.user_view("v9", "u1") == (None, cache.recent("u1"))
    assert cache.user_view("not a version", "u1") == (None, cache.recent("u1"))


def test_delete_user_forgets_candidates_in_every_version_and_recent_history(cache: CandidateCache) -> None:
    both = {"u1": listing("e1"), "u2": listing("e2")}
    publish(cache, "v1", users=both)
    publish(cache, "v2", users=both)
    cache.push_recent("u1", [RecentInteraction("e1", "click", 1)])
    cache.push_recent("u2", [RecentInteraction("e2", "click", 1)])
    cache.delete_user("u1")
    cache.delete_user("never-seen")
    for version in ("v1", "v2"):
        assert cache.user_candidates(version, "u1") is None
        assert cache.user_candidates(version, "u2") == listing("e2")
    assert cache.recent("u1") == []
    assert cache.recent("u2") == [RecentInteraction("e2", "click", 1)]


# -- helpers ----------------------------------------------------------------------------------------


def _keys(cache: CandidateCache) -> list[bytes]:
    """Redis keys under the cache's prefix (an empty list for the memory backend)."""
    from recsys.cache.memory import MemoryCache

    if isinstance(cache, MemoryCache):
        return []
    from recsys.cache.redis_cache import RedisCache

    assert isinstance(cache, RedisCache)
    kwargs = cache.client.connection_pool.connection_kwargs
    url = f"redis://{kwargs.get('host', '127.0.0.1')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
    return prefix_keys(url, cache.keys.prefix)

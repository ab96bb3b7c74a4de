"""Key names: one module builds them all, and escaping keeps different (kind, version, id) triples apart."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recsys.cache.keys import ITEM_KINDS, CacheKeys, check_prefix, check_version, escape, parse_key, unescape
from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import validate_id

ID_ALPHABET = "ABCXYZabcxyz0189._:@+=~!$*-"
domain_ids = st.text(alphabet=ID_ALPHABET, min_size=1, max_size=40)
any_text = st.text(max_size=30)  # scopes or ids from anywhere: escaping must not rely on validation
ids = st.one_of(domain_ids, any_text)
versions = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._@+=~-]{0,40}\Z")
kinds = st.sampled_from(sorted(ITEM_KINDS))
triples = st.tuples(kinds, versions, ids)
KEYS = CacheKeys("recsys")


@given(triples)
def test_a_list_key_parses_back_into_its_triple(triple: tuple[str, str, str]) -> None:
    kind, version, item_id = triple
    key = KEYS.item(kind, version, item_id)  # type: ignore[arg-type]
    assert parse_key(KEYS, key) == triple
    assert KEYS.version_of(key) == version
    assert key.startswith(KEYS.version_root(version))


@given(st.lists(triples, min_size=2, max_size=30, unique=True))
def test_different_triples_never_share_a_key(triples_: list[tuple[str, str, str]]) -> None:
    built = [KEYS.item(k, v, i) for k, v, i in triples_]  # type: ignore[arg-type]
    assert len(set(built)) == len(built)


@given(st.lists(ids, min_size=2, max_size=30, unique=True))
def test_recent_keys_of_different_users_differ(users: list[str]) -> None:
    assert len({KEYS.recent(u) for u in users}) == len(users)


@given(ids)
def test_escaped_parts_hold_no_separator_and_invert(item_id: str) -> None:
    escaped = escape(item_id)
    assert ":" not in escaped
    assert unescape(escaped) == item_id


@given(domain_ids)
def test_ids_without_a_colon_are_kept_as_they_are(item_id: str) -> None:
    validate_id(item_id, "id")
    if ":" not in item_id:
        assert escape(item_id) == item_id


@given(kinds, versions, st.lists(ids, max_size=20))
def test_many_keys_at_once_match_one_at_a_time(kind: str, version: str, item_ids: list[str]) -> None:
    assert KEYS.items(kind, version, item_ids) == [KEYS.item(kind, version, i) for i in item_ids]  # type: ignore[arg-type]


def test_the_layout() -> None:
    keys = CacheKeys("app.recs-1")
    assert keys.active == "app.recs-1:active"
    assert keys.versions == "app.recs-1:versions"
    assert keys.live_cards == "app.recs-1:live:cards"
    assert keys.recent("u:1") == "app.recs-1:recent:u%3A1"
    assert keys.info("v1") == "app.recs-1:v:v1:info"
    assert keys.cards("v1") == "app.recs-1:v:v1:cards"
    assert keys.events("v1") == "app.recs-1:v:v1:events"
    assert keys.item("user", "v1", "u1") == "app.recs-1:v:v1:u:u1"
    assert keys.item("popular", "v1", "region:BE-VAN") == "app.recs-1:v:v1:p:region%3ABE-VAN"
    assert keys.item("similar", "v1", "100%") == "app.recs-1:v:v1:s:100%25"
    assert keys.version_pattern("v1") == "app.recs-1:v:v1:*"
    assert keys.version_pattern() == "app.recs-1:v:*"
    assert keys.version_of("app.recs-1:v:v1:u:x") == "v1"
    assert keys.version_of(b"app.recs-1:active") is None
    assert keys.version_of("other:v:v1:u:x") is None


@pytest.mark.parametrize("bad", ["", "a:b", "a*", "a b", "x" * 65, "[x]"])
def test_prefixes_that_could_collide_or_break_scans_are_refused(bad: str) -> None:
    with pytest.raises(InvalidFieldError):
        check_prefix(bad)
    with pytest.raises(InvalidFieldError):
        CacheKeys(bad)


@pytest.mark.parametrize("bad", ["", "a:b", "a*b", "a?", "[a]", "-a", ".a", "x" * 129])
def test_version_ids_are_checked(bad: str) -> None:
    with pytest.raises(InvalidFieldError):
        check_version(bad)
    with pytest.raises(InvalidFieldError):
        KEYS.item("user", bad, "u1")


def test_parse_key_refuses_other_keys() -> None:
    for key in ("recsys:active", "recsys:v:v1:info", "other:v:v1:u:x", "recsys:v:v1:q:x"):
        with pytest.raises(InvalidFieldError):
            parse_key(KEYS, key)

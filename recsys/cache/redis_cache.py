"""The Redis candidate cache (the only module of ``recsys`` that imports ``redis``).

Writes: a publisher claims its version (a marker key with a time-to-live,
refreshed by every batch), writes lists with ``MSET`` in non-transactional
pipelines and cards with ``HSET``, then :meth:`RedisPublisher.commit` stores
the version's event vocabulary and runs one Lua script that records the info,
updates the version list and flips ``active`` atomically. Versions beyond the
two kept (the new one and the one active before it) are deleted afterwards
by a Lua script that scans ``<prefix>:v:<version>:*`` and unlinks what it
finds, a few steps per call (no key travels to the client); so are the
versions of crashed publishers once their claims expired
(``<prefix>:writing`` lists every version claimed and not finished).

Reads take one round trip: ``GET`` for a list (the version's vocabulary is
fetched once per process and version, and cached), one pipelined ``HMGET``
of the version's cards and the live cards for :meth:`RedisCache.cards`.

Every Redis failure (refused connection, timeout, error reply) surfaces as
:class:`~recsys.cache.protocol.CacheError`; the client retries a dropped
connection once, immediately, and never waits beyond ``socket_timeout``.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from recsys.cache import codec
from recsys.cache.cards import EventCard
from recsys.cache.keys import DEFAULT_PREFIX, CacheKeys, ItemKind, check_version, is_version
from recsys.cache.protocol import (
    KEEP_VERSIONS,
    RECENT_CAP,
    CacheError,
    CandidateBlock,
    CandidateList,
    NoEarlierVersionError,
    RecentInteraction,
    UnknownVersionError,
    VersionExistsError,
)

_log = logging.getLogger(__name__)

#: Keys per MSET/HSET command and commands per pipeline round trip when publishing.
KEYS_PER_COMMAND: Final = 500
COMMANDS_PER_ROUND_TRIP: Final = 8
#: Keys asked for per SCAN step when deleting a version.
SCAN_COUNT: Final = 5000
#: How long a publisher's claim lives without a write (a crashed publisher's leftovers go after it).
CLAIM_TTL_S: Final = 3600
#: Recent histories of users who stop coming expire after this.
RECENT_TTL_S: Final = 90 * 86_400
#: Versions whose vocabularies a reader keeps decoded.
VOCABULARIES_CACHED: Final = 4

# Claim a version: 1 = held already, 2 = being written, 0 = claimed (and noted among those being written).
_CLAIM = """
local held = redis.call('LPOS', KEYS[1], ARGV[1])
if held then return 1 end
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('SADD', KEYS[3], ARGV[1])
  return 0
end
return 2
"""
# Flip: record info, put the version first, keep it and the one active before it, point active at it.
# Returns the versions dropped from the list (their keys are deleted afterwards).
_FLIP = """
if redis.call('EXISTS', KEYS[4]) == 0 then return redis.error_reply('claim lost') end
local version, keep = ARGV[1], tonumber(ARGV[3])
local previous = redis.call('GET', KEYS[1])
local held = redis.call('LRANGE', KEYS[2], 0, -1)
local kept = {[version] = true}
local n = 1
if previous and previous ~= version then kept[previous] = true; n = n + 1 end
for _, v in ipairs(held) do
  if n >= keep then break end
  if not kept[v] then kept[v] = true; n = n + 1 end
end
local order, dropped = {version}, {}
for _, v in ipairs(held) do
  if v ~= version then
    if kept[v] and #order < keep then table.insert(order, v) else table.insert(dropped, v) end
  end
end
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[2], unpack(order))
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[1], version)
redis.call('DEL', KEYS[4])
redis.call('SREM', KEYS[5], version)
return dropped
"""
# Delete keys matching a pattern, server-side: a few SCAN steps and their UNLINKs per call, so no key
# travels to the client and each call blocks Redis for milliseconds only. Returns {next cursor, deleted}.
_DELETE_MATCHING = """
local cursor, deleted = ARGV[1], 0
for _ = 1, tonumber(ARGV[4]) do
  local reply = redis.call('SCAN', cursor, 'MATCH', ARGV[2], 'COUNT', ARGV[3])
  cursor = reply[1]
  local found = reply[2]
  for i = 1, #found, 1000 do
    deleted = deleted + redis.call('UNLINK', unpack(found, i, math.min(i + 999, #found)))
  end
  if cursor == '0' then break end
end
return {cursor, deleted}
"""
#: SCAN steps per call of the delete script.
DELETE_ROUNDS: Final = 4
# Activate a held version: 1 = done, 0 = not held.
_ACTIVATE = """
if redis.call('LPOS', KEYS[2], ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]); return 1 end
return 0
"""
# Roll back: the version after the active one in the newest-first list, or false.
_ROLLBACK = """
local active = redis.call('GET', KEYS[1])
if not active then return false end
local position = redis.call('LPOS', KEYS[2], active)
if not position then return false end
local earlier = redis.call('LINDEX', KEYS[2], position + 1)
if not earlier then return false end
redis.call('SET', KEYS[1], earlier)
return earlier
"""


@contextmanager
def _redis_errors(what: str) -> Iterator[None]:
    """Turn every Redis or socket failure into :class:`CacheError`."""
    try:
        yield
    except redis.RedisError as exc:
        raise CacheError(f"Redis {what} failed: {type(exc).__name__}: {exc}") from exc
    except (OSError, ValueError) as exc:  # ValueError: a malformed URL
        raise CacheError(f"Redis {what} failed: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _bytes(value: Any) -> bytes:
    """A reply as bytes (the client returns bytes; typing says it could be text)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise CacheError(f"unexpected reply from Redis: {type(value).__name__}")


class RedisCache:
    """A :class:`~recsys.cache.protocol.CandidateCache` on a Redis server (thread-safe).

    Parameters
    ----------
    url_or_client : str or redis.Redis
        ``redis://host:port/db`` (a client is made with the timeouts below),
        or a ready client (used as is; it must return bytes, not decoded text).
    prefix : str
        Namespace of every key (:class:`~recsys.cache.keys.CacheKeys`).
    socket_timeout : float
        Seconds a command may take before it fails with :class:`CacheError`.
    connect_timeout : float, optional
        Seconds to connect (default: ``socket_timeout``).
    keep_versions : int
        Versions kept after a commit.
    recent_cap : int
        Recent interactions kept per user.
    recent_ttl_s : int or None
        Recent histories expire this long after their last update (``None``: never).

    """

    def __init__(
        self,
        url_or_client: str | redis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        socket_timeout: float = 1.0,
        connect_timeout: float | None = None,
        keep_versions: int = KEEP_VERSIONS,
        recent_cap: int = RECENT_CAP,
        recent_ttl_s: int | None = RECENT_TTL_S,
    ) -> None:
        if keep_versions < 1 or recent_cap < 1:
            raise ValueError("keep_versions and recent_cap must be at least 1")
        self.keys = CacheKeys(prefix)
        if isinstance(url_or_client, str):
            with _redis_errors(f"connection setup ({url_or_client!r})"):
                self.client: redis.Redis = redis.Redis.from_url(
                    url_or_client,
                    socket_timeout=socket_timeout,
                    socket_connect_timeout=connect_timeout if connect_timeout is not None else socket_timeout,
                    # One immediate retry on a dropped connection (a restarted server); never on a timeout.
                    retry=Retry(NoBackoff(), 1, (redis.ConnectionError,)),
                    decode_responses=False,
                )
        else:
            if url_or_client.connection_pool.connection_kwargs.get("decode_responses"):
                raise ValueError("the Redis client must return bytes (decode_responses=False)")
            self.client = url_or_client
        self.keep_versions = keep_versions
        self.recent_cap = recent_cap
        self.recent_ttl_s = recent_ttl_s
        self._claim = self.client.register_script(_CLAIM)
        self._flip = self.client.register_script(_FLIP)
        self._activate = self.client.register_script(_ACTIVATE)
        self._rollback = self.client.register_script(_ROLLBACK)
        self._delete_matching = self.client.register_script(_DELETE_MATCHING)
        self._vocabularies: OrderedDict[str, codec.Vocabulary] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RedisCache({self.client!r}, prefix={self.keys.prefix!r})"

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()

    # -- versions -------------------------------------------------------------------------

    def ping(self) -> bool:
        """True when Redis answers, False when it does not (never raises)."""
        try:
            return bool(self.client.ping())
        except (redis.RedisError, OSError):
            return False

    def active_version(self) -> str | None:
        """The version readers use, or ``None`` before the first publish."""
        with _redis_errors("GET active"):
            value = self.client.get(self.keys.active)
        return None if value is None else _text(value)

    def versions(self) -> list[str]:
        """Versions held, newest first."""
        with _redis_errors("LRANGE versions"):
            values = self.client.lrange(self.keys.versions, 0, -1)
        return [_text(v) for v in values]

    def version_info(self, version: str) -> dict[str, Any]:
        """The ``info`` given at commit (raises :class:`UnknownVersionError`)."""
        if not is_version(version):
            raise UnknownVersionError(version, self.versions())
        with _redis_errors("GET info"):
            value = self.client.get(self.keys.info(version))
        if value is None:
            raise UnknownVersionError(version, self.versions())
        return codec.decode_info(_bytes(value))

    def activate(self, version: str) -> None:
        """Point ``active`` at a held version (raises :class:`UnknownVersionError`)."""
        with _redis_errors("activate"):
            done = is_version(version) and self._activate(keys=[self.keys.active, self.keys.versions], args=[version])
        if not done:
            raise UnknownVersionError(version, self.versions())

    def rollback(self) -> str:
        """Activate the version published before the active one; return it."""
        with _redis_errors("rollback"):
            earlier = self._rollback(keys=[self.keys.active, self.keys.versions])
        if not earlier:
            raise NoEarlierVersionError(self.active_version(), self.versions())
        return _text(earlier)

    def publisher(self, version: str) -> RedisPublisher:
        """Start writing ``version`` (raises :class:`VersionExistsError` when held or being written)."""
        check_version(version)
        with _redis_errors("claim"):
            state = self._claim(
                keys=[self.keys.versions, self.keys.claim(version), self.keys.writing], args=[version, CLAIM_TTL_S]
            )
        if state:
            raise VersionExistsError(version, being_written=state == 2)
        return RedisPublisher(self, version)

    # -- versioned reads ------------------------------------------------------------------

    def user_candidates(self, version: str, user_id: str) -> CandidateList | None:
        """The user's published candidates, or ``None``."""
        return self._read_list(version, "user", user_id)

    def user_view(self, version: str, user_id: str) -> tuple[CandidateList | None, list[RecentInteraction]]:
        """The user's published candidates (or ``None``) and recent interactions, in one round trip."""
        vocabulary = self._cached_vocabulary(version) if is_version(version) else None
        if vocabulary is None:  # the first read of a version (or none held): the two reads on their own
            return self.user_candidates(version, user_id), self.recent(user_id)
        with _redis_errors("GET list + ZREVRANGE recent"):
            pipe = self.client.pipeline(transaction=False)
            pipe.get(self.keys.item("user", version, user_id))
            pipe.zrevrange(self.keys.recent(user_id), 0, self.recent_cap - 1)
            value, members = pipe.execute()
        recent = [codec.decode_recent(_bytes(v)) for v in members]
        if value is None:
            return None, recent
        try:
            return codec.decode_list(_bytes(value), vocabulary), recent
        except codec.StaleVocabularyError:  # published again under this id: read it afresh
            return self.user_candidates(version, user_id), recent

    def similar_events(self, version: str, event_id: str) -> CandidateList | None:
        """Events similar to ``event_id``, or ``None``."""
        return self._read_list(version, "similar", event_id)

    def popular(self, version: str, scope: str) -> CandidateList | None:
        """The popular list of ``scope``, or ``None``."""
        return self._read_list(version, "popular", scope)

    def cards(self, version: str, event_ids: Sequence[str]) -> list[EventCard | None]:
        """Cards in the order asked; live cards take precedence over the version's; ``None`` when unknown."""
        if not event_ids:
            return []
        ids = list(event_ids)
        with _redis_errors("HMGET cards"):
            pipe = self.client.pipeline(transaction=False)
            if is_version(version):
                pipe.hmget(self.keys.cards(version), ids)
            pipe.hmget(self.keys.live_cards, ids)
            *stored, live = pipe.execute()
        published = stored[0] if stored else [None] * len(ids)
        return [
            codec.decode_card(_bytes(fresh))
            if fresh is not None
            else codec.decode_card(_bytes(stored))
            if stored is not None
            else None
            for fresh, stored in zip(live, published, strict=True)
        ]

    def _read_list(self, version: str, kind: ItemKind, item_id: str) -> CandidateList | None:
        if not is_version(version):
            return None  # no such version can be held
        key = self.keys.item(kind, version, item_id)
        vocabulary = self._cached_vocabulary(version)
        with _redis_errors("GET list"):
            if vocabulary is None:
                pipe = self.client.pipeline(transaction=False)
                pipe.get(key)
                pipe.get(self.keys.events(version))
                value, raw = pipe.execute()
                if value is None or raw is None:  # no such list, or the version is gone
                    return None
                vocabulary = self._remember(version, codec.decode_vocabulary(_bytes(raw)))
            else:
                value = self.client.get(key)
                if value is None:
                    return None
        try:
            return codec.decode_list(_bytes(value), vocabulary)
        except codec.StaleVocabularyError:
            # The version id was published again since the vocabulary was cached.
            with _redis_errors("GET vocabulary"):
                raw = self.client.get(self.keys.events(version))
            if raw is None:
                return None
            return codec.decode_list(_bytes(value), self._remember(version, codec.decode_vocabulary(_bytes(raw))))

    def _cached_vocabulary(self, version: str) -> codec.Vocabulary | None:
        with self._lock:
            return self._vocabularies.get(version)

    def _remember(self, version: str, vocabulary: codec.Vocabulary) -> codec.Vocabulary:
        with self._lock:
            self._vocabularies[version] = vocabulary
            self._vocabularies.move_to_end(version)
            while len(self._vocabularies) > VOCABULARIES_CACHED:
                self._vocabularies.popitem(last=False)
        return vocabulary

    # -- live state -----------------------------------------------------------------------

    def put_live_cards(self, cards: Iterable[EventCard]) -> None:
        """Add or replace cards of events created or changed since the last publish."""
        self._put_cards(self.keys.live_cards, cards, None)

    def live_cards(self) -> list[EventCard]:
        """Every live card."""
        with _redis_errors("HGETALL live cards"):
            values = self.client.hgetall(self.keys.live_cards)
        return [codec.decode_card(_bytes(v)) for v in values.values()]

    def push_recent(self, user_id: str, entries: Sequence[RecentInteraction]) -> None:
        """Add a user's new interactions, keeping the newest :data:`RECENT_CAP` (an identical entry is kept once)."""
        if not entries:
            return
        key = self.keys.recent(user_id)
        members = {codec.encode_recent(e): e.timestamp_us for e in entries}
        with _redis_errors("push recent"):
            pipe = self.client.pipeline(transaction=True)
            pipe.zadd(key, members)
            pipe.zremrangebyrank(key, 0, -(self.recent_cap + 1))
            if self.recent_ttl_s is not None:
                pipe.expire(key, self.recent_ttl_s)
            pipe.execute()

    def recent(self, user_id: str) -> list[RecentInteraction]:
        """The user's recent interactions, newest first."""
        with _redis_errors("ZREVRANGE recent"):
            values = self.client.zrevrange(self.keys.recent(user_id), 0, self.recent_cap - 1)
        return [codec.decode_recent(_bytes(v)) for v in values]

    def delete_user(self, user_id: str) -> None:
        """Forget the user: candidates in every held version and recent history."""
        held = self.versions()
        with _redis_errors("delete user"):
            self.client.delete(self.keys.recent(user_id), *(self.keys.item("user", v, user_id) for v in held))

    # -- writing (used by RedisPublisher) -------------------------------------------------

    def _put_cards(self, key: str, cards: Iterable[EventCard], claim: str | None) -> int:
        count = 0
        batch: dict[str, bytes] = {}
        for card in cards:
            if not isinstance(card, EventCard):
                raise TypeError(f"expected an EventCard, got {type(card).__name__}")
            batch[card.event_id] = codec.encode_card(card)
            if len(batch) >= KEYS_PER_COMMAND * COMMANDS_PER_ROUND_TRIP:
                count += self._hset(key, batch, claim)
                batch = {}
        if batch:
            count += self._hset(key, batch, claim)
        return count

    def _hset(self, key: str, mapping: dict[str, bytes], claim: str | None) -> int:
        items = list(mapping.items())
        with _redis_errors("HSET cards"):
            pipe = self.client.pipeline(transaction=False)
            for start in range(0, len(items), KEYS_PER_COMMAND):
                pipe.hset(key, mapping=dict(items[start : start + KEYS_PER_COMMAND]))
            if claim is not None:
                pipe.expire(claim, CLAIM_TTL_S)
            pipe.execute()
        return len(items)

    def _mset(self, keys: list[str], values: list[bytes], claim: str) -> None:
        per_trip = KEYS_PER_COMMAND * COMMANDS_PER_ROUND_TRIP
        with _redis_errors("MSET lists"):
            for trip in range(0, len(keys), per_trip):
                pipe = self.client.pipeline(transaction=False)
                for start in range(trip, min(len(keys), trip + per_trip), KEYS_PER_COMMAND):
                    end = min(start + KEYS_PER_COMMAND, trip + per_trip)
                    pipe.mset(dict(zip(keys[start:end], values[start:end], strict=True)))
                pipe.expire(claim, CLAIM_TTL_S)
                pipe.execute()

    def _flip_to(self, version: str, info: bytes) -> list[str]:
        keys = [
            self.keys.active,
            self.keys.versions,
            self.keys.info(version),
            self.keys.claim(version),
            self.keys.writing,
        ]
        with _redis_errors("commit"):
            dropped = self._flip(keys=keys, args=[version, info, self.keep_versions])
        return [_text(v) for v in dropped]

    def delete_version_keys(self, version: str) -> int:
        """Unlink every key of ``version`` and forget it was being written; returns how many keys.

        A Lua script scans the version's pattern and unlinks what it finds a
        few steps per call, so no key is sent back and forth.
        """
        pattern = self.keys.version_pattern(version)
        cursor, deleted = b"0", 0
        with _redis_errors("delete version"):
            while True:
                cursor, count = self._delete_matching(args=[cursor, pattern, SCAN_COUNT, DELETE_ROUNDS])
                deleted += int(count)
                if cursor in (b"0", "0", 0):
                    break
            self.client.srem(self.keys.writing, version)
        return deleted

    def prune(self, doomed: Iterable[str] = ()) -> int:
        """Delete the keys of ``doomed`` versions and of abandoned ones; returns how many keys.

        Abandoned: noted as being written, yet neither held nor claimed any
        more (the publisher crashed and its claim expired).
        """
        chosen = set(doomed)
        with _redis_errors("prune versions"):
            writing = [_text(v) for v in self.client.smembers(self.keys.writing)]
            if writing:
                pipe = self.client.pipeline(transaction=False)
                for version in writing:
                    pipe.lpos(self.keys.versions, version)
                    pipe.exists(self.keys.claim(version))
                answers = pipe.execute()
                for i, version in enumerate(writing):
                    if answers[2 * i] is None and not answers[2 * i + 1]:
                        chosen.add(version)
        return sum(self.delete_version_keys(v) for v in sorted(chosen) if is_version(v))


class RedisPublisher:
    """Writes one version of a :class:`RedisCache`; nothing is visible before :meth:`commit`.

    Leaving the ``with`` block without a commit (or with an exception)
    deletes every key written under the version.
    """

    def __init__(self, cache: RedisCache, version: str) -> None:
        self.version = version
        self._cache = cache
        self._claim = cache.keys.claim(version)
        self._nonce = secrets.randbits(32)
        self._index: dict[str, int] = {}
        self._ids: list[str] = []
        self._last_remap: tuple[npt.NDArray[np.object_], npt.NDArray[np.int32]] | None = None
        self._open = True
        self._flipping = False

    def _check_open(self) -> None:
        if not self._open:
            raise CacheError(f"the publisher of {self.version!r} is closed (committed or discarded)")

    def put_user_candidates(self, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        """Store candidates for a batch of users."""
        self._put_lists("user", lists)

    def put_similar(self, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        """Store similar events for a batch of events."""
        self._put_lists("similar", lists)

    def put_popular(self, lists: Mapping[str, CandidateList]) -> None:
        """Store popular lists per scope."""
        self._put_lists("popular", lists)

    def put_cards(self, cards: Iterable[EventCard]) -> None:
        """Store event cards."""
        self._check_open()
        self._cache._put_cards(self._cache.keys.cards(self.version), cards, self._claim)

    def commit(self, info: Mapping[str, Any]) -> None:
        """Store the vocabulary, flip ``active`` to this version with ``info``, then delete dropped versions."""
        self._check_open()
        encoded = codec.encode_info(info)
        ids = np.empty(len(self._ids), dtype=object)
        ids[:] = self._ids
        with _redis_errors("SET vocabulary"):
            self._cache.client.set(
                self._cache.keys.events(self.version), codec.encode_vocabulary(codec.Vocabulary(self._nonce, ids))
            )
        self._flipping = True
        dropped = self._cache._flip_to(self.version, encoded)
        self._open = False
        try:
            self._cache.prune(dropped)
        except CacheError as exc:
            # The version is live; what could not be deleted now goes with the next commit's prune.
            _log.warning("published %s, but deleting older versions failed: %s", self.version, exc)

    def discard(self) -> None:
        """Delete what was written (nothing of it was ever visible) and release the claim."""
        if not self._open:
            return
        self._open = False
        if self._flipping:
            # The flip may have gone through and only its reply been lost: never delete a held version.
            try:
                held = self.version in self._cache.versions()
            except CacheError:
                return  # cannot tell; the claim expires and the next commit's prune decides
            if held:
                return
        self._cache.delete_version_keys(self.version)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.discard()
        except CacheError:
            if exc_type is None:
                raise
            # Redis failed while another error propagates: that one matters; the claim expires and the
            # next commit's prune removes the leftovers.

    # -- encoding -------------------------------------------------------------------------

    def _put_lists(self, kind: ItemKind, lists: Mapping[str, CandidateList] | CandidateBlock) -> None:
        self._check_open()
        if isinstance(lists, CandidateBlock):
            if not len(lists):
                return
            remap = self._remap(lists.event_ids)
            values = codec.encode_rows(self._nonce, remap[lists.indices], lists.scores, lists.lengths())
            keys = self._cache.keys.items(kind, self.version, [str(k) for k in lists.keys])
        else:
            keys, values = [], []
            for item_id, candidates in lists.items():
                if not isinstance(candidates, CandidateList):
                    raise TypeError(f"expected a CandidateList for {item_id!r}, got {type(candidates).__name__}")
                indices = np.fromiter((self._index_of(e) for e in candidates.event_ids), np.int32, len(candidates))
                keys.append(self._cache.keys.item(kind, self.version, item_id))
                values.append(codec.encode_list(self._nonce, indices, candidates.scores))
            if not keys:
                return
        self._cache._mset(keys, values, self._claim)

    def _index_of(self, event_id: str) -> int:
        index = self._index.get(event_id)
        if index is None:
            index = self._index[event_id] = len(self._ids)
            self._ids.append(event_id)
        return index

    def _remap(self, event_ids: npt.NDArray[np.object_]) -> npt.NDArray[np.int32]:
        """Vocabulary positions of a block's events (blocks of one publish share their array: map it once)."""
        last = self._last_remap
        if last is not None and (last[0] is event_ids or np.array_equal(last[0], event_ids)):
            return last[1]
        remap = np.fromiter((self._index_of(str(e)) for e in event_ids.tolist()), np.int32, len(event_ids))
        self._last_remap = (event_ids, remap)
        return remap

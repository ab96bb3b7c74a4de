"""What one running server holds: stores, models, the guarded cache and the in-process copies.

The app's lifespan builds one :class:`ServingState`; routers reach it through
the typed dependencies of :mod:`serving.deps`. Reads of the cache go through
the helpers here, which add the in-process memory (:mod:`serving.memo`), the
live cards and pending recent interactions (:mod:`serving.live`), and keep
the fallback snapshot in step with the active version.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recsys.cache.cards import EventCard
from recsys.cache.protocol import CacheError, CandidateCache, CandidateList, RecentInteraction
from recsys.ranking.request import RecommendationRequest
from recsys.stores.workspace import Workspace
from serving.card_table import CardTable
from serving.engine import Engine
from serving.errors import NotReadyError
from serving.experiments import ExperimentTracker
from serving.fallback import FallbackSnapshot
from serving.keys import KeyStore
from serving.live import LiveEvents, PendingDeletions, PendingRecent, merge_recent
from serving.memo import VersionMemo
from serving.metrics import Metrics
from serving.privacy import FILE_NAME as FORGOTTEN_FILE
from serving.privacy import ForgottenUsers
from serving.ratelimit import RateLimiter
from serving.resilience import BreakerState, GuardedCache
from serving.settings import Settings

_log = logging.getLogger("serving.state")

#: Users deleted while the cache was down, kept until it deletes their copy (also across a restart).
PENDING_DELETIONS_FILE: Final = "pending-cache-deletions.json"
#: Seconds a request may reuse the active version another request just read (saves a round trip
#: per request; an activation through this server takes effect at once, one elsewhere within this).
ACTIVE_TTL_S: Final = 0.5
#: ``publish(engine) -> version``: writes candidates of the engine's artefact into the cache and activates them.
Publish = Callable[[Engine], str]


class ServingState:
    """Everything a request may need, built by the lifespan and closed by it.

    Parameters
    ----------
    settings : Settings
        The server's settings.
    workspace : Workspace
        The data folder (catalogue, interaction log, artefacts).
    cache : CandidateCache
        The backend (embedded or Redis); wrapped in a circuit breaker here.
    engine : Engine or None
        The loaded models (``None`` when no artefact is active yet).
    publish : callable, optional
        How to publish the engine's candidates into the cache (used when the cache has no version).

    """

    def __init__(
        self,
        settings: Settings,
        workspace: Workspace,
        cache: CandidateCache,
        engine: Engine | None,
        *,
        publish: Publish | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.workspace = workspace
        self.metrics = metrics or Metrics()
        self.keys = KeyStore(settings.keys_path)
        self.limiter = RateLimiter()
        self.cache = GuardedCache(
            cache,
            cooldown_s=settings.breaker_cooldown_s,
            on_error=self._cache_failed,
            on_change=self._breaker_changed,
        )
        self.memo = VersionMemo()
        self.live = LiveEvents()
        self.pending = PendingRecent()
        self.pending_deletions = PendingDeletions(settings.data_dir / PENDING_DELETIONS_FILE)
        self.snapshot = FallbackSnapshot()
        self.forgotten = ForgottenUsers(settings.data_dir / FORGOTTEN_FILE)
        self.log_lock = threading.Lock()
        self.experiment_tracker = ExperimentTracker(settings.data_dir)
        self._engine = engine
        self._publish = publish
        self._lock = threading.Lock()
        self._publishing = threading.Lock()
        self._publish_thread: threading.Thread | None = None
        self._recovered = threading.Event()
        self._active: tuple[float, str] | None = None

    # -- clock and models --

    def now(self) -> dt.datetime:
        """The request time (the settings' fixed clock, else the real one)."""
        return self.settings.now or dt.datetime.now(dt.UTC)

    @property
    def engine(self) -> Engine:
        """The loaded models.

        Raises
        ------
        NotReadyError
            When no artefact is loaded.

        """
        engine = self._engine
        if engine is None:
            raise NotReadyError(
                f"no model is loaded: train and promote an artefact named {self.settings.model!r} "
                "(recsys train --promote), then restart or activate it"
            )
        return engine

    @property
    def has_engine(self) -> bool:
        """True once an artefact is loaded."""
        return self._engine is not None

    def swap_engine(self, engine: Engine) -> None:
        """Serve another artefact version from now on (live events are given to it first)."""
        engine.add_events(self._live_events_for(engine))
        with self._lock:
            self._engine = engine

    def _live_events_for(self, engine: Engine) -> list[Any]:
        events = []
        for card in self.live.cards():
            event = self.workspace.catalogue.get_event(card.event_id)
            if event is not None:
                events.append(event)
        return events

    # -- guarded cache reads --

    def active_version(self) -> str | None:
        """The active cache version, keeping the fallback snapshot in step with it.

        Raises
        ------
        CacheError
            When the cache is unavailable.

        """
        held = self._active
        if held is not None and time.monotonic() - held[0] < ACTIVE_TTL_S and self.cache.available:
            return held[1]
        version = self.cache.call("active_version", self.cache.backend.active_version)
        self._active = None if version is None else (time.monotonic(), version)
        if version is None:
            self.republish_in_background()
        elif version != self.snapshot.version:
            self.refresh_snapshot(version)
        return version

    def forget_active(self) -> None:
        """Read the active version from the cache on the next request (after an activation or a publish)."""
        self._active = None

    def info(self, version: str) -> dict[str, Any]:
        """The info of a version (from memory after the first read)."""
        return self.memo.info(
            version, lambda: self.cache.call("version_info", lambda: self.cache.backend.version_info(version))
        )

    def popular(self, version: str, scope: str) -> CandidateList | None:
        """A popular list (from memory after the first read)."""
        return self.memo.popular(
            version, scope, lambda: self.cache.call("popular", lambda: self.cache.backend.popular(version, scope))
        )

    def cards(self, version: str | None, event_ids: Sequence[str]) -> dict[str, EventCard]:
        """Cards by id: live cards first, then the version's (memory, then the cache)."""
        found: dict[str, EventCard] = {}
        rest: Sequence[str] = event_ids
        if self.live:
            rest = []
            for event_id in event_ids:
                live = self.live.get(event_id)
                if live is not None:
                    found[event_id] = live
                else:
                    rest.append(event_id)
        if rest and version is not None:
            found.update(
                self.memo.cards(
                    version,
                    rest,
                    lambda ids: self.cache.call("cards", lambda: self.cache.backend.cards(version, ids)),
                )
            )
        return found

    def coarse_mask(
        self, version: str, event_ids: Sequence[str], request: RecommendationRequest, now_us: int
    ) -> npt.NDArray[np.bool_]:
        """The vectorised first pass of the hard filters over cards read from ``version`` (live ones kept)."""
        table, rows = self.coarse_rows(version, event_ids)
        return table.coarse_mask(rows, request, now_us)

    def coarse_rows(self, version: str, event_ids: Sequence[str]) -> tuple[CardTable, npt.NDArray[np.int64]]:
        """The card table of ``version`` and the row of each event in it (``-1``: not held, or live)."""
        table = self.memo.table(version)
        rows = table.rows(event_ids)
        if self.live:
            rows[[i for i, e in enumerate(event_ids) if self.live.get(e) is not None]] = -1
        return table, rows

    def user_view(self, version: str, user_id: str) -> tuple[CandidateList | None, list[RecentInteraction]]:
        """The user's list in ``version`` and recent interactions (cache + not pushed yet), in one round trip.

        Raises
        ------
        CacheError
            When the cache is unavailable.

        """
        listed, stored = self.cache.call("user_view", lambda: self.cache.backend.user_view(version, user_id))
        pending = self.pending.of(user_id)
        return listed, merge_recent(stored, pending) if pending else stored

    def recent(self, user_id: str) -> list[RecentInteraction]:
        """The user's recent interactions (cache + those not pushed yet), newest first.

        Raises
        ------
        CacheError
            When the cache is unavailable.

        """
        # A deleted user's history the cache still holds (deleted while it was down) is not theirs to use.
        deleting = user_id in self.pending_deletions
        stored = [] if deleting else self.cache.call("recent", lambda: self.cache.backend.recent(user_id))
        pending = self.pending.of(user_id)
        return merge_recent(stored, pending) if pending else stored

    def live_cards(self) -> list[EventCard]:
        """Live cards (re-read from the cache every few seconds; the local copy when it is down)."""
        if self.live.due():
            with contextlib.suppress(CacheError):  # keep the local copy
                self.live.replace(
                    merge_cards(self.cache.call("live_cards", self.cache.backend.live_cards), self.live.cards())
                )
        return self.live.cards()

    def push_recent(self, entries_by_user: Mapping[str, Sequence[RecentInteraction]]) -> None:
        """Give the cache users' new interactions; keep them in process when it cannot take them."""
        for user_id, entries in entries_by_user.items():
            if user_id in self.pending_deletions:  # would be deleted with the old history: wait for the deletion
                self.pending.add(user_id, entries)
                continue
            try:
                self.cache.call("push_recent", partial(self.cache.backend.push_recent, user_id, entries))
            except CacheError:
                self.pending.add(user_id, entries)

    def delete_user_from_cache(self, user_id: str) -> bool:
        """Delete the user's cached lists and recent history; when the cache cannot, do it once it is back.

        Returns
        -------
        bool
            True when the cache's copy is gone now, False when the deletion waits for the cache.

        """
        try:
            self.cache.call("delete_user", partial(self.cache.backend.delete_user, user_id))
        except CacheError:
            self.pending_deletions.add(user_id)
            return False
        self.pending_deletions.discard(user_id)
        return True

    def finish_pending_deletions(self) -> None:
        """Delete from the cache the users deleted while it was down (those it still cannot delete keep waiting)."""
        for user_id in self.pending_deletions.users():
            self.delete_user_from_cache(user_id)

    # -- snapshot, recovery and publishing --

    def refresh_snapshot(self, version: str) -> None:
        """Take the fallback snapshot from ``version`` (a failure keeps the previous snapshot)."""
        try:
            snapshot = FallbackSnapshot.take(
                version,
                lambda scope: self.popular(version, scope),
                lambda ids: self.cards(version, ids),
            )
        except CacheError as exc:
            _log.warning("fallback snapshot of %s not taken: %s", version, exc)
            return
        if not snapshot.empty or self.snapshot.version is None:
            self.snapshot = snapshot

    def _cache_failed(self, operation: str) -> None:
        self.metrics.cache_errors.labels(operation).inc()
        self._active = None  # a cache that failed may come back empty: ask it again

    def _breaker_changed(self, state: BreakerState) -> None:
        self.metrics.breaker_open.set(1 if state is BreakerState.OPEN else 0)
        if state is BreakerState.CLOSED:
            # Back: push what waited in process. In a thread, not in the request that noticed.
            self._recovered.clear()
            threading.Thread(target=self._after_recovery, name="cache-recovery", daemon=True).start()

    def _after_recovery(self) -> None:
        # Deletions first: what waits in ``pending`` for a deleted user was posted after the deletion.
        self.finish_pending_deletions()
        waiting = self.pending.take_all()
        if waiting:
            self.push_recent(waiting)
        cards = self.live.cards()
        if cards:
            with contextlib.suppress(CacheError):
                self.cache.call("put_live_cards", lambda: self.cache.backend.put_live_cards(cards))
        self._recovered.set()

    def wait_for_recovery(self, timeout_s: float) -> bool:
        """Block until the work after the cache's last recovery is done; False when ``timeout_s`` passed first."""
        return self._recovered.wait(timeout_s)

    def republish_in_background(self) -> bool:
        """Publish the engine's candidates when the cache holds no version (e.g. a Redis that restarted empty)."""
        if self._publish is None or self._engine is None:
            return False
        with self._lock:
            if self._publish_thread is not None and self._publish_thread.is_alive():
                return False
            self._publish_thread = threading.Thread(target=self._republish, name="cache-publish", daemon=True)
            self._publish_thread.start()
        return True

    def _republish(self) -> None:
        try:
            self.publish_now()
        except Exception:  # a background repair must never take the server down
            _log.exception("publishing into the cache failed")

    def publish_now(self) -> str | None:
        """Publish the engine's candidates into the cache now (one publish at a time); return the version."""
        if self._publish is None or self._engine is None:
            return None
        with self._publishing:
            version = self._publish(self._engine)
        self.forget_active()
        self.memo.forget()
        self.refresh_snapshot(version)
        return version

    def wait_for_publish(self, timeout_s: float) -> None:
        """Block until a background publish finished (tests and start-up)."""
        thread = self._publish_thread
        if thread is not None:
            thread.join(timeout_s)

    def close(self) -> None:
        """Wait briefly for a background publish; the lifespan closes the stores."""
        self.wait_for_publish(5.0)


def merge_cards(first: Sequence[EventCard], second: Sequence[EventCard]) -> list[EventCard]:
    """Cards of both lists, ``second`` winning for the same event (the local copy is the newest)."""
    merged = {card.event_id: card for card in first}
    merged.update({card.event_id: card for card in second})
    return list(merged.values())

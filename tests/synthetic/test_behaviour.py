from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.events import BookingAvailability, CalendarType, EventStatus
from recsys.domain.geo import haversine_km
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.domain.users import AgeBand
from recsys.synthetic import PLACEMENTS
from tests.synthetic.conftest import Generated

K = InteractionKind


def _us(t: dt.datetime | None) -> int:
    assert t is not None
    return int(t.timestamp() * 1_000_000)


def test_rows_are_valid_interactions(small: Generated) -> None:
    table = small.table
    assert table.schema == INTERACTION_SCHEMA
    table.validate(full=True)
    assert 20_000 < table.num_rows < 80_000
    for name in ("interaction_id", "user_id", "event_id", "kind", "timestamp", "value"):
        assert table.column(name).null_count == 0
    ids = table.column("interaction_id").to_pylist()
    assert ids[0] == "syn-11-0" and ids[-1] == f"syn-11-{len(ids) - 1}"
    assert all(re.fullmatch(r"syn-11-\d+", i) for i in ids[:1000])
    assert set(np.unique(small.kind).tolist()) == {
        int(k) for k in (K.VIEW, K.CLICK, K.LIKE, K.BOOKMARK, K.SHARE, K.TICKET, K.CHECK_IN, K.DISMISS)
    }
    assert table.column("timestamp").type == pa.timestamp("us", tz="UTC")
    assert pc.all(pc.is_nan(table.column("value"))).as_py()
    assert set(table.column("placement").to_pylist()) <= set(PLACEMENTS)
    config = small.season.config
    start = _us(dt.datetime.combine(config.browse_start, dt.time(), tzinfo=dt.UTC))
    end = _us(dt.datetime.combine(config.season_end + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC))
    assert start <= small.time_us.min() and small.time_us.max() < end


def test_rows_are_sorted_by_user_then_time(small: Generated) -> None:
    order = np.lexsort((small.time_us, small.user))
    assert (order == np.arange(len(order))).all()


def test_funnel_order(small: Generated) -> None:
    first: dict[tuple[int, int, int], int] = {}
    for u, e, k, t in zip(
        small.user.tolist(), small.event.tolist(), small.kind.tolist(), small.time_us.tolist(), strict=True
    ):
        key = (u, e, k)
        first[key] = min(first.get(key, t), t)
    events = small.season.events
    checked = 0
    for (u, e, k), t in first.items():
        if k in (K.CLICK, K.LIKE, K.BOOKMARK, K.SHARE, K.TICKET, K.DISMISS):
            assert first.get((u, e, K.VIEW), t) < t, "every reaction follows a view"
        if k == K.TICKET:
            assert first.get((u, e, K.CLICK), t) < t
        if k == K.CHECK_IN:
            assert (u, e, K.TICKET) in first and first[(u, e, K.TICKET)] < t
            assert events[e].calendar.start is None or t >= _us(events[e].calendar.start)
            checked += 1
    assert checked > 50


def test_dated_events_are_looked_at_before_they_start(small: Generated) -> None:
    events = small.season.events
    before = np.isin(small.kind, [K.VIEW, K.CLICK, K.TICKET, K.LIKE, K.BOOKMARK, K.SHARE, K.DISMISS])
    last_start = np.array(
        [
            max((_us(s.start) for s in e.calendar.sub_events if s.status is EventStatus.AVAILABLE), default=-1)
            if e.calendar.type in (CalendarType.SINGLE, CalendarType.MULTIPLE)
            else np.iinfo(np.int64).max
            for e in events
        ]
    )
    assert (small.time_us[before] < last_start[small.event[before]]).all()
    # Check-ins happen at (or just after) a date that takes place.
    starts = {
        i: [_us(s.start) for s in e.calendar.sub_events if s.status is EventStatus.AVAILABLE]
        for i, e in enumerate(events)
    }
    for e, t in zip(
        small.event[small.kind == K.CHECK_IN].tolist(), small.time_us[small.kind == K.CHECK_IN].tolist(), strict=True
    ):
        if starts[e]:
            assert any(0 <= t - s <= 30 * 60 * 1_000_000 for s in starts[e])


def test_hidden_and_impossible_events_get_nothing(small: Generated) -> None:
    arrays = small.season.catalogue.arrays
    assert arrays.visible[small.event].all()
    events = small.season.events
    sold_out = np.array([e.booking is BookingAvailability.UNAVAILABLE for e in events])
    assert not sold_out[small.event[small.kind == K.TICKET]].any()
    adults_only = np.array([e.age_range is not None and (e.age_range.min or 0) >= 18 for e in events])
    bands = np.array(small.season.users.column("age_band").to_pylist())
    minors = np.isin(bands, [AgeBand.CHILD.value, AgeBand.TEEN.value])
    assert minors.any()
    assert not (adults_only[small.event] & minors[small.user]).any()


def test_strong_signals_count_once(small: Generated) -> None:
    once = np.isin(small.kind, [K.TICKET, K.CHECK_IN, K.LIKE, K.BOOKMARK, K.SHARE, K.DISMISS])
    keys = small.user[once] * 10**8 + small.event[once] * 100 + small.kind[once]
    assert len(np.unique(keys)) == keys.size


def test_distance_decay_is_visible(small: Generated) -> None:
    users = small.season.users
    lat, lon = users.column("home_lat").to_numpy(), users.column("home_lon").to_numpy()
    arrays = small.season.catalogue.arrays
    located = ~np.isnan(arrays.lat)
    rows = located[small.event]
    d = haversine_km(
        lat[small.user[rows]], lon[small.user[rows]], arrays.lat[small.event[rows]], arrays.lon[small.event[rows]]
    )
    near_interactions = float((d < 20).mean())
    d_all = haversine_km(lat[:, None], lon[:, None], arrays.lat[located][None, :], arrays.lon[located][None, :])
    near_events = float((d_all < 20).mean())
    assert near_interactions > 3 * near_events
    tickets = small.kind[rows] == K.TICKET
    assert np.median(d[tickets]) < 25


def test_taste_is_visible(small: Generated) -> None:
    truth = small.season.ground_truth
    favourite = truth.user_taste.argmax(axis=1)
    in_favourite = truth.event_discipline[small.event] == favourite[small.user]
    catalogue_share = np.bincount(truth.event_discipline, minlength=truth.user_taste.shape[1]) / len(
        truth.event_discipline
    )
    assert in_favourite.mean() > 2 * catalogue_share[favourite[small.user]].mean()
    # Users interact with what they like: intent of their pairs beats random pairs.
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(small.user), 5_000)
    random_events = rng.integers(0, len(truth.event_quality), 5_000)
    assert (
        truth.intent(small.user[pick], small.event[pick]).mean()
        > truth.intent(small.user[pick], random_events).mean() + 1.0
    )


def test_popularity_is_visible(small: Generated) -> None:
    truth = small.season.ground_truth
    arrays = small.season.catalogue.arrays
    counts = np.bincount(small.event, minlength=len(arrays))
    shown = arrays.visible & (np.diff(arrays.slot_offsets) > 0)
    top = truth.event_quality > np.quantile(truth.event_quality[shown], 0.8)
    assert counts[shown & top].mean() > 2 * counts[shown & ~top].mean()


def test_organiser_loyalty_is_visible(small: Generated) -> None:
    truth = small.season.ground_truth
    n_users = small.season.users.num_rows
    favourites = truth.user_favourite_organizers
    organizer = truth.event_organizer[small.event]
    by_fan = truth.is_favourite(small.user, small.event)
    fans = np.bincount(favourites[favourites >= 0], minlength=len(small.season.organizers)).astype(np.float64)
    from_fans = np.bincount(organizer[by_fan], minlength=len(fans))
    from_others = np.bincount(organizer[~by_fan], minlength=len(fans))
    has = fans > 0
    fan_rate = from_fans[has].sum() / fans[has].sum()
    other_rate = (from_others[has] / (n_users - fans[has]) * fans[has]).sum() / fans[has].sum()
    assert fan_rate > 5 * other_rate


def test_production_interest_carries_over_between_stops(small: Generated) -> None:
    truth = small.season.ground_truth
    n_users = small.season.users.num_rows
    users_of: dict[int, set[int]] = {}
    for u, e in zip(small.user.tolist(), small.event.tolist(), strict=True):
        users_of.setdefault(e, set()).add(u)
    both = seen_first = 0
    base: list[float] = []
    production = truth.event_production
    for p in np.unique(production[production >= 0]):
        stops = np.flatnonzero(production == p)
        for a in stops:
            for b in stops[stops != a]:
                ua, ub = users_of.get(int(a), set()), users_of.get(int(b), set())
                both += len(ua & ub)
                seen_first += len(ua)
                base.append(len(ub) / n_users)
    assert both / seen_first > 1.5 * float(np.mean(base))


def test_rare_goers_dominate_the_population(small: Generated) -> None:
    per_user = np.bincount(small.user, minlength=small.season.users.num_rows)
    assert np.median(per_user) < 0.6 * per_user.mean()
    heavy = np.sort(per_user)[::-1][: len(per_user) // 10].sum() / per_user.sum()
    assert heavy > 0.35

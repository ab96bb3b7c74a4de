from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind as K
from recsys.evaluation.split import cutoff_before_end, open_events, select_interactions, temporal_split
from recsys.stores.batches import EVENTS_TABLE_SCHEMA, InteractionArrays, arrays_from_table, flat_table

DAY = 86_400 * 1_000_000
T0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) * 1_000_000
CUTOFF = T0 + 10 * DAY


def event(event_id: str, start: float | None, end: float | None = None, **extra: object) -> tuple[object, ...]:
    values: dict[str, object] = {name: None for name in EVENTS_TABLE_SCHEMA.names}
    values |= {
        "event_id": event_id,
        "start": None if start is None else T0 + int(start * DAY),
        "end": None if end is None else T0 + int(end * DAY),
        "calendar_type": "permanent" if start is None else "single",
        "status": "Available",
        "booking": "Available",
        "workflow_status": "APPROVED",
        "audience": "everyone",
        "main_language": "nl",
    }
    values |= extra
    return tuple(values[name] for name in EVENTS_TABLE_SCHEMA.names)


EVENTS = flat_table(
    EVENTS_TABLE_SCHEMA,
    [
        event("e1", 5),  # over before the cutoff
        event("e2", 15),  # open, with training interactions
        event("e3", 20),  # open and cold
        event("e4", 20, status="Unavailable"),  # cancelled
        event("e5", 25, workflow_status="DRAFT"),  # not public
        event("e6", None),  # permanent
        event("e7", 3, 30, calendar_type="periodic"),  # running over the cutoff
    ],
)


def log(rows: list[tuple[str, str, K, float]]) -> InteractionArrays:
    table = pa.table(
        {
            "user_id": [r[0] for r in rows],
            "event_id": [r[1] for r in rows],
            "kind": pa.array([int(r[2]) for r in rows], pa.int8()),
            "timestamp": pa.array([T0 + int(r[3] * DAY) for r in rows], pa.int64()).cast(pa.timestamp("us", "UTC")),
            "value": pa.array([float("nan")] * len(rows), pa.float32()),
        }
    )
    return arrays_from_table(table)


ARRAYS = log(
    [
        ("u1", "e1", K.VIEW, 2),
        ("u1", "e2", K.VIEW, 8),
        ("u1", "e3", K.CLICK, 11),  # relevant, cold event
        ("u1", "e2", K.VIEW, 12),  # a view is not relevant
        ("u1", "e2", K.TICKET, 12),  # relevant, but seen before the cutoff
        ("u2", "e1", K.CLICK, 4),
        ("u2", "e2", K.LIKE, 11.6),  # relevant
        ("u2", "e3", K.DISMISS, 11),  # not relevant
        ("u2", "e4", K.CLICK, 11),  # cancelled event: no candidate
        ("u3", "e3", K.CLICK, 12),  # no history: a cold user, skipped
        ("u4", "e1", K.CLICK, 1),
        ("u4", "e3", K.VIEW, 12),  # nothing relevant: not a test user
        ("u5", "e3", K.IMPRESSION, 9),  # an impression does not warm e3 up
        ("u5", "e1", K.CLICK, 9),
    ]
)


def relevant_sets(split_users: np.ndarray, matrix: object, candidates: np.ndarray) -> dict[str, set[str]]:
    dense = matrix.toarray()  # type: ignore[attr-defined]
    return {str(u): {str(c) for c in candidates[row > 0]} for u, row in zip(split_users, dense, strict=True)}


def test_future_event_split_by_hand() -> None:
    split = temporal_split(ARRAYS, EVENTS, CUTOFF)
    assert split.train.timestamps_us.max() < CUTOFF
    assert len(split.train) == 6
    assert sorted(split.train.user_ids) == ["u1", "u2", "u4", "u5"]  # vocabularies cut to what train uses
    assert list(split.candidate_ids) == ["e2", "e3"]
    assert list(split.cold_candidates) == [False, True]
    assert list(split.user_ids) == ["u1", "u2"]
    assert relevant_sets(split.user_ids, split.relevant, split.candidate_ids) == {"u1": {"e3"}, "u2": {"e2"}}
    assert relevant_sets(split.user_ids, split.seen, split.candidate_ids) == {"u1": {"e2"}, "u2": set()}
    assert split.n_cold_users == 1
    assert split.cold_share() == pytest.approx(0.5)
    assert split.cold_pair_share() == pytest.approx(0.5)
    assert split.summary()["relevant_pairs"] == 2


def test_test_window_end_and_keeping_seen_pairs() -> None:
    windowed = temporal_split(ARRAYS, EVENTS, CUTOFF, until_us=T0 + int(11.5 * DAY))
    assert list(windowed.user_ids) == ["u1"]
    kept = temporal_split(ARRAYS, EVENTS, CUTOFF, exclude_seen=False)
    assert relevant_sets(kept.user_ids, kept.relevant, kept.candidate_ids)["u1"] == {"e2", "e3"}
    assert kept.seen.nnz == 0


def test_open_events_with_running_and_permanent_offers() -> None:
    assert list(open_events(EVENTS, CUTOFF)) == ["e2", "e3"]
    assert list(open_events(EVENTS, CUTOFF, include_running=True)) == ["e2", "e3", "e6", "e7"]


def test_select_interactions_keeps_sorted_vocabularies() -> None:
    mask = np.isin(ARRAYS.user_ids[ARRAYS.user_codes], ["u2", "u4"])
    picked = select_interactions(ARRAYS, mask)
    assert list(picked.user_ids) == ["u2", "u4"]
    assert list(picked.user_ids[picked.user_codes]) == list(ARRAYS.user_ids[ARRAYS.user_codes][mask])
    assert list(picked.event_ids[picked.event_codes]) == list(ARRAYS.event_ids[ARRAYS.event_codes][mask])


def test_bad_cutoffs_are_refused() -> None:
    with pytest.raises(InvalidFieldError, match="cutoff"):
        temporal_split(ARRAYS, EVENTS, T0)
    with pytest.raises(InvalidFieldError, match="until"):
        temporal_split(ARRAYS, EVENTS, CUTOFF, until_us=CUTOFF)
    assert cutoff_before_end(ARRAYS, 2) == T0 + 10 * DAY
    with pytest.raises(InvalidFieldError):
        cutoff_before_end(ARRAYS, 0)

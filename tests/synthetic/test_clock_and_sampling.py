from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recsys.synthetic.clock import BRUSSELS, brussels_offset, local_datetime, local_to_utc, utc_to_local, weekday
from recsys.synthetic.sampling import GroupedSampler

instants = st.integers(
    min_value=int(dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp()),
    max_value=int(dt.datetime(2040, 1, 1, tzinfo=dt.UTC).timestamp()),
)


@given(st.lists(instants, min_size=1, max_size=50))
def test_brussels_offset_matches_the_tz_database(seconds: list[int]) -> None:
    utc = np.array(seconds, dtype=np.int64)
    expected = [dt.datetime.fromtimestamp(s, tz=BRUSSELS).utcoffset().total_seconds() for s in seconds]  # type: ignore[union-attr]
    np.testing.assert_array_equal(brussels_offset(utc), expected)
    np.testing.assert_array_equal(utc_to_local(utc) - utc, expected)


@given(st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2039, 12, 31)), st.integers(0, 23), st.integers(0, 59))
def test_local_wall_clock_round_trips(day: dt.date, hour: int, minute: int) -> None:
    aware = local_datetime(day, hour, minute)
    local = (day - dt.date(1970, 1, 1)).days * 86_400 + hour * 3_600 + minute * 60
    if (
        aware.fold == 0 and aware.utcoffset() == aware.replace(fold=1).utcoffset()
    ):  # skip the ambiguous and missing hours
        assert int(local_to_utc(np.array([local]))[0]) == int(aware.timestamp())
    assert int(weekday(np.array([local]))[0]) == day.weekday()


@settings(max_examples=30)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0.0, 10.0)), min_size=1, max_size=40), st.integers(0, 2**32 - 1))
def test_grouped_sampler_draws_only_from_the_group_and_only_weighted_items(
    items: list[tuple[int, float]], seed: int
) -> None:
    group = np.array([g for g, _ in items])
    weight = np.array([w for _, w in items])
    sampler = GroupedSampler(group, np.arange(len(items)), weight)
    queries = np.repeat(np.arange(7, dtype=np.int64), 20)
    drawn = sampler.sample(np.random.default_rng(seed), queries)
    for q, d in zip(queries.tolist(), drawn.tolist(), strict=True):
        has_items = bool(((group == q) & (weight > 0)).any())
        if d < 0:
            assert not has_items
        else:
            assert group[d] == q and weight[d] > 0


def test_grouped_sampler_follows_the_weights() -> None:
    sampler = GroupedSampler([3, 3, 3, 8], [10, 11, 12, 13], [1.0, 2.0, 7.0, 5.0])
    drawn = sampler.sample(np.random.default_rng(0), np.full(100_000, 3, dtype=np.int64))
    share = np.bincount(drawn - 10, minlength=3)[:3] / drawn.size
    np.testing.assert_allclose(share, [0.1, 0.2, 0.7], atol=0.01)
    assert (sampler.sample(np.random.default_rng(0), np.array([0, 8, 9], dtype=np.int64)) == [-1, 13, -1]).all()

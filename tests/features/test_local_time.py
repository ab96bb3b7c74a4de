"""Brussels weekday and hour of UTC timestamps."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from features.local_time import is_weekend, local_weekday_hour

BRUSSELS = ZoneInfo("Europe/Brussels")


def us(value: dt.datetime) -> int:
    return int(value.timestamp()) * 1_000_000 + value.microsecond


def test_matches_the_time_zone_database() -> None:
    rng = np.random.default_rng(1)
    stamps = rng.integers(us(dt.datetime(1997, 1, 1, tzinfo=dt.UTC)), us(dt.datetime(2035, 1, 1, tzinfo=dt.UTC)), 3000)
    # The hours around the switches themselves.
    switches = [dt.datetime(2025, 3, 30, 0, 59, tzinfo=dt.UTC), dt.datetime(2025, 3, 30, 1, 0, tzinfo=dt.UTC)]
    switches += [dt.datetime(2025, 10, 26, 0, 59, tzinfo=dt.UTC), dt.datetime(2025, 10, 26, 1, 0, tzinfo=dt.UTC)]
    stamps = np.concatenate([stamps, [us(s) for s in switches]])
    weekday, hour = local_weekday_hour(stamps)
    for stamp, wd, h in zip(stamps.tolist(), weekday.tolist(), hour.tolist(), strict=True):
        local = dt.datetime.fromtimestamp(stamp / 1e6, tz=BRUSSELS)
        assert wd == local.weekday()
        assert abs(h - (local.hour + local.minute / 60 + local.second / 3600)) < 1e-3


def test_missing_times_and_weekends() -> None:
    saturday_evening = us(dt.datetime(2025, 7, 5, 20, 0, tzinfo=BRUSSELS))
    friday_evening = us(dt.datetime(2025, 7, 4, 18, 0, tzinfo=BRUSSELS))
    friday_noon = us(dt.datetime(2025, 7, 4, 12, 0, tzinfo=BRUSSELS))
    weekday, hour = local_weekday_hour([saturday_evening, -1, friday_evening, friday_noon])
    assert weekday.tolist() == [5, -1, 4, 4]
    assert hour[0] == 20.0 and np.isnan(hour[1])
    assert is_weekend(weekday, hour).tolist() == [True, False, True, False]

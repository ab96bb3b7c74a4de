from __future__ import annotations

import datetime as dt

import pytest

from recsys.ranking.times import BRUSSELS, day_marks, from_us, to_us
from tests.ranking.helpers import local_us


def test_to_us_is_exact_and_round_trips() -> None:
    value = dt.datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=dt.UTC)
    assert from_us(to_us(value)) == value
    assert to_us(dt.datetime(1970, 1, 1, 1, 0, tzinfo=BRUSSELS)) == 0


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        to_us(dt.datetime(2026, 1, 1))


def test_marks_on_a_wednesday() -> None:
    marks = day_marks(local_us(2026, 11, 18, 10))
    assert marks.today_us == local_us(2026, 11, 18)
    assert marks.tomorrow_us == local_us(2026, 11, 19)
    assert marks.day_after_us == local_us(2026, 11, 20)
    assert marks.weekend_start_us == local_us(2026, 11, 20, 17)
    assert marks.weekend_end_us == local_us(2026, 11, 23)


def test_weekend_is_that_of_the_current_week_on_sunday_evening() -> None:
    marks = day_marks(local_us(2026, 11, 22, 21))
    assert marks.weekend_start_us == local_us(2026, 11, 20, 17)
    assert marks.is_this_weekend(local_us(2026, 11, 22, 23, 30))
    assert not marks.is_this_weekend(local_us(2026, 11, 23, 0))


def test_autumn_dst_sunday_is_25_hours_long() -> None:
    # 2026-10-25: clocks go back from 03:00 CEST to 02:00 CET.
    marks = day_marks(local_us(2026, 10, 21, 12))
    assert marks.weekend_start_us == to_us(dt.datetime(2026, 10, 23, 15, 0, tzinfo=dt.UTC))  # 17:00 CEST
    assert marks.weekend_end_us == to_us(dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC))  # 00:00 CET
    sunday = day_marks(local_us(2026, 10, 25, 12))
    assert sunday.tomorrow_us - sunday.today_us == 25 * 3_600_000_000


def test_spring_dst_weekend_starts_at_local_17h() -> None:
    # 2026-03-29: clocks go forward; Friday 27 March is still CET (UTC+1).
    marks = day_marks(local_us(2026, 3, 25, 12))
    assert marks.weekend_start_us == to_us(dt.datetime(2026, 3, 27, 16, 0, tzinfo=dt.UTC))
    assert marks.weekend_end_us == to_us(dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.UTC))  # Monday 00:00 CEST

import datetime as dt

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from recsys.data.timestamps import parse_timestamps

UTC = dt.UTC


def test_iso_with_offsets_and_z_become_utc() -> None:
    parsed = parse_timestamps(
        pa.array(["2024-10-01T12:00:00+02:00", "2024-10-01T12:00:00Z", "2012-10-02 15:53:05.754000+00:00"])
    )
    assert parsed.problems == {}
    assert parsed.values.to_pylist() == [
        dt.datetime(2024, 10, 1, 10, tzinfo=UTC),
        dt.datetime(2024, 10, 1, 12, tzinfo=UTC),
        dt.datetime(2012, 10, 2, 15, 53, 5, 754000, tzinfo=UTC),
    ]


def test_timestamp_without_zone_is_refused_with_a_reason() -> None:
    parsed = parse_timestamps(pa.array(["2024-10-01 12:00:00"]))
    assert parsed.values.to_pylist() == [None]
    assert "has no time zone" in parsed.problems[0]


def test_default_zone_applies_to_naive_values_only() -> None:
    parsed = parse_timestamps(
        pa.array(["2024-10-01 12:00:00", "2024-01-15T12:00:00", "2024-10-01T12:00:00Z"]), default_tz="Europe/Brussels"
    )
    assert parsed.problems == {}
    assert parsed.values.to_pylist() == [
        dt.datetime(2024, 10, 1, 10, tzinfo=UTC),  # summer time, UTC+2
        dt.datetime(2024, 1, 15, 11, tzinfo=UTC),  # winter time, UTC+1
        dt.datetime(2024, 10, 1, 12, tzinfo=UTC),
    ]


def test_nonexistent_local_time_is_explained() -> None:
    parsed = parse_timestamps(pa.array(["2024-03-31 02:30:00"]), default_tz="Europe/Brussels")
    assert "does not exist in Europe/Brussels" in parsed.problems[0]


def test_garbage_and_missing_are_reported_per_row() -> None:
    parsed = parse_timestamps(pa.array(["garbage", None, "2024-10-01T12:00:00Z"]))
    assert parsed.problems == {0: "cannot read timestamp 'garbage'", 1: "timestamp is missing"}


def test_unix_epochs_as_numbers_and_digit_strings() -> None:
    assert parse_timestamps(pa.array([881250949])).values.to_pylist() == [
        dt.datetime(1997, 12, 4, 15, 55, 49, tzinfo=UTC)
    ]
    assert parse_timestamps(pa.array(["881250949"])).values.to_pylist() == [
        dt.datetime(1997, 12, 4, 15, 55, 49, tzinfo=UTC)
    ]
    ms = parse_timestamps(pa.array([881250949000]), epoch_unit="ms")
    assert ms.values.to_pylist() == [dt.datetime(1997, 12, 4, 15, 55, 49, tzinfo=UTC)]


def test_typed_naive_timestamps_need_a_zone() -> None:
    naive = pa.array([dt.datetime(2024, 1, 1, 12)], type=pa.timestamp("us"))
    assert parse_timestamps(naive).problems
    localised = parse_timestamps(naive, default_tz="Europe/Brussels")
    assert localised.values.to_pylist() == [dt.datetime(2024, 1, 1, 11, tzinfo=UTC)]


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_isoformat_round_trips(moment: dt.datetime) -> None:
    parsed = parse_timestamps(pa.array([moment.isoformat()]))
    assert parsed.values.to_pylist() == [moment]

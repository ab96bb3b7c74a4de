from __future__ import annotations

import datetime as dt

import pytest

from recsys.ranking.eligibility import eligible_at, is_eligible, is_running_offer, running_span
from tests.ranking.helpers import DAY_US, HOUR_US, NOW, NOW_US, card, occ


def test_open_future_event_is_eligible() -> None:
    assert is_eligible(card(), NOW)


def test_ended_event_is_not() -> None:
    assert not is_eligible(card(occurrences=(occ(NOW_US - DAY_US),)), NOW)


def test_event_under_way_still_counts_until_its_end() -> None:
    # Started an hour ago, ends in an hour: like Calendar.upcoming, it is still on.
    assert is_eligible(card(occurrences=(occ(NOW_US - HOUR_US, hours=2),)), NOW)
    # Ended exactly now: still counted (end inclusive, like the domain); a microsecond later not.
    ends_now = occ(NOW_US - HOUR_US, hours=1)
    assert eligible_at(card(occurrences=(ends_now,)), NOW_US)
    assert not eligible_at(card(occurrences=(ends_now,)), NOW_US + 1)


@pytest.mark.parametrize(
    ("status", "booking"),
    [("Unavailable", "Available"), ("TemporarilyUnavailable", "Available"), ("Available", "Unavailable")],
    ids=["cancelled", "postponed", "sold-out"],
)
def test_cancelled_postponed_or_sold_out_event_is_not(status: str, booking: str) -> None:
    assert not is_eligible(card(status=status, booking=booking), NOW)


@pytest.mark.parametrize(
    ("status", "booking"),
    [("Unavailable", "Available"), ("TemporarilyUnavailable", "Available"), ("Available", "Unavailable")],
    ids=["cancelled", "postponed", "sold-out"],
)
def test_closed_occurrences_are_ignored_one_by_one(status: str, booking: str) -> None:
    closed = occ(NOW_US + DAY_US, status=status, booking=booking)
    assert not is_eligible(card(occurrences=(closed,)), NOW)
    later = occ(NOW_US + 3 * DAY_US)
    assert is_eligible(card(occurrences=(closed, later)), NOW)
    past = occ(NOW_US - 3 * DAY_US)
    assert not is_eligible(card(occurrences=(past, closed)), NOW)


def test_periodic_offer_running_now_is_eligible() -> None:
    running = card(
        occurrences=(),
        calendar_type="periodic",
        available_from_us=NOW_US - 30 * DAY_US,
        available_to_us=NOW_US + 30 * DAY_US,
    )
    assert is_running_offer(running)
    assert is_eligible(running, NOW)
    assert running_span(running, NOW_US) == (NOW_US, NOW_US + 30 * DAY_US)


def test_periodic_offer_starting_later_is_eligible() -> None:
    later = card(
        occurrences=(),
        calendar_type="periodic",
        available_from_us=NOW_US + 5 * DAY_US,
        available_to_us=NOW_US + 30 * DAY_US,
    )
    assert is_eligible(later, NOW)
    assert running_span(later, NOW_US) == (NOW_US + 5 * DAY_US, NOW_US + 30 * DAY_US)


def test_permanent_offer_without_bounds_is_eligible() -> None:
    assert is_eligible(card(occurrences=(), calendar_type="permanent"), NOW)


def test_offer_whose_window_has_closed_is_not() -> None:
    over = card(
        occurrences=(),
        calendar_type="periodic",
        available_from_us=NOW_US - 30 * DAY_US,
        available_to_us=NOW_US - DAY_US,
    )
    assert not is_eligible(over, NOW)
    assert not is_eligible(card(occurrences=(), calendar_type="permanent", available_to_us=NOW_US - 1), NOW)


def test_inconsistent_window_is_not_eligible() -> None:
    empty = card(
        occurrences=(),
        calendar_type="periodic",
        available_from_us=NOW_US + 5 * DAY_US,
        available_to_us=NOW_US + 2 * DAY_US,
    )
    assert not is_eligible(empty, NOW)


def test_dated_card_past_its_window_is_not_eligible() -> None:
    assert not is_eligible(card(available_to_us=NOW_US - 1), NOW)


def test_dated_calendar_without_dates_is_not_eligible() -> None:
    assert not is_eligible(card(occurrences=(), calendar_type="single"), NOW)
    assert not is_eligible(card(occurrences=(), calendar_type="multiple"), NOW)


def test_cancelled_running_offer_is_not_eligible() -> None:
    assert not is_eligible(card(occurrences=(), calendar_type="permanent", status="Unavailable"), NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        is_eligible(card(), dt.datetime(2026, 11, 18, 10, 0))

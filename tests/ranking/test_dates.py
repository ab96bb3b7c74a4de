from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from recsys.cache.cards import EventCard
from recsys.ranking.dates import ANY_TIME, DateWindow, Slot, one_per_production, slot_for
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import apply_rules
from recsys.ranking.times import BRUSSELS
from tests.ranking.helpers import DAY_US, HOUR_US, NOW, NOW_US, card, local_us, occ, scored


def test_nearest_open_occurrence_is_shown() -> None:
    past, sold_out, first, second = (
        occ(NOW_US - DAY_US),
        occ(NOW_US + DAY_US, booking="Unavailable"),
        occ(NOW_US + 2 * DAY_US),
        occ(NOW_US + 3 * DAY_US),
    )
    slot = slot_for(card(occurrences=(past, sold_out, first, second)), NOW_US)
    assert slot == Slot(first, first.start_us, first.end_us)


def test_unsorted_occurrences_still_give_the_nearest() -> None:
    early, late = occ(NOW_US + DAY_US), occ(NOW_US + 5 * DAY_US)
    assert slot_for(card(occurrences=(late, early)), NOW_US) == Slot(early, early.start_us, early.end_us)


def test_occurrence_under_way_starts_now() -> None:
    running = occ(NOW_US - HOUR_US, hours=3)
    slot = slot_for(card(occurrences=(running,)), NOW_US)
    assert slot is not None and slot.occurrence == running and slot.start_us == NOW_US


def test_nearest_occurrence_that_fits_the_window() -> None:
    dates = tuple(occ(local_us(2026, 11, day, 20)) for day in (19, 21, 22, 28))
    window = DateWindow.between(
        dt.datetime(2026, 11, 20, 17, tzinfo=BRUSSELS), dt.datetime(2026, 11, 23, tzinfo=BRUSSELS)
    )
    slot = slot_for(card(occurrences=dates), NOW_US, window)
    assert slot is not None and slot.occurrence == dates[1]
    assert slot_for(card(occurrences=dates), NOW_US, DateWindow(local_us(2026, 11, 29), None)) is None


def test_running_offer_slot_is_clipped_to_now_and_window() -> None:
    expo = card(
        occurrences=(),
        calendar_type="periodic",
        available_from_us=NOW_US - 10 * DAY_US,
        available_to_us=NOW_US + 60 * DAY_US,
    )
    assert slot_for(expo, NOW_US) == Slot(None, NOW_US, NOW_US + 60 * DAY_US)
    window = DateWindow(NOW_US + 2 * DAY_US, NOW_US + 4 * DAY_US)
    assert slot_for(expo, NOW_US, window) == Slot(None, NOW_US + 2 * DAY_US, NOW_US + 4 * DAY_US)
    forever = card(occurrences=(), calendar_type="permanent")
    assert slot_for(forever, NOW_US, ANY_TIME) == Slot(None, NOW_US, None)
    assert slot_for(forever, NOW_US, window) == Slot(None, NOW_US + 2 * DAY_US, NOW_US + 4 * DAY_US)


def test_window_overlap_with_open_bounds() -> None:
    assert ANY_TIME.overlaps(0, None)
    assert DateWindow(10, 20).overlaps(20, 30)
    assert DateWindow(10, 20).overlaps(0, 10)
    assert not DateWindow(10, 20).overlaps(21, None)
    assert DateWindow(10, None).overlaps(0, None)
    assert not DateWindow(10, None).overlaps(0, 9)


@dataclass
class Item:
    card: EventCard
    slot: Slot
    rank_score: float


def item(event_id: str, production: str | None, score: float, start: int) -> Item:
    return Item(card(event_id, production_id=production), Slot(None, start, None), score)


def test_one_per_production_keeps_the_best_score_then_the_earliest_date() -> None:
    items = [
        item("a", "p1", 0.5, 3),
        item("b", "p1", 0.9, 5),
        item("c", None, 0.1, 1),
        item("d", "p2", 0.7, 9),
        item("e", "p2", 0.7, 2),
        item("f", None, 0.2, 1),
    ]
    kept = one_per_production(items)
    assert [i.card.event_id for i in kept] == ["b", "c", "e", "f"]


def test_one_per_production_breaks_full_ties_by_event_id() -> None:
    kept = one_per_production([item("z", "p", 1.0, 1), item("y", "p", 1.0, 1)])
    assert [i.card.event_id for i in kept] == ["y"]


def test_rules_show_one_item_per_production_with_its_nearest_fitting_date() -> None:
    # One show touring three venues; the best-scored venue is shown, with its first date in the weekend.
    tour = "prod-hamlet"
    ghent = card(
        "hamlet-gent",
        production_id=tour,
        occurrences=(occ(local_us(2026, 11, 19, 20)), occ(local_us(2026, 11, 21, 20)), occ(local_us(2026, 11, 22, 15))),
    )
    antwerp = card("hamlet-antwerpen", production_id=tour, occurrences=(occ(local_us(2026, 11, 20, 20)),))
    bruges = card("hamlet-brugge", production_id=tour, occurrences=(occ(local_us(2026, 11, 25, 20)),))
    other = card("other", occurrences=(occ(local_us(2026, 11, 21, 18)),))
    request = RecommendationRequest(
        n=10,
        exploration=0.0,
        diversity=0.0,
        date_from=dt.datetime(2026, 11, 20, 17, tzinfo=BRUSSELS),
        date_to=dt.datetime(2026, 11, 23, tzinfo=BRUSSELS),
    )
    result = apply_rules(
        [scored(antwerp, 0.8), scored(ghent, 0.9), scored(bruges, 0.95), scored(other, 0.1)], request, NOW
    )
    assert [r.card.event_id for r in result] == ["hamlet-gent", "other"]
    assert result[0].occurrence == ghent.occurrences[1]

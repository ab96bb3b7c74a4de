"""The vectorised first pass of the hard filters never drops a card the exact test keeps."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from recsys.cache.cards import EventCard
from recsys.ranking.request import RecommendationRequest
from serving.card_table import CardTable, date_span
from serving.prefilter import admissible
from tests.ranking.helpers import DAY_US, NOW_US, card, occ
from tests.ranking.test_properties import cards, requests


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_coarse_pass_keeps_every_card_the_exact_test_keeps(data: st.DataObject) -> None:
    pool: list[EventCard] = [data.draw(cards(f"e{i}")) for i in range(data.draw(st.integers(1, 25)))]
    request: RecommendationRequest = data.draw(requests())
    table = CardTable()
    held = data.draw(st.integers(0, len(pool)))
    table.add(pool[:held])  # the rest stand for cards the table never saw (live ones)
    rows = table.rows([c.event_id for c in pool])
    coarse = table.coarse_mask(rows, request, NOW_US)
    exact = admissible(pool, request, NOW_US)
    assert not (exact & ~coarse).any()
    assert coarse[held:].all()
    # With the coarse pass first, the exact answer is unchanged.
    assert (admissible(pool, request, NOW_US, coarse) == exact).all()


def test_the_coarse_pass_drops_what_numbers_rule_out() -> None:
    far = card("far", lat=51.2194, lon=4.4025)  # Antwerpen, 50 km from Gent
    dear = card("dear", price_eur=60.0)
    late = card("late", occurrences=(occ(NOW_US + 40 * DAY_US),))
    closed = card("closed", status="Unavailable")
    excluded = card("excluded", type_id="0.55.0.0.0")
    unpriced = card("unpriced", price_eur=None)
    fine = card("fine")
    table = CardTable()
    pool = [far, dear, late, closed, excluded, unpriced, fine]
    table.add(pool)
    request = RecommendationRequest(
        lat=51.0543,
        lon=3.7174,
        radius_km=20.0,
        max_price=30.0,
        exclude_types=frozenset({"0.55.0.0.0"}),
        date_to=None,
    )
    mask = table.coarse_mask(table.rows([c.event_id for c in pool] + ["unknown"]), request, NOW_US)
    assert mask.tolist() == [False, False, True, False, False, False, True, True]
    window = RecommendationRequest(date_from=None, date_to=None, n=5)
    assert table.coarse_mask(table.rows(["late"]), window, NOW_US).tolist() == [True]


def test_a_replaced_card_replaces_its_row() -> None:
    table = CardTable()
    table.add([card("e1", price_eur=50.0)])
    table.add([card("e1", price_eur=5.0)])
    assert len(table) == 1
    cheap = RecommendationRequest(max_price=10.0)
    assert table.coarse_mask(table.rows(["e1"]), cheap, NOW_US).tolist() == [True]


def test_the_table_grows_past_its_first_block() -> None:
    table = CardTable()
    table.add([card(f"e{i}", price_eur=float(i % 3)) for i in range(3000)])
    assert len(table) == 3000
    free = RecommendationRequest(free=True)
    mask = table.coarse_mask(table.rows([f"e{i}" for i in range(3000)]), free, NOW_US)
    assert mask.tolist() == [i % 3 == 0 for i in range(3000)]


def test_date_span_of_dated_running_and_undated_cards() -> None:
    assert date_span(card("d", occurrences=(occ(NOW_US, 2), occ(NOW_US + DAY_US, 3, status="Unavailable")))) == (
        float(NOW_US),
        float(NOW_US + 2 * 3_600_000_000),
    )
    running = card("r", occurrences=(), calendar_type="permanent", available_from_us=None, available_to_us=None)
    assert date_span(running) == (-math.inf, math.inf)
    undated = card("u", occurrences=(), calendar_type="single")
    assert all(math.isnan(v) for v in date_span(undated))

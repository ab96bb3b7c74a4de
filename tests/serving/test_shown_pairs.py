"""The compact set of (person, event) pairs an experiment showed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from serving import shown_pairs
from serving.shown_pairs import ShownPairs

people = st.sampled_from([f"u{i}" for i in range(8)])
events = st.lists(st.sampled_from([f"e{i}" for i in range(12)]), max_size=6)


@settings(max_examples=60, deadline=None)
@given(exposures=st.lists(st.tuples(people, events), max_size=40))
def test_answers_as_a_plain_set_of_pairs_does(exposures: list[tuple[str, list[str]]]) -> None:
    # Merging after every few pairs: the sorted array and the recent set both take part.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shown_pairs, "MIN_MERGE", 3)
        pairs = ShownPairs()
        expected: set[tuple[str, str]] = set()
        for user, shown in exposures:
            pairs.add(user, shown)
            expected.update((user, e) for e in shown)
            for other in (f"u{i}" for i in range(8)):
                for event in (f"e{i}" for i in range(12)):
                    assert pairs.shown(other, event) == ((other, event) in expected)


def test_a_pair_is_not_mistaken_for_its_parts_run_together() -> None:
    pairs = ShownPairs()
    pairs.add("ab", ["c"])
    assert pairs.shown("ab", "c")
    assert not pairs.shown("a", "bc") and not pairs.shown("c", "ab")


def test_many_pairs_stay_findable_after_merges() -> None:
    pairs = ShownPairs()
    for user in range(3000):
        pairs.add(f"user-{user}", [f"event-{(user * 7 + k) % 500}" for k in range(10)])
    assert all(pairs.shown(f"user-{u}", f"event-{(u * 7 + 3) % 500}") for u in range(0, 3000, 97))
    assert not any(pairs.shown(f"user-{u}", f"event-{(u * 7 + 11) % 500}") for u in range(0, 3000, 97))

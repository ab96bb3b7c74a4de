"""The evaluation protocols: who lands where, reproducibility, and no peeking at the test part."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind as K
from recsys.evaluation.holdout import Holdout
from recsys.evaluation.protocols import (
    PROTOCOLS,
    per_user_parts,
    split_for_protocol,
    time_cutoff,
)
from recsys.stores.batches import InteractionArrays, arrays_from_table
from tests.evaluation.test_split import ARRAYS, CUTOFF, EVENTS

T0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()) * 1_000_000


def log(
    users: list[str], items: list[str], times: list[int] | None = None, kinds: list[K] | None = None
) -> InteractionArrays:
    n = len(users)
    stamps = [T0 + t * 1_000_000 for t in (times or [0] * n)]
    return arrays_from_table(
        pa.table(
            {
                "user_id": users,
                "event_id": items,
                "kind": pa.array([int(k) for k in (kinds or [K.RATING] * n)], pa.int8()),
                "timestamp": pa.array(stamps, pa.int64()).cast(pa.timestamp("us", "UTC")),
                "value": pa.array([float("nan")] * n, pa.float32()),
            }
        )
    )


def random_log(
    n_users: int = 40, n_items: int = 60, per_user: tuple[int, int] = (3, 30), seed: int = 0
) -> InteractionArrays:
    rng = np.random.default_rng(seed)
    users, items, times = [], [], []
    for u in range(n_users):
        chosen = rng.choice(n_items, size=int(rng.integers(*per_user)), replace=False)
        users += [f"u{u:03d}"] * len(chosen)
        items += [f"i{i:03d}" for i in chosen]
        times += rng.integers(0, 10_000, size=len(chosen)).tolist()
    order = rng.permutation(len(users))  # rows in no particular order, as in a real file
    return log([users[i] for i in order], [items[i] for i in order], [times[i] for i in order])


def microsoft_reference(arrays: InteractionArrays, ratio: float, seed: int, by: str = "user") -> np.ndarray:
    """python_stratified_split as Microsoft Recommenders writes it, row by row (no repeated pairs)."""
    np.random.seed(seed)
    keys = np.random.rand(len(arrays))
    users = arrays.user_ids[arrays.user_codes] if by == "user" else arrays.event_ids[arrays.event_codes]
    order = sorted(range(len(arrays)), key=lambda i: (users[i], keys[i]))
    count: dict[str, int] = {}
    for user in users:
        count[user] = count.get(user, 0) + 1
    rank: dict[int, int] = {}
    seen: dict[str, int] = {}
    for i in order:
        seen[users[i]] = seen.get(users[i], 0) + 1
        rank[i] = seen[users[i]]
    # Python's round() is half to even, as numpy's (which pandas uses).
    return np.asarray([rank[i] <= round(ratio * count[users[i]]) for i in range(len(arrays))])


def all_relevant(arrays: InteractionArrays) -> np.ndarray:
    return np.ones(len(arrays), dtype=bool)


def test_stratified_matches_the_microsoft_reference_row_for_row() -> None:
    arrays = random_log()
    for seed in (42, 7):
        part = per_user_parts(arrays, (0.75, 0.25), seed)
        assert ((part == 0) == microsoft_reference(arrays, 0.75, seed)).all()
        by_item = per_user_parts(arrays, (0.75, 0.25), seed, by="item")
        assert ((by_item == 0) == microsoft_reference(arrays, 0.75, seed, by="item")).all()
    split = split_for_protocol("stratified-item", arrays, seed=42, relevant_rows=all_relevant(arrays))
    assert split.protocol == "stratified-item" and split.validation is not None
    # Every item keeps round(75%) of its pairs in training (at least one, so no item is cold).
    per_item = np.bincount(arrays.event_codes, minlength=len(arrays.event_ids))
    assert (np.bincount(split.test.train.event_codes) == np.round(0.75 * per_item)).all()
    assert not split.test.cold_candidates.any()


def test_stratified_holdout_keeps_three_quarters_per_user_and_is_seeded() -> None:
    arrays = random_log()
    split = split_for_protocol("stratified", arrays, seed=3, relevant_rows=all_relevant(arrays))
    again = split_for_protocol("stratified", arrays, seed=3, relevant_rows=all_relevant(arrays))
    other = split_for_protocol("stratified", arrays, seed=4, relevant_rows=all_relevant(arrays))
    test = split.test
    assert isinstance(test, Holdout)
    assert (test.relevant != again.test.relevant).nnz == 0
    assert (test.relevant != other.test.relevant).nnz > 0
    train_per_user = np.bincount(test.train.user_codes)
    per_user = np.bincount(arrays.user_codes)
    assert (train_per_user == np.round(0.75 * per_user)).all()
    # Relevant = the held-out quarter; seen = the training part; never both.
    assert test.relevant.nnz == len(arrays) - len(test.train)
    assert test.relevant.multiply(test.seen).nnz == 0
    assert list(test.candidate_ids) == sorted(test.candidate_ids)


def test_validation_is_carved_from_the_training_part_only() -> None:
    arrays = random_log()
    for protocol in ("stratified", "stratified-item", "random", "leave-one-out", "temporal"):
        split = split_for_protocol(protocol, arrays, seed=1, relevant_rows=all_relevant(arrays))
        assert split.validation is not None, protocol
        outer = {
            (u, i)
            for u, i in zip(
                split.test.train.user_ids[split.test.train.user_codes],
                split.test.train.event_ids[split.test.train.event_codes],
                strict=True,
            )
        }
        inner = split.validation.train
        inner_pairs = set(zip(inner.user_ids[inner.user_codes], inner.event_ids[inner.event_codes], strict=True))
        held = split.validation.relevant.tocoo()
        validation_pairs = {
            (split.validation.user_ids[r], split.validation.candidate_ids[c])
            for r, c in zip(held.row, held.col, strict=True)
        }
        assert inner_pairs <= outer, protocol
        assert validation_pairs <= outer, protocol  # the test part is never looked at
        assert not inner_pairs & validation_pairs, protocol
        assert set(split.validation.candidate_ids) <= set(split.test.train.event_ids), protocol


def test_random_split_cuts_eight_one_one_per_user() -> None:
    arrays = random_log(n_users=20, per_user=(20, 21))
    part = per_user_parts(arrays, (0.8, 0.1, 0.1), seed=5)
    for user in range(20):
        assert np.bincount(part[arrays.user_codes == user], minlength=3).tolist() == [16, 2, 2]
    split = split_for_protocol("random", arrays, seed=5, relevant_rows=all_relevant(arrays))
    assert len(split.test.train) == 20 * 18  # the test's models learn from train + validation
    assert split.validation is not None and len(split.validation.train) == 20 * 16


def test_a_pair_never_spans_train_and_test() -> None:
    # u1 viewed i1 three times: all three rows land in one part.
    arrays = log(["u1"] * 5 + ["u2"] * 4, ["i1", "i1", "i1", "i2", "i3", "i1", "i2", "i3", "i4"])
    for seed in range(10):
        part = per_user_parts(arrays, (0.5, 0.5), seed)
        assert len(set(part[:3].tolist())) == 1


def test_leave_one_out_holds_out_each_users_latest_item() -> None:
    arrays = log(
        ["a", "a", "a", "b", "b", "c"],
        ["x", "y", "z", "x", "y", "x"],
        [1, 3, 2, 5, 4, 1],
    )
    split = split_for_protocol("leave-one-out", arrays, relevant_rows=all_relevant(arrays))
    held = split.test.relevant.tocoo()
    got = {(split.test.user_ids[r], split.test.candidate_ids[c]) for r, c in zip(held.row, held.col, strict=True)}
    assert got == {("a", "y"), ("b", "x")}  # c has one item only: nothing to hold out
    assert split.validation is not None
    inner = split.validation.relevant.tocoo()
    assert {
        (split.validation.user_ids[r], split.validation.candidate_ids[c])
        for r, c in zip(inner.row, inner.col, strict=True)
    } == {("a", "z")}


def test_leave_one_out_without_times_is_random_but_seeded() -> None:
    arrays = random_log()
    no_time = InteractionArrays(
        arrays.user_codes,
        arrays.event_codes,
        arrays.kinds,
        np.zeros(len(arrays), np.int64),
        arrays.values,
        arrays.user_ids,
        arrays.event_ids,
    )
    one = split_for_protocol("leave-one-out", no_time, seed=1, relevant_rows=all_relevant(arrays))
    assert one.params["by_time"] is False
    assert (
        one.test.relevant
        != split_for_protocol("leave-one-out", no_time, seed=1, relevant_rows=all_relevant(arrays)).test.relevant
    ).nnz == 0
    assert (one.test.relevant.getnnz(axis=1) == 1).all()


def test_temporal_without_a_catalogue_cuts_at_a_time_and_ranks_every_item() -> None:
    arrays = log(["a", "a", "b", "b", "c", "a"], ["x", "y", "x", "z", "y", "w"], [1, 2, 3, 4, 5, 9])
    assert time_cutoff(arrays.timestamps_us, 0.2) == T0 + 9_000_000
    split = split_for_protocol(
        "temporal", arrays, test_fraction=0.2, relevant_rows=all_relevant(arrays), validation=False
    )
    assert list(split.test.candidate_ids) == ["w", "x", "y", "z"]
    assert split.test.cold_candidates.tolist() == [True, False, False, False]  # w appears only after the cutoff
    assert list(split.test.user_ids) == ["a"]
    with pytest.raises(InvalidFieldError, match="time"):
        split_for_protocol("temporal", log(["a", "b"], ["x", "y"]), relevant_rows=np.ones(2, bool))


def test_temporal_with_a_catalogue_is_the_future_event_split_with_an_earlier_validation() -> None:
    split = split_for_protocol("temporal", ARRAYS, events_table=EVENTS, holdout_days=2)
    assert split.params["cutoff_us"] == CUTOFF
    assert list(split.test.user_ids) == ["u1", "u2"]
    assert split.validation is not None
    assert split.validation.train.timestamps_us.max() < CUTOFF - 2 * 86_400 * 1_000_000
    # Too long a window for the validation to have any training data: no validation, no error.
    assert split_for_protocol("temporal", ARRAYS, events_table=EVENTS, holdout_days=9).validation is None


def test_bad_protocols_and_ratios_are_refused() -> None:
    arrays = random_log()
    assert PROTOCOLS == ("temporal", "random", "stratified", "leave-one-out", "stratified-item")
    with pytest.raises(InvalidFieldError, match="protocol"):
        split_for_protocol("kfold", arrays)
    with pytest.raises(InvalidFieldError, match="ratios"):
        split_for_protocol("random", arrays, ratios=(0.8, 0.2))
    with pytest.raises(InvalidFieldError, match="ratios"):
        split_for_protocol("stratified", arrays, ratios=(1.5,))
    assert (
        split_for_protocol("stratified", arrays, ratios=(3, 1), relevant_rows=all_relevant(arrays)).params["ratio"]
        == 0.75
    )


def test_default_relevance_follows_kinds() -> None:
    # A view in the test part is not relevant; a ticket is.
    arrays = log(["a", "a", "a", "a"], ["x", "y", "z", "w"], [1, 2, 3, 4], [K.VIEW, K.VIEW, K.VIEW, K.TICKET])
    split = split_for_protocol("temporal", arrays, test_fraction=0.5, validation=False)
    held = split.test.relevant.tocoo()
    assert [split.test.candidate_ids[c] for c in held.col] == ["w"]

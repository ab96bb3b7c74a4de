"""Evaluation protocols, by the names the command line uses: how a log becomes train, validation and test.

Every protocol is deterministic for a seed and returns a :class:`ProtocolSplit`:
a test hold-out and, when asked, a validation hold-out carved out of the
test's training part only (for tuning: it never looks at the test part).
Candidates are always every item, never sampled negatives.

``temporal``
    With a catalogue (the data folder's stores): the future-event split of
    :mod:`recsys.evaluation.split`, cut ``holdout_days`` before the last
    interaction; validation cuts the training part the same way once more.
    Without one (any interactions file): a global time cutoff; the test is
    every interaction at or after it, placed so that ``test_fraction`` of the
    interactions fall after it; all items are ranked, so an item first seen
    after the cutoff is a (cold) candidate too.
``random``
    Per user, the (user, item) pairs in a seeded random order are cut by
    ``ratios`` (default 8:1:1) into train, validation and test. The test's
    models learn from train + validation; the validation's from train.
``stratified``
    Microsoft Recommenders' ``python_stratified_split``: per user, pairs in a
    seeded random order, the first ``round(ratio * n)`` (default 75%) train and
    the rest test. With the same seed and the same row order the split is the
    same as theirs (numpy's legacy ``RandomState(seed).rand`` per pair, a
    stable sort by user then that key, banker's rounding). Validation splits
    the training part again with ``seed + 1``.
``stratified-item``
    The same per *item*: each item's pairs in seeded random order, the first
    75% train (``python_stratified_split(..., filter_by="item")``). This is
    what Microsoft Recommenders' MovieLens benchmark notebook runs (its text
    says "75% of each user's ratings", its code says ``filter_by="item"``);
    on MovieLens 100K both splits give nearly the same numbers (see
    ``docs/benchmarks.md``).
``leave-one-out``
    Per user with at least two items, the latest item (by its latest
    interaction; seeded random among ties, and at random when the log has no
    times) is the test; validation holds out the latest of the rest.

The unit of every per-user split is the (user, item) pair: all interactions
of one pair land in the same part, so a view in train cannot give away the
ticket in test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind
from recsys.evaluation.holdout import BoolArray, IntArray, ObjectArray, RankingTask, build_holdout
from recsys.evaluation.split import MIN_RATING, RELEVANT_KINDS, cutoff_before_end, select_interactions, temporal_split
from recsys.stores.batches import InteractionArrays

PROTOCOLS: Final = ("temporal", "random", "stratified", "leave-one-out", "stratified-item")
DEFAULT_RANDOM_RATIOS: Final = (0.8, 0.1, 0.1)
DEFAULT_STRATIFIED_RATIO: Final = 0.75
DEFAULT_SEED: Final = 42


@dataclass(frozen=True, slots=True)
class ProtocolSplit:
    """The hold-outs of one protocol.

    Parameters
    ----------
    protocol : str
        Its name (one of :data:`PROTOCOLS`).
    test : RankingTask
        The test hold-out (its ``train`` is what final models learn from).
    validation : RankingTask or None
        A hold-out inside ``test.train``, for tuning.
    params : dict
        The protocol's settings (seed, ratios, cutoff), for reports.

    """

    protocol: str
    test: RankingTask
    validation: RankingTask | None
    params: dict[str, object] = field(default_factory=dict)


def default_relevant_rows(arrays: InteractionArrays) -> BoolArray:
    """Rows that make an item relevant: a click or stronger, or a rating of at least ``MIN_RATING``."""
    kinds = arrays.kinds
    relevant = np.isin(kinds, np.asarray([int(k) for k in RELEVANT_KINDS], dtype=np.int8))
    return np.asarray(relevant | ((kinds == InteractionKind.RATING) & (arrays.values >= MIN_RATING)))


def split_for_protocol(
    protocol: str,
    arrays: InteractionArrays,
    *,
    seed: int = DEFAULT_SEED,
    relevant_rows: BoolArray | None = None,
    events_table: pa.Table | None = None,
    ratios: Sequence[float] | None = None,
    holdout_days: float = 28.0,
    test_fraction: float = 0.2,
    validation: bool = True,
) -> ProtocolSplit:
    """Split ``arrays`` by the protocol called ``protocol`` (see the module docstring).

    Parameters
    ----------
    protocol : str
        ``temporal``, ``random``, ``stratified`` or ``leave-one-out``.
    arrays : InteractionArrays
        The whole log.
    seed : int
        Seed of every random choice.
    relevant_rows : ndarray of bool, optional
        Rows that count as relevant in a test part (default: :func:`default_relevant_rows`).
    events_table : pyarrow.Table, optional
        The catalogue; with it ``temporal`` is the future-event split.
    ratios : sequence of float, optional
        ``random``: train/validation/test shares (default 8:1:1); ``stratified``:
        one number, the train share (default 0.75).
    holdout_days : float
        ``temporal`` with a catalogue: length of the test window.
    test_fraction : float
        ``temporal`` without a catalogue: share of interactions after the cutoff.
    validation : bool
        Also build the validation hold-out.

    Returns
    -------
    ProtocolSplit

    Raises
    ------
    InvalidFieldError
        For an unknown protocol, bad ratios, or a log the protocol cannot split.

    """
    if protocol not in PROTOCOLS:
        raise InvalidFieldError("protocol", f"unknown protocol {protocol!r}; expected one of {', '.join(PROTOCOLS)}")
    if len(arrays) == 0:
        raise InvalidFieldError("interactions", "there are no interactions to split")
    relevant = default_relevant_rows(arrays) if relevant_rows is None else np.asarray(relevant_rows, dtype=bool)
    if len(relevant) != len(arrays):
        raise InvalidFieldError("relevant_rows", f"has {len(relevant)} values for {len(arrays)} interactions")
    if protocol == "temporal":
        if events_table is not None:
            return _event_temporal(arrays, events_table, holdout_days, relevant, validation)
        return _time_cutoff(arrays, test_fraction, relevant, validation)
    if protocol == "leave-one-out":
        return _leave_one_out(arrays, seed, relevant, validation)
    if protocol == "random":
        shares = _ratios(DEFAULT_RANDOM_RATIOS if ratios is None else ratios, 3)
        return _random(arrays, shares, seed, relevant, validation)
    train_share = DEFAULT_STRATIFIED_RATIO if ratios is None else _single_ratio(ratios)
    return _stratified(
        arrays, train_share, seed, relevant, validation, by="item" if protocol == "stratified-item" else "user"
    )


# -- per-user random splits ------------------------------------------------------------------------


def pairs_of(arrays: InteractionArrays) -> tuple[IntArray, IntArray, IntArray]:
    """Number the distinct (user, item) pairs in order of their first row.

    Returns
    -------
    pair_of_row : ndarray of int64
        Per row, its pair.
    pair_user : ndarray of int64
        Per pair, its user code.
    pair_first_row : ndarray of int64
        Per pair, its first row.

    """
    n_items = max(len(arrays.event_ids), 1)
    keys = arrays.user_codes.astype(np.int64) * n_items + arrays.event_codes.astype(np.int64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    # Renumber pairs by first occurrence, so that a log without repeats draws one number per row in row order.
    by_first = np.argsort(first, kind="stable")
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[by_first] = np.arange(len(first))
    pair_first_row = first[by_first].astype(np.int64)
    return renumber[inverse.ravel()], arrays.user_codes[pair_first_row].astype(np.int64), pair_first_row


def per_user_parts(
    arrays: InteractionArrays, ratios: Sequence[float], seed: int, *, by: str = "user"
) -> npt.NDArray[np.int8]:
    """Part (0 .. len(ratios)-1) of every row: per user (or item), pairs in seeded random order, cut by ``ratios``.

    Pair ``r`` (1-based, in that order) of a user with ``n`` pairs goes to the
    first part ``j`` with ``r <= round(cumsum(ratios)[j] * n)``; ``round`` is
    numpy's (half to even), as in Microsoft Recommenders. With ``by="item"``
    the groups are items instead of users (their ``filter_by="item"``).
    """
    pair_of_row, pair_user, pair_first_row = pairs_of(arrays)
    group = pair_user if by == "user" else arrays.event_codes[pair_first_row].astype(np.int64)
    # numpy's legacy generator: the one np.random.seed drives, which the reference implementation uses.
    keys = np.random.RandomState(seed).rand(len(pair_user))
    order = np.lexsort((keys, group))
    counts = np.bincount(group, minlength=len(arrays.user_ids) if by == "user" else len(arrays.event_ids))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(pair_user), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts[group[order]] + 1
    bounds = np.cumsum(np.asarray(ratios, dtype=np.float64)) / float(np.sum(ratios))
    part = np.zeros(len(pair_user), dtype=np.int8)
    for bound in bounds[:-1]:
        part += (rank > np.round(bound * counts[group])).astype(np.int8)
    return part[pair_of_row]


def _ratios(values: Sequence[float], n: int) -> tuple[float, ...]:
    shares = tuple(float(v) for v in values)
    if len(shares) != n or any(not np.isfinite(v) or v <= 0 for v in shares):
        raise InvalidFieldError("ratios", f"expected {n} positive shares (train, validation, test), got {list(values)}")
    return shares


def _single_ratio(values: Sequence[float]) -> float:
    if len(values) == 2:
        values = [values[0] / (values[0] + values[1])]
    if len(values) != 1 or not 0.0 < float(values[0]) < 1.0:
        raise InvalidFieldError("ratios", f"stratified takes one train share between 0 and 1, got {list(values)}")
    return float(values[0])


def _items_of(arrays: InteractionArrays, rows: BoolArray) -> ObjectArray:
    return np.asarray(select_interactions(arrays, rows).event_ids, dtype=object)


def _random(
    arrays: InteractionArrays, ratios: tuple[float, ...], seed: int, relevant: BoolArray, validation: bool
) -> ProtocolSplit:
    part = per_user_parts(arrays, ratios, seed)
    test = build_holdout("random", arrays, part != 2, part == 2, relevant)
    inner = None
    if validation:
        inner = build_holdout(
            "random", arrays, part == 0, part == 1, relevant, candidate_ids=_items_of(arrays, part != 2)
        )
    return ProtocolSplit("random", test, inner, {"seed": seed, "ratios": list(ratios)})


def _stratified(
    arrays: InteractionArrays, ratio: float, seed: int, relevant: BoolArray, validation: bool, *, by: str
) -> ProtocolSplit:
    name = "stratified" if by == "user" else "stratified-item"
    part = per_user_parts(arrays, (ratio, 1.0 - ratio), seed, by=by)
    train = part == 0
    test = build_holdout(name, arrays, train, ~train, relevant)
    inner = None
    if validation:
        rows = np.flatnonzero(train)
        inner_part = per_user_parts(select_interactions(arrays, train), (ratio, 1.0 - ratio), seed + 1, by=by)
        inner_train = np.zeros(len(arrays), dtype=bool)
        inner_train[rows[inner_part == 0]] = True
        inner = build_holdout(
            name, arrays, inner_train, train & ~inner_train, relevant, candidate_ids=_items_of(arrays, train)
        )
    return ProtocolSplit(name, test, inner, {"seed": seed, "ratio": ratio, "by": by})


# -- leave-one-out ---------------------------------------------------------------------------------


def _leave_one_out(arrays: InteractionArrays, seed: int, relevant: BoolArray, validation: bool) -> ProtocolSplit:
    pair_of_row, pair_user, _ = pairs_of(arrays)
    latest = np.full(len(pair_user), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(latest, pair_of_row, arrays.timestamps_us)
    by_time = bool(len(arrays) and arrays.timestamps_us.min() != arrays.timestamps_us.max())
    keys = np.random.default_rng(seed).random(len(pair_user))
    order = np.lexsort((keys, latest, pair_user)) if by_time else np.lexsort((keys, pair_user))
    counts = np.bincount(pair_user, minlength=len(arrays.user_ids))
    ends = np.cumsum(counts)
    from_end = np.empty(len(pair_user), dtype=np.int64)
    from_end[order] = ends[pair_user[order]] - 1 - np.arange(len(order))  # 0 = the user's latest pair
    n = counts[pair_user]
    test_pair = (from_end == 0) & (n >= 2)
    validation_pair = (from_end == 1) & (n >= 3)
    test_rows = test_pair[pair_of_row]
    test = build_holdout("leave-one-out", arrays, ~test_rows, test_rows, relevant)
    inner = None
    if validation:
        validation_rows = validation_pair[pair_of_row]
        inner = build_holdout(
            "leave-one-out",
            arrays,
            ~test_rows & ~validation_rows,
            validation_rows,
            relevant,
            candidate_ids=_items_of(arrays, ~test_rows),
        )
    return ProtocolSplit("leave-one-out", test, inner, {"seed": seed, "by_time": by_time})


# -- temporal --------------------------------------------------------------------------------------


def time_cutoff(timestamps_us: npt.NDArray[np.int64], test_fraction: float) -> int:
    """The cutoff that leaves about ``test_fraction`` of the interactions at or after it.

    Raises
    ------
    InvalidFieldError
        When the fraction is not in (0, 1) or the log has no spread of times.

    """
    if not 0.0 < test_fraction < 1.0:
        raise InvalidFieldError("test_fraction", f"must be between 0 and 1, got {test_fraction}")
    if len(timestamps_us) == 0 or timestamps_us.min() == timestamps_us.max():
        raise InvalidFieldError(
            "time_col", "the temporal protocol needs interaction times that differ (give a time column)"
        )
    ordered = np.sort(timestamps_us)
    # The time of the first of the last round(n * fraction) interactions (at least one); ties go to the test.
    cutoff = int(ordered[len(ordered) - max(1, round(len(ordered) * test_fraction))])
    if cutoff <= ordered[0]:
        cutoff = int(ordered[ordered > ordered[0]][0])  # at least one interaction must stay in training
    return cutoff


def _time_cutoff(
    arrays: InteractionArrays, test_fraction: float, relevant: BoolArray, validation: bool
) -> ProtocolSplit:
    cutoff = time_cutoff(arrays.timestamps_us, test_fraction)
    train = arrays.timestamps_us < cutoff
    test = build_holdout("temporal", arrays, train, ~train, relevant)
    inner = None
    inner_cutoff = None
    if validation:
        inner_cutoff = time_cutoff(arrays.timestamps_us[train], test_fraction)
        inner_train = arrays.timestamps_us < inner_cutoff
        inner = build_holdout(
            "temporal", arrays, inner_train, train & ~inner_train, relevant, candidate_ids=_items_of(arrays, train)
        )
    params: dict[str, object] = {
        "cutoff_us": cutoff,
        "test_fraction": test_fraction,
        "validation_cutoff_us": inner_cutoff,
    }
    return ProtocolSplit("temporal", test, inner, params)


def _event_temporal(
    arrays: InteractionArrays, events: pa.Table, holdout_days: float, relevant: BoolArray, validation: bool
) -> ProtocolSplit:
    del relevant  # the future-event split has its own relevance rule (kinds and ratings)
    cutoff = cutoff_before_end(arrays, holdout_days)
    test = temporal_split(arrays, events, cutoff)
    inner = None
    params: dict[str, object] = {"cutoff_us": cutoff, "holdout_days": holdout_days}
    if validation:
        inner_cutoff = cutoff_before_end(test.train, holdout_days)
        params["validation_cutoff_us"] = inner_cutoff
        try:
            inner = temporal_split(test.train, events, inner_cutoff, until_us=cutoff)
        except InvalidFieldError as exc:
            params["validation"] = f"none: {exc}"  # too little history before the test window
    return ProtocolSplit("temporal", test, inner, params)

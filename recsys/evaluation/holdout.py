"""The one thing every evaluation protocol produces: a :class:`Holdout` the evaluator can score.

A hold-out says what a model learns from (``train``), what it must rank
(``candidate_ids``: every candidate, never sampled negatives), for whom
(``user_ids``: users with training history and at least one relevant test
item), what counts as a hit (``relevant``, users x candidates) and what is
left out of each ranking because the user already had it (``seen``). Every
protocol of :mod:`recsys.evaluation.protocols` builds one with
:func:`build_holdout`; the future-event :class:`~recsys.evaluation.split.TemporalSplit`
has the same attributes, so the evaluator takes either (:class:`RankingTask`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from recsys.domain.interactions import InteractionKind
from recsys.evaluation.split import select_interactions
from recsys.stores.batches import InteractionArrays

ObjectArray = npt.NDArray[np.object_]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
#: Kinds that say nothing about a person's taste: they neither warm an item up nor make it "seen".
UNINFORMATIVE: Final = frozenset({InteractionKind.IMPRESSION})


class RankingTask(Protocol):
    """What the evaluator needs from a hold-out (:class:`Holdout` and ``TemporalSplit`` both have it)."""

    @property
    def train(self) -> InteractionArrays:
        """Interactions the models learn from."""

    @property
    def candidate_ids(self) -> ObjectArray:
        """Items every model ranks, sorted."""

    @property
    def cold_candidates(self) -> BoolArray:
        """Per candidate, True when it has no training interaction."""

    @property
    def user_ids(self) -> ObjectArray:
        """Evaluated users, sorted."""

    @property
    def relevant(self) -> sp.csr_matrix:
        """Users x candidates, 1 where relevant."""

    @property
    def seen(self) -> sp.csr_matrix:
        """Users x candidates, 1 where left out of the ranking."""

    @property
    def n_users(self) -> int:
        """Number of evaluated users."""

    @property
    def n_candidates(self) -> int:
        """Number of candidates."""

    def summary(self) -> dict[str, float | int]:
        """Counts for reports."""


@dataclass(frozen=True, slots=True, eq=False)
class Holdout:
    """Train interactions plus the test relevance of one protocol.

    Parameters
    ----------
    protocol : str
        Which protocol built it (``random``, ``stratified``, ``leave-one-out``, ``temporal``).
    train : InteractionArrays
        What models learn from, with vocabularies cut to the ids it uses.
    candidate_ids : ndarray of str (object)
        Every item ranked, sorted.
    cold_candidates : ndarray of bool
        Per candidate, True when no informative training interaction touches it.
    user_ids : ndarray of str (object)
        Evaluated users, sorted.
    relevant : scipy.sparse.csr_matrix
        Users x candidates, 1.0 where the test part holds a relevant interaction (float32).
    seen : scipy.sparse.csr_matrix
        Users x candidates, 1.0 where the user interacted in training (left out of rankings).
    n_cold_users : int
        Users with relevant test items but no training history (not evaluated).

    """

    protocol: str
    train: InteractionArrays
    candidate_ids: ObjectArray
    cold_candidates: BoolArray
    user_ids: ObjectArray
    relevant: sp.csr_matrix
    seen: sp.csr_matrix
    n_cold_users: int

    @property
    def n_users(self) -> int:
        """Number of evaluated users."""
        return len(self.user_ids)

    @property
    def n_candidates(self) -> int:
        """Number of candidates."""
        return len(self.candidate_ids)

    def summary(self) -> dict[str, float | int]:
        """Counts and shares for reports."""
        per_item = np.asarray(self.relevant.getnnz(axis=0))
        relevant_items = per_item > 0
        return {
            "train_interactions": len(self.train),
            "train_users": len(self.train.user_ids),
            "candidates": self.n_candidates,
            "cold_candidates": int(self.cold_candidates.sum()),
            "test_users": self.n_users,
            "cold_test_users_skipped": self.n_cold_users,
            "relevant_pairs": int(self.relevant.nnz),
            "relevant_items": int(relevant_items.sum()),
            "cold_item_share": round(float(self.cold_candidates[relevant_items].mean()), 6)
            if relevant_items.any()
            else 0.0,
        }


def pair_matrix(rows: IntArray, cols: IntArray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A 0/1 float32 matrix with a one at every (row, col) pair, repeats counted once."""
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def positions_in(values: ObjectArray, ids: ObjectArray) -> IntArray:
    """Position of every value in ``ids`` (-1 when absent; ``ids`` need not be sorted)."""
    found = pc.index_in(pa.array(values, pa.string()), value_set=pa.array(ids, pa.string()))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def informative_rows(arrays: InteractionArrays) -> BoolArray:
    """Rows whose kind says something about taste (everything but impressions)."""
    return ~np.isin(arrays.kinds, np.asarray([int(k) for k in UNINFORMATIVE], dtype=np.int8))


def build_holdout(
    protocol: str,
    arrays: InteractionArrays,
    train_rows: BoolArray,
    test_rows: BoolArray,
    relevant_rows: BoolArray,
    *,
    candidate_ids: ObjectArray | None = None,
) -> Holdout:
    """Assemble a :class:`Holdout` from a row assignment of one interaction log.

    Parameters
    ----------
    protocol : str
        Name recorded in the hold-out.
    arrays : InteractionArrays
        The whole log the protocol split.
    train_rows, test_rows : ndarray of bool
        Which rows are training and which are test (rows in neither are ignored).
    relevant_rows : ndarray of bool
        Which rows count as relevant when they are test rows.
    candidate_ids : ndarray of str, optional
        What to rank, sorted; default every item of ``arrays``, so items seen
        only in the test part are candidates too (cold: nobody can rank them
        from interactions).

    Returns
    -------
    Holdout
        Users with training history and at least one relevant test item that
        they did not already have in training.

    """
    train = select_interactions(arrays, train_rows)
    candidates = np.asarray(arrays.event_ids if candidate_ids is None else candidate_ids, dtype=object)
    column_of_event = positions_in(arrays.event_ids, candidates) if candidate_ids is not None else None

    def columns(event_codes: npt.NDArray[np.int32]) -> IntArray:
        codes = event_codes.astype(np.int64)
        return codes if column_of_event is None else column_of_event[codes]

    informative = informative_rows(arrays)
    train_informative = np.flatnonzero(train_rows & informative)
    has_history = np.zeros(len(arrays.user_ids), dtype=bool)
    has_history[arrays.user_codes[np.flatnonzero(train_rows)]] = True
    cold = np.ones(len(candidates), dtype=bool)
    warm_cols = columns(arrays.event_codes[train_informative])
    cold[warm_cols[warm_cols >= 0]] = False

    test = np.flatnonzero(test_rows & relevant_rows)
    test_cols = columns(arrays.event_codes[test])
    test, test_cols = test[test_cols >= 0], test_cols[test_cols >= 0]
    test_users = arrays.user_codes[test]
    n_cold_users = int((~has_history[np.unique(test_users)]).sum())
    known = has_history[test_users]
    test_users, test_cols = test_users[known], test_cols[known]

    evaluated = np.unique(test_users)
    user_row = np.full(len(arrays.user_ids), -1, dtype=np.int64)
    user_row[evaluated] = np.arange(len(evaluated))
    shape = (len(evaluated), len(candidates))
    relevant = pair_matrix(user_row[test_users], test_cols, shape)
    seen_users = user_row[arrays.user_codes[train_informative]]
    keep = (seen_users >= 0) & (warm_cols >= 0)
    seen = pair_matrix(seen_users[keep], warm_cols[keep], shape)
    # The test asks for what the person did not have yet: a pair seen in training is never relevant.
    relevant = sp.csr_matrix(relevant - relevant.multiply(seen))
    relevant.eliminate_zeros()
    rows = np.flatnonzero(relevant.getnnz(axis=1) > 0)
    return Holdout(
        protocol=protocol,
        train=train,
        candidate_ids=candidates,
        cold_candidates=cold,
        user_ids=np.asarray(arrays.user_ids[evaluated[rows]], dtype=object),
        relevant=sp.csr_matrix(relevant[rows]),
        seen=sp.csr_matrix(seen[rows]),
        n_cold_users=n_cold_users,
    )

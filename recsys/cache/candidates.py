"""The lists a publish writes, computed from fitted models over the events open now.

Everything is vectorised over batches (users, or source events), never one
at a time, and comes out as :class:`~recsys.cache.protocol.CandidateBlock`
rows that point into one array of open event ids, which the Redis publisher
encodes without touching a string per entry.

- :func:`user_candidate_blocks`: each user's best open events by the base
  model (events the user already interacted with left out), with one score
  column per :attr:`PublishModels.score_columns`;
- :func:`similar_blocks`: per source event, the most similar open events
  (never itself, nor another date of its own production);
- :func:`popular_lists`: ``all``, per region and per event type.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp

from recsys.cache.cards import EventCard
from recsys.cache.protocol import POPULAR_ALL, CandidateBlock, CandidateList, region_scope, type_scope
from recsys.cache.publish_models import PublishModels
from recsys.models.als import ALSRecommender
from recsys.models.base import Recommender
from recsys.models.bpr import BPRRecommender
from recsys.models.content import ContentRecommender
from recsys.models.hybrid import HybridRecommender

#: Dense scores per batch (users or sources x events), about 64 MB of float32.
CELLS_PER_BATCH: Final = 1 << 24
MAX_BATCH: Final = 4096

IntArray = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float32]


def as_id_array(ids: Sequence[str] | pa.Array | npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Ids as a one-dimensional object array of str."""
    if isinstance(ids, pa.Array | pa.ChunkedArray):
        ids = ids.to_pylist()
    out = np.empty(len(ids), dtype=object)
    out[:] = [str(i) for i in ids]
    return out


def batch_size(columns: int, limit: int | None = None) -> int:
    """Rows per batch so that a dense ``rows x columns`` float32 block stays near :data:`CELLS_PER_BATCH`."""
    size = max(1, min(MAX_BATCH, CELLS_PER_BATCH // max(1, columns)))
    return min(size, limit) if limit else size


def top_k(scores: Floats, k: int) -> IntArray:
    """Columns of the ``k`` best finite scores per row, best first (ties: lower column first)."""
    n_cols = scores.shape[1]
    k = min(k, n_cols)
    if k == 0:
        return np.empty((scores.shape[0], 0), dtype=np.int64)
    part = (
        np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n_cols else np.tile(np.arange(n_cols), (len(scores), 1))
    )
    order = np.lexsort((part, -np.take_along_axis(scores, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64)


def known_users(model: Recommender, user_ids: Sequence[str] | pa.Array | None) -> IntArray:
    """Sorted indices of ``user_ids`` among the model's users (unknown ids dropped); all users for ``None``."""
    if user_ids is None:
        return np.arange(len(model.users_), dtype=np.int64)
    found = model.users_.indices_of(user_ids if isinstance(user_ids, pa.Array) else list(user_ids))
    return np.unique(found[found >= 0]).astype(np.int64)


def _ranked(scores: Floats, k: int) -> tuple[IntArray, Floats]:
    """Top ``k`` columns and their scores; ``-1`` where a row has fewer finite scores (at the end)."""
    scores[~np.isfinite(scores)] = -np.inf
    top = top_k(scores, k)
    best = np.take_along_axis(scores, top, axis=1)
    top[~np.isfinite(best)] = -1
    return top, best


def user_candidate_blocks(
    models: PublishModels,
    event_ids: npt.NDArray[np.object_],
    *,
    n: int,
    users: IntArray | None = None,
    batch: int | None = None,
) -> Iterator[CandidateBlock]:
    """Each user's ``n`` best events of ``event_ids``, in blocks of users.

    Parameters
    ----------
    models : PublishModels
        The base model orders; ``models.extra`` add score columns (NaN where a model cannot score).
    event_ids : ndarray of object
        The events that may be recommended (the open ones); rows point into this array.
    n : int
        Candidates per user.
    users : ndarray of int64, optional
        Whom to publish for, as indices of the base model's users (:func:`known_users`); default all of them.
    batch : int, optional
        Users per block (default: what keeps a score block near 64 MB).

    Yields
    ------
    CandidateBlock
        Keyed by user id; users without any candidate are left out.

    """
    base = models.base
    columns = base.events_.indices_of(list(event_ids))
    scorable = np.flatnonzero(columns >= 0)  # positions in event_ids the base model can score
    base_columns = columns[scorable]
    k = min(n, len(scorable))
    if k == 0:
        return
    users = np.arange(len(base.users_), dtype=np.int64) if users is None else users
    # Where each event of the base model's vocabulary sits among the scorable columns (-1: not open).
    column_of = np.full(len(base.events_), -1, dtype=np.int64)
    column_of[base_columns] = np.arange(len(base_columns))
    user_ids_all = base.users_.to_numpy()
    extra = [_ExtraColumn(model, event_ids[scorable], user_ids_all) for model in models.extra.values()]
    step = batch_size(len(base.events_) * (1 + len(extra)), batch)
    for start in range(0, len(users), step):
        chunk = users[start : start + step].astype(np.int32)
        scores = np.asarray(base.score_users(chunk), dtype=np.float32)[:, base_columns]
        seen = base.seen_[chunk]
        rows = np.repeat(np.arange(len(chunk)), np.diff(seen.indptr))
        position = column_of[seen.indices]
        inside = position >= 0
        scores[rows[inside], position[inside]] = -np.inf  # already interacted with (or dismissed)
        top, best = _ranked(scores, k)
        valid = top >= 0
        table = np.full((len(chunk), k, 1 + len(extra)), np.nan, dtype=np.float32)
        table[:, :, 0] = np.where(valid, best, np.nan)
        for c, column in enumerate(extra, start=1):
            table[:, :, c] = column.scores(chunk, np.where(valid, top, 0), valid)
        keep = valid[:, 0]
        yield CandidateBlock(
            [str(u) for u in user_ids_all[chunk[keep]].tolist()],
            event_ids,
            np.where(valid, scorable[np.maximum(top, 0)], -1)[keep].astype(np.int32),
            table[keep],
        )


class _ExtraColumn:
    """Scores of another model at the base model's candidates (NaN where it cannot score)."""

    def __init__(self, model: Recommender, event_ids: npt.NDArray[np.object_], base_users: npt.NDArray[np.str_]):
        self.model = model
        self.columns = model.events_.indices_of(list(event_ids))
        self.users = model.users_.indices_of(pa.array(base_users.tolist(), pa.string()))

    def scores(self, base_users: npt.NDArray[np.int32], top: IntArray, valid: npt.NDArray[np.bool_]) -> Floats:
        out = np.full(top.shape, np.nan, dtype=np.float32)
        mine = self.users[base_users]
        known = mine >= 0
        if not known.any():
            return out
        full = np.asarray(self.model.score_users(mine[known].astype(np.int32)), dtype=np.float32)
        columns = self.columns[top[known]]
        picked = np.take_along_axis(full, np.maximum(columns, 0), axis=1)
        picked[(columns < 0) | ~valid[known] | ~np.isfinite(picked)] = np.nan
        out[known] = picked
        return out


# -- similar events ---------------------------------------------------------------------------------


def similar_blocks(
    model: Recommender,
    source_ids: Sequence[str],
    event_ids: npt.NDArray[np.object_],
    *,
    n: int,
    productions: Sequence[str | None] | None = None,
    source_productions: Sequence[str | None] | None = None,
    batch: int | None = None,
) -> Iterator[CandidateBlock | dict[str, CandidateList]]:
    """For each source event, the ``n`` most similar events of ``event_ids``.

    Cosine of learned vectors (hybrid, ALS, BPR) or of content rows (content)
    is computed for a batch of sources at once; any other model goes through
    its public ``similar`` one source at a time. A list never holds the
    source itself nor another event of the source's production (those are
    other dates of the same show, not similar events).

    Parameters
    ----------
    model : Recommender
        A model with ``supports_similar``.
    source_ids : sequence of str
        Events to publish lists for (unknown to the model: skipped).
    event_ids : ndarray of object
        Events a list may hold (the open ones).
    n : int
        Events per list.
    productions : sequence of str or None, optional
        Production of each of ``event_ids``.
    source_productions : sequence of str or None, optional
        Production of each source.
    batch : int, optional
        Sources per block.

    Yields
    ------
    CandidateBlock or dict
        Keyed by source event id (one score column: the similarity).

    """
    sources = as_id_array(list(source_ids))
    production_codes, source_codes = _production_codes(productions, source_productions, len(event_ids), len(sources))
    vectors = _similarity_vectors(model)
    if vectors is None:
        yield from _similar_one_by_one(model, sources, event_ids, n, production_codes, source_codes)
        return
    rows, warm = vectors
    target_columns = model.events_.indices_of(list(event_ids))
    targets = np.flatnonzero(target_columns >= 0)
    target_rows = target_columns[targets]
    source_rows = model.events_.indices_of(list(sources))
    known = np.flatnonzero(source_rows >= 0)
    k = min(n, len(targets))
    if k == 0:
        return
    target_matrix = rows[target_rows]
    step = batch_size(len(targets), batch)
    for start in range(0, len(known), step):
        chosen = known[start : start + step]
        source_matrix = rows[source_rows[chosen]]
        if isinstance(source_matrix, sp.csr_matrix):
            scores = np.asarray((source_matrix @ target_matrix.T).toarray(), dtype=np.float32)
        else:
            scores = np.asarray(source_matrix @ target_matrix.T, dtype=np.float32)
        scores[source_rows[chosen][:, None] == target_rows[None, :]] = -np.inf
        same = (source_codes[chosen][:, None] == production_codes[targets][None, :]) & (
            source_codes[chosen][:, None] >= 0
        )
        scores[same] = -np.inf
        if warm is not None:
            scores[:, ~warm[target_rows]] = -np.inf
            scores[~warm[source_rows[chosen]]] = -np.inf
        top, best = _ranked(scores, k)
        keep = top[:, 0] >= 0
        yield CandidateBlock(
            [str(s) for s in sources[chosen[keep]].tolist()],
            event_ids,
            np.where(top >= 0, targets[np.maximum(top, 0)], -1)[keep].astype(np.int32),
            np.where(top >= 0, best, np.nan)[keep][:, :, None],
        )


def _similarity_vectors(
    model: Recommender,
) -> tuple[npt.NDArray[np.float32] | sp.csr_matrix, npt.NDArray[np.bool_] | None] | None:
    """Unit rows whose dot products are the model's similarities, and which events it can rank (None: all)."""
    if isinstance(model, ContentRecommender):
        return sp.csr_matrix(model.content_, dtype=np.float32), None  # rows are unit already
    if isinstance(model, HybridRecommender):
        return _unit_rows(model.item_factors_), None
    if isinstance(model, ALSRecommender):
        return _unit_rows(model.item_factors_), model.warm_
    if isinstance(model, BPRRecommender):
        return _unit_rows(model.item_factors_[:, :-1]), model.warm_  # tastes, not the popularity bias
    return None


def _unit_rows(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return np.asarray(unit, dtype=np.float32)


def _production_codes(
    productions: Sequence[str | None] | None, source_productions: Sequence[str | None] | None, n: int, m: int
) -> tuple[IntArray, IntArray]:
    targets = list(productions) if productions is not None else [None] * n
    sources = list(source_productions) if source_productions is not None else [None] * m
    codes: dict[str, int] = {}
    for value in (*targets, *sources):
        if value is not None and value not in codes:
            codes[value] = len(codes)
    return (
        np.asarray([codes[v] if v is not None else -1 for v in targets], dtype=np.int64),
        np.asarray([codes[v] if v is not None else -2 for v in sources], dtype=np.int64),
    )


def _similar_one_by_one(
    model: Recommender,
    sources: npt.NDArray[np.object_],
    event_ids: npt.NDArray[np.object_],
    n: int,
    production_codes: IntArray,
    source_codes: IntArray,
) -> Iterator[dict[str, CandidateList]]:
    candidates = [str(e) for e in event_ids.tolist()]
    production_of = dict(zip(candidates, production_codes.tolist(), strict=True))
    lists: dict[str, CandidateList] = {}
    for source, code in zip(sources.tolist(), source_codes.tolist(), strict=True):
        if source not in model.events_:
            continue
        found = [r for r in model.similar(source, n + 50, candidates=candidates) if production_of[r.event_id] != code]
        if found:
            chosen = found[:n]
            scores = np.asarray([[r.score] for r in chosen], dtype=np.float32)
            lists[source] = CandidateList(tuple(r.event_id for r in chosen), scores)
        if len(lists) >= 1000:
            yield lists
            lists = {}
    if lists:
        yield lists


# -- popular lists ----------------------------------------------------------------------------------


def popular_lists(cards: Sequence[EventCard], scores: npt.NDArray[np.float64], *, n: int) -> dict[str, CandidateList]:
    """The ``n`` most popular events overall, per region and per event type.

    Parameters
    ----------
    cards : sequence of EventCard
        The open events.
    scores : ndarray of float64
        Their popularity (aligned with ``cards``).
    n : int
        Events per list.

    Returns
    -------
    dict of str to CandidateList
        Keyed by scope (:data:`~recsys.cache.protocol.POPULAR_ALL`, ``region:<code>``, ``type:<type_id>``).

    """
    values = np.nan_to_num(np.asarray(scores, dtype=np.float64), nan=0.0)
    order = np.lexsort((np.arange(len(values)), -values))  # most popular first, ties in card order
    groups: dict[str, list[int]] = {POPULAR_ALL: []}
    for i in order.tolist():
        card = cards[i]
        for scope in (
            POPULAR_ALL,
            region_scope(card.region) if card.region else None,
            type_scope(card.type_id) if card.type_id else None,
        ):
            if scope is not None:
                members = groups.setdefault(scope, [])
                if len(members) < n:
                    members.append(i)
    return {
        scope: CandidateList(tuple(cards[i].event_id for i in members), values[members].astype(np.float32)[:, None])
        for scope, members in groups.items()
        if members
    }

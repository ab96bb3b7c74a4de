"""Assemble :class:`recsys.models.data.TrainingData`: matrix, vocabularies, event side and recency."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from features.content import ContentEncoder
from features.event_side import build_event_side
from features.interactions import InteractionWeighting, build_interaction_matrix
from features.tables import MISSING_TIME, require_columns
from recsys.models.data import TrainingData
from recsys.stores.batches import InteractionArrays
from recsys.vocabulary import IdVocabulary


def build_training_data(
    events: pa.Table,
    arrays: InteractionArrays,
    *,
    weighting: InteractionWeighting,
    reference_time_us: int,
    encoder: ContentEncoder | None,
    until_us: int | None = None,
    include_all_events: bool = True,
) -> TrainingData:
    """Build everything a model learns from, in one consistent set of vocabularies.

    Parameters
    ----------
    events : pyarrow.Table
        The flat events table (``Catalogue.events_table()``).
    arrays : InteractionArrays
        The interaction log's export (``InteractionLog.export_arrays()``).
    weighting : InteractionWeighting
        How interactions become weights.
    reference_time_us : int
        The training "now" (decay, trending), microseconds since the epoch.
    encoder : ContentEncoder or None
        A fitted content encoder, or ``None`` for no content matrix.
    until_us : int, optional
        Ignore interactions at or after this time (temporal split).
    include_all_events : bool
        Give every event of ``events`` a column, also those nobody interacted
        with (cold events: an empty column, but content and side
        information), besides the events with interactions. When False, only
        events with interactions before ``until_us`` get a column.

    Returns
    -------
    TrainingData
        Users are those with an interaction before ``until_us``; events are
        sorted ids; ``last_seen_us`` holds, per event, the time of its latest
        interaction of a positively weighted kind before ``until_us`` (``-1``
        when none): impressions are the system's doing and dismissals are
        not interest, so neither makes an event trend. ``interaction_time_us``
        holds, per stored matrix entry, the time of the latest interaction
        that contributed to that cell.

    """
    require_columns(events, ("event_id",))
    keep = None if until_us is None else np.asarray(arrays.timestamps_us) < int(until_us)
    interacted = _interacted_event_ids(arrays, keep)
    ids = pa.concat_arrays([interacted, events.column("event_id").combine_chunks().cast(pa.string())])
    event_vocabulary = IdVocabulary.from_values(ids if include_all_events else interacted, "event")
    built = build_interaction_matrix(
        arrays,
        weighting,
        reference_time_us=reference_time_us,
        events=event_vocabulary,
        until_us=until_us,
        with_times=True,
    )
    side = build_event_side(events, event_vocabulary, encoder)
    return TrainingData(
        users=built.users,
        events=event_vocabulary,
        matrix=built.matrix,
        reference_time_us=int(reference_time_us),
        event_side=side,
        last_seen_us=_last_seen(arrays, weighting, keep, event_vocabulary),
        interaction_time_us=built.times_us,
    )


def _interacted_event_ids(arrays: InteractionArrays, keep: npt.NDArray[np.bool_] | None) -> pa.StringArray:
    codes = arrays.event_codes if keep is None else arrays.event_codes[keep]
    used = np.bincount(codes, minlength=len(arrays.event_ids)) > 0 if len(arrays.event_ids) else np.zeros(0, bool)
    return pa.array(arrays.event_ids[used], pa.string())


def _last_seen(
    arrays: InteractionArrays,
    weighting: InteractionWeighting,
    keep: npt.NDArray[np.bool_] | None,
    vocabulary: IdVocabulary,
) -> npt.NDArray[np.int64]:
    positive = weighting.kind_table()[np.asarray(arrays.kinds)] > 0.0
    if keep is not None:
        positive &= keep
    # Latest time per code of the arrays' own (small) vocabulary, then moved to ``vocabulary``.
    latest = np.full(len(arrays.event_ids), MISSING_TIME, dtype=np.int64)
    np.maximum.at(latest, arrays.event_codes[positive], np.asarray(arrays.timestamps_us)[positive])
    out = np.full(len(vocabulary), MISSING_TIME, dtype=np.int64)
    if len(arrays.event_ids):
        position = vocabulary.indices_of(pa.array(arrays.event_ids, pa.string()))
        inside = position >= 0
        out[position[inside]] = latest[inside]
    return out

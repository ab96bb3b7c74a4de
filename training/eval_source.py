"""Where an evaluation's data comes from: a data folder's stores, or any interactions file.

An :class:`EvaluationSource` holds the interactions plus whatever is known
about items and users, in a form that does not depend on the origin:

- ``items``: a table ``item_id``, ``labels`` (list of strings: disciplines,
  genres; for intra-list diversity), ``group`` (organiser; for exposure
  concentration);
- ``users``: a table ``user_id`` plus one string column per segment kind
  (``age_band``, ``region``) for the per-segment breakdown;
- ``events``: the catalogue, when there is one: it turns the ``temporal``
  protocol into the future-event split and lets the content and hybrid
  models fit.

:func:`item_side` and :func:`user_segments` align these tables with a hold-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from features.regions import REGIONS, region_codes
from recsys.domain.errors import InvalidFieldError
from recsys.evaluation.holdout import ObjectArray, positions_in
from recsys.evaluation.ranking import ItemSide
from recsys.evaluation.sources import FileColumns, read_interaction_file
from recsys.stores.batches import InteractionArrays
from recsys.stores.workspace import Workspace


@dataclass(frozen=True, slots=True)
class EvaluationSource:
    """Interactions and side tables of one evaluation (see the module docstring).

    Parameters
    ----------
    description : str
        Where the data came from, for reports.
    arrays : InteractionArrays
        The interaction log.
    has_time : bool
        Whether interactions carry real times.
    relevant_rows : ndarray of bool or None
        Rows that count as relevant in a test part; ``None`` = the default rule
        (a click or stronger, ratings of at least 4).
    events : pyarrow.Table or None
        The catalogue (``Catalogue.events_table()``).
    items : pyarrow.Table or None
        ``item_id``, ``labels``, ``group``.
    users : pyarrow.Table or None
        ``user_id`` plus segment columns.
    weights_are_values : bool
        Whether interaction values are weights to learn from (a file's weight column).

    """

    description: str
    arrays: InteractionArrays
    has_time: bool
    relevant_rows: npt.NDArray[np.bool_] | None = None
    events: pa.Table | None = None
    items: pa.Table | None = None
    users: pa.Table | None = None
    weights_are_values: bool = False


def from_workspace(workspace: Workspace) -> EvaluationSource:
    """Read a data folder: interactions, the catalogue, disciplines and organisers, user segments."""
    events = workspace.catalogue.events_table()
    users = workspace.catalogue.users_table()
    arrays = workspace.interactions.export_arrays()
    return EvaluationSource(
        description=f"data folder {workspace.path}",
        arrays=arrays,
        has_time=True,
        events=events,
        items=items_from_events(events),
        users=segments_from_users(users),
    )


def from_folder(path: Path) -> EvaluationSource:
    """Read the data folder at ``path`` (see :func:`from_workspace`) without creating one.

    Raises
    ------
    InvalidFieldError
        ``data_dir``: no such folder, or it holds no interactions.

    """
    if not path.is_dir():
        raise InvalidFieldError("data_dir", f"no data folder at {path}; run `recsys generate` or `recsys import` first")
    with Workspace(path) as workspace:
        source = from_workspace(workspace)
    if len(source.arrays) == 0:
        raise InvalidFieldError("data_dir", f"the data folder {path} holds no interactions")
    return source


def from_file(
    path: Path,
    columns: FileColumns,
    *,
    sep: str = ",",
    header: bool = True,
    min_weight: float | None = None,
) -> EvaluationSource:
    """Read any interactions file (see :func:`recsys.evaluation.sources.read_interaction_file`).

    Every interaction left after ``min_weight`` counts as relevant in a test part.
    """
    read = read_interaction_file(path, columns, sep=sep, header=header, min_weight=min_weight)
    kept = f", {read.rows_below_min_weight:,} below --min-weight dropped" if read.rows_below_min_weight else ""
    return EvaluationSource(
        description=f"{path} ({read.rows_read:,} rows{kept})",
        arrays=read.arrays,
        has_time=read.has_time,
        relevant_rows=np.ones(len(read.arrays), dtype=bool),
        weights_are_values=columns.weight is not None,
    )


def items_from_events(events: pa.Table) -> pa.Table:
    """Labels (event type and theme) and group (organiser) per event of a catalogue table."""
    type_ids = events.column("type_id").to_pylist()
    theme_ids = events.column("theme_id").to_pylist()
    labels = [[v for v in (t, h) if v] for t, h in zip(type_ids, theme_ids, strict=True)]
    return pa.table(
        {
            "item_id": events.column("event_id"),
            "labels": pa.array(labels, pa.list_(pa.string())),
            "group": events.column("organizer_id"),
        }
    )


def segments_from_users(users: pa.Table) -> pa.Table:
    """Age band and home region (province code) per user of a users table."""
    codes = region_codes(users.column("home_postcode"), users.column("home_municipality"))
    names = np.asarray([*REGIONS, None], dtype=object)[np.where(codes >= 0, codes, len(REGIONS))]
    return pa.table(
        {
            "user_id": users.column("user_id"),
            "age_band": users.column("age_band"),
            "region": pa.array(names.tolist(), pa.string()),
        }
    )


def item_side(items: pa.Table | None, candidate_ids: ObjectArray) -> ItemSide:
    """Labels (candidates x labels, 0/1) and group codes aligned with ``candidate_ids``."""
    if items is None:
        return ItemSide()
    position = positions_in(np.asarray(items.column("item_id").to_pylist(), dtype=object), candidate_ids)
    inside = np.flatnonzero(position >= 0)
    labels_per_item = items.column("labels").to_pylist()
    vocabulary = sorted({label for i in inside for label in (labels_per_item[i] or [])})
    index = {label: j for j, label in enumerate(vocabulary)}
    rows, cols = [], []
    for i in inside:
        for label in labels_per_item[i] or []:
            rows.append(position[i])
            cols.append(index[label])
    labels = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(len(candidate_ids), max(len(vocabulary), 1))
    )
    labels.data[:] = 1.0
    group_text = items.column("group").combine_chunks()
    groups = np.full(len(candidate_ids), -1, dtype=np.int64)
    if group_text.null_count < len(group_text):
        encoded = pc.dictionary_encode(group_text)
        codes = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        groups[position[inside]] = codes[inside]
    return ItemSide(labels=labels if vocabulary else None, groups=groups if (groups >= 0).any() else None)


def user_segments(users: pa.Table | None, user_ids: ObjectArray) -> dict[str, ObjectArray]:
    """Segment labels per user of ``user_ids`` (``None`` where unknown), one array per segment column."""
    if users is None:
        return {}
    position = positions_in(user_ids, np.asarray(users.column("user_id").to_pylist(), dtype=object))
    out: dict[str, ObjectArray] = {}
    for name in users.column_names:
        if name == "user_id":
            continue
        values = np.asarray(users.column(name).to_pylist(), dtype=object)
        labels = np.full(len(user_ids), None, dtype=object)
        labels[position >= 0] = values[position[position >= 0]]
        if any(v is not None for v in labels):
            out[name] = labels
    return out

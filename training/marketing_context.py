"""The marketer tools' inputs from a data folder: data with regions, the active factor model, new events placed.

``recsys.marketing`` is pure library code over arrays; what it needs from
``features`` (the region of a postcode, the content of a brand-new event) is
put together here:

- :func:`load_context` reads the catalogue and the log into
  :class:`~recsys.marketing.data.MarketingData` with regions from
  :mod:`features.regions`, and binds the active artefact's factor model
  (hybrid, else ALS);
- :func:`place_new_events` gives events published after the model was trained
  a vector with the hybrid model's ``add_events``, from their content (the
  artefact's content encoder) and from what they share with known events
  (production, organiser, venue).

This module imports only ``recsys`` and ``features``, so the serving layer can
use it as it is (or from ``features`` if it moves there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from features.content import ContentEncoder
from features.event_side import align_rows, build_event_side
from features.regions import REGIONS, region_codes
from recsys.artifacts import Artifact, ArtifactError
from recsys.marketing.data import MarketingData, RegionScheme
from recsys.marketing.scoring import FactorModel, active_artifact, load_factor_model
from recsys.models.base import Recommender
from recsys.models.data import EventSide
from recsys.models.hybrid import HybridRecommender
from recsys.stores.workspace import Workspace
from recsys.vocabulary import IdVocabulary

#: Provinces of Belgium and the Brussels-Capital Region by postcode (ISO 3166-2:BE).
REGION_SCHEME = RegionScheme(names=tuple(REGIONS), codes=region_codes)
#: The EventSide code columns and the events-table column they encode.
_CODE_COLUMNS = (("organizer_idx", "organizer_id"), ("venue_idx", "location_id"), ("production_idx", "production_id"))


@dataclass(frozen=True, eq=False)
class MarketingContext:
    """Everything a marketer command needs.

    Parameters
    ----------
    data : MarketingData
        Users, events and interactions with regions.
    events_table : pyarrow.Table
        The catalogue's events (for placing new events).
    model : FactorModel or None
        The active factor model bound to ``data`` (None when none is trained, or not asked for).
    recommender : Recommender or None
        The model itself.
    artifact : Artifact or None
        The artefact it came from.

    """

    data: MarketingData
    events_table: pa.Table
    model: FactorModel | None = None
    recommender: Recommender | None = None
    artifact: Artifact | None = None


def load_context(
    workspace: Workspace,
    *,
    as_of: dt.datetime | None = None,
    with_model: bool = True,
    artifact_name: str | None = None,
) -> MarketingContext:
    """Read the data folder and bind the active factor model.

    Parameters
    ----------
    workspace : Workspace
        The data folder.
    as_of : datetime, optional
        The moment to look from (default now).
    with_model : bool
        Load the active model; when none is active the context has no model.
    artifact_name : str, optional
        The artefact (default: the only active one, else ``default``).

    """
    events_table = workspace.catalogue.events_table()
    data = MarketingData.from_tables(
        workspace.catalogue.users_table(),
        events_table,
        workspace.interactions.export_arrays(),
        as_of=as_of,
        regions=REGION_SCHEME,
    )
    if not with_model:
        return MarketingContext(data, events_table)
    try:
        artifact = active_artifact(workspace.artifacts_dir, artifact_name)
    except ArtifactError:
        if artifact_name is not None:
            raise
        return MarketingContext(data, events_table)
    model, recommender = load_factor_model(artifact, data)
    return MarketingContext(data, events_table, model, recommender, artifact)


def place_new_events(context: MarketingContext, event_ids: Sequence[str]) -> MarketingContext:
    """Give events the model does not know a vector from their content (hybrid model only).

    Returns the context unchanged when every event is known, or when the
    model is not a hybrid or its artefact has no content encoder (the
    audience then says the event cannot be scored).
    """
    model = context.recommender
    if not isinstance(model, HybridRecommender) or context.artifact is None or context.model is None:
        return context
    new = [e for e in dict.fromkeys(event_ids) if e not in model.events_]
    if not new:
        return context
    try:
        encoder = ContentEncoder.load(context.artifact.component_path("encoder"))
    except ArtifactError:
        return context
    side = _side_for(context.events_table, model.events_, IdVocabulary(new, "event"), encoder)
    model.add_events(new, side)
    return dataclasses.replace(context, model=FactorModel.from_recommender(model, context.data, context.model.version))


def _side_for(table: pa.Table, known: IdVocabulary, new: IdVocabulary, encoder: ContentEncoder) -> EventSide:
    """EventSide of ``new`` events with organiser, venue and production codes as the model learned them.

    Codes are positions among the distinct ids of the events table the model
    was fitted on, so they are taken from known events with the same id
    (``-1`` for an organiser, venue or production the model never saw); a
    side built over a larger table would shift them.
    """
    side = build_event_side(table, new, encoder)
    reference = build_event_side(table, known, None)
    rows_known, positions_known = align_rows(table, known)
    rows_new, positions_new = align_rows(table, new)
    replaced: dict[str, npt.NDArray[np.int32]] = {}
    for field, column in _CODE_COLUMNS:
        learned = np.asarray(getattr(reference, field))[positions_known]
        ids_known = table.column(column).take(pa.array(rows_known)).to_pylist()
        lookup = {i: int(c) for i, c in zip(ids_known, learned.tolist(), strict=True) if i is not None and c >= 0}
        codes: npt.NDArray[np.int32] = np.full(len(new), -1, dtype=np.int32)
        ids_new = table.column(column).take(pa.array(rows_new)).to_pylist()
        codes[positions_new] = [lookup.get(i, -1) if i is not None else -1 for i in ids_new]
        replaced[field] = codes
    return EventSide(
        content=side.content,
        organizer_idx=replaced["organizer_idx"],
        venue_idx=replaced["venue_idx"],
        production_idx=replaced["production_idx"],
        region_idx=side.region_idx,
        municipality_idx=side.municipality_idx,
        discipline_idx=side.discipline_idx,
        start_us=side.start_us,
        lat=side.lat,
        lon=side.lon,
    )

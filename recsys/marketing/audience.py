"""Event audiences: the users most likely to be interested in an event or a production.

Item -> user scoring with the factor model: every user's score for an event
is ``user . item``; for a production (all its dates and venues) the best
score over its events. The *eligible* users are those who consented to
personalisation, are known to the model and have no ticket or check-in for
these events yet. The audience is the top ``top_share`` of the eligible users
by score (the cut-off is set over all eligible users, so that an audience
"within a segment" is the part of the segment that is among the most likely
people overall), optionally capped at ``limit``.

Marketers get counts: the audience's size, per home region and per saved
segment. A list of pseudonymous ids comes only when the caller says it may
(the API asks for an admin key) and never for an audience smaller than
``min_audience`` (default :data:`DEFAULT_MIN_AUDIENCE`): a list of a handful
of people is too close to identifying them.

A brand-new event (published after the model was trained) has no vector in
the model; the hybrid model can give it one from its content with
``HybridRecommender.add_events`` (``training.marketing_context`` does this)
before binding the model with :meth:`FactorModel.from_recommender`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.errors import InvalidFieldError, UnknownEntityError
from recsys.marketing.data import ATTENDANCE_KINDS, MarketingData
from recsys.marketing.errors import AudienceTooSmallError
from recsys.marketing.matching import Mask
from recsys.marketing.scoring import FactorModel

#: The smallest audience whose pseudonymous ids may be listed.
DEFAULT_MIN_AUDIENCE: Final = 50
#: Share of the eligible users that make up an audience by default.
DEFAULT_TOP_SHARE: Final = 0.05
#: Most ids one request may list.
MAX_IDS: Final = 100_000


@dataclass(frozen=True, slots=True)
class CountRow:
    """How many of the audience fall in one region or segment."""

    key: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class Audience:
    """Who is most likely to be interested in an event or a production.

    Parameters
    ----------
    event_ids : list of str
        The events scored (one, or a production's events the model knows).
    production_id : str or None
        The production, when the audience is for all of its events.
    model, model_version : str
        The scorer.
    eligible : int
        Consenting users known to the model without a ticket or check-in for these events.
    size : int
        Users in the audience.
    top_share : float
        Share of the eligible users the cut-off keeps.
    threshold : float or None
        The score at the cut-off (None when nobody is eligible).
    limit : int or None
        Cap on the size, when asked.
    segment : str or None
        The segment the audience was restricted to.
    segment_members : int or None
        Its eligible members.
    by_region : list of CountRow
        Audience per home region.
    by_segment : list of CountRow
        Audience per segment given.
    min_audience : int
        The privacy minimum for listing ids.
    user_ids : list of str or None
        Pseudonymous ids, best first; only when asked and allowed.
    as_of : str
        When the data was seen.

    """

    event_ids: list[str]
    production_id: str | None
    model: str
    model_version: str
    eligible: int
    size: int
    top_share: float
    threshold: float | None
    limit: int | None
    segment: str | None
    segment_members: int | None
    min_audience: int
    as_of: str
    by_region: list[CountRow] = field(default_factory=list)
    by_segment: list[CountRow] = field(default_factory=list)
    user_ids: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def resolve_events(data: MarketingData, event_id: str, *, production: bool = False) -> tuple[list[str], str | None]:
    """The events an audience is for: ``event_id`` alone, or with ``production`` all events of its production.

    ``event_id`` may also be a production id, which means all of its events.

    Raises
    ------
    UnknownEntityError
        When neither an event nor a production has that id.

    """
    events = data.events
    hits = np.flatnonzero(events.ids == event_id)
    if len(hits):
        production_id = str(events.production_id[hits[0]])
        if production and production_id:
            return [str(e) for e in events.ids[events.production_id == production_id]], production_id
        return [event_id], None
    stops = np.flatnonzero(events.production_id == event_id)
    if len(stops):
        return [str(e) for e in events.ids[stops]], event_id
    raise UnknownEntityError("event", event_id)


def event_audience(
    data: MarketingData,
    model: FactorModel,
    event_ids: Sequence[str],
    *,
    production_id: str | None = None,
    within: Mask | None = None,
    within_name: str | None = None,
    segments: Mapping[str, Mask] | None = None,
    top_share: float = DEFAULT_TOP_SHARE,
    limit: int | None = None,
    include_ids: bool = False,
    min_audience: int = DEFAULT_MIN_AUDIENCE,
) -> Audience:
    """The users most likely to be interested in ``event_ids``.

    Parameters
    ----------
    data : MarketingData
        Users, events and interactions.
    model : FactorModel
        The scorer, bound to ``data``.
    event_ids : sequence of str
        The event, or the events of a production (best score over them).
    production_id : str, optional
        Named in the result when the events are a production's.
    within : ndarray of bool, optional
        Restrict the audience to these users (a segment's members).
    within_name : str, optional
        The segment's name, for the result.
    segments : mapping of str to ndarray of bool, optional
        Segments to count the audience in.
    top_share : float
        Share of the eligible users in the audience, in (0, 1].
    limit : int, optional
        Keep at most this many (the best).
    include_ids : bool
        List the users' pseudonymous ids (the caller checked the right to).
    min_audience : int
        No ids for an audience smaller than this.

    Raises
    ------
    AudienceTooSmallError
        When ids are asked for an audience below ``min_audience``.
    InvalidFieldError
        For bad parameters, or events the model cannot score.

    """
    if not 0.0 < top_share <= 1.0:
        raise InvalidFieldError("top_share", f"must lie in (0, 1], got {top_share}")
    if limit is not None and limit < 1:
        raise InvalidFieldError("limit", f"must be at least 1, got {limit}")
    if min_audience < 1:
        raise InvalidFieldError("min_audience", f"must be at least 1, got {min_audience}")
    if within is not None and len(within) != data.n_users:
        raise InvalidFieldError("within", f"has {len(within)} entries for {data.n_users} users")
    rows, known_ids = _scorable_rows(data, model, event_ids)
    scores = model.max_user_scores(model.item_factors[model.event_rows[rows]], data)
    eligible = data.users.consent & ~np.isnan(scores) & ~_attended(data, rows)
    threshold: float | None = None
    audience = np.zeros(data.n_users, dtype=np.bool_)
    if eligible.any():
        threshold = float(np.quantile(scores[eligible], 1.0 - top_share, method="higher"))
        audience = eligible & (scores >= threshold)
    if within is not None:
        audience &= within
    if limit is not None and audience.sum() > limit:
        members = np.flatnonzero(audience)
        best = members[np.argsort(-scores[members], kind="stable")[:limit]]
        audience = np.zeros(data.n_users, dtype=np.bool_)
        audience[best] = True
    size = int(audience.sum())
    user_ids = None
    if include_ids:
        if size < min_audience:
            raise AudienceTooSmallError(size, min_audience)
        members = np.flatnonzero(audience)
        ranked = members[np.argsort(-scores[members], kind="stable")[:MAX_IDS]]
        user_ids = [str(u) for u in data.users.ids[ranked]]
    return Audience(
        event_ids=known_ids,
        production_id=production_id,
        model=model.name,
        model_version=model.version,
        eligible=int(eligible.sum()),
        size=size,
        top_share=top_share,
        threshold=threshold,
        limit=limit,
        segment=within_name,
        segment_members=None if within is None else int((within & eligible).sum()),
        min_audience=min_audience,
        as_of=data.as_of.isoformat(),
        by_region=_by_region(data, audience),
        by_segment=[
            CountRow(name, int((audience & mask).sum()), float((audience & mask).sum() / size) if size else 0.0)
            for name, mask in (segments or {}).items()
        ],
        user_ids=user_ids,
    )


def _scorable_rows(
    data: MarketingData, model: FactorModel, event_ids: Sequence[str]
) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Data rows of the events the model can score; refuse when it can score none of them."""
    if not event_ids:
        raise InvalidFieldError("event_ids", "give at least one event")
    found = pc.index_in(pa.array(list(event_ids), pa.string()), value_set=pa.array(data.events.ids, pa.string()))
    chosen = np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    if (chosen < 0).any():
        raise UnknownEntityError("event", str(event_ids[int(np.flatnonzero(chosen < 0)[0])]))
    ok = model.scorable_events()[chosen]
    if not ok.any():
        hint = (
            "it has no interactions, and ALS cannot rank such events; use the hybrid model"
            if model.name == "als" and (model.event_rows[chosen] >= 0).any()
            else "it was added after the model was trained; give it a vector with the hybrid model's add_events"
        )
        raise InvalidFieldError("event_id", f"{model.name} cannot score {', '.join(event_ids)}: {hint}")
    return chosen[ok], [str(e) for e in data.events.ids[chosen[ok]]]


def _attended(data: MarketingData, rows: npt.NDArray[np.int64]) -> Mask:
    """Users with a ticket or a check-in for one of the events at ``rows``."""
    interactions = data.interactions
    hit = np.isin(interactions.event, rows) & np.isin(interactions.kind, ATTENDANCE_KINDS)
    out = np.zeros(data.n_users, dtype=np.bool_)
    out[interactions.user[hit]] = True
    return out


def _by_region(data: MarketingData, audience: Mask) -> list[CountRow]:
    codes = data.users.region[audience]
    size = len(codes)
    if not size:
        return []
    values, counts = np.unique(codes, return_counts=True)
    order = np.lexsort((values, -counts))
    return [CountRow(data.region_name(int(values[i])), int(counts[i]), float(counts[i] / size)) for i in order]

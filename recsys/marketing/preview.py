"""What a segment gets recommended: the mix of disciplines, regions and organisers in its members' lists.

For a seeded sample of the members who consented to personalisation and are
known to the model, each member's top-``n`` is computed with the model's
factors over the events open now (minus what they already interacted with),
and the lists are summarised: the share of recommendations per discipline,
region and organiser, and the share that goes to *small organisers* --
organisers with at most :data:`SMALL_ORGANIZER_MAX_EVENTS` events in the
catalogue (local associations, libraries, municipal services: in the
synthetic season about 70% of organisers and a third of the events). The same
share over all open events is given beside it as the reference: a segment
whose lists fall well below it is served mostly by big institutions.

This is the candidate model's view (the hybrid's, usually): the learned
ranker and the serving re-rankers (dates, distance, diversity) are not
applied here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import InvalidFieldError
from recsys.domain.taxonomy import default_taxonomy
from recsys.marketing.data import MarketingData, ObjectArray
from recsys.marketing.scoring import FactorModel

#: Organisers with at most this many events in the catalogue count as small.
SMALL_ORGANIZER_MAX_EVENTS: Final = 5
#: Organisers listed by name in a preview (the rest are only counted).
TOP_ORGANIZERS: Final = 10
#: Users scored at once when computing lists (bounds the users x events block).
BLOCK: Final = 256


@dataclass(frozen=True, slots=True)
class MixEntry:
    """One row of a mix: a discipline, region or organiser and its share of the recommendations."""

    key: str
    label: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class SegmentPreview:
    """Summary of the lists a sample of a segment's members gets.

    Parameters
    ----------
    segment : str
        The segment's name.
    members : int
        Members in the data.
    eligible : int
        Members who consented and are known to the model.
    sampled : int
        Members whose lists were computed.
    list_size : int
        ``n`` per list.
    recommendations : int
        Recommendations summarised (sampled x n, fewer when few events are open).
    distinct_events, distinct_organizers : int
        How varied the lists are.
    disciplines, regions, organizers : list of MixEntry
        Shares of the recommendations (organisers: the :data:`TOP_ORGANIZERS` most frequent).
    small_organizer_share : float
        Share of recommendations for events of small organisers.
    open_small_organizer_share : float
        The same share over all open events the model can rank (the reference).
    small_organizer_max_events : int
        The threshold that defines a small organiser.
    open_events : int
        Events open now that the model can rank.
    model, model_version, as_of : str
        Where the lists come from.

    """

    segment: str
    members: int
    eligible: int
    sampled: int
    list_size: int
    recommendations: int
    distinct_events: int
    distinct_organizers: int
    small_organizer_share: float
    open_small_organizer_share: float
    small_organizer_max_events: int
    open_events: int
    model: str
    model_version: str
    as_of: str
    disciplines: list[MixEntry] = field(default_factory=list)
    regions: list[MixEntry] = field(default_factory=list)
    organizers: list[MixEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def top_n(
    model: FactorModel,
    user_rows: npt.NDArray[np.int64],
    candidates: npt.NDArray[np.int64],
    n: int,
) -> npt.NDArray[np.int64]:
    """Each model user's ``n`` best candidates (data event rows), ``-1`` padding when fewer are left.

    Parameters
    ----------
    model : FactorModel
        The scorer.
    user_rows : ndarray of int64
        Rows of ``model.user_factors``.
    candidates : ndarray of int64
        Data event rows the model can score.
    n : int
        List length.

    """
    out = np.full((len(user_rows), n), -1, dtype=np.int64)
    k = min(n, len(candidates))
    if k == 0:
        return out
    items = model.event_rows[candidates]
    item_factors = model.item_factors[items]
    for start in range(0, len(user_rows), BLOCK):
        rows = user_rows[start : start + BLOCK]
        scores = model.user_factors[rows] @ item_factors.T
        seen = model.seen[rows][:, items].tocoo()
        scores[seen.row, seen.col] = -np.inf  # never recommend what the user already interacted with
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
        best = np.take_along_axis(part, order, axis=1)
        chosen = candidates[best]
        chosen[~np.isfinite(np.take_along_axis(scores, best, axis=1))] = -1
        out[start : start + BLOCK, :k] = chosen
    return out


def preview_members(
    members: npt.NDArray[np.int64],
    data: MarketingData,
    model: FactorModel,
    *,
    segment: str = "",
    sample: int = 200,
    n: int = 10,
    seed: int = 0,
    small_organizer_max_events: int = SMALL_ORGANIZER_MAX_EVENTS,
) -> SegmentPreview:
    """Summarise the top-``n`` lists of a sample of ``members`` (rows of ``data``).

    Raises
    ------
    InvalidFieldError
        For a non-positive ``sample`` or ``n``.

    """
    if sample < 1:
        raise InvalidFieldError("sample", f"must be at least 1, got {sample}")
    if n < 1:
        raise InvalidFieldError("n", f"must be at least 1, got {n}")
    user_rows = model.rows_for(data)[members]
    eligible = members[(user_rows >= 0) & data.users.consent[members]]
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(eligible, size=min(sample, len(eligible)), replace=False))
    candidates = np.flatnonzero(data.events.is_open & model.scorable_events())
    lists = top_n(model, model.rows_for(data)[chosen], candidates, n)
    shown = lists[lists >= 0]
    events = data.events
    small = events.organizer_events <= small_organizer_max_events
    small &= events.organizer_id != ""
    total = len(shown)
    return SegmentPreview(
        segment=segment,
        members=len(members),
        eligible=len(eligible),
        sampled=len(chosen),
        list_size=n,
        recommendations=total,
        distinct_events=len(np.unique(shown)),
        distinct_organizers=len(set(events.organizer_id[shown].tolist()) - {""}),
        small_organizer_share=float(small[shown].mean()) if total else 0.0,
        open_small_organizer_share=float(small[candidates].mean()) if len(candidates) else 0.0,
        small_organizer_max_events=small_organizer_max_events,
        open_events=len(candidates),
        model=model.name,
        model_version=model.version,
        as_of=data.as_of.isoformat(),
        disciplines=mix(events.type_id[shown], _discipline_label),
        regions=mix(np.asarray([*data.region_names, "unknown"], dtype=object)[events.region[shown]], str),
        organizers=mix(events.organizer_id[shown], str, limit=TOP_ORGANIZERS),
    )


def mix(values: ObjectArray, label: Any, limit: int | None = None) -> list[MixEntry]:
    """Shares of each distinct value, most frequent first (``""`` is shown as ``unknown``)."""
    counts = Counter(str(v) or "unknown" for v in values.tolist())
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [MixEntry(key, label(key), count, count / total) for key, count in ranked]


def _discipline_label(type_id: str) -> str:
    return default_taxonomy().label(type_id, "nl") if type_id != "unknown" else type_id

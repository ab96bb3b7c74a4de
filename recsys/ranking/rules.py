"""From scored candidate cards to the final list: rules, re-ranking and explanations.

:func:`apply_rules` chains the pure steps of this package, in this order:

1. one entry per event id (the best score across sources wins; ties keep the
   first), excluded ids dropped;
2. eligibility (:mod:`~recsys.ranking.eligibility`) and the request's filters
   (:mod:`~recsys.ranking.filters`), each event with the date it is shown with
   (:func:`~recsys.ranking.dates.slot_for`);
3. distances (from the request's ``lat``/``lon``, else ``origin``) and the radius;
4. scores min-max normalised and small organisers boosted (:mod:`~recsys.ranking.exposure`);
5. one item per production (:func:`~recsys.ranking.dates.one_per_production`);
6. relevance order, then MMR over disciplines and organisers for the first
   ``n`` (:mod:`~recsys.ranking.diversity`);
7. the exploration share swapped in (:mod:`~recsys.ranking.exploration`);
8. reason codes and, when asked, a text per item (:mod:`~recsys.ranking.explain`).

No I/O and no clock: ``now`` and ``seed`` come from the caller, so the same
arguments always give the same list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from recsys.cache.cards import BOOKING_AVAILABLE, STATUS_AVAILABLE, EventCard, Occurrence
from recsys.ranking.dates import DateWindow, Slot, one_per_production, slot_for
from recsys.ranking.diversity import mmr_order, normalise
from recsys.ranking.explain import Explainer
from recsys.ranking.exploration import explore
from recsys.ranking.exposure import EXPOSURE_BOOST, boost
from recsys.ranking.filters import CardFilter, distances_km
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.times import to_us

#: Sources a candidate can come from.
SOURCES = ("personal", "similar", "regional-popular", "popular", "fresh")


@dataclass(frozen=True, slots=True)
class ScoredCard:
    """A candidate event with its score, as the ranker (or a base model) hands it over.

    Parameters
    ----------
    card : EventCard
        The event.
    score : float
        Higher is better (NaN counts as the lowest score).
    source : str
        ``personal``, ``similar``, ``regional-popular``, ``popular`` or ``fresh``.
    because_of : str or None
        Id of the history event that led to this candidate.
    because_of_title : mapping of str to str or None
        That event's title per language (for "Because you viewed ...").

    """

    card: EventCard
    score: float
    source: str
    because_of: str | None = None
    because_of_title: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RankedItem:
    """One item of the final list.

    Parameters
    ----------
    card : EventCard
        The event.
    score : float
        The candidate's score as given (the list order also reflects
        diversity, exposure and exploration).
    source : str
        Where the candidate came from.
    occurrence : Occurrence or None
        The date to show; None for a running offer without dates.
    distance_km : float or None
        From the request's location, else from ``origin``; None when neither
        is known or the card has no coordinates.
    explanation : str or None
        Short text in the request's language; None when ``request.explain`` is False.
    reasons : tuple of str
        Reason codes (:data:`recsys.ranking.explain.REASONS`).

    """

    card: EventCard
    score: float
    source: str
    occurrence: Occurrence | None
    distance_km: float | None
    explanation: str | None
    reasons: tuple[str, ...]


@dataclass(slots=True)
class _Candidate:
    """Working state of one candidate while the rules run."""

    item: ScoredCard
    card: EventCard
    score: float
    slot: Slot
    distance_km: float | None = None
    rank_score: float = 0.0


def apply_rules(
    items: Sequence[ScoredCard],
    request: RecommendationRequest,
    now: dt.datetime,
    *,
    origin: tuple[float, float] | None = None,
    exclude: Collection[str] = (),
    seed: int = 0,
    exposure_boost: float = EXPOSURE_BOOST,
) -> list[RankedItem]:
    """Turn scored candidates into the final list for ``request``.

    Parameters
    ----------
    items : sequence of ScoredCard
        Candidates from every source; an event may appear more than once.
    request : RecommendationRequest
        Filters and knobs (``n``, ``lang``, ``diversity``, ``exploration``, ``explain``, ...).
    now : datetime
        The request's instant (aware); decides what is still to come and "today".
    origin : tuple of (float, float), optional
        ``(lat, lon)`` distances are measured from when the request has no
        location (the user's home, say); never a filter.
    exclude : collection of str
        Event ids never to return (seen, booked, dismissed).
    seed : int
        Seed of the exploration draw (derive it with
        :func:`recsys.ranking.exploration.exploration_seed`).
    exposure_boost : float
        β of the small-organiser boost (:mod:`recsys.ranking.exposure`); 0 disables it.

    Returns
    -------
    list of RankedItem
        At most ``request.n`` items, distinct event ids and productions, each
        eligible at ``now`` and passing every filter.

    Raises
    ------
    ValueError
        When ``now`` is naive or ``exposure_boost`` is negative.

    """
    if exposure_boost < 0.0:
        raise ValueError(f"exposure_boost must be >= 0, got {exposure_boost}")
    now_us = to_us(now)
    excluded = exclude if isinstance(exclude, (set, frozenset)) else frozenset(exclude)

    # One entry per event id: (comparable score, item); a later duplicate wins only with a higher score.
    best: dict[str, tuple[float, ScoredCard]] = {}
    for item in items:
        event_id = item.card.event_id
        if event_id in excluded:
            continue
        score = item.score
        if score != score:  # NaN (inlined math.isnan: this loop runs over every candidate)
            score = -math.inf
        held = best.get(event_id)
        if held is None or score > held[0]:
            best[event_id] = (score, item)

    admits = CardFilter.from_request(request).admits
    window = DateWindow.between(request.date_from, request.date_to)
    pool: list[_Candidate] = []
    for score, item in best.values():
        card = item.card
        # event_is_open inlined: this loop runs over every candidate of every request.
        if card.status != STATUS_AVAILABLE or card.booking != BOOKING_AVAILABLE or not admits(card):
            continue
        slot = slot_for(card, now_us, window)
        if slot is not None:
            pool.append(_Candidate(item, card, score, slot))

    point = (request.lat, request.lon) if request.lat is not None and request.lon is not None else origin
    if point is not None and pool:
        for candidate, distance in zip(pool, distances_km([c.card for c in pool], *point), strict=True):
            candidate.distance_km = None if math.isnan(distance) else distance
        radius = request.radius_km
        if radius is not None:
            pool = [c for c in pool if c.distance_km is not None and c.distance_km <= radius]
    if not pool:
        return []

    for candidate, normalised in zip(pool, normalise([c.score for c in pool]), strict=True):
        candidate.rank_score = boost(normalised, candidate.card.small_organizer, exposure_boost)
    pool = one_per_production(pool)
    pool.sort(key=lambda c: -c.rank_score)  # stable: equal scores keep the input order

    relevance = normalise([c.rank_score for c in pool])
    types = [c.card.type_id for c in pool]
    order = mmr_order(relevance, types, [c.card.organizer_id for c in pool], request.diversity, request.n)
    explored: frozenset[int] = frozenset()
    if request.exploration > 0.0 and len(pool) > len(order):
        picked = set(order)
        rest = [i for i in range(len(pool)) if i not in picked]
        order, explored = explore(order, rest, relevance=relevance, types=types, share=request.exploration, seed=seed)

    explainer = Explainer(request.lang, now_us)
    result: list[RankedItem] = []
    for index in order:
        candidate = pool[index]
        item, card, slot = candidate.item, candidate.card, candidate.slot
        reasons = explainer.reasons(
            card,
            source=item.source,
            because_of=item.because_of is not None,
            start_us=slot.start_us,
            running=slot.occurrence is None,
            distance_km=candidate.distance_km,
            exploration=index in explored,
            boosted=card.small_organizer and exposure_boost > 0.0,
        )
        text = (
            explainer.text(reasons, card, because_of_title=item.because_of_title, distance_km=candidate.distance_km)
            if request.explain
            else None
        )
        result.append(RankedItem(card, item.score, item.source, slot.occurrence, candidate.distance_km, text, reasons))
    return result

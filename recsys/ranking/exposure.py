"""Exposure for small organisers: a bounded, relevance-proportional boost.

Large venues fill most lists on relevance alone, because they have more
events and more interactions. Events of small organisers (``small_organizer``
on the card) get

    r' = r · (1 + β)

on the relevance ``r`` min-max normalised to [0, 1] over the request's
candidates, with β = :data:`EXPOSURE_BOOST` by default. Why this form:

- bounded: a small organiser's event moves above another event only when the
  other's normalised relevance is below ``r · (1 + β)``, i.e. the gap is less
  than ``β · r <= β``; it never jumps over a clearly better event;
- proportional: the boost grows with the event's own relevance, so an
  irrelevant event (r near 0) gains nothing and only small organisers' events
  that already fit the visitor reach the list;
- monotone: among small organisers' events, and among the others, the order
  is unchanged.
"""

from __future__ import annotations

from typing import Final

#: Default β: a small organiser's event may overtake events at most 10 % more relevant.
EXPOSURE_BOOST: Final = 0.1


def boost(relevance: float, small_organizer: bool, weight: float = EXPOSURE_BOOST) -> float:
    """The relevance after the exposure boost.

    Parameters
    ----------
    relevance : float
        Normalised relevance in [0, 1].
    small_organizer : bool
        Whether the event's organiser is small.
    weight : float
        β >= 0 (0 disables the boost).

    Returns
    -------
    float
        ``relevance * (1 + weight)`` for small organisers, else ``relevance``.

    Raises
    ------
    ValueError
        When ``weight`` is negative (that would penalise small organisers).

    """
    if weight < 0.0:
        raise ValueError(f"the exposure weight must be >= 0, got {weight}")
    return relevance * (1.0 + weight) if small_organizer else relevance

"""The hidden truth behind a synthetic season, for tests and for checking what a model learnt.

Rows of the user arrays follow the season's users table; rows of the event
arrays follow its event list. :meth:`GroundTruth.intent` is the part of the
behavioural score that belongs to the pair (taste, style, quality,
loyalty), before time and place come in; the behavioural model uses the
same function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsys.synthetic.catalogue import EventArrays
from recsys.synthetic.config import BehaviourParams
from recsys.synthetic.disciplines import DISCIPLINES
from recsys.synthetic.population import Population


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """Hidden user traits and event properties.

    Parameters
    ----------
    disciplines : tuple of str
        Event type id of each column of ``user_taste``.
    user_taste : ndarray of float32
        Preference over disciplines, rows sum to 1, shape ``(n_users, n_disciplines)``.
    user_latent : ndarray of float32
        Style vectors ``u``, shape ``(n_users, LATENT_DIM)``.
    user_activity : ndarray of float32
        Expected browsing sessions per week.
    user_has_kids : ndarray of bool
        Has children of 14 or younger.
    user_favourite_organizers : ndarray of int32
        Index into the season's organiser list, ``-1`` for none, shape ``(n_users, 2)``.
    event_discipline : ndarray of int16
        Column of ``user_taste`` for each event.
    event_quality : ndarray of float32
        Latent quality (popularity), mean 1.
    event_latent : ndarray of float32
        Style vectors ``v`` (unit length), shape ``(n_events, LATENT_DIM)``.
    event_organizer, event_production : ndarray of int32
        Organiser index and production index (``-1`` standalone).
    params : BehaviourParams
        The behavioural constants.

    """

    disciplines: tuple[str, ...]
    user_taste: npt.NDArray[np.float32]
    user_latent: npt.NDArray[np.float32]
    user_activity: npt.NDArray[np.float32]
    user_has_kids: npt.NDArray[np.bool_]
    user_favourite_organizers: npt.NDArray[np.int32]
    event_discipline: npt.NDArray[np.int16]
    event_quality: npt.NDArray[np.float32]
    event_latent: npt.NDArray[np.float32]
    event_organizer: npt.NDArray[np.int32]
    event_production: npt.NDArray[np.int32]
    params: BehaviourParams

    @classmethod
    def from_parts(cls, population: Population, events: EventArrays, params: BehaviourParams) -> GroundTruth:
        """Collect the truth from the generated population and catalogue."""
        return cls(
            disciplines=tuple(d.type_id for d in DISCIPLINES),
            user_taste=population.taste,
            user_latent=population.latent,
            user_activity=population.activity,
            user_has_kids=population.has_kids,
            user_favourite_organizers=population.favourites,
            event_discipline=events.discipline,
            event_quality=events.quality,
            event_latent=events.latent,
            event_organizer=events.organizer,
            event_production=events.production,
            params=params,
        )

    def is_favourite(self, users: npt.NDArray[np.int64], events: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether each event's organiser is one of its user's favourites."""
        org = self.event_organizer[events]
        fav = self.user_favourite_organizers
        return np.asarray((fav[users, 0] == org) | (fav[users, 1] == org))

    def intent(self, users: npt.NDArray[np.int64], events: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """How much each user would like each event, leaving time and place aside (log scale).

        ``log(D * taste[u, d(e)]) + w_latent * u . v + p_q * log q + log(boost) * favourite``

        Parameters
        ----------
        users, events : ndarray of int64
            Aligned pairs of user and event rows.

        """
        p = self.params
        n_disc = self.user_taste.shape[1]
        score = np.log(n_disc * self.user_taste[users, self.event_discipline[events]])
        # Gather column by column: (pairs x LATENT_DIM) temporaries would double the memory.
        dot = np.zeros(len(users), dtype=np.float32)
        for j in range(self.user_latent.shape[1]):
            dot += self.user_latent[users, j] * self.event_latent[events, j]
        score += p.latent_weight * dot
        score += p.quality_view_power * np.log(self.event_quality[events])
        score += np.float32(np.log(p.favourite_boost)) * self.is_favourite(users, events)
        return np.asarray(score, dtype=np.float32)

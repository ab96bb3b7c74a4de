"""Hidden properties of events: latent quality (popularity) and a latent style vector.

Both are ground truth that a recommender should recover from behaviour:

- quality ``q`` is log-normal, shared by all dates of a production, and
  higher at organisers that programme more; it drives exposure and views;
- the style vector ``v`` (unit length, :data:`LATENT_DIM` dimensions) mixes
  an embedding of the theme (or of the discipline when there is no theme),
  one of the organiser and one of the production, so events of one theme,
  organiser or production look alike to users whose own vector ``u``
  points the same way (the ``u . v`` term of the model).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

LATENT_DIM = 8
QUALITY_SIGMA = 0.6
# Weights of the theme, organiser and production (or own) parts of the style vector.
_THEME_W, _ORG_W, _OWN_W = 0.8, 0.45, 0.4


def event_quality(
    rng: np.random.Generator,
    production: npt.NDArray[np.int32],
    organizer_size: npt.NDArray[np.float64],
) -> npt.NDArray[np.float32]:
    """Latent quality per event, mean 1.

    Parameters
    ----------
    rng : Generator
        Random stream.
    production : ndarray of int32
        Production per event (``-1`` for standalone events).
    organizer_size : ndarray
        Number of events of each event's organiser.

    """
    n = len(production)
    own = rng.normal(0.0, 1.0, n)
    n_prod = int(production.max(initial=-1)) + 1
    shared = rng.normal(0.0, 1.0, max(1, n_prod))
    z = np.where(production >= 0, shared[np.maximum(production, 0)], own)
    log_q = QUALITY_SIGMA * z + 0.25 * np.log(organizer_size / np.median(organizer_size))
    q = np.exp(log_q)
    return np.asarray(q / q.mean(), dtype=np.float32)


def event_latent(
    rng: np.random.Generator,
    topic: npt.NDArray[np.int64],
    organizer: npt.NDArray[np.int32],
    production: npt.NDArray[np.int32],
    n_topics: int,
    n_organizers: int,
) -> npt.NDArray[np.float32]:
    """Unit style vectors per event, shape ``(n_events, LATENT_DIM)``.

    Parameters
    ----------
    rng : Generator
        Random stream.
    topic : ndarray of int64
        Theme index, or the discipline's own topic for events without theme.
    organizer, production : ndarray of int32
        Organiser and production (``-1`` standalone) per event.
    n_topics, n_organizers : int
        Number of topics and organisers.

    """
    n = len(topic)
    topics = rng.normal(0.0, 1.0, (n_topics, LATENT_DIM))
    orgs = rng.normal(0.0, 1.0, (n_organizers, LATENT_DIM))
    n_prod = int(production.max(initial=-1)) + 1
    prods = rng.normal(0.0, 1.0, (max(1, n_prod), LATENT_DIM))
    own = rng.normal(0.0, 1.0, (n, LATENT_DIM))
    part = np.where((production >= 0)[:, None], prods[np.maximum(production, 0)], own)
    v = _THEME_W * topics[topic] + _ORG_W * orgs[organizer] + _OWN_W * part
    return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True), dtype=np.float32)

"""Hyperparameter search spaces per model, for ``recsys tune``.

A space is a function from an Optuna trial to a dict of parameters. Keys are
the model's ``__init__`` parameters; keys starting with ``weighting.`` are
parameters of :class:`features.interactions.InteractionWeighting` (how
interactions become the matrix: BM25 for ALS, as ``implicit``'s examples
do). Every space contains the model's default values, which
:func:`default_point` returns so the search can start from them: the tuned
result is then never worse on validation than the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import optuna

SearchSpace = Callable[[optuna.Trial], dict[str, Any]]
WEIGHTING_PREFIX: Final = "weighting."


def _bm25(trial: optuna.Trial) -> dict[str, Any]:
    scheme = trial.suggest_categorical("weighting.weighting", ["none", "bm25"])
    if scheme != "bm25":
        return {"weighting.weighting": scheme}
    return {
        "weighting.weighting": scheme,
        "weighting.bm25_k1": trial.suggest_float("weighting.bm25_k1", 1.0, 200.0, log=True),
        "weighting.bm25_b": trial.suggest_float("weighting.bm25_b", 0.0, 1.0),
    }


def _als_core(trial: optuna.Trial) -> dict[str, Any]:
    """Factors, L2, confidence scale and sweeps: what every ALS-based model tunes (ALS, session ALS, hybrid)."""
    return {
        "factors": trial.suggest_int("factors", 8, 256, log=True),
        "regularization": trial.suggest_float("regularization", 1e-3, 300.0, log=True),
        "alpha": trial.suggest_float("alpha", 0.1, 100.0, log=True),
        "iterations": trial.suggest_int("iterations", 5, 30),
    }


def als_space(trial: optuna.Trial) -> dict[str, Any]:
    """Factors, L2, confidence scale and sweeps of implicit ALS, and the item weighting."""
    return {
        **_als_core(trial),
        **_bm25(trial),
    }


def bpr_space(trial: optuna.Trial) -> dict[str, Any]:
    """Factors, step size, L2 and epochs of BPR."""
    return {
        "factors": trial.suggest_int("factors", 8, 256, log=True),
        "learning_rate": trial.suggest_float("learning_rate", 1e-3, 0.2, log=True),
        "regularization": trial.suggest_float("regularization", 1e-4, 0.1, log=True),
        "iterations": trial.suggest_int("iterations", 20, 300, log=True),
    }


def item_knn_space(trial: optuna.Trial) -> dict[str, Any]:
    """Neighbourhood size and similarity of item-kNN."""
    similarity = trial.suggest_categorical("similarity", ["cosine", "bm25"])
    params: dict[str, Any] = {"k": trial.suggest_int("k", 5, 500, log=True), "similarity": similarity}
    if similarity == "bm25":
        params["bm25_k1"] = trial.suggest_float("bm25_k1", 0.1, 10.0, log=True)
        params["bm25_b"] = trial.suggest_float("bm25_b", 0.0, 1.0)
    return params


def ease_space(trial: optuna.Trial) -> dict[str, Any]:
    """The ridge penalty of EASE."""
    return {"l2": trial.suggest_float("l2", 1.0, 10_000.0, log=True)}


def ease_time_space(trial: optuna.Trial) -> dict[str, Any]:
    """Ridge penalty, kernel weight and time scale of the time-aware EASE."""
    return {
        "l2": trial.suggest_float("l2", 10.0, 10_000.0, log=True),
        "time_weight": trial.suggest_float("time_weight", 0.0, 8.0),
        "time_scale_s": trial.suggest_float("time_scale_s", 10.0, 86_400.0, log=True),
    }


def als_session_space(trial: optuna.Trial) -> dict[str, Any]:
    """ALS's factors, L2, confidence scale and sweeps, plus the session rows' weight and pause."""
    return {
        **_als_core(trial),
        "session_weight": trial.suggest_float("session_weight", 0.0, 2.0),
        "session_gap_s": trial.suggest_float("session_gap_s", 10.0, 86_400.0, log=True),
    }


def rp3beta_space(trial: optuna.Trial) -> dict[str, Any]:
    """Walk exponent, popularity penalty and neighbourhood size of RP3beta."""
    return {
        "alpha": trial.suggest_float("alpha", 0.3, 1.5),
        "beta": trial.suggest_float("beta", 0.0, 1.0),
        "k": trial.suggest_int("k", 20, 500, log=True),
    }


def popularity_space(trial: optuna.Trial) -> dict[str, Any]:
    """The half-life of popularity's time decay."""
    return {"half_life_days": trial.suggest_float("half_life_days", 1.0, 3650.0, log=True)}


def trending_space(trial: optuna.Trial) -> dict[str, Any]:
    """Window, half-life and smoothing of trending."""
    return {
        "window_days": trial.suggest_float("window_days", 1.0, 60.0, log=True),
        "half_life_days": trial.suggest_float("half_life_days", 0.5, 60.0, log=True),
        "smoothing": trial.suggest_float("smoothing", 0.1, 100.0, log=True),
    }


def hybrid_space(trial: optuna.Trial) -> dict[str, Any]:
    """ALS parameters plus the cold-start blend of the hybrid model."""
    return {
        **_als_core(trial),
        "content_l2": trial.suggest_float("content_l2", 0.01, 100.0, log=True),
        "transfer_weight": trial.suggest_float("transfer_weight", 0.0, 1.0),
        "blend_count": trial.suggest_float("blend_count", 0.0, 50.0),
    }


#: Search space per registry name.
SEARCH_SPACES: Final[Mapping[str, SearchSpace]] = {
    "als": als_space,
    "bpr": bpr_space,
    "item-knn": item_knn_space,
    "ease": ease_space,
    "ease-time": ease_time_space,
    "als-session": als_session_space,
    "rp3beta": rp3beta_space,
    "popularity": popularity_space,
    "trending": trending_space,
    "hybrid": hybrid_space,
}

#: Parameters of the default point that the spaces do not sample as such.
_DEFAULT_WEIGHTING: Final = {"weighting.weighting": "none"}


def default_point(model: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The trial parameters that reproduce ``defaults`` (the model's parameters), for the first trial.

    Only parameters the space samples are kept, and only when their value is
    inside the space (a ``None`` half-life, for one, is not).
    """
    distributions = _distributions(model)
    point: dict[str, Any] = {}
    for name, distribution in distributions.items():
        value = _DEFAULT_WEIGHTING.get(name) if name.startswith(WEIGHTING_PREFIX) else defaults.get(name)
        if value is not None and _inside(distribution, value):
            point[name] = value
    return point


def _distributions(model: str) -> dict[str, optuna.distributions.BaseDistribution]:
    """Every distribution the space of ``model`` can sample (all branches of its choices)."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    found: dict[str, optuna.distributions.BaseDistribution] = {}
    for _ in range(16):  # enough draws to visit every branch of the small categorical choices
        trial = study.ask()
        SEARCH_SPACES[model](trial)
        found.update(trial.distributions)
        study.tell(trial, 0.0)
    return found


def _inside(distribution: optuna.distributions.BaseDistribution, value: Any) -> bool:
    if isinstance(distribution, optuna.distributions.CategoricalDistribution):
        return value in distribution.choices
    if isinstance(distribution, optuna.distributions.IntDistribution | optuna.distributions.FloatDistribution):
        return isinstance(value, int | float) and distribution.low <= value <= distribution.high
    return False

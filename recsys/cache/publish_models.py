"""Which models of an artefact a publish uses, and for what.

- the **base** model orders each user's candidates (score column 0): the
  base model of the learned ranker when the artefact has one, else the
  hybrid, else the best model of the hold-out evaluation;
- one more score column per model the learned ranker takes scores from
  (``score_<key>`` ranking features), so the server can build the ranker's
  rows from the cached lists without scoring those models again;
- the **similar** model (hybrid, else content, ALS, BPR, any that supports it);
- the **popularity** model (popularity, else trending) for the popular lists.

The ranker's inputs (``ranking/inputs.json`` and ``ranking/popularity.npz``)
are plain JSON and arrays, read here without the training package.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from recsys.artifacts import MODELS_DIR, Artifact, ArtifactError
from recsys.domain.errors import InvalidFieldError
from recsys.models.base import Recommender
from recsys.models.data import positive_part
from recsys.models.popularity import PopularityRecommender, TrendingRecommender

#: Registry names preferred for the similar-events lists, best first.
SIMILAR_PREFERENCE: Final = ("hybrid", "content", "als", "bpr")
#: Registry names preferred for the popular lists, best first.
POPULARITY_PREFERENCE: Final = ("popularity", "trending")
#: Registry name preferred as base when the artefact has no ranker.
BASE_PREFERENCE: Final = ("hybrid",)
#: Folder of the ranker's inputs in an artefact.
RANKING_COMPONENT: Final = "ranking"


def feature_key(registry_name: str) -> str:
    """The ranking-feature key of a registry name (``item-knn`` -> ``item_knn``)."""
    return registry_name.replace("-", "_")


@dataclass(frozen=True, slots=True)
class RankerInputs:
    """What the artefact's learned ranker was trained with (``ranking/`` of the artefact).

    Parameters
    ----------
    base : str
        The model whose candidates the ranker re-orders.
    candidates : int
        How many per user.
    score_models : dict of str to str
        Ranking-feature key (``als``) -> model name in the artefact.
    popularity : ndarray of float64
        The ``popularity`` the ranker's rows were built with, aligned with the artefact's events.

    """

    base: str
    candidates: int
    score_models: dict[str, str]
    popularity: npt.NDArray[np.float64]


def read_ranker_inputs(artifact: Artifact) -> RankerInputs | None:
    """The ranker's inputs of ``artifact``, or ``None`` when it has no ranker.

    Raises
    ------
    ArtifactError
        When the files are there but unreadable.

    """
    if RANKING_COMPONENT not in artifact.manifest["components"]:
        return None
    folder = artifact.component_path(RANKING_COMPONENT)
    try:
        params = json.loads((folder / "inputs.json").read_text(encoding="utf-8"))
        with np.load(folder / "popularity.npz", allow_pickle=False) as stored:
            popularity = np.asarray(stored["popularity"], dtype=np.float64)
        return RankerInputs(
            base=str(params["base"]),
            candidates=int(params["candidates"]),
            score_models={str(k): str(v) for k, v in dict(params["score_models"]).items()},
            popularity=popularity,
        )
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as exc:
        raise ArtifactError(folder, f"unreadable ranker inputs: {exc}") from exc


@dataclass(frozen=True, slots=True)
class PublishModels:
    """The models a publish uses (see the module docstring).

    Parameters
    ----------
    base_name : str
        The base model's name in the artefact.
    base : Recommender
        It: orders user candidates (score column 0).
    extra : mapping of str to Recommender
        Further score columns, by column name (a ranking-feature key), in column order.
    extra_names : mapping of str to str
        Column name -> the model's name in the artefact.
    similar_name, similar : str and Recommender, or None
        The model of the similar-events lists.
    popularity_name, popularity : str and Recommender, or None
        The model of the popular lists.
    ranker : RankerInputs or None
        The learned ranker's inputs, when the artefact has a ranker.

    """

    base_name: str
    base: Recommender
    extra: Mapping[str, Recommender] = field(default_factory=dict)
    extra_names: Mapping[str, str] = field(default_factory=dict)
    similar_name: str | None = None
    similar: Recommender | None = None
    popularity_name: str | None = None
    popularity: Recommender | None = None
    ranker: RankerInputs | None = None

    @property
    def score_columns(self) -> list[str]:
        """Names of the score columns of user candidates: the base's feature key, then the extra columns."""
        return [feature_key(self.base.name), *self.extra]

    @property
    def score_models(self) -> dict[str, str]:
        """Score column -> model name in the artefact."""
        return {feature_key(self.base.name): self.base_name, **self.extra_names}


@dataclass(frozen=True, slots=True)
class _Choice:
    base: str
    extra: dict[str, str]
    similar: str | None
    popularity: str | None


def _choose(
    registry_names: Mapping[str, str], ranker: RankerInputs | None, best: str | None, base: str | None
) -> _Choice:
    """Pick models by configured name from ``name -> registry name`` (training order)."""
    if not registry_names:
        raise InvalidFieldError("models", "there is no model to publish from")
    if base is not None and base not in registry_names:
        raise InvalidFieldError("base", f"no model {base!r}; there are {sorted(registry_names)}")

    def first_of(preference: tuple[str, ...]) -> str | None:
        for wanted in preference:
            for name, registry in registry_names.items():
                if registry == wanted:
                    return name
        return None

    personal = [n for n, r in registry_names.items() if r not in POPULARITY_PREFERENCE]
    chosen_base = (
        base
        or (ranker.base if ranker is not None and ranker.base in registry_names else None)
        or first_of(BASE_PREFERENCE)
        or (best if best in registry_names else None)
        or (personal[0] if personal else next(iter(registry_names)))
    )
    extra: dict[str, str] = {}
    if ranker is not None:
        own_key = feature_key(registry_names[chosen_base])
        for key, name in ranker.score_models.items():
            if key != own_key and key not in extra and name in registry_names:
                extra[key] = name
    similar_models = [n for n, r in registry_names.items() if _supports_similar(r)]
    similar = first_of(SIMILAR_PREFERENCE) or (similar_models[0] if similar_models else None)
    return _Choice(chosen_base, extra, similar, first_of(POPULARITY_PREFERENCE))


def _supports_similar(registry_name: str) -> bool:
    model_class = Recommender.registry.get(registry_name)
    return bool(model_class is not None and model_class.supports_similar)


def choose_models(
    models: Mapping[str, Recommender],
    *,
    ranker: RankerInputs | None = None,
    best: str | None = None,
    base: str | None = None,
) -> PublishModels:
    """Pick the models of a publish from fitted models (by configured name, in training order).

    Parameters
    ----------
    models : mapping of str to Recommender
        Fitted models, e.g. everything an artefact holds.
    ranker : RankerInputs, optional
        The learned ranker's inputs (base model and score columns).
    best : str, optional
        The best model of the evaluation (a fallback for the base).
    base : str, optional
        Force the base model.

    Raises
    ------
    InvalidFieldError
        When ``models`` is empty or lacks ``base``.

    """
    choice = _choose({n: m.name for n, m in models.items()}, ranker, best, base)
    return PublishModels(
        base_name=choice.base,
        base=models[choice.base],
        extra={key: models[name] for key, name in choice.extra.items()},
        extra_names=dict(choice.extra),
        similar_name=choice.similar,
        similar=models[choice.similar] if choice.similar else None,
        popularity_name=choice.popularity,
        popularity=models[choice.popularity] if choice.popularity else None,
        ranker=ranker,
    )


def load_publish_models(artifact: Artifact, *, base: str | None = None) -> PublishModels:
    """Load from ``artifact`` only the models a publish uses (:func:`choose_models`).

    Raises
    ------
    ArtifactError
        When the artefact holds no model, lacks ``base``, or a model cannot be loaded.

    """
    components = artifact.manifest["components"]
    registry_names = {name: str(components[f"{MODELS_DIR}/{name}"].get("model", "")) for name in artifact.model_names}
    ranker = read_ranker_inputs(artifact)
    best = artifact.metrics.get("best")
    try:
        choice = _choose(registry_names, ranker, best if isinstance(best, str) else None, base)
    except InvalidFieldError as exc:
        raise ArtifactError(artifact.path, exc.problem) from exc
    wanted = {choice.base, *choice.extra.values(), *(n for n in (choice.similar, choice.popularity) if n)}
    loaded = {name: artifact.load_model(name) for name in artifact.model_names if name in wanted}
    return choose_models(loaded, ranker=ranker, base=choice.base)


# -- popularity per event ---------------------------------------------------------------------------


def _aligned(model: Recommender, values: npt.NDArray[np.float64], event_ids: pa.Array) -> npt.NDArray[np.float64]:
    """``values`` (one per event of ``model``) for ``event_ids`` (0 for events it does not know)."""
    positions = model.events_.indices_of(event_ids)
    out = np.zeros(len(positions), dtype=np.float64)
    known = positions >= 0
    out[known] = values[positions[known]]
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def popular_scores(models: PublishModels, event_ids: pa.Array) -> tuple[npt.NDArray[np.float64], str]:
    """What orders the popular lists, per event of ``event_ids``, and where it comes from.

    The popularity model's time-decayed weights, else the trending score,
    else users with a positive interaction per event (from the base model's training data).
    """
    model = models.popularity
    if isinstance(model, PopularityRecommender):
        return _aligned(model, model.popularity_.astype(np.float64), event_ids), f"{models.popularity_name}"
    if isinstance(model, TrendingRecommender):
        return _aligned(model, model.trend_.astype(np.float64), event_ids), f"{models.popularity_name}"
    counts = np.diff(positive_part(models.base.seen_).tocsc().indptr).astype(np.float64)
    return _aligned(models.base, counts, event_ids), "interactions"


def card_popularity(models: PublishModels, event_ids: pa.Array) -> tuple[npt.NDArray[np.float64], str]:
    """The ``popularity`` of each card, and where it comes from.

    With a learned ranker: the popularity its rows were built with (users
    with a positive interaction), so the server's ``log_popularity`` feature
    means what the ranker learned. Otherwise what orders the popular lists.
    """
    if models.ranker is not None and len(models.ranker.popularity) == len(models.base.events_):
        return _aligned(models.base, models.ranker.popularity, event_ids), "ranker"
    return popular_scores(models, event_ids)

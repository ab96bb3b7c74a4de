"""Which models an evaluation compares, with which parameters, and the training data they fit on.

By default every model of the library (``recsys.models``) that fits the data: content and hybrid
need event content (a data folder's catalogue), trending needs interaction
times; EASE refuses more items than its ``max_items`` when it fits, and is
then reported as skipped. Parameters come from a training config when one
is given (``[models.<name>]`` tables, so a config written by ``recsys tune``
works), else from each model's defaults with the run's seed.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Final

import numpy as np

from features.content import ContentEncoder
from features.interactions import InteractionWeighting, build_interaction_matrix
from features.training_data import build_training_data
from recsys.artifacts import load_model_registry
from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import DEFAULT_KIND_WEIGHTS
from recsys.evaluation.holdout import RankingTask
from recsys.evaluation.split import TemporalSplit
from recsys.models.base import Recommender
from recsys.models.data import TrainingData
from recsys.stores.batches import InteractionArrays
from training.config import SEED_PARAMS, ModelSpec, TrainConfig, build_weighting
from training.eval_source import EvaluationSource

#: Registry names in the order reports list them; other registered models follow, sorted.
PREFERRED_ORDER: Final = ("popularity", "trending", "als", "bpr", "item-knn", "ease", "content", "hybrid")
#: Where the models that run by default live.
LIBRARY_PACKAGE: Final = "recsys.models."
#: Models that need the event content matrix.
CONTENT_MODELS: Final = frozenset({"content", "hybrid"})
#: Models that need interaction times.
TIME_MODELS: Final = frozenset({"trending", "ease-time", "als-session"})


def why_unfit(model: str, source: EvaluationSource) -> str | None:
    """Why the registry model ``model`` cannot fit ``source`` (``None`` when it can)."""
    if model in CONTENT_MODELS and source.events is None:
        return f"{model} needs event content (a data folder with a catalogue); this input has none"
    if model in TIME_MODELS and not source.has_time:
        return f"{model} needs interaction times (--time-col)"
    return None


def default_spec(model: str, seed: int) -> ModelSpec:
    """A spec of the registry model ``model`` with its default parameters and ``seed`` where it takes one."""
    accepted = inspect.signature(Recommender.registry[model].__init__).parameters
    return ModelSpec(name=model, model=model, params={p: seed for p in SEED_PARAMS if p in accepted})


def select_models(
    source: EvaluationSource, names: Sequence[str] | None, config: TrainConfig | None, seed: int
) -> tuple[list[ModelSpec], dict[str, str]]:
    """The models to compare and the ones left out (name -> why).

    Parameters
    ----------
    source : EvaluationSource
        The data (decides what fits).
    names : sequence of str, optional
        Models asked for: names of the config's models or registry names.
        ``None``: the config's models, or every registered model that fits.
    config : TrainConfig, optional
        Parameters per model.
    seed : int
        Seed for models built with default parameters.

    Raises
    ------
    InvalidFieldError
        ``models``: an unknown name, or an asked-for model that cannot fit the data.

    """
    load_model_registry()
    configured = {spec.name: spec for spec in (config.models if config is not None else ())}
    if names is None:
        candidates = list(configured.values()) if configured else [default_spec(m, seed) for m in _registry_order()]
        chosen, skipped = [], {}
        for spec in candidates:
            reason = why_unfit(spec.model, source)
            if reason is None:
                chosen.append(spec)
            else:
                skipped[spec.name] = reason
        return chosen, skipped
    specs = []
    for name in dict.fromkeys(names):
        if name in configured:
            spec = configured[name]
        elif name in Recommender.registry:
            spec = default_spec(name, seed)
        else:
            known = sorted(set(configured) | set(Recommender.registry))
            raise InvalidFieldError("models", f"unknown model {name!r}; known: {', '.join(known)}")
        reason = why_unfit(spec.model, source)
        if reason is not None:
            raise InvalidFieldError("models", reason)
        specs.append(spec)
    if not specs:
        raise InvalidFieldError("models", "names no model")
    return specs, {}


def _registry_order() -> list[str]:
    # The library's own models; a class registered elsewhere (a test double, an experiment) is used only by name.
    known = {name for name, cls in Recommender.registry.items() if cls.__module__.startswith(LIBRARY_PACKAGE)}
    first = [m for m in PREFERRED_ORDER if m in known]
    return first + sorted(known - set(first))


def weighting_for(source: EvaluationSource, config: TrainConfig | None) -> InteractionWeighting:
    """The config's weighting, else the default kind weights; a file's weights count as ratings' values."""
    if config is not None and config.weighting:
        return build_weighting(config.weighting)
    return InteractionWeighting(kind_weights=DEFAULT_KIND_WEIGHTS, rating_as_value=source.weights_are_values)


def reference_time(task: RankingTask) -> int:
    """The training "now": a temporal split's cutoff, else just after the last training interaction."""
    if isinstance(task, TemporalSplit):
        return task.cutoff_us
    stamps = task.train.timestamps_us
    return int(stamps.max()) + 1 if len(stamps) else 0


def content_encoder(
    source: EvaluationSource, specs: Sequence[ModelSpec], config: TrainConfig | None
) -> ContentEncoder | None:
    """A content encoder fitted on the catalogue when a chosen model needs content, else ``None``."""
    if source.events is None or not any(spec.model in CONTENT_MODELS for spec in specs):
        return None
    params = dict(config.encoder) if config is not None else {}
    return ContentEncoder(**params).fit(source.events)


def training_data(
    source: EvaluationSource,
    train: InteractionArrays,
    weighting: InteractionWeighting,
    reference_time_us: int,
    encoder: ContentEncoder | None,
) -> TrainingData:
    """What models fit on: the weighted matrix of ``train`` (plus event side information with a catalogue)."""
    if source.events is not None:
        return build_training_data(
            source.events, train, weighting=weighting, reference_time_us=reference_time_us, encoder=encoder
        )
    built = build_interaction_matrix(train, weighting, reference_time_us=reference_time_us, with_times=True)
    times = built.times_us if built.times_us is not None else np.full(built.matrix.nnz, -1, dtype=np.int64)
    return TrainingData(
        users=built.users,
        events=built.events,
        matrix=built.matrix,
        reference_time_us=reference_time_us,
        interaction_time_us=times,
    )

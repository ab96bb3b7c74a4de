"""The training job: stores -> features -> models -> ranker -> hold-out evaluation -> artefact.

:func:`train` runs it end to end on a workspace:

1. read the catalogue, the users and the interaction log;
2. place the cutoff (fixed, or ``holdout_days`` before the last interaction)
   and build the future-event split (:mod:`recsys.evaluation.split`);
3. fit the content encoder on the catalogue when a model needs content;
4. with the ranker on, split the training period once more at
   ``cutoff - ranker_days``, fit every model on what came before, and train
   the ranker on the base model's top candidates with labels from
   ``[cutoff - ranker_days, cutoff)``;
5. fit every model on all interactions before the cutoff;
6. evaluate each model, and the base model with the ranker, on the hold-out;
7. write a versioned artefact and promote it when asked.

Same data, config and seed give the same models and the same metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Final, TypeVar

import pyarrow as pa

from features.content import ContentEncoder
from features.interactions import InteractionWeighting
from features.ranking import RANKING_FEATURES
from features.training_data import build_training_data
from recsys.artifacts import Artifact, ArtifactRegistry, Persistable, data_digest
from recsys.domain.errors import InvalidFieldError, RecsysError
from recsys.evaluation.evaluate import EvaluationResult, evaluate_scorer, sample_users
from recsys.evaluation.split import TemporalSplit, cutoff_before_end, temporal_split, to_us
from recsys.models.base import Recommender
from recsys.models.data import TrainingData
from recsys.models.ease import TooManyEventsError
from recsys.stores.batches import InteractionArrays
from recsys.stores.workspace import Workspace
from training.config import ConfigError, ModelSpec, TrainConfig, build_weighting
from training.ranker import LearnedRanker
from training.ranking_data import RankingInputs, RankingSetup, ranker_examples
from training.scoring import model_scorer, ranker_scorer

#: Registry names of the models that need the event content matrix.
CONTENT_MODELS: Final = frozenset({"content", "hybrid"})


def needs_content(spec: ModelSpec) -> bool:
    """Whether the model of ``spec`` reads the event content matrix (time-aware EASE only with a content weight)."""
    return spec.model in CONTENT_MODELS or (spec.model == "ease-time" and bool(spec.params.get("content_weight")))


#: Users scored at once during evaluation and ranker training.
BATCH_USERS: Final = 512
_DAY_US: Final = 86_400 * 1_000_000

_T = TypeVar("_T")

#: ``progress(step, done, total)``: called before each step with the steps done so far.
Progress = Callable[[str, int, int], None]


class TrainingError(RecsysError):
    """The data cannot support the configured training (no hold-out, nothing to learn from)."""


def no_progress(step: str, done: int, total: int) -> None:
    """A progress callback that reports nothing."""


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What a training run produced.

    Parameters
    ----------
    artifact : Artifact
        The written (validated) artefact version.
    metrics : dict
        Per model (and ``<base>+ranker``), its hold-out metrics (``cold/...`` for the cold slice).
    best : str
        The model with the highest primary metric.
    primary : str
        The metric ``best`` was chosen by (the config's first).
    split : dict
        Counts of the hold-out (:meth:`TemporalSplit.summary`).
    timings : dict of str to float
        Seconds per step.
    promoted : bool
        Whether the version was made active.
    notes : list of str
        Anything worth knowing (a ranker skipped for lack of labels, ...).

    """

    artifact: Artifact
    metrics: dict[str, dict[str, float | int]]
    best: str
    primary: str
    split: dict[str, float | int]
    timings: dict[str, float]
    promoted: bool
    notes: list[str] = field(default_factory=list)


class _Steps:
    """Progress reporting and timing of the job's steps."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        self.timings: dict[str, float] = {}

    def run(self, name: str, work: Callable[[], _T]) -> _T:
        self.progress(name, self.done, self.total)
        started = time.perf_counter()
        result = work()
        self.timings[name] = round(time.perf_counter() - started, 4)
        self.done += 1
        self.progress(name, self.done, self.total)
        return result


def _step_count(config: TrainConfig) -> int:
    fits = len(config.models) * (2 if config.ranker.enabled else 1)
    ranker = 1 if config.ranker.enabled else 0
    evaluations = len(config.models) + ranker
    encoder = 1 if any(needs_content(spec) for spec in config.models) else 0
    features = 2 if config.ranker.enabled else 1
    return 2 + ranker + 1 + encoder + features + fits + ranker + evaluations + 1


def train(workspace: Workspace, config: TrainConfig, progress: Progress = no_progress) -> TrainResult:
    """Run the training job on ``workspace`` with ``config``.

    Parameters
    ----------
    workspace : Workspace
        The data folder (catalogue, interactions, artefacts).
    config : TrainConfig
        What to fit and how (:func:`training.config.load_config`).
    progress : callable
        ``progress(step, done, total)``, called before and after each step.

    Returns
    -------
    TrainResult

    Raises
    ------
    TrainingError
        When the data has no usable hold-out or nothing to learn from.
    ConfigError
        When the data shows a model's setting to be wrong (a range checked at
        fit time, or more events than an EASE model's ``max_items``).

    """
    steps = _Steps(progress, _step_count(config))
    events = steps.run("read catalogue", workspace.catalogue.events_table)
    # Users (home, age) matter to the ranker's rows only.
    users = steps.run("read users", workspace.catalogue.users_table) if config.ranker.enabled else None
    arrays: InteractionArrays = steps.run("read interactions", workspace.interactions.export_arrays)
    if len(arrays) == 0:
        raise TrainingError(f"the data folder {workspace.path} holds no interactions; nothing to train on")
    weighting = build_weighting(config.weighting)
    split = steps.run("split", partial(_split, arrays, events, config))
    del arrays  # the split holds what is needed; at 10M interactions this frees ~200 MB before the fits
    if split.n_users == 0:
        raise TrainingError(
            "the hold-out has no user with a relevant future event; move the cutoff "
            "(split.cutoff or split.holdout_days)"
        )
    encoder = (
        steps.run("fit content encoder", lambda: ContentEncoder(**config.encoder).fit(events))
        if any(needs_content(spec) for spec in config.models)
        else None
    )
    notes: list[str] = []

    ranker: LearnedRanker | None = None
    if config.ranker.enabled and users is not None:
        ranker = _fit_ranker(steps, config, split, events, users, weighting, encoder, notes)

    data = steps.run(
        "build features",
        partial(
            build_training_data,
            events,
            split.train,
            weighting=weighting,
            reference_time_us=split.cutoff_us,
            encoder=encoder,
        ),
    )
    models = _fit_all(steps, config, data, "")

    results, ranking_inputs = _evaluate(steps, config, split, data, models, ranker, events, users, weighting)
    primary = config.evaluation.metrics[0]
    metrics = {name: result.as_dict() for name, result in results.items()}
    best = max(metrics, key=lambda name: (metrics[name].get(primary, 0.0), name))
    components: dict[str, Persistable] = {}
    if encoder is not None:
        components["encoder"] = encoder
    if ranker is not None and ranking_inputs is not None:
        components["ranker"] = ranker
        components["ranking"] = ranking_inputs
    registry = ArtifactRegistry(workspace.artifacts_dir)
    summary = split.summary()
    artifact: Artifact = steps.run(
        "write artefact",
        lambda: registry.write(
            config.name,
            models=models,
            components=components,
            users=data.users,
            events=data.events,
            config=config.to_dict(),
            data_digest=data_digest(split.train),
            metrics={"primary": primary, "best": best, "models": metrics, "split": summary},
            extra={"timings": steps.timings, "notes": notes, "ranking_features": list(RANKING_FEATURES)},
        ),
    )
    if config.promote:
        registry.promote(config.name, artifact.version)
    progress("done", steps.total, steps.total)
    return TrainResult(
        artifact=artifact,
        metrics=metrics,
        best=best,
        primary=primary,
        split=summary,
        timings=dict(steps.timings),
        promoted=config.promote,
        notes=notes,
    )


def _evaluate(
    steps: _Steps,
    config: TrainConfig,
    split: TemporalSplit,
    data: TrainingData,
    models: dict[str, Recommender],
    ranker: LearnedRanker | None,
    events: pa.Table,
    users: pa.Table | None,
    weighting: InteractionWeighting,
) -> tuple[dict[str, EvaluationResult], RankingInputs | None]:
    """Every model, and the base model with the ranker, on one seeded sample of the hold-out's users."""
    rows = sample_users(split, config.evaluation.max_users, config.seed)
    results: dict[str, EvaluationResult] = {}
    for name, model in models.items():
        evaluate = partial(
            evaluate_scorer,
            split,
            model_scorer(model, split),
            config.evaluation.metrics,
            rows=rows,
            batch_size=BATCH_USERS,
        )
        results[name] = steps.run(f"evaluate {name}", evaluate)
    if ranker is None or users is None:
        return results, None
    setup = RankingSetup.build(
        data=data,
        models=models,
        base=config.ranker.base,
        events_table=events,
        users_table=users,
        arrays=split.train,
        weighting=weighting,
    )
    scorer = ranker_scorer(setup, ranker, split, config.ranker.candidates)
    evaluate = partial(evaluate_scorer, split, scorer, config.evaluation.metrics, rows=rows, batch_size=BATCH_USERS)
    results[f"{config.ranker.base}+ranker"] = steps.run("evaluate ranker", evaluate)
    return results, RankingInputs.of(setup, config.ranker.candidates)


def _split(arrays: InteractionArrays, events: pa.Table, config: TrainConfig) -> TemporalSplit:
    cutoff = (
        to_us(config.split.cutoff)
        if config.split.cutoff is not None
        else cutoff_before_end(arrays, config.split.holdout_days)
    )
    until = None if config.split.test_days is None else cutoff + round(config.split.test_days * _DAY_US)
    try:
        return temporal_split(arrays, events, cutoff, until_us=until, include_running=config.split.include_running)
    except InvalidFieldError as exc:
        raise TrainingError(f"cannot split at the cutoff: {exc}") from exc


def _fit_ranker(
    steps: _Steps,
    config: TrainConfig,
    split: TemporalSplit,
    events: pa.Table,
    users: pa.Table,
    weighting: InteractionWeighting,
    encoder: ContentEncoder | None,
    notes: list[str],
) -> LearnedRanker | None:
    """Fit the models before ``cutoff - ranker_days`` and the ranker on labels from the days up to the cutoff."""
    inner_cutoff = split.cutoff_us - round(config.split.ranker_days * _DAY_US)
    try:
        inner = temporal_split(
            split.train, events, inner_cutoff, until_us=split.cutoff_us, include_running=config.split.include_running
        )
    except InvalidFieldError as exc:
        raise TrainingError(f"cannot place the ranker's split (split.ranker_days): {exc}") from exc
    data = steps.run(
        "build features (ranker split)",
        partial(
            build_training_data,
            events,
            inner.train,
            weighting=weighting,
            reference_time_us=inner_cutoff,
            encoder=encoder,
        ),
    )
    models = _fit_all(steps, config, data, " (ranker split)")
    setup = RankingSetup.build(
        data=data,
        models=models,
        base=config.ranker.base,
        events_table=events,
        users_table=users,
        arrays=inner.train,
        weighting=weighting,
    )
    return steps.run("fit ranker", lambda: _ranker_from(setup, inner, config, notes))


def _fit_all(steps: _Steps, config: TrainConfig, data: TrainingData, label: str) -> dict[str, Recommender]:
    models: dict[str, Recommender] = {}
    for spec in config.models:
        model = spec.build()
        try:
            models[spec.name] = steps.run(f"fit {spec.name}{label}", partial(model.fit, data))
        except InvalidFieldError as exc:
            # Models check some ranges when they fit; point at the config key when a parameter is at fault.
            if exc.field.split(".")[0] in model.get_params():
                raise ConfigError(f"models.{spec.name}.{exc.field}", exc.problem, config.source) from exc
            raise TrainingError(f"cannot fit {spec.name}: {exc}") from exc
        except TooManyEventsError as exc:
            # A size limit the data outgrew: the setting to change (or the model to drop) is in the config.
            raise ConfigError(
                f"models.{spec.name}.max_items",
                f"{spec.model} cannot fit {exc.n_events:,} events with interactions{label}: "
                f"max_items is {exc.max_items:,}; raise it if the memory is there (about 2.5 * 8 * n² bytes), "
                f"or drop models.{spec.name} from the config",
                config.source,
            ) from exc
    return models


def _ranker_from(
    setup: RankingSetup, inner: TemporalSplit, config: TrainConfig, notes: list[str]
) -> LearnedRanker | None:
    chosen = sample_users(inner, config.ranker.max_users, config.seed)
    examples = ranker_examples(setup, inner, chosen, config.ranker.candidates, BATCH_USERS)
    if not examples.labels.any():
        notes.append("ranker skipped: no relevant event among the base model's candidates in the ranker's split")
        return None
    ranker = LearnedRanker(**{"random_state": config.seed, **config.ranker.params})
    return ranker.fit(examples.rows, examples.labels, examples.groups, RANKING_FEATURES)

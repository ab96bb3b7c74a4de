"""The evaluation job: one split, several models, every metric, one result to print, save and plot.

:func:`run_evaluation` splits the source by the chosen protocol
(:mod:`recsys.evaluation.protocols`), fits each model on the split's
training part, ranks every candidate for each test user and measures the
lists (:func:`recsys.evaluation.ranking.evaluate_ranking`). Models are fitted
and scored one after the other, so memory holds one model at a time. The
same source, settings and seed give the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from features.content import ContentEncoder
from features.interactions import InteractionWeighting
from recsys.domain.errors import InvalidFieldError, RecsysError
from recsys.evaluation.evaluate import sample_users
from recsys.evaluation.holdout import ObjectArray, RankingTask
from recsys.evaluation.protocols import PROTOCOLS, ProtocolSplit, split_for_protocol
from recsys.evaluation.ranking import CURVE_KS, ItemSide, RankingReport, evaluate_ranking
from recsys.evaluation.scoring import model_scorer
from recsys.models.base import Recommender
from recsys.models.data import TrainingData
from training.config import ModelSpec, TrainConfig
from training.eval_models import content_encoder, reference_time, select_models, training_data, weighting_for
from training.eval_source import EvaluationSource, item_side, user_segments

#: Users scored at once.
BATCH_USERS: Final = 512
#: ``progress(step, done, total)``.
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """A progress callback that reports nothing."""


@dataclass(frozen=True, slots=True)
class EvaluateSettings:
    """What to evaluate and how.

    Parameters
    ----------
    protocol : str
        One of :data:`recsys.evaluation.protocols.PROTOCOLS`.
    k : int
        The main cut-off.
    models : tuple of str or None
        Model names (config or registry); ``None`` = every model that fits.
    seed : int
        Seed of the split, the user sample and the models.
    config : TrainConfig or None
        Model parameters and weighting.
    max_users : int or None
        Evaluate a seeded sample of this many test users (``None`` = all).
    ratios : tuple of float or None
        The protocol's shares (``random``: train/validation/test; ``stratified``: train).
    holdout_days : float
        ``temporal`` on a data folder: the test window.
    test_fraction : float
        ``temporal`` on a file: the share of interactions after the cutoff.
    curve_ks : tuple of int
        Cut-offs of the metric-vs-k curves.
    on_validation : bool
        Score the validation hold-out instead of the test (what tuning does).

    """

    protocol: str = "temporal"
    k: int = 10
    models: tuple[str, ...] | None = None
    seed: int = 42
    config: TrainConfig | None = None
    max_users: int | None = None
    ratios: tuple[float, ...] | None = None
    holdout_days: float = 28.0
    test_fraction: float = 0.2
    curve_ks: tuple[int, ...] = CURVE_KS
    on_validation: bool = False

    def check(self) -> None:
        """Refuse settings that cannot run (an error names the option).

        Raises
        ------
        InvalidFieldError
            ``protocol``, ``k`` or ``max_users`` out of range.

        """
        if self.protocol not in PROTOCOLS:
            raise InvalidFieldError(
                "protocol", f"unknown protocol {self.protocol!r}; expected one of {', '.join(PROTOCOLS)}"
            )
        if self.k < 1:
            raise InvalidFieldError("k", f"must be at least 1, got {self.k}")
        if self.max_users is not None and self.max_users < 1:
            raise InvalidFieldError("max_users", f"must be at least 1, got {self.max_users}")


@dataclass(frozen=True, slots=True)
class ModelOutcome:
    """One model's result.

    Parameters
    ----------
    spec : ModelSpec
        Name, registry model and parameters.
    report : RankingReport
        Its metrics.
    fit_seconds, evaluate_seconds : float
        Wall-clock time of the fit and of ranking and measuring.

    """

    spec: ModelSpec
    report: RankingReport
    fit_seconds: float
    evaluate_seconds: float


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    """Everything one evaluation produced (:meth:`to_json` is what ``--json`` writes)."""

    source: str
    settings: EvaluateSettings
    split: ProtocolSplit
    outcomes: dict[str, ModelOutcome]
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary: metrics per model under ``models.<name>`` (``ndcg@10``, ``cold/ndcg@10``, ...)."""
        task = self.split.validation if self.settings.on_validation else self.split.test
        return {
            "source": self.source,
            "protocol": self.split.protocol,
            "protocol_params": self.split.params,
            "evaluated_on": "validation" if self.settings.on_validation else "test",
            "k": self.settings.k,
            "seed": self.settings.seed,
            "split": task.summary() if task is not None else {},
            "models": {name: o.report.as_dict() for name, o in self.outcomes.items()},
            "segments": {name: o.report.segments for name, o in self.outcomes.items()},
            "params": {name: {"model": o.spec.model, **o.spec.params} for name, o in self.outcomes.items()},
            "timings": {
                name: {"fit_s": round(o.fit_seconds, 3), "evaluate_s": round(o.evaluate_seconds, 3)}
                for name, o in self.outcomes.items()
            },
            "skipped": dict(self.skipped),
            "seconds": round(self.seconds, 3),
        }


def make_split(source: EvaluationSource, settings: EvaluateSettings) -> ProtocolSplit:
    """Split ``source`` by the settings' protocol (with a validation part when tuning)."""
    return split_for_protocol(
        settings.protocol,
        source.arrays,
        seed=settings.seed,
        relevant_rows=source.relevant_rows,
        events_table=source.events,
        ratios=settings.ratios,
        holdout_days=settings.holdout_days,
        test_fraction=settings.test_fraction,
        validation=settings.on_validation,
    )


def run_evaluation(
    source: EvaluationSource, settings: EvaluateSettings, progress: Progress = no_progress
) -> EvaluationRun:
    """Split, fit every model, evaluate, and return the run.

    Raises
    ------
    InvalidFieldError
        Bad settings, unknown models, or a split with no test user.

    """
    started = time.perf_counter()
    settings.check()
    specs, skipped = select_models(source, settings.models, settings.config, settings.seed)
    total = 1 + 2 * len(specs)
    progress("split", 0, total)
    split = make_split(source, settings)
    task = split.validation if settings.on_validation else split.test
    if task is None or task.n_users == 0:
        part = "validation" if settings.on_validation else "test"
        raise InvalidFieldError("protocol", f"the {split.protocol} split leaves no {part} user with a relevant item")
    prepared = Prepared.build(source, task, specs, settings)
    outcomes: dict[str, ModelOutcome] = {}
    for number, spec in enumerate(specs):
        progress(f"fit {spec.name}", 1 + 2 * number, total)
        outcome = prepared.fit_and_evaluate(spec, _step_reporter(progress, 2 + 2 * number, total))
        if isinstance(outcome, str):
            skipped[spec.name] = outcome
        else:
            outcomes[spec.name] = outcome
    progress("done", total, total)
    return EvaluationRun(
        source=source.description,
        settings=settings,
        split=split,
        outcomes=outcomes,
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def _step_reporter(progress: Progress, done: int, total: int) -> Callable[[str], None]:
    def report(step: str) -> None:
        progress(step, done, total)

    return report


@dataclass(frozen=True, slots=True)
class Prepared:
    """A hold-out with its training data and side information, ready for any number of models."""

    task: RankingTask
    data: TrainingData
    weighting: InteractionWeighting
    encoder: ContentEncoder | None
    settings: EvaluateSettings
    side: ItemSide
    segments: dict[str, ObjectArray]
    rows: npt.NDArray[np.int64]

    @classmethod
    def build(
        cls, source: EvaluationSource, task: RankingTask, specs: Sequence[ModelSpec], settings: EvaluateSettings
    ) -> Prepared:
        """Build the training data and side information of ``task`` once for every model."""
        weighting = weighting_for(source, settings.config)
        encoder = content_encoder(source, specs, settings.config)
        data = training_data(source, task.train, weighting, reference_time(task), encoder)
        return cls(
            task=task,
            data=data,
            weighting=weighting,
            encoder=encoder,
            settings=settings,
            side=item_side(source.items, task.candidate_ids),
            segments=user_segments(source.users, task.user_ids),
            rows=sample_users(task, settings.max_users, settings.seed),
        )

    def fit(self, spec: ModelSpec, params: dict[str, Any] | None = None) -> Recommender:
        """Fit a fresh model of ``spec`` (``params`` override the spec's) on the training data."""
        model = Recommender.registry[spec.model](**{**spec.params, **(params or {})})
        return model.fit(self.data)

    def evaluate(self, model: Recommender, *, curve_ks: Sequence[int] | None = None) -> RankingReport:
        """Rank every candidate for the evaluated users with ``model`` and measure the lists."""
        return evaluate_ranking(
            self.task,
            model_scorer(model, self.task.candidate_ids),
            k=self.settings.k,
            curve_ks=self.settings.curve_ks if curve_ks is None else curve_ks,
            item_side=self.side,
            user_segments=self.segments,
            rows=self.rows,
            batch_size=BATCH_USERS,
        )

    def fit_and_evaluate(
        self, spec: ModelSpec, before_evaluate: Callable[[str], None] | None = None
    ) -> ModelOutcome | str:
        """Fit and evaluate one model; a model that refuses the data gives the reason instead."""
        started = time.perf_counter()
        try:
            model = self.fit(spec)
        except RecsysError as exc:
            return f"cannot fit: {exc}"
        fitted = time.perf_counter()
        if before_evaluate is not None:
            before_evaluate(f"evaluate {spec.name}")
        report = self.evaluate(model)
        return ModelOutcome(spec, report, fitted - started, time.perf_counter() - fitted)

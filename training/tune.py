"""The tuning job: hyperparameter search with Optuna on the validation hold-out, never on the test.

:func:`run_tuning` splits the source by the protocol with a validation part
carved out of the training part (:mod:`recsys.evaluation.protocols`), and
lets Optuna's multivariate TPE sampler (seeded) propose parameters from the model's
search space (:mod:`training.search_spaces`). Each trial fits the model on
the validation's training part and scores the chosen metric on the
validation users. The first trial is the model's default parameters, so the
best found is never worse than the defaults on validation.

Afterwards, for the record only, the default and the best parameters are
each fitted on the test's training part and scored on the test: what the
tuning bought, measured where the search never looked.

:func:`config_toml` turns the best parameters into a training config that
``recsys train --config`` and ``recsys evaluate --config`` read.
"""

from __future__ import annotations

import inspect
import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

import optuna

from recsys.artifacts import load_model_registry
from recsys.domain.errors import InvalidFieldError, RecsysError
from recsys.evaluation.metrics import parse_metric
from recsys.evaluation.protocols import ProtocolSplit
from recsys.models.base import Recommender
from training.config import ModelSpec, TrainConfig
from training.eval_models import default_spec, why_unfit
from training.eval_source import EvaluationSource
from training.evaluate_job import EvaluateSettings, Prepared, make_split
from training.search_spaces import SEARCH_SPACES, WEIGHTING_PREFIX, default_point

#: ``progress(step, done, total)``.
Progress = Callable[[str, int, int], None]
#: Test metrics reported for the default and the tuned parameters.
REPORTED: Final = ("ndcg", "precision", "recall", "map", "ms_map")


def no_progress(step: str, done: int, total: int) -> None:
    """A progress callback that reports nothing."""


@dataclass(frozen=True, slots=True)
class TuneSettings:
    """What to tune and how.

    Parameters
    ----------
    model : str
        A registry name, or a model name of ``config``.
    trials : int
        Optuna trials (the first is the defaults).
    metric : str
        What to maximise on validation (``ndcg@10``).
    protocol : str
        The split (see :data:`recsys.evaluation.protocols.PROTOCOLS`).
    seed : int
        Seed of the split, the sampler and the models.
    config : TrainConfig or None
        Base parameters and weighting.
    ratios : tuple of float or None
        The protocol's shares.
    max_users : int or None
        Score a seeded sample of this many validation users per trial.
    timeout_s : float or None
        Stop starting trials after this many seconds.

    """

    model: str
    trials: int = 20
    metric: str = "ndcg@10"
    protocol: str = "stratified"
    seed: int = 42
    config: TrainConfig | None = None
    ratios: tuple[float, ...] | None = None
    max_users: int | None = None
    timeout_s: float | None = None


@dataclass(frozen=True, slots=True)
class Trial:
    """One finished trial."""

    number: int
    value: float | None
    params: dict[str, Any]
    state: str
    seconds: float


@dataclass(frozen=True, slots=True)
class TuneResult:
    """Everything a tuning run produced."""

    source: str
    settings: TuneSettings
    split: ProtocolSplit
    spec: ModelSpec
    trials: list[Trial]
    best_params: dict[str, Any]
    best_value: float
    default_value: float | None
    test: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (what ``--json`` writes)."""
        validation = self.split.validation
        return {
            "source": self.source,
            "model": self.spec.name,
            "registry_model": self.spec.model,
            "metric": self.settings.metric,
            "protocol": self.split.protocol,
            "protocol_params": self.split.params,
            "seed": self.settings.seed,
            "sampler": "optuna TPESampler (multivariate, seeded)",
            "validation_split": validation.summary() if validation is not None else {},
            "base_params": dict(self.spec.params),
            "best": {"value": self.best_value, "params": self.best_params},
            "default_value": self.default_value,
            "trials": [
                {"number": t.number, "value": t.value, "params": t.params, "state": t.state, "seconds": t.seconds}
                for t in self.trials
            ],
            "test": self.test,
            "seconds": round(self.seconds, 3),
        }


def resolve_spec(source: EvaluationSource, settings: TuneSettings) -> ModelSpec:
    """The model to tune, with its base parameters.

    Raises
    ------
    InvalidFieldError
        ``model``: unknown, without a search space, or unfit for the data; ``metric``: not ``name@k``;
        ``trials``: below 1.

    """
    load_model_registry()
    parse_metric(settings.metric)
    if settings.trials < 1:
        raise InvalidFieldError("trials", f"must be at least 1, got {settings.trials}")
    configured = {s.name: s for s in (settings.config.models if settings.config is not None else ())}
    if settings.model in configured:
        spec = configured[settings.model]
    elif settings.model in Recommender.registry:
        spec = default_spec(settings.model, settings.seed)
    else:
        known = sorted(set(configured) | set(Recommender.registry))
        raise InvalidFieldError("model", f"unknown model {settings.model!r}; known: {', '.join(known)}")
    if spec.model not in SEARCH_SPACES:
        raise InvalidFieldError(
            "model", f"{spec.model} has no search space; tunable: {', '.join(sorted(SEARCH_SPACES))}"
        )
    reason = why_unfit(spec.model, source)
    if reason is not None:
        raise InvalidFieldError("model", reason)
    return spec


def run_tuning(source: EvaluationSource, settings: TuneSettings, progress: Progress = no_progress) -> TuneResult:
    """Search the model's space on the validation hold-out; score default and best on the test.

    Raises
    ------
    InvalidFieldError
        Bad settings, or a split without validation users.

    """
    started = time.perf_counter()
    spec = resolve_spec(source, settings)
    _, k = parse_metric(settings.metric)
    evaluation = EvaluateSettings(
        protocol=settings.protocol,
        k=k,
        seed=settings.seed,
        config=settings.config,
        max_users=settings.max_users,
        ratios=settings.ratios,
        curve_ks=(k,),
        on_validation=True,
    )
    evaluation.check()
    split = make_split(source, evaluation)
    if split.validation is None or split.validation.n_users == 0:
        raise InvalidFieldError("protocol", f"the {split.protocol} split leaves no validation user to tune on")
    validation = _Objective(source, split, spec, evaluation, settings.metric)
    total = settings.trials + 2
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=tpe_sampler(settings.seed))
    defaults = {**model_defaults(spec.model), **spec.params}
    study.enqueue_trial(default_point(spec.model, defaults))

    def after_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        best = study.best_value if any(t.value is not None for t in study.trials) else float("nan")
        progress(
            f"trial {trial.number + 1}/{settings.trials} (best {settings.metric} {best:.4f})", trial.number + 1, total
        )

    progress("trial 1", 0, total)
    study.optimize(
        validation,
        n_trials=settings.trials,
        timeout=settings.timeout_s,
        catch=(RecsysError,),
        callbacks=[after_trial],
    )
    trials = [_trial(t) for t in study.trials]
    completed = [t for t in trials if t.value is not None]
    if not completed:
        raise InvalidFieldError("model", f"every trial of {spec.name} failed; see the trials' errors")
    best = max(completed, key=lambda t: (t.value, -t.number))
    default_value = trials[0].value if trials else None
    progress("test: default and best", settings.trials, total)
    test = _score_on_test(source, split, spec, evaluation, best.params)
    progress("done", total, total)
    return TuneResult(
        source=source.description,
        settings=settings,
        split=split,
        spec=spec,
        trials=trials,
        best_params=best.params,
        best_value=float(best.value) if best.value is not None else math.nan,
        default_value=default_value,
        test=test,
        seconds=time.perf_counter() - started,
    )


class _Objective:
    """Fit with a trial's parameters on the validation's training part; return the metric on validation."""

    def __init__(
        self,
        source: EvaluationSource,
        split: ProtocolSplit,
        spec: ModelSpec,
        settings: EvaluateSettings,
        metric: str,
    ) -> None:
        if split.validation is None:
            raise InvalidFieldError("protocol", "the split has no validation part")
        self.source, self.task, self.spec, self.settings = source, split.validation, spec, settings
        self.metric = metric
        self._prepared: dict[tuple[tuple[str, Any], ...], Prepared] = {}

    def prepared(self, weighting: Mapping[str, Any]) -> Prepared:
        # One training matrix per weighting: trials that share it reuse it.
        key = tuple(sorted(weighting.items()))
        if key not in self._prepared:
            config = _with_weighting(self.settings.config, weighting)
            self._prepared[key] = Prepared.build(
                self.source, self.task, [self.spec], replace(self.settings, config=config)
            )
        return self._prepared[key]

    def __call__(self, trial: optuna.Trial) -> float:
        params = SEARCH_SPACES[self.spec.model](trial)
        model_params, weighting = split_params(params)
        prepared = self.prepared(weighting)
        started = time.perf_counter()
        model = prepared.fit(self.spec, model_params)
        report = prepared.evaluate(model, curve_ks=())
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 3))
        return float(report.metrics[self.metric])


def tpe_sampler(seed: int) -> optuna.samplers.TPESampler:
    """Seeded multivariate TPE: it models parameters jointly (ALS's L2 and confidence scale go together).

    ``group`` handles the conditional parameters (BM25's ``K1`` and ``B`` exist only with BM25).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # multivariate/group are "experimental"
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)


def split_params(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Separate model parameters from ``weighting.*`` parameters (prefix removed)."""
    model = {k: v for k, v in params.items() if not k.startswith(WEIGHTING_PREFIX)}
    weighting = {k.removeprefix(WEIGHTING_PREFIX): v for k, v in params.items() if k.startswith(WEIGHTING_PREFIX)}
    return model, weighting


def _with_weighting(config: TrainConfig | None, weighting: Mapping[str, Any]) -> TrainConfig | None:
    if not weighting:
        return config
    base = dict(config.weighting) if config is not None else {}
    return replace(config or TrainConfig(), weighting={**base, **weighting})


def model_defaults(model: str) -> dict[str, Any]:
    """The default ``__init__`` parameters of the registry model ``model``."""
    signature = inspect.signature(Recommender.registry[model].__init__)
    return {n: p.default for n, p in signature.parameters.items() if p.default is not inspect.Parameter.empty}


def _trial(trial: optuna.trial.FrozenTrial) -> Trial:
    return Trial(
        number=trial.number,
        value=None if trial.value is None else float(trial.value),
        params=dict(trial.params),
        state=trial.state.name.lower(),
        seconds=float(trial.user_attrs.get("seconds", 0.0)),
    )


def _score_on_test(
    source: EvaluationSource,
    split: ProtocolSplit,
    spec: ModelSpec,
    settings: EvaluateSettings,
    best: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """Test metrics of the default and the best parameters (reported, never used to choose)."""
    out: dict[str, dict[str, Any]] = {}
    k = settings.k
    for label, params in (("default", {}), ("tuned", dict(best))):
        model_params, weighting = split_params(params)
        config = _with_weighting(settings.config, weighting)
        prepared = Prepared.build(source, split.test, [spec], replace(settings, config=config, on_validation=False))
        try:
            report = prepared.evaluate(prepared.fit(spec, model_params), curve_ks=())
        except RecsysError as exc:
            out[label] = {"error": str(exc)}
            continue
        out[label] = {f"{m}@{k}": round(report.metrics[f"{m}@{k}"], 6) for m in REPORTED}
    return out


def tuned_config(result: TuneResult) -> dict[str, Any]:
    """The best parameters as a training config (nested dict in the TOML layout)."""
    model_params, weighting = split_params(result.best_params)
    base_weighting = dict(result.settings.config.weighting) if result.settings.config is not None else {}
    params = {**result.spec.params, **model_params}
    model_table: dict[str, Any] = (
        {"model": result.spec.model, **params} if result.spec.name != result.spec.model else params
    )
    return {
        "name": f"tuned-{result.spec.name}".lower(),
        "seed": result.settings.seed,
        "weighting": {**base_weighting, **weighting},
        "models": {result.spec.name: model_table},
    }


def config_toml(config: Mapping[str, Any], header: str = "") -> str:
    """Write a nested config dict as TOML (tables for dicts; strings, numbers and booleans as values)."""
    lines = [f"# {line}" for line in header.splitlines()] if header else []
    scalars = {k: v for k, v in config.items() if not isinstance(v, Mapping)}
    lines += [f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items()]
    for key, value in config.items():
        if isinstance(value, Mapping):
            lines += _table_lines(_key(key), value)
    return "\n".join(lines) + "\n"


def _table_lines(path: str, table: Mapping[str, Any]) -> list[str]:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping) and v is not None}
    nested = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    # A table with only sub-tables needs no header of its own; an empty one is left out.
    lines = ["", f"[{path}]", *(f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items())] if scalars else []
    for key, value in nested.items():
        lines += _table_lines(f"{path}.{_key(key)}", value)
    return lines


def _key(key: str) -> str:
    return key if key.replace("-", "").replace("_", "").isalnum() else f'"{key}"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidFieldError("value", f"TOML cannot hold {value}")
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise InvalidFieldError("value", f"cannot write {value!r} to TOML")

"""The training config: what to fit with which parameters, read from TOML.

A config file looks like ``training/configs/default.toml``::

    name = "default"          # artefact name
    seed = 42
    promote = false           # make the new version active when training succeeds

    [split]
    holdout_days = 28         # or: cutoff = 2026-05-01T00:00:00Z
    test_days = 28            # optional: end the test window this long after the cutoff
    ranker_days = 28          # the ranker learns from [cutoff - ranker_days, cutoff)
    include_running = false   # also rank events running at the cutoff

    [evaluation]
    metrics = ["ndcg@10", "recall@50"]
    max_users = 5000          # a seeded sample of test users; 0 = all

    [weighting]               # features.interactions.InteractionWeighting(**...)
    [encoder]                 # features.content.ContentEncoder(**...)

    [models.popularity]       # registry name; the table holds the model's parameters
    [models.als]
    factors = 64
    [models.als-small]        # a second ALS: name the registry entry with ``model``
    model = "als"
    factors = 16

    [ranker]                  # absent: no ranker
    enabled = true
    base = "hybrid"           # whose top candidates it re-ranks
    candidates = 100          # per user
    max_users = 5000          # users of the ranker's split it learns from
    learning_rate = 0.1       # the rest: training.ranker.LearnedRanker(**...)

Every value is checked when the config is read, and an error names the key
(``models.als.factors: must be at least 1, got -8``). The few ranges only a
model knows are checked when it fits; :func:`training.job.train` reports those
under the config key too.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from features.content import ContentEncoder
from features.interactions import InteractionWeighting
from recsys.artifacts import load_model_registry
from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import InteractionKind
from recsys.evaluation.metrics import parse_metric
from recsys.models.base import Recommender

CONFIGS_DIR: Final = Path(__file__).resolve().parent / "configs"
DEFAULT_CONFIG: Final = CONFIGS_DIR / "default.toml"
#: Parameter names models use for their random seed; the config's ``seed`` fills them.
SEED_PARAMS: Final = ("random_state", "seed")
DEFAULT_METRICS: Final = ("ndcg@10", "recall@50", "precision@10", "map@10", "mrr@10")
_TOP_KEYS: Final = {"name", "seed", "promote", "split", "evaluation", "weighting", "encoder", "models", "ranker"}


class ConfigError(InvalidFieldError):
    """A training config has a missing, unknown or bad value.

    Parameters
    ----------
    key : str
        Dotted path of the key (``models.als.factors``).
    problem : str
        What is wrong.
    source : str
        The file (or ``<default>``).

    """

    def __init__(self, key: str, problem: str, source: str = "<config>") -> None:
        self.source = source
        super().__init__(key, problem)

    def __str__(self) -> str:
        return f"{self.source}: {self.field}: {self.problem}"


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model to fit.

    Parameters
    ----------
    name : str
        Its name in the artefact and in reports (the TOML table name).
    model : str
        Its registry name (``Recommender.registry``).
    params : dict
        Hyperparameters for its ``__init__``.

    """

    name: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Recommender:
        """A fresh, unfitted instance."""
        return Recommender.registry[self.model](**self.params)


@dataclass(frozen=True, slots=True)
class SplitConfig:
    """Where the hold-out starts and how the ranker's inner split is cut.

    Parameters
    ----------
    cutoff : datetime or None
        Fixed cutoff; when ``None`` it is ``holdout_days`` before the latest interaction.
    holdout_days : float
        Length of the test window when no ``cutoff`` is given.
    test_days : float or None
        Length of the test window from the cutoff; ``None`` = up to the last interaction.
    ranker_days : float
        The ranker's labels come from ``[cutoff - ranker_days, cutoff)``.
    include_running : bool
        Also rank events that are running at the cutoff, and permanent offers.

    """

    cutoff: dt.datetime | None = None
    holdout_days: float = 28.0
    test_days: float | None = None
    ranker_days: float = 28.0
    include_running: bool = False


@dataclass(frozen=True, slots=True)
class EvaluationConfig:
    """What to measure on the hold-out.

    Parameters
    ----------
    metrics : tuple of str
        Metric specs ``name@k``.
    max_users : int or None
        Evaluate a seeded sample of this many test users (``None`` = all).

    """

    metrics: tuple[str, ...] = DEFAULT_METRICS
    max_users: int | None = 5000


@dataclass(frozen=True, slots=True)
class RankerConfig:
    """The learned ranker.

    Parameters
    ----------
    enabled : bool
        Fit it at all.
    base : str
        The model whose top ``candidates`` per user the ranker re-orders.
    candidates : int
        Candidates per user.
    max_users : int or None
        Learn from a seeded sample of this many users of the ranker's split (``None`` = all).
    params : dict
        Parameters of :class:`training.ranker.LearnedRanker` (learning rate, iterations, ...).

    """

    enabled: bool = True
    base: str = "hybrid"
    candidates: int = 200
    max_users: int | None = 5000
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """A whole training config (see the module docstring for the TOML form)."""

    name: str = "default"
    seed: int = 42
    promote: bool = False
    models: tuple[ModelSpec, ...] = ()
    weighting: dict[str, Any] = field(default_factory=dict)
    encoder: dict[str, Any] = field(default_factory=dict)
    split: SplitConfig = field(default_factory=SplitConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    ranker: RankerConfig = field(default_factory=lambda: RankerConfig(enabled=False))
    source: str = "<config>"

    def model(self, name: str) -> ModelSpec:
        """The spec of the model called ``name``."""
        for spec in self.models:
            if spec.name == name:
                return spec
        raise ConfigError("models", f"no model called {name!r}", self.source)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-able data (for manifests and digests).

        ``source`` and ``promote`` are left out: they do not change what is trained.
        """
        return {
            "name": self.name,
            "seed": self.seed,
            "split": {
                "cutoff": None if self.split.cutoff is None else self.split.cutoff.isoformat(),
                "holdout_days": self.split.holdout_days,
                "test_days": self.split.test_days or 0,
                "ranker_days": self.split.ranker_days,
                "include_running": self.split.include_running,
            },
            "evaluation": {"metrics": list(self.evaluation.metrics), "max_users": self.evaluation.max_users or 0},
            "weighting": dict(self.weighting),
            "encoder": dict(self.encoder),
            "models": {s.name: {"model": s.model, **s.params} for s in self.models},
            "ranker": {
                "enabled": self.ranker.enabled,
                "base": self.ranker.base,
                "candidates": self.ranker.candidates,
                "max_users": self.ranker.max_users or 0,
                **self.ranker.params,
            },
        }


# -- reading ----------------------------------------------------------------------------------------


def load_config(path: Path | None = None) -> TrainConfig:
    """Read and check a TOML config; ``None`` reads the default config shipped with the package.

    Raises
    ------
    ConfigError
        Naming the file and key of the first problem found.

    """
    path = DEFAULT_CONFIG if path is None else Path(path)
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError("", "no such config file", source) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError("", f"cannot read: {exc}", source) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("", f"not valid TOML: {exc}", source) from exc
    return parse_config(raw, source=source)


def parse_config(raw: Mapping[str, Any], *, source: str = "<config>") -> TrainConfig:
    """Check a config already parsed from TOML (a nested mapping) and build a :class:`TrainConfig`."""
    load_model_registry()
    check = _Checker(source)
    check.known_keys("", raw, _TOP_KEYS)
    name = check.typed("name", raw.get("name", "default"), str)
    if not name or not all(c.isalnum() or c in "._-" for c in name) or not name[0].isalnum() or name != name.lower():
        raise ConfigError(
            "name", f"{name!r} is not an artefact name (lower-case letters, digits, '.', '_', '-')", source
        )
    seed = check.integer("seed", raw.get("seed", 42), minimum=0)
    promote = check.typed("promote", raw.get("promote", False), bool)
    models = _models(check, check.table("models", raw.get("models")), seed)
    if not models:
        raise ConfigError("models", "the config names no model; add a [models.<name>] table", source)
    ranker_table = raw.get("ranker")
    ranker = _ranker(check, None if ranker_table is None else check.table("ranker", ranker_table), models)
    return TrainConfig(
        name=name,
        seed=seed,
        promote=promote,
        models=models,
        weighting=_weighting(check, check.table("weighting", raw.get("weighting", {}))),
        encoder=_checked_params(check, "encoder", ContentEncoder, check.table("encoder", raw.get("encoder", {}))),
        split=_split(check, check.table("split", raw.get("split", {}))),
        evaluation=_evaluation(check, check.table("evaluation", raw.get("evaluation", {}))),
        ranker=ranker,
        source=source,
    )


class _Checker:
    """Type and range checks that raise :class:`ConfigError` naming the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(key, problem, self.source)

    def known_keys(self, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                path = f"{where}.{key}" if where else key
                raise self.fail(path, f"unknown key; expected one of {sorted(allowed)}")

    def table(self, key: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, got {type(value).__name__}")
        return value

    def typed(self, key: str, value: Any, kind: type[Any]) -> Any:
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise self.fail(key, f"must be a {kind.__name__}, got {value!r}")
        return value

    def integer(self, key: str, value: Any, *, minimum: int) -> int:
        number = int(self.typed(key, value, int))
        if number < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {number}")
        return number

    def number(self, key: str, value: Any, *, positive: bool = True) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(key, f"must be a finite number, got {value!r}")
        if (positive and value <= 0) or value < 0:
            raise self.fail(key, f"must be {'positive' if positive else 'at least 0'}, got {value}")
        return float(value)


def _models(check: _Checker, table: dict[str, Any], seed: int) -> tuple[ModelSpec, ...]:
    specs = []
    for name, params in table.items():
        key = f"models.{name}"
        params = dict(check.table(key, params))
        model = check.typed(f"{key}.model", params.pop("model", name), str)
        if model not in Recommender.registry:
            raise check.fail(
                f"{key}.model" if model != name else key,
                f"unknown model {model!r}; known: {sorted(Recommender.registry)}",
            )
        cls = Recommender.registry[model]
        params = _checked_params(check, key, cls, params)
        accepted = inspect.signature(cls.__init__).parameters
        for seed_name in SEED_PARAMS:
            if seed_name in accepted and seed_name not in params:
                params[seed_name] = seed
        specs.append(ModelSpec(name=name, model=model, params=params))
    return tuple(specs)


def _checked_params(check: _Checker, key: str, cls: type[Any], params: dict[str, Any]) -> dict[str, Any]:
    """Check parameters against ``cls.__init__`` and build one instance to let the class check them too.

    Beyond what the class checks: every number must be finite, a count (an
    integer parameter whose default is a positive integer) at least 1, and
    any number whose default is not negative at least 0.
    """
    signature = inspect.signature(cls.__init__)
    accepted = {n: p for n, p in signature.parameters.items() if n != "self"}
    for name, value in params.items():
        if name not in accepted:
            raise check.fail(f"{key}.{name}", f"unknown parameter of {cls.__name__}; it takes {sorted(accepted)}")
        default = accepted[name].default
        default_is_number = isinstance(default, int | float) and not isinstance(default, bool)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise check.fail(f"{key}.{name}", f"must be true or false, got {value!r}")
        if default_is_number and not is_number:
            raise check.fail(f"{key}.{name}", f"must be a number, got {value!r}")
        if isinstance(default, int) and default_is_number and isinstance(value, float):
            raise check.fail(f"{key}.{name}", f"must be an integer, got {value!r}")
        if not is_number:
            continue
        if not math.isfinite(value):
            raise check.fail(f"{key}.{name}", f"must be finite, got {value}")
        is_count = isinstance(default, int) and not isinstance(default, bool) and default > 0
        if is_count and isinstance(value, int) and value < 1:
            raise check.fail(f"{key}.{name}", f"must be at least 1, got {value}")
        if value < 0 and (not default_is_number or default >= 0):
            raise check.fail(f"{key}.{name}", f"must not be negative, got {value}")
    try:
        cls(**params)
    except (TypeError, ValueError) as exc:
        field_name = getattr(exc, "field", "")
        raise check.fail(f"{key}.{field_name}" if field_name else key, str(getattr(exc, "problem", exc))) from exc
    return params


def build_weighting(params: Mapping[str, Any]) -> InteractionWeighting:
    """An :class:`InteractionWeighting` from config values (kind weights keyed by kind name, e.g. ``check-in``).

    Raises
    ------
    InvalidFieldError
        For an unknown kind name or a value the weighting refuses.

    """
    params = dict(params)
    kinds = params.get("kind_weights")
    if isinstance(kinds, Mapping):
        converted = {}
        for label, weight in kinds.items():
            try:
                converted[InteractionKind.parse(str(label))] = weight
            except InvalidFieldError as exc:
                raise InvalidFieldError(f"kind_weights.{label}", exc.problem) from exc
        params["kind_weights"] = converted
    return InteractionWeighting(**params)


def _weighting(check: _Checker, params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    kinds = params.get("kind_weights")
    if kinds is not None:
        check.table("weighting.kind_weights", kinds)
    accepted = set(inspect.signature(InteractionWeighting).parameters)
    for name in params:
        if name not in accepted:
            raise check.fail(
                f"weighting.{name}", f"unknown parameter of InteractionWeighting; it takes {sorted(accepted)}"
            )
    try:
        build_weighting(params)
    except (InvalidFieldError, TypeError) as exc:
        field_name = getattr(exc, "field", "")
        raise check.fail(
            f"weighting.{field_name}" if field_name else "weighting", str(getattr(exc, "problem", exc))
        ) from exc
    return params


def _split(check: _Checker, table: dict[str, Any]) -> SplitConfig:
    check.known_keys("split", table, {"cutoff", "holdout_days", "test_days", "ranker_days", "include_running"})
    cutoff = table.get("cutoff")
    if cutoff is not None:
        if isinstance(cutoff, dt.date) and not isinstance(cutoff, dt.datetime):
            cutoff = dt.datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=dt.UTC)
        if not isinstance(cutoff, dt.datetime):
            raise check.fail("split.cutoff", f"must be a TOML date or date-time, got {cutoff!r}")
        if cutoff.tzinfo is None:
            raise check.fail("split.cutoff", "needs a time zone (write 2026-05-01T00:00:00Z)")
    return SplitConfig(
        cutoff=cutoff,
        holdout_days=check.number("split.holdout_days", table.get("holdout_days", 28.0)),
        test_days=check.number("split.test_days", table["test_days"]) if "test_days" in table else None,
        ranker_days=check.number("split.ranker_days", table.get("ranker_days", 28.0)),
        include_running=check.typed("split.include_running", table.get("include_running", False), bool),
    )


def _evaluation(check: _Checker, table: dict[str, Any]) -> EvaluationConfig:
    check.known_keys("evaluation", table, {"metrics", "max_users"})
    metrics = table.get("metrics", list(DEFAULT_METRICS))
    if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
        raise check.fail("evaluation.metrics", f"must be a non-empty list of strings like 'ndcg@10', got {metrics!r}")
    for spec in metrics:
        try:
            parse_metric(spec)
        except InvalidFieldError as exc:
            raise check.fail("evaluation.metrics", exc.problem) from exc
    max_users = check.integer("evaluation.max_users", table.get("max_users", 5000), minimum=0)
    return EvaluationConfig(metrics=tuple(metrics), max_users=max_users or None)


def _ranker(check: _Checker, table: dict[str, Any] | None, models: tuple[ModelSpec, ...]) -> RankerConfig:
    from training.ranker import LearnedRanker

    if table is None:  # no [ranker] table: no ranker
        return RankerConfig(enabled=False)
    table = dict(table)
    enabled = check.typed("ranker.enabled", table.pop("enabled", True), bool)
    base = check.typed("ranker.base", table.pop("base", "hybrid"), str)
    candidates = check.integer("ranker.candidates", table.pop("candidates", 200), minimum=1)
    max_users = check.integer("ranker.max_users", table.pop("max_users", 5000), minimum=0)
    if enabled and base not in {m.name for m in models}:
        raise check.fail("ranker.base", f"names no configured model; the config has {[m.name for m in models]}")
    params = _checked_params(check, "ranker", LearnedRanker, table)
    return RankerConfig(enabled=enabled, base=base, candidates=candidates, max_users=max_users or None, params=params)

"""A/B/n experiments: validated definitions, saved with versions, assignment, logging and results.

A definition is JSON::

    {
      "id": "diversity-2026-11",
      "description": "Does a more varied list sell more tickets?",
      "status": "running",
      "arms": [
        {"name": "control", "weight": 1, "model": "default", "settings": {"diversity": 0.0}},
        {"name": "diverse", "weight": 1, "model": "default", "settings": {"diversity": 0.3}}
      ],
      "control": "control",
      "alpha": 0.05,
      "attribution_days": 7,
      "guardrails": [
        {"metric": "dismiss_rate", "max_degradation": 0.01},
        {"metric": "coverage", "max_degradation": 0.05}
      ]
    }

Arms compare model versions (``model``: an artefact name, optionally
``name/version``) or re-ranking settings (``settings``: passed as they are to
the serving layer's re-rankers; ``diversity`` and ``exploration`` lie in
[0, 1]). ``control`` defaults to the first arm. Guardrails name a metric
(``ctr``, ``conversion``, ``dismiss_rate``, ``coverage``) and the largest
degradation against the control an arm may show, in absolute points of the
rate (0.01 = one percentage point; see :mod:`recsys.marketing.results`).

Definitions live in ``<data folder>/experiments/<id>/v<N>.json`` and the log
beside them in ``experiments/<id>/log/``. Once an experiment has exposures
its arms and weights are frozen: changing the split mid-way would bias every
comparison, so a new version may change only the description, the status,
alpha, the attribution window and the guardrails.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import validate_id
from recsys.domain.interactions import InteractionKind
from recsys.marketing.assignment import assign, cumulative_shares
from recsys.marketing.explog import ExperimentLog, ExposureRecord, LogSnapshot, OutcomeRecord
from recsys.marketing.store import NAME_PATTERN, StoredDocument, VersionedStore, check_name

#: Folder of experiments inside a data folder.
EXPERIMENTS_DIR: Final = "experiments"
#: Guardrail metrics and whether a higher value is better.
GUARDRAIL_METRICS: Final = {"ctr": True, "conversion": True, "dismiss_rate": False, "coverage": True}
#: Outcomes the log accepts (views and impressions are exposures, not outcomes).
OUTCOME_KINDS: Final = tuple(
    k.label
    for k in (
        InteractionKind.CLICK,
        InteractionKind.LIKE,
        InteractionKind.BOOKMARK,
        InteractionKind.SHARE,
        InteractionKind.TICKET,
        InteractionKind.CHECK_IN,
        InteractionKind.DISMISS,
    )
)
#: Settings whose values are shares, with the most a recommendation request accepts (``RecommendationRequest``).
SHARE_SETTINGS: Final = {"diversity": 1.0, "exploration": 0.5}
MAX_ARMS: Final = 10
MAX_EVENTS_PER_EXPOSURE: Final = 200
_FIELDS: Final = ("id", "description", "status", "arms", "control", "alpha", "attribution_days", "guardrails")
_ARM_FIELDS: Final = ("name", "weight", "model", "settings")
_MODEL_REF: Final = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}(/\d{8}T\d{6}\d{3}Z-[0-9a-f]{12})?$")
_SETTING: Final = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class Status(StrEnum):
    """Where an experiment stands: exposures are logged only while it runs."""

    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Arm:
    """One variant.

    Parameters
    ----------
    name : str
        Its name (``control``, ``diverse``).
    weight : float
        Relative share of users (normalised over the arms).
    model : str or None
        The artefact that serves it (``name`` or ``name/version``); ``None`` = the active model.
    settings : mapping
        Re-ranking settings for the serving layer (``diversity``, ``exploration``, ...).

    """

    name: str
    weight: float
    model: str | None = None
    settings: Mapping[str, float | int | str | bool] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {"name": self.name, "weight": self.weight, "model": self.model, "settings": dict(self.settings)}


@dataclass(frozen=True, slots=True)
class Guardrail:
    """A metric an arm must not degrade by more than ``max_degradation`` against the control."""

    metric: str
    max_degradation: float

    @property
    def higher_is_better(self) -> bool:
        """Whether a rise of the metric is an improvement."""
        return GUARDRAIL_METRICS[self.metric]

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {"metric": self.metric, "max_degradation": self.max_degradation}


@dataclass(frozen=True, slots=True)
class ExperimentDefinition:
    """A validated experiment definition (see the module docstring)."""

    id: str
    arms: tuple[Arm, ...]
    control: str
    description: str = ""
    status: Status = Status.DRAFT
    alpha: float = 0.05
    attribution_days: float = 7.0
    guardrails: tuple[Guardrail, ...] = ()

    @property
    def weights(self) -> list[float]:
        """The arms' weights, in order."""
        return [a.weight for a in self.arms]

    @property
    def arm_names(self) -> list[str]:
        """The arms' names, in order."""
        return [a.name for a in self.arms]

    def arm(self, name: str) -> Arm:
        """The arm called ``name``."""
        for candidate in self.arms:
            if candidate.name == name:
                return candidate
        raise InvalidFieldError("arm", f"experiment {self.id!r} has no arm {name!r}; it has {self.arm_names}")

    def assign(self, user_id: str) -> Arm:
        """The arm of ``user_id`` (deterministic: see :mod:`recsys.marketing.assignment`)."""
        return self.arms[assign(self.id, user_id, self.weights)]

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (parses back to an equal definition)."""
        return {
            "id": self.id,
            "description": self.description,
            "status": self.status.value,
            "arms": [a.to_dict() for a in self.arms],
            "control": self.control,
            "alpha": self.alpha,
            "attribution_days": self.attribution_days,
            "guardrails": [g.to_dict() for g in self.guardrails],
        }


def parse_experiment(doc: object) -> ExperimentDefinition:
    """Validate a decoded JSON experiment definition.

    Raises
    ------
    InvalidFieldError
        Naming the path of the first bad field (``arms[1].weight``).

    """
    if not isinstance(doc, Mapping):
        raise InvalidFieldError("experiment", f"an experiment definition is a JSON object, got {type(doc).__name__}")
    for key in doc:
        if key not in _FIELDS:
            raise InvalidFieldError(str(key), f"unknown field; expected some of {list(_FIELDS)}")
    for key in ("id", "arms"):
        if key not in doc:
            raise InvalidFieldError(key, "is required")
    experiment_id = check_name(doc["id"], "id")
    description = doc.get("description", "")
    if not isinstance(description, str) or len(description) > 2_000:
        raise InvalidFieldError("description", "must be text of at most 2000 characters")
    try:
        status = Status(doc.get("status", Status.DRAFT.value))
    except ValueError:
        raise InvalidFieldError("status", f"must be one of {[s.value for s in Status]}") from None
    arms = _arms(doc["arms"])
    control = doc.get("control", arms[0].name)
    if control not in [a.name for a in arms]:
        raise InvalidFieldError("control", f"must name one of the arms {[a.name for a in arms]}, got {control!r}")
    return ExperimentDefinition(
        id=experiment_id,
        arms=arms,
        control=str(control),
        description=description,
        status=status,
        alpha=_number(doc.get("alpha", 0.05), "alpha", 0.0, 0.5, low_open=True),
        attribution_days=_number(doc.get("attribution_days", 7.0), "attribution_days", 0.0, 365.0, low_open=True),
        guardrails=_guardrails(doc.get("guardrails", [])),
    )


def _arms(value: object) -> tuple[Arm, ...]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_ARMS:
        raise InvalidFieldError("arms", f"must be a list of 2 to {MAX_ARMS} arms")
    arms: list[Arm] = []
    for i, item in enumerate(value):
        path = f"arms[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidFieldError(path, "an arm is an object with a name and a weight")
        for key in item:
            if key not in _ARM_FIELDS:
                raise InvalidFieldError(f"{path}.{key}", f"unknown field; expected some of {list(_ARM_FIELDS)}")
        if "name" not in item:
            raise InvalidFieldError(f"{path}.name", "is required")
        name = item["name"]
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise InvalidFieldError(f"{path}.name", f"must be 1-64 characters of a-z, 0-9, '.', '_', '-', got {name!r}")
        if name in (a.name for a in arms):
            raise InvalidFieldError(f"{path}.name", f"repeats the arm {name!r}")
        model = item.get("model")
        if model is not None and (not isinstance(model, str) or not _MODEL_REF.match(model)):
            raise InvalidFieldError(f"{path}.model", f"must be an artefact name or name/version, got {model!r}")
        arms.append(
            Arm(
                name=name,
                weight=_number(item.get("weight", 1.0), f"{path}.weight", 0.0, 1e6, low_open=True),
                model=model,
                settings=_settings(item.get("settings", {}), f"{path}.settings"),
            )
        )
    return tuple(arms)


def _settings(value: object, path: str) -> dict[str, float | int | str | bool]:
    if not isinstance(value, Mapping):
        raise InvalidFieldError(path, "must be an object of setting names and values")
    settings: dict[str, float | int | str | bool] = {}
    for key, setting in value.items():
        where = f"{path}.{key}"
        if not isinstance(key, str) or not _SETTING.match(key):
            raise InvalidFieldError(where, "a setting name is lower case letters, digits and '_'")
        if key in SHARE_SETTINGS:
            settings[key] = _number(setting, where, 0.0, SHARE_SETTINGS[key])
        elif isinstance(setting, bool | str) or (isinstance(setting, int | float) and math.isfinite(setting)):
            settings[key] = setting
        else:
            raise InvalidFieldError(where, f"must be a number, text or true/false, got {setting!r}")
    return settings


def _guardrails(value: object) -> tuple[Guardrail, ...]:
    if not isinstance(value, list):
        raise InvalidFieldError("guardrails", "must be a list")
    found = []
    for i, item in enumerate(value):
        path = f"guardrails[{i}]"
        if not isinstance(item, Mapping):
            raise InvalidFieldError(path, "a guardrail is an object with a metric and a max_degradation")
        for key in item:
            if key not in ("metric", "max_degradation"):
                raise InvalidFieldError(f"{path}.{key}", "unknown field; expected metric and max_degradation")
        metric = item.get("metric")
        if metric not in GUARDRAIL_METRICS:
            raise InvalidFieldError(f"{path}.metric", f"must be one of {list(GUARDRAIL_METRICS)}, got {metric!r}")
        limit = _number(item.get("max_degradation"), f"{path}.max_degradation", 0.0, 1.0)
        found.append(Guardrail(str(metric), limit))
    return tuple(found)


def _number(value: object, path: str, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidFieldError(path, f"must be a number, got {value!r}")
    if value > high or value < low or (low_open and value == low):
        raise InvalidFieldError(
            path, f"must be {'above' if low_open else 'at least'} {low} and at most {high}, got {value!r}"
        )
    return float(value)


@dataclass(frozen=True, slots=True)
class SavedExperiment:
    """A definition as saved: with its version, creation time and whether this call wrote it."""

    definition: ExperimentDefinition
    version: int
    created: dt.datetime
    new: bool = False

    @property
    def id(self) -> str:
        """The experiment's id."""
        return self.definition.id

    def to_dict(self) -> dict[str, Any]:
        """The definition plus ``version`` and ``created``."""
        return {**self.definition.to_dict(), "version": self.version, "created": self.created.isoformat()}


def _saved(stored: StoredDocument) -> SavedExperiment:
    return SavedExperiment(parse_experiment(stored.body), stored.version, stored.created, stored.new)


def _now_us() -> int:
    return _to_us(dt.datetime.now(dt.UTC))


def _to_us(moment: dt.datetime, field: str = "time") -> int:
    if moment.tzinfo is None:
        raise InvalidFieldError(field, f"{moment.isoformat()} has no time zone")
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


class Experiments:
    """Create, list and read experiments, assign users, log exposures and outcomes, compute results.

    Parameters
    ----------
    data_dir : Path
        The data folder; experiments live in ``<data_dir>/experiments/``.

    """

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / EXPERIMENTS_DIR
        self.store = VersionedStore(self.root, "experiment")

    # -- definitions --

    def save(self, doc: object) -> SavedExperiment:
        """Validate and save a definition as the next version of its id (unchanged: the latest version).

        Raises
        ------
        InvalidFieldError
            For a bad definition, or a change of arms or weights once exposures are logged.

        """
        definition = parse_experiment(doc)
        latest = self.store.latest(definition.id)
        if latest is not None and self.log(definition.id).has_exposures():
            before = parse_experiment(latest.body)
            if [a.to_dict() for a in before.arms] != [a.to_dict() for a in definition.arms]:
                raise InvalidFieldError(
                    "arms",
                    f"experiment {definition.id!r} already has exposures; its arms and weights are frozen "
                    "(start a new experiment to change them)",
                )
        return _saved(self.store.save(definition.id, definition.to_dict()))

    def get(self, experiment_id: str, version: int | None = None) -> SavedExperiment:
        """One version (default: the latest); :class:`~recsys.marketing.errors.NotFoundError` when absent."""
        return _saved(self.store.load(experiment_id, version))

    def list(self) -> builtins.list[SavedExperiment]:
        """The latest version of every experiment, by id."""
        return [_saved(doc) for name in self.store.names() if (doc := self.store.latest(name)) is not None]

    def versions(self, experiment_id: str) -> builtins.list[SavedExperiment]:
        """Every version, oldest first."""
        return [self.get(experiment_id, v) for v in self.store.versions(experiment_id)]

    def set_status(self, experiment_id: str, status: Status) -> SavedExperiment:
        """Save a new version with another status (start or stop an experiment)."""
        body = self.get(experiment_id).definition.to_dict()
        return self.save({**body, "status": Status(status).value})

    # -- assignment and logging --

    def assign(self, experiment_id: str, user_id: str) -> Arm:
        """The arm ``user_id`` belongs to (the same in every process, for ever)."""
        return self.get(experiment_id).definition.assign(user_id)

    def folder(self, experiment_id: str) -> Path:
        """The experiment's folder (its versions, its log and what else belongs to it)."""
        return self.root / check_name(experiment_id, "id")

    def log(self, experiment_id: str) -> ExperimentLog:
        """The experiment's log."""
        return ExperimentLog(self.folder(experiment_id))

    def log_exposure(
        self,
        experiment_id: str,
        user_id: str,
        event_ids: Sequence[str],
        *,
        arm: str | None = None,
        time: dt.datetime | None = None,
        placement: str | None = None,
    ) -> ExposureRecord:
        """Record that ``user_id`` was shown ``event_ids`` (durable when it returns).

        Parameters
        ----------
        experiment_id : str
            A running experiment.
        user_id : str
            Pseudonymous id.
        event_ids : sequence of str
            What was shown, in order.
        arm : str, optional
            The arm the caller served; checked against the assignment (default: the assignment).
        time : datetime, optional
            When (aware); default now.
        placement : str, optional
            The widget placement.

        Raises
        ------
        InvalidFieldError
            When the experiment is not running, the arm is not the user's, or an id is bad.

        """
        try:
            return self.log_exposures(experiment_id, [(user_id, list(event_ids), arm, time, placement)])[0]
        except InvalidFieldError as exc:
            raise InvalidFieldError(exc.field.removeprefix("exposures[0]."), exc.problem) from None

    def log_exposures(
        self,
        experiment_id: str,
        rows: Iterable[tuple[str, Sequence[str], str | None, dt.datetime | None, str | None]],
    ) -> builtins.list[ExposureRecord]:
        """Record many exposures ``(user_id, event_ids, arm, time, placement)`` in one durable write."""
        definition = self._running(experiment_id)
        records = []
        for i, (user_id, event_ids, arm, time, placement) in enumerate(rows):
            where = f"exposures[{i}]"
            _check_id(user_id, f"{where}.user_id", "user_id")
            if not event_ids or len(event_ids) > MAX_EVENTS_PER_EXPOSURE:
                raise InvalidFieldError(f"{where}.event_ids", f"give 1 to {MAX_EVENTS_PER_EXPOSURE} event ids")
            for j, event_id in enumerate(event_ids):
                _check_id(event_id, f"{where}.event_ids[{j}]", "event_id")
            expected = definition.assign(user_id).name
            if arm is not None and arm != expected:
                raise InvalidFieldError(f"{where}.arm", f"user {user_id!r} belongs to arm {expected!r}, not {arm!r}")
            when = _now_us() if time is None else _to_us(time, f"{where}.time")
            records.append(ExposureRecord(expected, user_id, tuple(event_ids), when, placement))
        self.log(experiment_id).append_exposures(records)
        return records

    def log_outcome(
        self,
        experiment_id: str,
        user_id: str,
        event_id: str,
        kind: str,
        *,
        time: dt.datetime | None = None,
    ) -> OutcomeRecord:
        """Record what ``user_id`` did with ``event_id`` (``click``, ``ticket``, ``check-in``, ``dismiss``, ...).

        Outcomes are counted for an arm when the event was shown to the user
        in the experiment at most ``attribution_days`` before.

        Raises
        ------
        InvalidFieldError
            For an unknown kind or a bad id.

        """
        try:
            return self.log_outcomes(experiment_id, [(user_id, event_id, kind, time)])[0]
        except InvalidFieldError as exc:
            raise InvalidFieldError(exc.field.removeprefix("outcomes[0]."), exc.problem) from None

    def log_outcomes(
        self, experiment_id: str, rows: Iterable[tuple[str, str, str, dt.datetime | None]]
    ) -> builtins.list[OutcomeRecord]:
        """Record many outcomes ``(user_id, event_id, kind, time)`` in one durable write."""
        definition = self.get(experiment_id).definition
        records = []
        for i, (user_id, event_id, kind, time) in enumerate(rows):
            where = f"outcomes[{i}]"
            _check_id(user_id, f"{where}.user_id", "user_id")
            _check_id(event_id, f"{where}.event_id", "event_id")
            label = kind.strip().lower().replace("_", "-") if isinstance(kind, str) else kind
            if label not in OUTCOME_KINDS:
                raise InvalidFieldError(f"{where}.kind", f"must be one of {list(OUTCOME_KINDS)}, got {kind!r}")
            when = _now_us() if time is None else _to_us(time, f"{where}.time")
            records.append(OutcomeRecord(definition.assign(user_id).name, user_id, event_id, label, when))
        self.log(experiment_id).append_outcomes(records)
        return records

    def read_log(self, experiment_id: str) -> LogSnapshot:
        """Everything logged for an experiment."""
        self.get(experiment_id)  # refuse unknown experiments
        return self.log(experiment_id).read()

    def _running(self, experiment_id: str) -> ExperimentDefinition:
        definition = self.get(experiment_id).definition
        if definition.status is not Status.RUNNING:
            raise InvalidFieldError(
                "experiment",
                f"experiment {experiment_id!r} is {definition.status.value}; exposures are logged only while it runs",
            )
        cumulative_shares(definition.weights)
        return definition


def _check_id(value: object, path: str, kind: str) -> None:
    if not isinstance(value, str):
        raise InvalidFieldError(path, f"must be text, got {value!r}")
    try:
        validate_id(value, kind)
    except InvalidFieldError as exc:
        raise InvalidFieldError(path, exc.problem) from None

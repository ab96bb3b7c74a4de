"""A simulated A/B experiment on the synthetic Flemish season, with a known answer.

Users of a synthetic season (:mod:`recsys.synthetic`) replay its documented
behavioural model against recommendation lists from two (or more) arms:

1. a season is generated; models are trained on the interactions before the
   experiment's start ``t0`` (ALS and popularity, each arm picks one, with an
   optional diversity re-rank);
2. every user gets each arm's top-``n`` list over the events open at ``t0``
   that had interactions before it (both arms rank the same candidates),
   leaving out what the user already interacted with;
3. each user is assigned an arm by the experiment's hash
   (:mod:`recsys.marketing.assignment`) and visits once, at a uniform moment
   in the ``days`` after ``t0``;
4. for every event on the list the behavioural model gives the chance of a
   view (intent, distance, lead time, weekend, age and language, exactly the
   terms of ``docs/synthetic-data.md``), of a click given the view, of a
   ticket given the click (price, distance, sold-out dates), of a check-in
   given the ticket, and of a dismissal of a view without click; outcomes are
   drawn with a seeded generator and written through the experiment log,
   as the serving layer would (:meth:`Experiments.log_exposures`);
5. the results come from the log with :func:`experiment_results`.

Because every user's probabilities are known under every arm, the
simulation also knows the **built-in difference**: the expected rate of each
arm over the whole population (``1 - prod(1 - p)`` over the list, averaged
over users), whose difference is the true effect the experiment estimates.
The results page shows it beside the measured difference and its interval.
The behavioural model has no position bias and no fatigue: every shown event
is considered, as in one agenda session.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import DEFAULT_KIND_WEIGHTS, InteractionKind
from recsys.marketing.assignment import assign_many
from recsys.marketing.experiments import ExperimentDefinition, Experiments
from recsys.marketing.results import ExperimentResults, experiment_results
from recsys.marketing.truth import ArmTruth, SimulationTruth, save_truth
from recsys.models.als import ALSRecommender
from recsys.models.base import Recommender
from recsys.models.data import TrainingData
from recsys.models.popularity import PopularityRecommender
from recsys.synthetic.clock import DAY, HOUR, day_epoch
from recsys.synthetic.config import SeasonConfig
from recsys.synthetic.season import SyntheticSeason, generate_season
from recsys.vocabulary import IdVocabulary

#: Models an arm can use.
ARM_MODELS: Final = ("als", "popularity")
#: Candidates per user the diversity re-rank chooses from.
RERANK_POOL: Final = 50
_US: Final = 1_000_000
_ARM_SPEC: Final = re.compile(r"^([a-z0-9][a-z0-9._-]{0,63})=([a-z]+)((?::[a-z_]+=[0-9.]+)*)$")

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ArmPlan:
    """How one simulated arm builds its lists.

    Parameters
    ----------
    name : str
        The arm's name.
    model : str
        ``als`` or ``popularity``.
    diversity : float
        Weight of the discipline-diversity penalty in [0, 1] (0: the model's order).
    weight : float
        Relative share of users.

    """

    name: str
    model: str
    diversity: float = 0.0
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.model not in ARM_MODELS:
            raise InvalidFieldError("arm.model", f"must be one of {list(ARM_MODELS)}, got {self.model!r}")
        if not 0.0 <= self.diversity <= 1.0:
            raise InvalidFieldError("arm.diversity", f"must lie in [0, 1], got {self.diversity}")
        if not self.weight > 0:
            raise InvalidFieldError("arm.weight", f"must be positive, got {self.weight}")

    @classmethod
    def parse(cls, spec: str) -> ArmPlan:
        """Read ``name=model[:diversity=0.5][:weight=2]`` (e.g. ``treatment=als:diversity=0.3``).

        Raises
        ------
        InvalidFieldError
            When the text does not have that form.

        """
        found = _ARM_SPEC.match(spec.strip())
        if not found:
            raise InvalidFieldError("arm", f"write an arm as name=model[:diversity=0.5][:weight=1], got {spec!r}")
        options: dict[str, float] = {}
        for part in filter(None, found.group(3).split(":")):
            key, _, value = part.partition("=")
            if key not in ("diversity", "weight"):
                raise InvalidFieldError("arm", f"unknown arm option {key!r} in {spec!r}; use diversity or weight")
            try:
                options[key] = float(value)
            except ValueError:
                raise InvalidFieldError("arm", f"{key} must be a number in {spec!r}") from None
        return cls(found.group(1), found.group(2), **options)

    def describe(self) -> str:
        """Short text for tables and the report."""
        return f"{self.model}" + (f", diversity {self.diversity:g}" if self.diversity else "")


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """What to simulate.

    Parameters
    ----------
    users : int
        Users of the synthetic season (all take part).
    seed : int
        Seed of the season, the models and every draw.
    arms : tuple of ArmPlan
        The arms; the first is the control.
    list_size : int
        Events per list.
    start : date
        ``t0``: training data ends and the experiment starts (midnight UTC);
        by default mid-season, so the models learn from four months of history.
    days : int
        Length of the experiment; each user visits once within it.
    season_start, season_end : date
        The synthetic season.
    factors, iterations : int
        ALS size.
    experiment_id : str
        Id of the simulated experiment (salts the assignment).

    """

    users: int = 2_000
    seed: int = 7
    arms: tuple[ArmPlan, ...] = (ArmPlan("control", "popularity"), ArmPlan("treatment", "als"))
    list_size: int = 10
    start: dt.date = dt.date(2026, 1, 12)
    days: int = 14
    season_start: dt.date = dt.date(2025, 9, 1)
    season_end: dt.date = dt.date(2026, 6, 30)
    factors: int = 32
    iterations: int = 10
    experiment_id: str = "simulated"

    def __post_init__(self) -> None:
        if self.users < 10:
            raise InvalidFieldError("users", f"simulate at least 10 users, got {self.users}")
        if len(self.arms) < 2:
            raise InvalidFieldError("arms", "an experiment needs at least two arms")
        if len({a.name for a in self.arms}) != len(self.arms):
            raise InvalidFieldError("arms", "arm names must differ")
        if not 1 <= self.list_size <= 50:
            raise InvalidFieldError("list_size", f"must be between 1 and 50, got {self.list_size}")
        if not 1 <= self.days <= 90:
            raise InvalidFieldError("days", f"must be between 1 and 90, got {self.days}")
        if not self.season_start + dt.timedelta(days=28) <= self.start < self.season_end:
            raise InvalidFieldError("start", "the experiment must start at least 4 weeks into the season")

    def definition(self) -> dict[str, Any]:
        """The experiment definition the simulation logs under."""
        return {
            "id": self.experiment_id,
            "description": "Simulated on the synthetic Flemish season: "
            + " vs ".join(f"{a.name} ({a.describe()})" for a in self.arms),
            "status": "running",
            "arms": [
                {
                    "name": a.name,
                    "weight": a.weight,
                    "model": None,
                    "settings": {"model": a.model, "diversity": a.diversity},
                }
                for a in self.arms
            ],
            "control": self.arms[0].name,
            "alpha": 0.05,
            "attribution_days": 7,
            "guardrails": [
                {"metric": "dismiss_rate", "max_degradation": 0.02},
                {"metric": "coverage", "max_degradation": 0.2},
            ],
        }


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """A simulated experiment and what it was built to show.

    Parameters
    ----------
    config : SimulationConfig
        What was simulated.
    definition : ExperimentDefinition
        The experiment as logged.
    results : ExperimentResults
        Computed from the log, as for a real experiment.
    truth : list of ArmTruth
        Expected rates per arm over all users (the built-in effect).
    candidates : int
        Events the arms ranked.
    log_folder : str
        Where the exposures and outcomes were written.
    timings : dict of str to float
        Seconds per step.

    """

    config: SimulationConfig
    definition: ExperimentDefinition
    results: ExperimentResults
    truth: list[ArmTruth]
    candidates: int
    log_folder: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def note(self) -> str:
        """How the experiment was simulated, in one line (the top of its results page)."""
        return simulation_note(self.config, self.candidates)

    def built_in_difference(self, metric: str, arm: str | None = None) -> float:
        """The true difference of ``arm`` (default: the second) minus the control on ``metric``."""
        control = self.truth[0]
        other = self.truth[1] if arm is None else next(t for t in self.truth if t.name == arm)
        value: float = getattr(other, metric) - getattr(control, metric)
        return value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "config": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(self.config).items()},
            "truth": [asdict(t) for t in self.truth],
            "candidates": self.candidates,
            "results": self.results.to_dict(),
            "timings": self.timings,
        }


def simulation_note(config: SimulationConfig, candidates: int) -> str:
    """One line on how an experiment was simulated."""
    return (
        f"Simulated: {config.users:,} users of a synthetic Flemish season (seed {config.seed}) replay its behavioural "
        f"model against {len(config.arms)} arms; models trained on the interactions before {config.start}, "
        f"lists of {config.list_size} over {candidates:,} open events, one visit per user within "
        f"{config.days} days."
    )


def simulate_experiment(
    config: SimulationConfig | None = None, data_dir: Path | None = None, progress: Progress | None = None
) -> SimulationResult:
    """Run a simulated experiment (see the module docstring).

    Parameters
    ----------
    config : SimulationConfig, optional
        Defaults to 2,000 users, popularity (control) against ALS.
    data_dir : Path, optional
        Data folder whose ``experiments/`` receives the definition, the log
        and the built-in truth (:mod:`recsys.marketing.truth`, so the
        dashboard and ``recsys experiments results`` show it too); a
        temporary folder (removed afterwards) when ``None``.
    progress : callable, optional
        Called with the name of each step.

    """
    config = config or SimulationConfig()
    say = progress or (lambda step: None)
    timings: dict[str, float] = {}

    def timed(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)

    started = time.perf_counter()
    say("generating the synthetic season")
    season = generate_season(
        SeasonConfig(
            seed=config.seed,
            n_users=config.users,
            season_start=config.season_start,
            season_end=config.season_end,
        )
    )
    world = _World.build(season, config)
    timed("season", started)

    started = time.perf_counter()
    say("training the arms' models")
    models = {name: _fit(name, world, config) for name in {a.model for a in config.arms}}
    timed("training", started)

    started = time.perf_counter()
    say("building every arm's lists")
    lists = {arm.name: _lists(models[arm.model], world, config.list_size, arm.diversity) for arm in config.arms}
    timed("lists", started)

    started = time.perf_counter()
    say("replaying the behavioural model")
    rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(901,)))
    visit = world.t0 + rng.integers(0, config.days * DAY, size=world.n_users)
    probabilities = {name: world.response(shown, visit, rng) for name, shown in lists.items()}
    truth = [
        ArmTruth(a.name, *(float(np.mean(_any(p))) for p in probabilities[a.name].as_tuple())) for a in config.arms
    ]
    assigned = assign_many(config.experiment_id, world.user_ids, [a.weight for a in config.arms])
    timed("behaviour", started)

    started = time.perf_counter()
    say("logging exposures and outcomes")
    with _folder(data_dir) as folder:
        service = Experiments(folder)
        saved = service.save(config.definition())
        _log(service, config, world, lists, probabilities, assigned, visit, rng)
        save_truth(
            service.folder(config.experiment_id),
            SimulationTruth(tuple(truth), simulation_note(config, len(world.candidates))),
        )
        results = experiment_results(saved.definition, service.read_log(config.experiment_id))
        log_folder = str(service.log(config.experiment_id).folder)
    timed("logging and results", started)
    return SimulationResult(
        config=config,
        definition=saved.definition,
        results=results,
        truth=truth,
        candidates=len(world.candidates),
        log_folder=log_folder,
        timings=timings,
    )


class _folder:
    """The given data folder, or a temporary one removed on exit."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        if self.path is not None:
            return Path(self.path)
        self._tmp = tempfile.TemporaryDirectory(prefix="recsys-simulation-")
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


@dataclass(frozen=True, slots=True)
class _Probabilities:
    """Per user and list position: chance of a click, of a conversion and of a dismissal."""

    click: npt.NDArray[np.float64]
    conversion: npt.NDArray[np.float64]
    dismiss: npt.NDArray[np.float64]
    view: npt.NDArray[np.float64]
    click_given_view: npt.NDArray[np.float64]
    ticket_given_click: npt.NDArray[np.float64]
    checkin_given_ticket: npt.NDArray[np.float64]
    dismiss_given_view: npt.NDArray[np.float64]
    slot_time: npt.NDArray[np.int64]

    def as_tuple(self) -> tuple[npt.NDArray[np.float64], ...]:
        return self.click, self.conversion, self.dismiss


def _any(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Chance of at least one success per user, from independent per-item chances (rows)."""
    return np.asarray(1.0 - np.prod(1.0 - p, axis=1), dtype=np.float64)


@dataclass(frozen=True, eq=False)
class _World:
    """The season seen from ``t0``: training data, open candidates and the behavioural model."""

    season: SyntheticSeason
    t0: int  # epoch seconds
    user_ids: list[str]
    event_ids: list[str]
    training: TrainingData
    candidates: npt.NDArray[np.int64]  # event indices

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @classmethod
    def build(cls, season: SyntheticSeason, config: SimulationConfig) -> _World:
        t0 = day_epoch(config.start)
        table = season.interactions()
        user_ids = season.users.column("user_id").combine_chunks()
        event_ids = pa.array([e.id for e in season.events], pa.string())
        before = pc.less(table.column("timestamp"), pa.scalar(t0 * _US, pa.timestamp("us", tz="UTC")))
        past = table.filter(before)
        users = np.asarray(pc.index_in(past.column("user_id"), value_set=user_ids).to_numpy(), dtype=np.int64)
        events = np.asarray(pc.index_in(past.column("event_id"), value_set=event_ids).to_numpy(), dtype=np.int64)
        kinds = np.asarray(past.column("kind").to_numpy(), dtype=np.int64)
        weight_of = np.zeros(max(InteractionKind) + 1, dtype=np.float32)
        for kind, weight in DEFAULT_KIND_WEIGHTS.items():
            weight_of[kind] = weight
        matrix = sp.csr_matrix(
            (weight_of[kinds], (users, events)), shape=(len(user_ids), len(event_ids)), dtype=np.float32
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        training = TrainingData(
            users=IdVocabulary(user_ids, "user"),
            events=IdVocabulary(event_ids, "event"),
            matrix=matrix,
            reference_time_us=t0 * _US,
        )
        warm = np.diff(sp.csr_matrix(matrix.multiply(matrix > 0)).tocsc().indptr) > 0
        return cls(
            season=season,
            t0=t0,
            user_ids=[str(u) for u in user_ids.to_pylist()],
            event_ids=[str(e) for e in event_ids.to_pylist()],
            training=training,
            candidates=_open_at(season, t0, warm),
        )

    def response(
        self, shown: npt.NDArray[np.int64], visit: npt.NDArray[np.int64], rng: np.random.Generator
    ) -> _Probabilities:
        """The behavioural model's chances for every (user, listed event) at the user's visit."""
        model = self.season.model
        p = model.params
        ev = model.events
        n_users, n = shown.shape
        users = np.repeat(np.arange(n_users, dtype=np.int64), n)
        events = np.maximum(shown.ravel(), 0)
        t = np.repeat(visit, n)
        # The date the user would go (as in the season's step 3); an undated offer a few days later.
        lag = np.where(ev.dated[events], 0, rng.exponential(p.visit_lag_days * DAY, events.size)).astype(np.int64)
        gap = int(p.min_gap_hours * HOUR)
        slot = model.exposure.next_slot(events, t + gap + lag)
        retry = (slot < 0) & ~ev.dated[events]
        slot[retry] = model.exposure.next_slot(events[retry], t[retry] + gap)
        valid = (slot >= 0) & (shown.ravel() >= 0)
        slot = np.maximum(slot, 0)
        slot_time = ev.slot_start[slot]
        valid &= ~ev.dated[events] | (slot_time - t <= p.horizon_days * DAY)
        # The view score of docs/synthetic-data.md step 4, from the season's own terms (its private
        # helpers, so the replay cannot drift from the model that generated the season).
        intent = self.season.ground_truth.intent(users, events)
        distance = model._distance_term(users, events)
        score = intent + distance + model._lead_term(events, t, slot_time)
        score += np.float32(np.log(p.weekend_boost)) * model.exposure.slot_weekend[slot]
        with np.errstate(divide="ignore"):
            score += np.log(model._age_factor(users, events)).astype(np.float32)
        score += np.log(np.array([1.0, p.french_factor, p.english_factor], dtype=np.float32))[ev.language[events]]
        view = np.where(valid, np.minimum(p.view_cap, p.view_scale * np.exp(score.astype(np.float64))), 0.0)
        click = _sigmoid(p.click_intercept + p.click_slope * intent)
        uitpas = model.population.uitpas[users] & ~np.isnan(ev.uitpas_price[events])
        price = np.nan_to_num(np.where(uitpas, ev.uitpas_price[events], ev.base_price[events]), nan=10.0)
        ticket = (
            _sigmoid(
                p.ticket_intercept
                + p.ticket_slope * intent
                - p.ticket_price_slope * np.log1p(price)
                + p.ticket_distance_slope * distance
            )
            * ev.slot_bookable[slot]
        )
        checkin = np.where(model.population.uitpas[users], p.checkin_rate_uitpas, p.checkin_rate)
        dismiss = p.dismiss_rate * 2.0 * _sigmoid(-intent)
        shape = (n_users, n)
        return _Probabilities(
            click=(view * click).reshape(shape),
            conversion=(view * click * ticket).reshape(shape),
            dismiss=(view * (1.0 - click) * dismiss).reshape(shape),
            view=view.reshape(shape),
            click_given_view=click.reshape(shape),
            ticket_given_click=ticket.reshape(shape),
            checkin_given_ticket=checkin.reshape(shape),
            dismiss_given_view=dismiss.reshape(shape),
            slot_time=slot_time.reshape(shape),
        )


def _sigmoid(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64))), dtype=np.float64)


def _open_at(season: SyntheticSeason, t0: int, warm: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Events public at ``t0`` with a date within the horizon, that had interactions before ``t0``."""
    model = season.model
    ev = model.events
    p = model.params
    events = np.arange(len(ev), dtype=np.int64)
    slot = model.exposure.next_slot(events, np.full(len(ev), t0 + int(p.min_gap_hours * HOUR)))
    ok = (slot >= 0) & ev.visible & (ev.available_from <= t0) & warm
    lead = ev.slot_start[np.maximum(slot, 0)] - t0
    ok &= ~ev.dated | (lead <= p.horizon_days * DAY)
    return np.flatnonzero(ok)


def _fit(name: str, world: _World, config: SimulationConfig) -> Recommender:
    if name == "als":
        return ALSRecommender(
            factors=config.factors,
            iterations=config.iterations,
            regularization=0.05,
            alpha=2.0,
            random_state=config.seed,
            num_threads=1,
        ).fit(world.training)
    return PopularityRecommender(half_life_days=None).fit(world.training)


def _lists(model: Recommender, world: _World, n: int, diversity: float, block: int = 2_048) -> npt.NDArray[np.int64]:
    """Every user's top-``n`` over the candidates (event indices, ``-1`` padding), re-ranked for diversity."""
    candidates = world.candidates
    discipline = world.season.ground_truth.event_discipline[candidates].astype(np.int64)
    pool = min(RERANK_POOL if diversity > 0 else n, len(candidates))
    out = np.full((world.n_users, n), -1, dtype=np.int64)
    if pool == 0:
        return out
    seen = world.training.matrix
    for start in range(0, world.n_users, block):
        rows = np.arange(start, min(start + block, world.n_users), dtype=np.int32)
        scores = model.score_users(rows)[:, candidates].astype(np.float64)
        hit = seen[rows][:, candidates].tocoo()
        scores[hit.row, hit.col] = -np.inf
        part = np.argpartition(-scores, pool - 1, axis=1)[:, :pool]
        top = np.take_along_axis(part, np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable"), 1)
        top_scores = np.take_along_axis(scores, top, axis=1)
        picks = _diversify(top_scores, discipline[top], n, diversity) if diversity > 0 else top[:, :n]
        if diversity > 0:
            picks = np.take_along_axis(top, picks, axis=1)
        chosen = candidates[picks]
        chosen[~np.isfinite(np.take_along_axis(scores, picks, axis=1))] = -1
        out[rows, : chosen.shape[1]] = chosen
    return out


def _diversify(
    scores: npt.NDArray[np.float64], discipline: npt.NDArray[np.int64], n: int, weight: float
) -> npt.NDArray[np.int64]:
    """Greedy re-rank of each row: relevance (min-max within the row) minus ``weight`` x share of picks in the same discipline.

    A simple stand-in for the serving layer's diversity re-ranker, vectorised over users.
    """
    rows, pool = scores.shape
    finite = np.where(np.isfinite(scores), scores, np.nan)
    low = np.nanmin(finite, axis=1, keepdims=True)
    high = np.nanmax(finite, axis=1, keepdims=True)
    relevance = np.where(np.isfinite(scores), (scores - low) / np.maximum(high - low, 1e-12), -np.inf)
    counts = np.zeros((rows, int(discipline.max()) + 1), dtype=np.float64)
    taken = np.zeros((rows, pool), dtype=np.bool_)
    picks = np.zeros((rows, min(n, pool)), dtype=np.int64)
    index = np.arange(rows)
    for step in range(picks.shape[1]):
        penalty = np.take_along_axis(counts, discipline, axis=1) / max(step, 1)
        value = (1.0 - weight) * relevance - weight * penalty
        value[taken] = -np.inf
        best = np.argmax(value, axis=1)
        picks[:, step] = best
        taken[index, best] = True
        counts[index, discipline[index, best]] += 1.0
    return picks


def _log(
    service: Experiments,
    config: SimulationConfig,
    world: _World,
    lists: dict[str, npt.NDArray[np.int64]],
    probabilities: dict[str, _Probabilities],
    assigned: npt.NDArray[np.int64],
    visit: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> None:
    """Draw each user's reactions to their own arm's list and log exposures and outcomes."""
    arms = [a.name for a in config.arms]
    exposures = []
    outcomes: list[tuple[str, str, str, dt.datetime | None]] = []
    for user in range(world.n_users):
        shown = lists[arms[int(assigned[user])]][user]
        ids = [world.event_ids[e] for e in shown[shown >= 0]]
        if ids:
            exposures.append((world.user_ids[user], ids, None, _utc(visit[user]), "simulation"))
    service.log_exposures(config.experiment_id, exposures)
    for a, name in enumerate(arms):
        members = np.flatnonzero(assigned == a)
        prob = probabilities[name]
        shown = lists[name][members]
        draws = rng.random((5, *shown.shape))
        viewed = draws[0] < prob.view[members]
        clicked = viewed & (draws[1] < prob.click_given_view[members])
        ticket = clicked & (draws[2] < prob.ticket_given_click[members])
        checkin = ticket & (draws[3] < prob.checkin_given_ticket[members])
        dismissed = viewed & ~clicked & (draws[4] < prob.dismiss_given_view[members])
        base = visit[members][:, None]
        offsets = {
            "click": base + rng.integers(5, 121, shown.shape),
            "dismiss": base + rng.integers(1, 21, shown.shape),
        }
        offsets["ticket"] = offsets["click"] + rng.integers(60, 1_201, shown.shape)
        offsets["check-in"] = prob.slot_time[members] + rng.integers(0, 1_201, shown.shape)
        for kind, hit in (("click", clicked), ("ticket", ticket), ("check-in", checkin), ("dismiss", dismissed)):
            for r, c in zip(*np.nonzero(hit & (shown >= 0)), strict=True):
                user = int(members[r])
                outcomes.append(
                    (world.user_ids[user], world.event_ids[int(shown[r, c])], kind, _utc(offsets[kind][r, c]))
                )
    service.log_outcomes(config.experiment_id, outcomes)


def _utc(seconds: np.integer[Any] | int) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)

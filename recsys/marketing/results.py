"""Results of an experiment: per-arm rates with intervals, tests against the control, SRM and guardrails.

The unit of analysis is the **user**, as the unit of assignment is: per arm,

- ``users``: distinct users exposed (shown at least one list);
- ``ctr`` (click-through): the share of exposed users who clicked at least one
  event shown to them in the experiment;
- ``conversion``: the share who bought a ticket for, or checked in at, an
  event shown to them;
- ``dismiss_rate``: the share who dismissed an event shown to them;
- ``coverage``: the share of all events shown in the experiment that this arm
  showed (a narrow arm shows the same few events to everyone).

An outcome counts when the event was shown to the same user in the
experiment at most ``attribution_days`` before it. Rates come with Wilson
intervals; every arm is compared with the control by a two-proportion z-test
(with the Wald interval of the difference), and all arms together by a
chi-square test (for two arms the same p-value as the z-test). The
sample-ratio-mismatch check compares users per arm with the configured
weights. A guardrail is **breached** when an arm's metric is worse than the
control's by more than ``max_degradation`` (point estimates; the interval of
the difference is reported beside it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Final

import polars as pl

from recsys.marketing.experiments import ExperimentDefinition
from recsys.marketing.explog import LogSnapshot
from recsys.marketing.stats import (
    ChiSquareTest,
    ProportionTest,
    SampleRatioCheck,
    chi_square_test,
    sample_ratio_mismatch,
    two_proportion_test,
    wilson_interval,
)

DAY_US: Final = 86_400 * 1_000_000
CONVERSION_KINDS: Final = ("ticket", "check-in")
#: Rate metrics compared between arms.
RATE_METRICS: Final = ("ctr", "conversion", "dismiss_rate")


@dataclass(frozen=True, slots=True)
class Rate:
    """A share of users with its confidence interval."""

    successes: int
    users: int
    value: float
    low: float
    high: float

    @classmethod
    def of(cls, successes: int, users: int, confidence: float) -> Rate:
        """The rate ``successes / users`` with its Wilson interval."""
        low, high = wilson_interval(successes, users, confidence)
        return cls(successes, users, successes / users if users else 0.0, low, high)


@dataclass(frozen=True, slots=True)
class ArmResult:
    """What one arm did.

    Parameters
    ----------
    name : str
        The arm.
    weight_share : float
        Its configured share of users.
    users, exposures, impressions : int
        Users exposed, lists shown, events shown.
    clicks : int
        Attributed clicks (all, not users).
    ctr, conversion, dismiss_rate : Rate
        Shares of exposed users.
    coverage : float
        Distinct events shown by the arm / distinct events shown in the experiment.
    clicks_per_impression : float
        Attributed clicks per event shown (descriptive; not independent across a user's lists).

    """

    name: str
    weight_share: float
    users: int
    exposures: int
    impressions: int
    clicks: int
    ctr: Rate
    conversion: Rate
    dismiss_rate: Rate
    coverage: float
    clicks_per_impression: float


@dataclass(frozen=True, slots=True)
class Comparison:
    """One arm against the control on one metric."""

    arm: str
    metric: str
    test: ProportionTest
    significant: bool


@dataclass(frozen=True, slots=True)
class GuardrailResult:
    """One guardrail for one arm.

    Parameters
    ----------
    arm, metric : str
        What was checked.
    control, value : float
        The metric in the control and in the arm.
    degradation : float
        How much worse the arm is (negative: better).
    max_degradation : float
        The allowed degradation.
    breached : bool
        ``degradation > max_degradation``.
    low, high : float or None
        Interval of the arm-minus-control difference (rate metrics only).

    """

    arm: str
    metric: str
    control: float
    value: float
    degradation: float
    max_degradation: float
    breached: bool
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """Cumulative users exposed per arm at the end of one time bucket."""

    time: str
    users: dict[str, int]


@dataclass(frozen=True, slots=True)
class ExperimentResults:
    """Everything the results page and the API show for an experiment.

    Parameters
    ----------
    experiment : dict
        The definition (canonical JSON).
    arms : list of ArmResult
        Per arm, in definition order.
    comparisons : list of Comparison
        Every non-control arm against the control, per rate metric.
    ctr_test, conversion_test : ChiSquareTest
        All arms together (chi-square of independence).
    srm : SampleRatioCheck
        Users per arm against the weights.
    guardrails : list of GuardrailResult
        Per guardrail and non-control arm.
    timeline : list of TimelinePoint
        Cumulative exposed users per arm over time.
    first_exposure, last_exposure : str or None
        ISO times.
    users_in_several_arms : int
        Users logged in more than one arm (should be 0; a logging bug otherwise).
    skipped_lines : int
        Log lines that did not parse.
    confidence : float
        ``1 - alpha``: the level of every interval.

    """

    experiment: dict[str, Any]
    arms: list[ArmResult]
    comparisons: list[Comparison]
    ctr_test: ChiSquareTest
    conversion_test: ChiSquareTest
    srm: SampleRatioCheck
    guardrails: list[GuardrailResult]
    timeline: list[TimelinePoint]
    first_exposure: str | None
    last_exposure: str | None
    users_in_several_arms: int
    skipped_lines: int
    confidence: float
    notes: list[str] = field(default_factory=list)

    def arm(self, name: str) -> ArmResult:
        """The result of arm ``name``."""
        return next(a for a in self.arms if a.name == name)

    def comparison(self, arm: str, metric: str) -> Comparison:
        """The comparison of ``arm`` with the control on ``metric``."""
        return next(c for c in self.comparisons if c.arm == arm and c.metric == metric)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def _iso(us: int | None) -> str | None:
    return None if us is None else dt.datetime.fromtimestamp(us / 1e6, tz=dt.UTC).isoformat()


def experiment_results(definition: ExperimentDefinition, log: LogSnapshot) -> ExperimentResults:
    """Compute the results of ``definition`` from its log.

    Parameters
    ----------
    definition : ExperimentDefinition
        Arms, weights, control, alpha, attribution window and guardrails.
    log : LogSnapshot
        Exposures and outcomes (:meth:`ExperimentLog.read`).

    """
    confidence = 1.0 - definition.alpha
    exposures = log.exposures
    names = definition.arm_names
    shown = (
        exposures.select("arm", "user_id", "time_us", pl.col("event_ids").alias("event_id"))
        .explode("event_id")
        .drop_nulls("event_id")
    )
    first_shown = shown.group_by("arm", "user_id", "event_id").agg(pl.col("time_us").min().alias("shown_us"))
    window = int(definition.attribution_days * DAY_US)
    attributed = (
        log.outcomes.select("user_id", "event_id", "kind", "time_us")
        .join(first_shown, on=["user_id", "event_id"], how="inner")
        .filter((pl.col("time_us") >= pl.col("shown_us")) & (pl.col("time_us") <= pl.col("shown_us") + window))
    )
    users = _count_by_arm(exposures.select("arm", "user_id").unique())
    lists = _count_by_arm(exposures)
    impressions = _count_by_arm(shown)
    clicks = _count_by_arm(attributed.filter(pl.col("kind") == "click"))
    clickers = _users_by_arm(attributed.filter(pl.col("kind") == "click"))
    converters = _users_by_arm(attributed.filter(pl.col("kind").is_in(CONVERSION_KINDS)))
    dismissers = _users_by_arm(attributed.filter(pl.col("kind") == "dismiss"))
    distinct = shown.select("arm", "event_id").unique()
    all_events = max(distinct.select("event_id").n_unique(), 1)
    per_arm_events = _count_by_arm(distinct)
    total_weight = sum(definition.weights)

    arms = [
        ArmResult(
            name=name,
            weight_share=definition.arm(name).weight / total_weight,
            users=users.get(name, 0),
            exposures=lists.get(name, 0),
            impressions=impressions.get(name, 0),
            clicks=clicks.get(name, 0),
            ctr=Rate.of(clickers.get(name, 0), users.get(name, 0), confidence),
            conversion=Rate.of(converters.get(name, 0), users.get(name, 0), confidence),
            dismiss_rate=Rate.of(dismissers.get(name, 0), users.get(name, 0), confidence),
            coverage=per_arm_events.get(name, 0) / all_events,
            clicks_per_impression=clicks.get(name, 0) / impressions[name] if impressions.get(name) else 0.0,
        )
        for name in names
    ]
    control = next(a for a in arms if a.name == definition.control)
    comparisons = [
        Comparison(arm.name, metric, test, test.p_value < definition.alpha)
        for arm in arms
        if arm.name != control.name
        for metric in RATE_METRICS
        for test in [_compare(control, arm, metric, confidence)]
    ]
    several = exposures.select("arm", "user_id").unique().group_by("user_id").len().filter(pl.col("len") > 1).height
    times = exposures.get_column("time_us")
    notes = []
    srm = sample_ratio_mismatch([a.users for a in arms], definition.weights)
    if srm.flagged:
        notes.append(
            f"sample-ratio mismatch (p = {srm.p_value:.2g}): users per arm do not follow the weights; "
            "check assignment and logging before trusting any other number"
        )
    if several:
        notes.append(f"{several} user(s) were logged in more than one arm")
    return ExperimentResults(
        experiment=definition.to_dict(),
        arms=arms,
        comparisons=comparisons,
        ctr_test=chi_square_test([a.ctr.successes for a in arms], [a.users for a in arms]),
        conversion_test=chi_square_test([a.conversion.successes for a in arms], [a.users for a in arms]),
        srm=srm,
        guardrails=_guardrails(definition, arms, control, comparisons),
        timeline=_timeline(exposures, names),
        first_exposure=_iso(times.min()) if len(times) else None,  # type: ignore[arg-type]
        last_exposure=_iso(times.max()) if len(times) else None,  # type: ignore[arg-type]
        users_in_several_arms=several,
        skipped_lines=log.skipped_lines,
        confidence=confidence,
        notes=notes,
    )


def _count_by_arm(frame: pl.DataFrame) -> dict[str, int]:
    counted = frame.group_by("arm").len()
    return dict(zip(counted.get_column("arm").to_list(), counted.get_column("len").to_list(), strict=True))


def _users_by_arm(frame: pl.DataFrame) -> dict[str, int]:
    counted = frame.group_by("arm").agg(pl.col("user_id").n_unique().alias("n"))
    return dict(zip(counted.get_column("arm").to_list(), counted.get_column("n").to_list(), strict=True))


def _rate(arm: ArmResult, metric: str) -> Rate:
    rate: Rate = getattr(arm, metric)
    return rate


def _compare(control: ArmResult, arm: ArmResult, metric: str, confidence: float) -> ProportionTest:
    a, b = _rate(control, metric), _rate(arm, metric)
    return two_proportion_test(a.successes, a.users, b.successes, b.users, confidence)


def _guardrails(
    definition: ExperimentDefinition, arms: list[ArmResult], control: ArmResult, comparisons: list[Comparison]
) -> list[GuardrailResult]:
    found = []
    for guard in definition.guardrails:
        for arm in arms:
            if arm.name == control.name:
                continue
            if guard.metric == "coverage":
                before, after, low, high = control.coverage, arm.coverage, None, None
            else:
                before, after = _rate(control, guard.metric).value, _rate(arm, guard.metric).value
                test = next(c.test for c in comparisons if c.arm == arm.name and c.metric == guard.metric)
                low, high = test.low, test.high
            degradation = (before - after) if guard.higher_is_better else (after - before)
            found.append(
                GuardrailResult(
                    arm=arm.name,
                    metric=guard.metric,
                    control=before,
                    value=after,
                    degradation=degradation,
                    max_degradation=guard.max_degradation,
                    breached=degradation > guard.max_degradation,
                    low=low,
                    high=high,
                )
            )
    return found


def _timeline(exposures: pl.DataFrame, names: list[str], points: int = 60) -> list[TimelinePoint]:
    """Cumulative distinct users per arm, at up to ``points`` evenly spaced moments."""
    if exposures.is_empty():
        return []
    first = exposures.group_by("arm", "user_id").agg(pl.col("time_us").min())
    start = int(first.get_column("time_us").min())  # type: ignore[arg-type]
    end = int(first.get_column("time_us").max())  # type: ignore[arg-type]
    step = max((end - start) // points, 1)
    bucket = first.with_columns(((pl.col("time_us") - start) // step).clip(0, points).alias("bucket"))
    counts = bucket.group_by("arm", "bucket").len()
    timeline = []
    running = dict.fromkeys(names, 0)
    per_bucket: dict[int, dict[str, int]] = {}
    for arm, b, n in counts.iter_rows():
        per_bucket.setdefault(int(b), {})[str(arm)] = int(n)
    for b in range(points + 1):
        for arm, n in per_bucket.get(b, {}).items():
            running[arm] = running.get(arm, 0) + n
        timeline.append(TimelinePoint(_iso(min(start + (b + 1) * step, end)) or "", dict(running)))
    return timeline

"""Experiments in the serving path: a request's arm, the list it showed, and outcomes from interactions.

A recommendation request that names a running experiment is served with the
person's arm (the hash assignment of :mod:`recsys.marketing.assignment`): the
arm's re-ranking settings replace the request's, and the list shown is logged
as an exposure. Interactions the server receives later from a person with
exposures in a running experiment become that experiment's outcomes when
they concern an event shown to them.

A request without an experiment never reaches this module. For interactions,
the running experiments are looked up at most once a second, and each one's
exposure log is followed from where it was last read (one ``stat`` while it
does not grow), so the server also sees exposures logged through
``POST /v1/experiments/{id}/exposures`` or by another process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from recsys.domain.errors import InvalidFieldError, RecsysError
from recsys.domain.interactions import Interaction
from recsys.marketing.errors import NotFoundError
from recsys.marketing.experiments import (
    MAX_EVENTS_PER_EXPOSURE,
    OUTCOME_KINDS,
    Arm,
    ExperimentDefinition,
    Experiments,
    Status,
)
from recsys.ranking.request import RecommendationRequest
from serving.errors import ServingError
from serving.shown_pairs import ShownPairs

#: Arm settings the serving layer applies to a request; others are for the caller to act on.
APPLIED_SETTINGS: Final = ("diversity", "exploration")
#: Seconds a definition, or the list of running experiments, is reused before it is read again.
REFRESH_S: Final = 1.0
#: The problem type of a request for an arm whose model this server does not run.
ARM_ELSEWHERE: Final = "arm-served-elsewhere"
#: What the ``experiment`` parameter does (OpenAPI).
EXPERIMENT_DESCRIPTION: Final = (
    "Id of an A/B/n experiment. While it runs, the person (the user, or `visitor_id` / `user_id`) gets "
    "the arm a hash of their id and the experiment assigns; the arm's re-ranking settings (`diversity`, "
    "`exploration`) replace the request's, the list is logged as an exposure, and the response names "
    "`experiment` and `arm`. A draft or stopped experiment, or a request without a person's id, is served "
    "as usual (`arm` null). An unknown experiment is a 422; an arm whose model this server does not run, a 409."
)

_log = logging.getLogger("serving.experiments")


def serves_model(arm: Arm, model: tuple[str, str] | None) -> bool:
    """Whether a server running artefact ``(name, version)`` can serve ``arm``.

    It can when the arm names no model (the active one) or names this
    artefact, by name or as ``name/version``.
    """
    if arm.model is None:
        return True
    if model is None:
        return False
    name, version = model
    return arm.model in (name, f"{name}/{version}")


def with_settings(request: RecommendationRequest, arm: Arm) -> RecommendationRequest:
    """``request`` with the arm's re-ranking settings in place of its own."""
    if not any(key in arm.settings for key in APPLIED_SETTINGS):
        return request
    return dataclasses.replace(
        request,
        diversity=float(arm.settings.get("diversity", request.diversity)),
        exploration=float(arm.settings.get("exploration", request.exploration)),
    )


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A request as it is served: its (possibly changed) parameters, and its experiment and arm, if any.

    Parameters
    ----------
    request : RecommendationRequest
        What to serve (with the arm's settings applied).
    experiment : str or None
        The running experiment the request takes part in.
    arm : Arm or None
        The person's arm.
    user_id : str or None
        The person the arm was assigned to.

    """

    request: RecommendationRequest
    experiment: str | None = None
    arm: Arm | None = None
    user_id: str | None = None

    def fields(self) -> dict[str, str | None]:
        """The response's ``experiment`` and ``arm`` (both null outside an experiment)."""
        if self.arm is None:
            return {"experiment": None, "arm": None}
        return {"experiment": self.experiment, "arm": self.arm.name}


@dataclass
class _Shown:
    """What one experiment showed to whom, followed through its exposure log."""

    offset: int = 0
    # 8 to 16 bytes per (person, event) pair: a long experiment on a busy widget holds millions.
    pairs: ShownPairs = field(default_factory=ShownPairs)


class ExperimentTracker:
    """One server's view of its experiments: arms of requests, exposures, outcomes from interactions.

    Parameters
    ----------
    data_dir : Path
        The data folder; experiments live in ``<data_dir>/experiments/``.
    refresh_s : float
        How long a definition (or the list of running experiments) is reused.

    """

    def __init__(self, data_dir: Path, *, refresh_s: float = REFRESH_S) -> None:
        self.experiments = Experiments(data_dir)
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._definitions: dict[str, tuple[float, ExperimentDefinition]] = {}
        self._running: tuple[float, list[ExperimentDefinition]] | None = None
        self._shown: dict[str, _Shown] = {}

    def invalidate(self) -> None:
        """Forget the definitions read so far (a new version was saved through this server)."""
        with self._lock:
            self._definitions.clear()
            self._running = None

    # -- requests --

    def definition(self, experiment_id: str) -> ExperimentDefinition:
        """The latest definition of an experiment (read at most once per ``refresh_s``).

        Raises
        ------
        InvalidFieldError
            With field ``experiment``, when there is no such experiment.

        """
        now = time.monotonic()
        with self._lock:
            cached = self._definitions.get(experiment_id)
        if cached is not None and now - cached[0] < self.refresh_s:
            return cached[1]
        try:
            definition = self.experiments.get(experiment_id).definition
        except (NotFoundError, InvalidFieldError):
            raise InvalidFieldError(
                "experiment", f"there is no experiment {experiment_id!r} (create it with POST /v1/experiments)"
            ) from None
        with self._lock:
            self._definitions[experiment_id] = (now, definition)
        return definition

    def enrol(
        self,
        experiment_id: str,
        user_id: str | None,
        request: RecommendationRequest,
        model: tuple[str, str] | None,
    ) -> Enrolment:
        """The arm of ``user_id`` in a running experiment, with its settings applied to ``request``.

        Parameters
        ----------
        experiment_id : str
            The experiment the caller named.
        user_id : str or None
            The person (``None``: an anonymous visitor without consent, served outside the experiment).
        request : RecommendationRequest
            The request as the caller sent it.
        model : tuple of str, optional
            ``(name, version)`` of the artefact this server runs.

        Raises
        ------
        InvalidFieldError
            When the experiment does not exist (field ``experiment``).
        ServingError
            409 when the person's arm names a model this server does not run.

        """
        definition = self.definition(experiment_id)
        if definition.status is not Status.RUNNING or user_id is None:
            return Enrolment(request)
        arm = definition.assign(user_id)
        if not serves_model(arm, model):
            running = "no model" if model is None else f"{model[0]}/{model[1]}"
            raise ServingError(
                409,
                f"experiment: {user_id!r} belongs to arm {arm.name!r} of {definition.id!r}, served by model "
                f"{arm.model!r}; this server runs {running}. Send the request to a server running that model "
                f"(GET /v1/experiments/{definition.id}/assignment tells a back end the arm and its model).",
                slug=ARM_ELSEWHERE,
                field="experiment",
            )
        return Enrolment(with_settings(request, arm), definition.id, arm, user_id)

    def expose(self, enrolment: Enrolment, event_ids: Sequence[str], moment: dt.datetime, placement: str) -> bool:
        """Log the list an enrolled request showed; False when nothing was logged (no arm, empty list)."""
        if enrolment.arm is None or enrolment.experiment is None or enrolment.user_id is None or not event_ids:
            return False
        shown = list(event_ids)[:MAX_EVENTS_PER_EXPOSURE]
        try:
            self.experiments.log_exposures(
                enrolment.experiment, [(enrolment.user_id, shown, enrolment.arm.name, moment, placement)]
            )
        except (RecsysError, OSError) as exc:
            # Stopped or removed between the assignment and now, or the disk failed: the list is served
            # all the same; it is just not part of the experiment.
            _log.warning("exposure not logged in %s: %s", enrolment.experiment, exc)
            return False
        with self._lock:
            followed = self._shown.get(enrolment.experiment)
            if followed is not None:
                followed.pairs.add(enrolment.user_id, shown)
            if self._running is not None and all(d.id != enrolment.experiment for d in self._running[1]):
                self._running = None  # started since the last look: its outcomes count from the next batch
        return True

    # -- interactions --

    def record_outcomes(self, interactions: Sequence[Interaction]) -> int:
        """Record, in every running experiment, the interactions on events it showed to the same person.

        Only outcome kinds count (click, like, bookmark, share, ticket,
        check-in, dismiss). Pass each interaction once: those the interaction
        log newly stored (``WriteResult.new_rows``), so a retried batch records
        nothing twice, even after a restart. The interactions are stored
        already, so a failure here is logged and swallowed. Returns how many
        outcomes were written.
        """
        relevant = [i for i in interactions if i.kind.label in OUTCOME_KINDS]
        if not relevant:
            return 0
        written = 0
        try:
            for definition in self._running_experiments():
                written += self._record(definition.id, relevant)
        except (OSError, RecsysError) as exc:
            _log.warning("outcomes not recorded: %s", exc)
        return written

    def _record(self, experiment_id: str, interactions: Sequence[Interaction]) -> int:
        with self._lock:
            shown = self._follow(experiment_id)
            matched = [i for i in interactions if shown.pairs.shown(i.user_id, i.event_id)]
        if not matched:
            return 0
        rows = [(i.user_id, i.event_id, i.kind.label, i.timestamp) for i in matched]
        self.experiments.log_outcomes(experiment_id, rows)
        return len(rows)

    def _follow(self, experiment_id: str) -> _Shown:
        """The experiment's exposures, brought up to date with its log (call under the lock)."""
        shown = self._shown.setdefault(experiment_id, _Shown())
        records, shown.offset = self.experiments.log(experiment_id).exposures_since(shown.offset)
        for record in records:
            shown.pairs.add(record.user_id, record.event_ids)
        return shown

    def _running_experiments(self) -> list[ExperimentDefinition]:
        now = time.monotonic()
        with self._lock:
            if self._running is not None and now - self._running[0] < self.refresh_s:
                return self._running[1]
        running = [s.definition for s in self.experiments.list() if s.definition.status is Status.RUNNING]
        with self._lock:
            self._running = (now, running)
            # Stopped experiments take no more outcomes: let go of what they showed.
            for gone in set(self._shown) - {d.id for d in running}:
                del self._shown[gone]
        return running

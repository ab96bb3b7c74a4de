"""The built-in truth of a simulated experiment, kept beside its log so every results page can show it.

A simulation knows what each arm should achieve over the whole population
(:mod:`recsys.marketing.simulation`). Saved as
``<experiment folder>/simulation.json`` next to the definition and the log,
it lets the CLI and the dashboard render the same page as the simulation's
own report: the measured difference with its interval beside the built-in one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from recsys.marketing.results import RATE_METRICS

#: The file, in the experiment's folder.
TRUTH_FILE: Final = "simulation.json"
#: Metrics a simulation knows the truth of: the rates the results compare.
TRUTH_METRICS: Final = RATE_METRICS


@dataclass(frozen=True, slots=True)
class ArmTruth:
    """What the behavioural model expects of an arm over the whole population (not just its users)."""

    name: str
    ctr: float
    conversion: float
    dismiss_rate: float


@dataclass(frozen=True, slots=True)
class SimulationTruth:
    """The expected rates of every arm, and a line saying how the simulation was run.

    Parameters
    ----------
    arms : tuple of ArmTruth
        Per arm, in the experiment's order (the control first).
    note : str
        How it was simulated (shown at the top of the results page).

    """

    arms: tuple[ArmTruth, ...]
    note: str = ""

    def expected(self) -> dict[str, dict[str, float]]:
        """Per arm, the expected ``ctr``, ``conversion`` and ``dismiss_rate`` (what the report takes)."""
        return {a.name: {m: float(getattr(a, m)) for m in TRUTH_METRICS} for a in self.arms}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"arms": [asdict(a) for a in self.arms], "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimulationTruth:
        """Read what :meth:`to_dict` wrote."""
        arms = tuple(ArmTruth(str(a["name"]), *(float(a[m]) for m in TRUTH_METRICS)) for a in data["arms"])
        return cls(arms, str(data.get("note", "")))


def save_truth(folder: Path, truth: SimulationTruth) -> Path:
    """Write ``truth`` into an experiment's folder (atomically: a temporary file renamed into place)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TRUTH_FILE
    tmp = folder / f".{TRUTH_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(truth.to_dict(), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_truth(folder: Path) -> SimulationTruth | None:
    """The saved truth of an experiment, or ``None`` for an experiment that was not simulated."""
    try:
        data = json.loads((Path(folder) / TRUTH_FILE).read_text(encoding="utf-8"))
        return SimulationTruth.from_dict(data)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return None  # a damaged file only loses the built-in markers, never the results page

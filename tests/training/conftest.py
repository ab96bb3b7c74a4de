"""A small synthetic season shared by the training tests (generated once per session)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from recsys.stores.workspace import Workspace
from recsys.synthetic.config import SeasonConfig
from recsys.synthetic.season import generate_season

#: A quick config: every kind of model, small factor counts, the ranker on.
FAST_CONFIG: dict[str, Any] = {
    "name": "fast",
    "seed": 7,
    "split": {"holdout_days": 42, "ranker_days": 42},
    "evaluation": {"metrics": ["ndcg@10", "recall@50", "mrr@10"], "max_users": 0},
    "weighting": {"half_life_days": 90.0},
    "models": {
        "popularity": {},
        "als": {"factors": 8, "iterations": 4},
        "content": {},
        "hybrid": {"factors": 8, "iterations": 4},
    },
    "ranker": {"base": "hybrid", "candidates": 40, "max_iter": 20, "min_samples_leaf": 5},
}


def _write_season(folder: Path, n_users: int) -> None:
    season = generate_season(
        SeasonConfig(seed=11, n_users=n_users, season_start=dt.date(2025, 9, 1), season_end=dt.date(2026, 6, 30))
    )
    with Workspace(folder) as workspace:
        workspace.catalogue.put_places(season.places)
        workspace.catalogue.put_organizers(season.organizers)
        workspace.catalogue.put_events(season.events)
        workspace.catalogue.put_users(season.iter_users())
        for batch in season.iter_interaction_batches():
            workspace.interactions.append(batch)


@pytest.fixture(scope="session")
def season_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("season") / "data"
    _write_season(folder, 300)
    return folder


@pytest.fixture
def season(season_template: Path, tmp_path: Path) -> Path:
    """A private copy of the 300-user season (tests write artefacts into it)."""
    target = tmp_path / "data"
    shutil.copytree(season_template, target)
    shutil.rmtree(target / "artifacts", ignore_errors=True)
    (target / "artifacts").mkdir()
    return target

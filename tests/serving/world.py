"""A small trained world for the serving tests: a season, a model trained up to NOW, API keys."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from recsys.stores.workspace import Workspace
from recsys.synthetic.config import SeasonConfig
from recsys.synthetic.season import generate_season
from serving.keys import KeyStore, Scope
from training.config import parse_config
from training.job import train

#: The server's clock in the tests (mid-season: plenty of past and future).
NOW: Final = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
ORIGIN: Final = "https://agenda.example"

FAST_CONFIG: dict[str, Any] = {
    "name": "default",
    "seed": 7,
    "promote": True,
    "split": {"cutoff": NOW, "ranker_days": 42},
    "evaluation": {"metrics": ["ndcg@10"], "max_users": 200},
    "weighting": {"half_life_days": 90.0},
    "models": {
        "popularity": {},
        "als": {"factors": 8, "iterations": 4},
        "content": {},
        "hybrid": {"factors": 8, "iterations": 4},
    },
    "ranker": {"base": "hybrid", "candidates": 40, "max_iter": 20, "min_samples_leaf": 5},
}


@dataclass(frozen=True)
class World:
    """A data folder with a promoted model and one key per scope."""

    path: Path
    keys: dict[str, str]

    def save(self) -> None:
        (self.path / "test-keys.json").write_text(json.dumps(self.keys), encoding="utf-8")

    @classmethod
    def at(cls, path: Path) -> World:
        return cls(path, json.loads((path / "test-keys.json").read_text(encoding="utf-8")))


def build_world(folder: Path, n_users: int = 300) -> World:
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
        train(workspace, parse_config(FAST_CONFIG))
    store = KeyStore(folder / "api-keys.json")
    keys = {
        "public": store.create(Scope.PUBLIC, name="widget", origins=[ORIGIN])[0],
        "public_any": store.create(Scope.PUBLIC, name="widget anywhere")[0],
        "server": store.create(Scope.SERVER, name="back end")[0],
        "admin": store.create(Scope.ADMIN, name="operator")[0],
    }
    world = World(folder, keys)
    world.save()
    return world

"""A small synthetic season, as flat tables and as a real workspace (built once per session)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from recsys.stores.batches import EVENTS_TABLE_SCHEMA, InteractionArrays, event_row, flat_table
from recsys.stores.workspace import Workspace
from recsys.synthetic import SeasonConfig, SyntheticSeason, generate_season

CONFIG = SeasonConfig(seed=7, n_users=300, n_events=400)


@dataclass(frozen=True)
class StoredSeason:
    """A season written into a workspace, with what the stores export."""

    season: SyntheticSeason
    path: Path
    events: pa.Table
    arrays: InteractionArrays


@pytest.fixture(scope="session")
def season() -> SyntheticSeason:
    return generate_season(CONFIG)


@pytest.fixture(scope="session")
def events(season: SyntheticSeason) -> pa.Table:
    """The season's events table, built the way the catalogues build it."""
    return flat_table(EVENTS_TABLE_SCHEMA, [event_row(e) for e in season.events])


@pytest.fixture(scope="session")
def stored(season: SyntheticSeason, tmp_path_factory: pytest.TempPathFactory) -> StoredSeason:
    path = tmp_path_factory.mktemp("features-world")
    with Workspace(path) as ws:
        ws.catalogue.put_places(season.places)
        ws.catalogue.put_organizers(season.organizers)
        ws.catalogue.put_events(season.events)
        ws.catalogue.put_users(season.iter_users())
        for batch in season.iter_interaction_batches():
            ws.interactions.append(batch)
        return StoredSeason(season, path, ws.catalogue.events_table(), ws.interactions.export_arrays())

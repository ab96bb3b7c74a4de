"""Small synthetic seasons shared by the tests of this package (built once per session)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest

from recsys.synthetic import SeasonConfig, SyntheticSeason, generate_season


@dataclass(frozen=True)
class Generated:
    """A season with its interactions and row indices of users and events per interaction."""

    season: SyntheticSeason
    table: pa.Table
    user: npt.NDArray[np.int64]
    event: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int8]
    time_us: npt.NDArray[np.int64]


def build(config: SeasonConfig) -> Generated:
    season = generate_season(config)
    table = season.interactions()
    user_row = {u: i for i, u in enumerate(season.users.column("user_id").to_pylist())}
    event_row = {e.id: i for i, e in enumerate(season.events)}
    return Generated(
        season=season,
        table=table,
        user=np.array([user_row[u] for u in table.column("user_id").to_pylist()], dtype=np.int64),
        event=np.array([event_row[e] for e in table.column("event_id").to_pylist()], dtype=np.int64),
        kind=table.column("kind").to_numpy(),
        time_us=table.column("timestamp").cast(pa.int64()).to_numpy(),
    )


SMALL = SeasonConfig(seed=11, n_users=800, n_events=500)


@pytest.fixture(scope="session")
def small() -> Generated:
    """800 users, 500 events, about 40,000 interactions."""
    return build(SMALL)

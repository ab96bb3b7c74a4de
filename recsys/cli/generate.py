"""``recsys generate``: write a synthetic Flemish cultural season into a data folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from recsys.cli.progress import advance_to, console, progress_bar
from recsys.cli.report import print_written
from recsys.stores.protocols import WriteResult
from recsys.stores.workspace import Workspace
from recsys.synthetic.config import SeasonConfig
from recsys.synthetic.season import generate_season


def current_season_start(today: dt.date) -> dt.date:
    """Return 1 September of the cultural season that holds ``today``."""
    year = today.year if today.month >= 9 else today.year - 1
    return dt.date(year, 9, 1)


def write_season(data_dir: Path, config: SeasonConfig) -> None:
    """Generate a season and store its catalogue, users and interactions.

    Ids are deterministic, so running it twice with the same config stores
    everything once.
    """
    with progress_bar() as progress:
        task = progress.add_task("building catalogue and population", total=None)
        season = generate_season(config)
        progress.update(task, total=1, completed=1)
    with Workspace.from_env(data_dir) as workspace:
        catalogue = workspace.catalogue
        console.print(f"Season {config.season_start} to {config.season_end}, seed {config.seed}")
        places = catalogue.put_places(season.places)
        organizers = catalogue.put_organizers(season.organizers)
        events = catalogue.put_events(season.events)
        users = catalogue.put_users(season.iter_users())
        written, unchanged = 0, 0
        with progress_bar() as progress:
            task = progress.add_task("simulating interactions (users)", total=config.n_users)
            for batch in season.iter_interaction_batches(lambda done, total: advance_to(progress, task, done, total)):
                result: WriteResult = workspace.interactions.append(batch)
                written += result.written
                unchanged += result.unchanged
    print_written("places", places.written, places.unchanged)
    print_written("organisers", organizers.written, organizers.unchanged)
    print_written("events", events.written, events.unchanged)
    print_written("users", users.written, users.unchanged)
    print_written("interactions", written, unchanged)

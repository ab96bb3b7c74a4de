"""Load GroupLens MovieLens 100K into the project's domain model.

Ratings become interactions of kind ``rating`` (stars in ``value``), movies
become permanent ``Film`` offers with a film theme from their first genre,
and users keep their age band. The files are read from where they lie; they
are never copied into the project.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from recsys.domain.events import Calendar, CalendarType, Event
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.domain.language import LanguageMap
from recsys.domain.users import AgeBand, User

FILM_TYPE = "0.50.6.0.0"
GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
)  # fmt: skip
#: MovieLens genre -> publiq film theme.
GENRE_THEMES = {
    "Action": "1.7.2.0.0",
    "Adventure": "1.7.2.0.0",
    "Animation": "1.7.12.0.0",
    "Children's": "1.7.12.0.0",
    "Comedy": "1.7.3.0.0",
    "Crime": "1.7.15.0.0",
    "Documentary": "1.7.1.0.0",
    "Drama": "1.7.4.0.0",
    "Fantasy": "1.7.7.0.0",
    "Film-Noir": "1.7.15.0.0",
    "Horror": "1.7.6.0.0",
    "Musical": "1.7.10.0.0",
    "Mystery": "1.7.15.0.0",
    "Romance": "1.7.4.0.0",
    "Sci-Fi": "1.7.7.0.0",
    "Thriller": "1.7.15.0.0",
    "War": "1.7.8.0.0",
    "Western": "1.7.8.0.0",
}


@dataclass(frozen=True, slots=True)
class MovieLensData:
    """MovieLens 100K in domain form.

    Parameters
    ----------
    interactions : pyarrow.Table
        100,000 ratings with :data:`INTERACTION_SCHEMA` (kind ``rating``).
    events : list of Event
        The 1,682 movies as permanent film offers.
    users : list of User
        The 943 users with their age band.
    genres : dict[str, tuple[str, ...]]
        Movie id -> its MovieLens genres (for diversity metrics).

    """

    interactions: pa.Table
    events: list[Event]
    users: list[User]
    genres: dict[str, tuple[str, ...]]


def load_movielens_100k(folder: Path, ratings_file: str = "u.data") -> MovieLensData:
    """Read MovieLens 100K from ``folder``.

    Parameters
    ----------
    folder : Path
        The ``ml-100k`` folder with ``u.data``, ``u.item`` and ``u.user``.
    ratings_file : str
        Which ratings file to read (``u.data``, ``u1.base``, ...).

    Returns
    -------
    MovieLensData
        Ratings, movies and users.

    """
    for name in (ratings_file, "u.item", "u.user"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"MovieLens file {folder / name} not found")
    events, genres = _read_movies(folder / "u.item")
    return MovieLensData(
        interactions=read_ratings(folder / ratings_file),
        events=events,
        users=_read_users(folder / "u.user"),
        genres=genres,
    )


def read_ratings(path: Path) -> pa.Table:
    """Read a tab-separated MovieLens ratings file into :data:`INTERACTION_SCHEMA`."""
    raw = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=["user", "item", "rating", "ts"]),
        parse_options=pacsv.ParseOptions(delimiter="\t"),
        convert_options=pacsv.ConvertOptions(
            column_types={"user": pa.string(), "item": pa.string(), "rating": pa.float32(), "ts": pa.int64()}
        ),
    )
    users = raw.column("user").to_pylist()
    items = raw.column("item").to_pylist()
    ids = pa.array([f"ml-{u}-{i}" for u, i in zip(users, items, strict=True)], type=pa.string())
    n = raw.num_rows
    micros = np.asarray(raw.column("ts").to_numpy(), dtype=np.int64) * 1_000_000
    return pa.Table.from_arrays(
        [
            ids,
            raw.column("user").combine_chunks(),
            raw.column("item").combine_chunks(),
            pa.array(np.full(n, InteractionKind.RATING.value, dtype=np.int8)),
            pa.array(micros, type=pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            raw.column("rating").combine_chunks(),
            pa.nulls(n, pa.string()),
            pa.nulls(n, pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )


def _read_movies(path: Path) -> tuple[list[Event], dict[str, tuple[str, ...]]]:
    events: list[Event] = []
    genres: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="iso-8859-1").splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        movie_id, title, released = fields[0], fields[1], fields[2]
        flags = fields[5:24]
        movie_genres = tuple(g for g, flag in zip(GENRES, flags, strict=False) if flag == "1")
        genres[movie_id] = movie_genres
        theme = next((GENRE_THEMES[g] for g in movie_genres if g in GENRE_THEMES), None)
        created = _release_date(released)
        events.append(
            Event(
                id=movie_id,
                name=LanguageMap.single(title, "en"),
                calendar=Calendar(CalendarType.PERMANENT),
                type_id=FILM_TYPE,
                theme_id=theme,
                labels=movie_genres,
                created=created,
            )
        )
    return events, genres


def _release_date(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, "%d-%b-%Y").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def _read_users(path: Path) -> list[User]:
    users = []
    for line in path.read_text(encoding="iso-8859-1").splitlines():
        if line.strip():
            user_id, age, *_ = line.split("|")
            users.append(User(id=user_id, age_band=AgeBand.from_age(int(age))))
    return users

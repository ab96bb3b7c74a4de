"""Load the Kaggle Event Recommendation Engine Challenge files into the domain model.

Each row of ``train.csv`` says a user was shown an event and whether they
clicked "interested" or "not interested". It becomes one interaction: ``like``
for interested, ``dismiss`` for not interested, ``impression`` otherwise;
whether the user was invited is kept in the interaction's context.
``test.csv`` rows are candidate lists to rank (no labels).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from recsys.data.timestamps import parse_timestamps
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.domain.users import AgeBand, User

#: The competition ran in late 2012; ages are taken at that time.
REFERENCE_YEAR = 2012


@dataclass(frozen=True, slots=True)
class KaggleEventsData:
    """The challenge's files in domain form.

    Parameters
    ----------
    train : pyarrow.Table
        Labelled impressions with :data:`INTERACTION_SCHEMA`.
    test : pyarrow.Table
        Candidate impressions to rank (same schema, kind ``impression``).
    users : list of User
        Users with an age band where the birth year is plausible.
    user_attributes : pyarrow.Table
        The raw ``users.csv`` columns (locale, gender, joinedAt, location, timezone).

    """

    train: pa.Table
    test: pa.Table
    users: list[User]
    user_attributes: pa.Table


def load_kaggle_events(folder: Path) -> KaggleEventsData:
    """Read ``train.csv``, ``test.csv`` and ``users.csv`` from ``folder``."""
    for name in ("train.csv", "test.csv", "users.csv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"Kaggle event file {folder / name} not found")
    attributes = pacsv.read_csv(
        folder / "users.csv",
        convert_options=pacsv.ConvertOptions(column_types={"user_id": pa.string(), "birthyear": pa.string()}),
    )
    return KaggleEventsData(
        train=read_impressions(folder / "train.csv", labelled=True),
        test=read_impressions(folder / "test.csv", labelled=False),
        users=_users(attributes),
        user_attributes=attributes,
    )


def read_impressions(path: Path, *, labelled: bool) -> pa.Table:
    """Read ``train.csv`` (``labelled``) or ``test.csv`` into :data:`INTERACTION_SCHEMA`."""
    raw = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={"user": pa.string(), "event": pa.string(), "timestamp": pa.string(), "invited": pa.int8()}
        ),
    )
    n = raw.num_rows
    kinds = np.full(n, InteractionKind.IMPRESSION.value, dtype=np.int8)
    if labelled:
        kinds[np.asarray(raw.column("interested").to_numpy()) == 1] = InteractionKind.LIKE.value
        kinds[np.asarray(raw.column("not_interested").to_numpy()) == 1] = InteractionKind.DISMISS.value
    parsed = parse_timestamps(raw.column("timestamp"))
    if parsed.problems:
        first = min(parsed.problems)
        raise ValueError(f"{path}: line {first + 2}: field timestamp: {parsed.problems[first]}")
    prefix = "kaggle-train" if labelled else "kaggle-test"
    # The same user may be shown the same event twice (at different times):
    # the file's line number keeps each impression distinct and re-imports idempotent.
    ids = pa.array([f"{prefix}-line{line}" for line in range(2, n + 2)], type=pa.string())
    invited = json.dumps({"invited": True})
    context = pc.if_else(pc.equal(raw.column("invited"), 1), invited, pa.scalar(None, pa.string()))
    return pa.Table.from_arrays(
        [
            ids,
            raw.column("user").combine_chunks(),
            raw.column("event").combine_chunks(),
            pa.array(kinds),
            parsed.values,
            pa.array(np.full(n, np.nan, dtype=np.float32)),
            pa.nulls(n, pa.string()),
            context.combine_chunks().cast(pa.string()),
        ],
        schema=INTERACTION_SCHEMA,
    )


def _users(attributes: pa.Table) -> list[User]:
    users = []
    for user_id, birthyear in zip(
        attributes.column("user_id").to_pylist(), attributes.column("birthyear").to_pylist(), strict=True
    ):
        users.append(User(id=user_id, age_band=_age_band(birthyear)))
    return users


def _age_band(birthyear: str | None) -> AgeBand | None:
    if birthyear is None or not birthyear.isdigit():
        return None
    age = REFERENCE_YEAR - int(birthyear)
    # The site's birth years include placeholders (e.g. 1900s); keep plausible ages only.
    return AgeBand.from_age(age) if 5 <= age <= 100 else None

import datetime as dt
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recsys.data.tabular import InteractionColumns, UserColumns, read_interactions, read_users
from recsys.domain.errors import InvalidFieldError
from recsys.domain.interactions import INTERACTION_SCHEMA, InteractionKind
from recsys.domain.users import AgeBand

COLUMNS = InteractionColumns(user="user", event="event", kind="kind", timestamp="ts", value="rating")


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rows_import_and_each_bad_row_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "user,event,kind,ts,rating\n"
        "u1,e1,view,2024-10-01T12:00:00+02:00,\n"
        "u1,e2,check_in,2024-10-01T12:00:00Z,3\n"
        "u2,e2,ticket,2024-10-01 12:00:00,\n"
        "u3,e3,view,2024-10-01T12:00:00Z,,extra\n"
        "u4,e4,viewz,2024-10-01T12:00:00Z,\n"
        "u 5,e4,view,2024-10-01T12:00:00Z,\n"
        "u6,e4,view,2024-10-01T12:00:00Z,abc\n",
    )
    result = read_interactions(path, COLUMNS)
    assert result.table.schema == INTERACTION_SCHEMA
    assert result.table.column("user_id").to_pylist() == ["u1", "u1"]
    assert result.table.column("kind").to_pylist() == [InteractionKind.VIEW, InteractionKind.CHECK_IN]
    assert math.isnan(result.table.column("value")[0].as_py())
    assert result.table.column("value")[1].as_py() == 3.0
    messages = sorted(e.describe() for e in result.errors.reported)
    assert messages == sorted(
        [
            f"{path}: line 4: field ts: timestamp '2024-10-01 12:00:00' has no time zone; write it with an offset (e.g. +01:00 or Z) or pass a default time zone",
            f"{path}: line 5: malformed line: expected 5 fields, found 6",
            f"{path}: line 6: field kind: unknown interaction kind 'viewz'; expected one of view, click, like, bookmark, share, ticket, check-in, dismiss, rating, impression",
            f"{path}: line 7: field user: id 'u 5' contains characters that are not allowed; use letters, digits and . _ : @ + = ~ ! $ * -",
            f"{path}: line 8: field rating: value 'abc' is not a number",
        ]
    )
    assert result.errors.total == 5


def test_default_zone_rescues_naive_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "user,event,kind,ts\nu1,e1,view,2024-10-01 12:00:00\n")
    result = read_interactions(
        path, InteractionColumns(user="user", event="event", kind="kind", timestamp="ts"), default_tz="Europe/Brussels"
    )
    assert result.errors.total == 0
    assert result.table.column("timestamp").to_pylist() == [dt.datetime(2024, 10, 1, 10, tzinfo=dt.UTC)]


def test_derived_ids_are_stable_so_reimport_is_idempotent(tmp_path: Path) -> None:
    path = write(tmp_path, "user,event,kind,ts\nu1,e1,view,2024-10-01T12:00:00Z\nu1,e1,view,2024-10-01T12:00:01Z\n")
    columns = InteractionColumns(user="user", event="event", kind="kind", timestamp="ts")
    first = read_interactions(path, columns).table.column("interaction_id").to_pylist()
    second = read_interactions(path, columns).table.column("interaction_id").to_pylist()
    assert first == second
    assert len(set(first)) == 2


def test_id_column_and_default_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "id,user,event,ts\na-1,u1,e1,1700000000\n")
    result = read_interactions(
        path,
        InteractionColumns(
            user="user", event="event", kind=None, timestamp="ts", interaction_id="id", default_kind="ticket"
        ),
    )
    assert result.table.column("interaction_id").to_pylist() == ["a-1"]
    assert result.table.column("kind").to_pylist() == [InteractionKind.TICKET]


def test_missing_column_names_the_column_and_what_exists(tmp_path: Path) -> None:
    path = write(tmp_path, "user,item,ts\nu1,e1,1700000000\n")
    with pytest.raises(InvalidFieldError, match="column 'event' not found .* the file has: user, item, ts"):
        read_interactions(path, InteractionColumns(user="user", event="event", kind=None, timestamp="ts"))


def test_parquet_with_numeric_ids(tmp_path: Path) -> None:
    table = pa.table({"u": [1, 2], "e": [10, 20], "t": [1700000000, 1700000100], "k": ["like", "share"]})
    path = tmp_path / "in.parquet"
    pq.write_table(table, path)
    result = read_interactions(path, InteractionColumns(user="u", event="e", kind="k", timestamp="t"))
    assert result.table.column("user_id").to_pylist() == ["1", "2"]
    assert result.table.column("event_id").to_pylist() == ["10", "20"]
    assert result.errors.total == 0


def test_users_with_mapping_and_row_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id,age,town,lat,lon,uitpas\n"
        "p1,34,Gent,51.05,3.72,ja\n"
        "p2,,Leuven,,,0\n"
        "p3,abc,Gent,51.05,3.72,1\n"
        "p4,40,Gent,51.05,,1\n"
        "p5,40,Gent,51.05,3.72,maybe\n",
    )
    columns = UserColumns(user="id", age="age", municipality="town", lat="lat", lon="lon", uitpas="uitpas")
    result = read_users(path, columns)
    assert [u.id for u in result.users] == ["p1", "p2"]
    assert result.users[0].age_band is AgeBand.ADULT
    assert result.users[0].uitpas is True
    assert result.users[0].home is not None
    assert result.users[1].home is None
    problems = [(e.record_id, e.field) for e in result.errors.reported]
    assert problems == [("line 4", "age"), ("line 5", "lat"), ("line 6", "uitpas")]

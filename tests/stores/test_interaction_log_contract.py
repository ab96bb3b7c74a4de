"""The interaction log contract, run against every backend."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recsys.domain.errors import InvalidFieldError, StoreError
from recsys.domain.interactions import INTERACTION_SCHEMA, Interaction, InteractionKind
from recsys.stores import batches, segment_log
from recsys.stores.batches import interactions_from_table, table_from_interactions
from recsys.stores.memory_log import MemoryLog
from recsys.stores.protocols import InteractionLog, WriteResult
from recsys.stores.segment_log import SegmentLog

BACKENDS = ["memory", "segment"]
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def open_log(kind: str, folder: Path) -> InteractionLog:
    # A small fanout makes the durable log compact during ordinary tests too.
    return MemoryLog() if kind == "memory" else SegmentLog(folder, fanout=3)


@pytest.fixture(params=BACKENDS)
def log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InteractionLog]:
    store = open_log(request.param, tmp_path / "log")
    yield store
    store.close()


def interaction(iid: str, user: str = "u1", event: str = "e1", i: int = 0, **kw: object) -> Interaction:
    kind = kw.pop("kind", InteractionKind.CLICK)
    assert isinstance(kind, InteractionKind)
    return Interaction(iid, user, event, kind, T0 + dt.timedelta(seconds=i), **kw)  # type: ignore[arg-type]


def batch(ids: Sequence[str], user: str = "u1", event: str = "e1") -> pa.Table:
    return table_from_interactions(interaction(iid, user, event, i) for i, iid in enumerate(ids))


def ids_of(log: InteractionLog) -> list[str]:
    return [str(i) for i in log.export(["interaction_id"]).column("interaction_id").to_pylist()]


def test_backends_satisfy_the_protocol(log: InteractionLog) -> None:
    assert isinstance(log, InteractionLog)


def test_append_and_export_round_trip(log: InteractionLog) -> None:
    items = [
        interaction("a", "u1", "e1", 1, kind=InteractionKind.RATING, value=4.5, placement="for-you"),
        interaction("b", "u2", "e2", 2, kind=InteractionKind.TICKET, context={"arm": "B", "device": "mobile"}),
        interaction("c", "u1", "e3", 3, kind=InteractionKind.DISMISS),
    ]
    assert log.append(table_from_interactions(items)) == WriteResult(3, 0)
    assert log.count() == 3
    exported = log.export()
    assert exported.schema.equals(INTERACTION_SCHEMA)
    back = list(interactions_from_table(exported))
    assert [b.interaction_id for b in back] == ["a", "b", "c"]
    assert back[0].value == 4.5 and back[0].placement == "for-you"
    assert math.isnan(back[1].value) and back[1].context == {"arm": "B", "device": "mobile"}
    assert [b.kind for b in back] == [InteractionKind.RATING, InteractionKind.TICKET, InteractionKind.DISMISS]
    assert [b.timestamp for b in back] == [i.timestamp for i in items]


def test_empty_log(log: InteractionLog) -> None:
    assert log.count() == 0
    assert log.export().schema.equals(INTERACTION_SCHEMA)
    assert log.export(["user_id"]).num_rows == 0
    arrays = log.export_arrays()
    assert len(arrays) == 0 and len(arrays.user_ids) == 0
    assert log.append(batch([])) == WriteResult(0, 0)
    assert log.delete_user("nobody") == 0


def test_repeated_id_across_batches_is_stored_once(log: InteractionLog) -> None:
    assert log.append(batch(["a", "b"])) == WriteResult(2, 0)
    retried = log.append(batch(["b", "c", "a"], user="other"))
    assert retried == WriteResult(1, 2) and retried.new_rows == (1,)  # "c": the only row this call stored
    again = log.append(batch(["a", "b", "c"]))
    assert again == WriteResult(0, 3) and again.new_rows == ()
    assert ids_of(log) == ["a", "b", "c"]
    # The first stored version wins.
    assert log.export(["user_id"]).column("user_id").to_pylist() == ["u1", "u1", "other"]


def test_repeated_id_within_a_batch_is_stored_once(log: InteractionLog) -> None:
    items = [interaction("x", "first"), interaction("y"), interaction("x", "second"), interaction("x", "third")]
    assert log.append(table_from_interactions(items)) == WriteResult(2, 2)
    exported = log.export(["interaction_id", "user_id"])
    assert exported.column("interaction_id").to_pylist() == ["x", "y"]
    assert exported.column("user_id").to_pylist() == ["first", "u1"]


def test_export_keeps_append_order_and_selects_columns(log: InteractionLog) -> None:
    expected: list[str] = []
    for k in range(12):  # enough small batches for the durable log to compact
        ids = [f"b{k}-{j}" for j in range(k % 4 + 1)]
        log.append(batch(ids, user=f"u{k % 3}"))
        expected += ids
    assert ids_of(log) == expected
    assert log.count() == len(expected)
    assert log.export(["user_id", "kind"]).column_names == ["user_id", "kind"]
    with pytest.raises(InvalidFieldError):
        log.export(["interaction_id", "no_such_column"])


def test_delete_user(log: InteractionLog) -> None:
    log.append(batch(["a1", "a2"], user="alice"))
    log.append(batch(["b1"], user="bob"))
    log.append(table_from_interactions([interaction("a3", "alice"), interaction("b2", "bob")]))
    assert log.delete_user("alice") == 3
    assert log.delete_user("alice") == 0
    assert ids_of(log) == ["b1", "b2"]
    assert log.count() == 2
    assert log.delete_user("bob") == 2
    assert log.count() == 0 and ids_of(log) == []
    # Forgotten ids may be stored again.
    assert log.append(batch(["a1"], user="alice")) == WriteResult(1, 0)


def _mismatched_batches() -> list[tuple[str, pa.Table]]:
    good = batch(["z1", "z2"])
    nullable = pa.schema([f.with_nullable(True) for f in INTERACTION_SCHEMA])
    wrong_type = INTERACTION_SCHEMA.set(3, pa.field("kind", pa.int32(), nullable=False))
    with_nulls = pa.Table.from_arrays(
        [*good.columns[:2], pa.array([None, "e"], pa.string()), *good.columns[3:]], schema=INTERACTION_SCHEMA
    )
    return [
        ("missing column", good.drop_columns(["context"])),
        ("extra column", good.append_column("extra", pa.array([1, 2]))),
        ("reordered", good.select(list(reversed(good.column_names)))),
        ("nullable fields", good.cast(nullable)),
        (
            "wrong type",
            pa.Table.from_arrays(
                [*good.columns[:3], pc.cast(good["kind"], pa.int32()), *good.columns[4:]], schema=wrong_type
            ),
        ),
        (
            "naive timestamps",
            good.set_column(
                4,
                pa.field("timestamp", pa.timestamp("us"), nullable=False),
                pc.cast(good["timestamp"], pa.timestamp("us")),
            ),
        ),
        ("nulls in a required column", with_nulls),
    ]


@pytest.mark.parametrize(("label", "bad"), _mismatched_batches(), ids=[label for label, _ in _mismatched_batches()])
def test_schema_mismatch_is_refused_and_nothing_is_written(log: InteractionLog, label: str, bad: pa.Table) -> None:
    log.append(batch(["a"]))
    with pytest.raises(StoreError) as info:
        log.append(bad)
    assert "column" in str(info.value) or "schema" in str(info.value)
    assert log.count() == 1
    assert ids_of(log) == ["a"]


def test_record_batches_are_accepted(log: InteractionLog) -> None:
    assert log.append(batch(["a", "b"]).to_batches()[0]) == WriteResult(2, 0)


def test_export_arrays(log: InteractionLog) -> None:
    log.append(
        table_from_interactions(
            [
                interaction("1", "zoe", "e9", 1, kind=InteractionKind.VIEW),
                interaction("2", "adam", "e2", 2, kind=InteractionKind.RATING, value=3.0),
            ]
        )
    )
    log.append(table_from_interactions([interaction("3", "zoe", "e2", 3, kind=InteractionKind.CHECK_IN)]))
    arrays = log.export_arrays()
    assert list(arrays.user_ids) == ["adam", "zoe"]
    assert list(arrays.event_ids) == ["e2", "e9"]
    assert arrays.user_codes.dtype == np.int32 and arrays.event_codes.dtype == np.int32
    assert list(arrays.user_ids[arrays.user_codes]) == ["zoe", "adam", "zoe"]
    assert list(arrays.event_ids[arrays.event_codes]) == ["e9", "e2", "e2"]
    assert arrays.kinds.dtype == np.int8 and list(arrays.kinds) == [0, 8, 6]
    expected_us = [int((T0 + dt.timedelta(seconds=s)).timestamp()) * 1_000_000 for s in (1, 2, 3)]
    assert arrays.timestamps_us.dtype == np.int64 and list(arrays.timestamps_us) == expected_us
    assert arrays.values.dtype == np.float32 and arrays.values[1] == 3.0 and np.isnan(arrays.values[0])


def _weak_hash(ids: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.uint64]:
    """Collide on purpose: every id of the same length gets the same hash."""
    return np.asarray(pc.utf8_length(ids).to_numpy(), dtype=np.uint64) % np.uint64(3)


def test_hash_collisions_never_drop_a_real_interaction(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(batches, "hash_ids", _weak_hash)
    monkeypatch.setattr(segment_log, "hash_ids", _weak_hash)
    for kind in BACKENDS:
        log = open_log(kind, tmp_path / kind)
        assert log.append(batch(["aa", "bb", "aa", "cc", "bb", "dd"])) == WriteResult(4, 2)
        assert log.append(batch(["ee", "aa", "ff", "ee"])) == WriteResult(2, 2)
        assert log.append(batch(["gg"])) == WriteResult(1, 0)
        assert ids_of(log) == ["aa", "bb", "cc", "dd", "ee", "ff", "gg"]
        log.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches_=st.lists(st.lists(st.sampled_from([f"i{n}" for n in range(40)]), max_size=12), min_size=1, max_size=10),
    forget=st.sampled_from(["u0", "u1", "u2"]),
)
def test_matches_a_simple_model(
    tmp_path_factory: pytest.TempPathFactory, batches_: list[list[str]], forget: str
) -> None:
    for kind in BACKENDS:
        log = open_log(kind, tmp_path_factory.mktemp(kind))
        model: dict[str, str] = {}
        for k, ids in enumerate(batches_):
            before = len(model)
            users = [f"u{(k + j) % 3}" for j in range(len(ids))]
            items = [interaction(iid, users[j]) for j, iid in enumerate(ids)]
            new_rows = []
            for j, item in enumerate(items):
                if item.interaction_id not in model:
                    new_rows.append(j)
                model.setdefault(item.interaction_id, item.user_id)
            result = log.append(table_from_interactions(items))
            assert result == WriteResult(len(model) - before, len(ids) - (len(model) - before))
            assert result.new_rows == tuple(new_rows)
        assert ids_of(log) == list(model)
        assert log.count() == len(model)
        removed = log.delete_user(forget)
        assert removed == sum(1 for u in model.values() if u == forget)
        assert ids_of(log) == [i for i, u in model.items() if u != forget]
        log.close()

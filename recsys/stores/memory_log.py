"""An in-process interaction log for tests and ephemeral use; nothing survives the process."""

from __future__ import annotations

import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.interactions import INTERACTION_SCHEMA
from recsys.stores.batches import (
    ARRAY_COLUMNS,
    InteractionArrays,
    arrays_from_table,
    first_occurrence_mask,
    select_columns,
    validate_batch,
)
from recsys.stores.protocols import WriteResult


class MemoryLog:
    """An :class:`~recsys.stores.protocols.InteractionLog` held in memory.

    Same contract as the durable log (idempotent ids, whole batches, append
    order) without the files. Safe to share between threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tables: list[pa.Table] = []
        self._ids: set[str] = set()

    def append(self, batch: pa.Table) -> WriteResult:
        """Append a batch with :data:`~recsys.domain.interactions.INTERACTION_SCHEMA`.

        Raises
        ------
        StoreError
            When the batch does not have exactly the interaction schema.

        """
        table = validate_batch(batch)
        ids = table.column("interaction_id")
        keep = first_occurrence_mask(ids)
        with self._lock:
            stored = self._ids
            is_new = np.fromiter((v not in stored for v in ids.to_pylist()), dtype=np.bool_, count=len(table))
            keep &= is_new
            fresh = table.filter(pa.array(keep)) if not keep.all() else table
            if len(fresh):
                self._tables.append(fresh.combine_chunks())
                self._ids.update(fresh.column("interaction_id").to_pylist())
        return WriteResult(len(fresh), len(table) - len(fresh), tuple(np.flatnonzero(keep).tolist()))

    def export(self, columns: list[str] | None = None) -> pa.Table:
        """Return every stored interaction, in append order."""
        with self._lock:
            tables = list(self._tables)
        table = pa.concat_tables(tables) if tables else INTERACTION_SCHEMA.empty_table()
        return select_columns(table, columns)

    def export_arrays(self) -> InteractionArrays:
        """Return every stored interaction as training arrays."""
        return arrays_from_table(self.export(ARRAY_COLUMNS))

    def count(self) -> int:
        """Number of stored interactions."""
        with self._lock:
            return sum(len(t) for t in self._tables)

    def delete_user(self, user_id: str) -> int:
        """Remove every interaction of ``user_id``; returns how many."""
        with self._lock:
            removed = 0
            kept: list[pa.Table] = []
            for table in self._tables:
                mine = pc.equal(table.column("user_id"), user_id)
                hits = pc.sum(mine).as_py() or 0
                if hits:
                    self._ids.difference_update(table.filter(mine).column("interaction_id").to_pylist())
                    table = table.filter(pc.invert(mine))
                    removed += hits
                if len(table):
                    kept.append(table)
            self._tables = kept
        return removed

    def close(self) -> None:
        """Nothing to release; kept for the protocol."""

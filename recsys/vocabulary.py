"""Id vocabularies: external ids (``*_id``, strings) <-> internal indices (``*_idx``, int32).

Models and matrices work on indices; everything that leaves the library
speaks external ids. A vocabulary is immutable and its order is part of the
model it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from recsys.domain.errors import InvalidFieldError, UnknownEntityError

IndexArray = npt.NDArray[np.int32]


class IdVocabulary:
    """A bijection between external ids and ``0..n-1``.

    Parameters
    ----------
    ids : sequence of str
        Distinct ids in index order.
    kind : str
        What the ids name (``user``, ``event``), used in error messages.

    """

    def __init__(self, ids: Sequence[str] | pa.Array, kind: str) -> None:
        array = ids if isinstance(ids, pa.Array) else pa.array(list(ids), type=pa.string())
        self.kind = kind
        self._ids = array.cast(pa.string())
        if self._ids.null_count:
            raise InvalidFieldError(f"{kind}_id", "a vocabulary cannot hold a missing id")
        if pc.count_distinct(self._ids).as_py() != len(self._ids):
            raise InvalidFieldError(f"{kind}_id", "vocabulary ids must be distinct")
        self._index: dict[str, int] | None = None

    @classmethod
    def from_values(cls, values: Iterable[str] | pa.Array | pa.ChunkedArray, kind: str) -> IdVocabulary:
        """Build a vocabulary of the distinct ``values``, sorted (so it does not depend on arrival order)."""
        array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(list(values), type=pa.string())
        distinct = pc.unique(array)
        return cls(pc.take(distinct, pc.sort_indices(distinct)), kind)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, external_id: object) -> bool:
        return external_id in self._lookup()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdVocabulary) and self.kind == other.kind and self._ids.equals(other._ids)

    def __hash__(self) -> int:
        return hash((self.kind, len(self)))

    def _lookup(self) -> dict[str, int]:
        # Built lazily: many vocabularies are only used for index -> id.
        if self._index is None:
            self._index = {value: i for i, value in enumerate(self._ids.to_pylist())}
        return self._index

    @property
    def ids(self) -> pa.StringArray:
        """The ids in index order."""
        return self._ids

    def id_of(self, index: int) -> str:
        """Return the external id at ``index``."""
        return str(self._ids[int(index)].as_py())

    def ids_of(self, indices: npt.ArrayLike) -> list[str]:
        """Return the external ids at ``indices``."""
        return [str(v) for v in pc.take(self._ids, pa.array(np.asarray(indices, dtype=np.int64))).to_pylist()]

    def index_of(self, external_id: str) -> int:
        """Return the index of ``external_id``.

        Raises
        ------
        UnknownEntityError
            When the id is not in the vocabulary.

        """
        found = self._lookup().get(external_id)
        if found is None:
            raise UnknownEntityError(self.kind, external_id)
        return found

    def get(self, external_id: str) -> int | None:
        """Return the index of ``external_id`` or ``None``."""
        return self._lookup().get(external_id)

    def indices_of(self, values: pa.Array | pa.ChunkedArray | Sequence[str]) -> npt.NDArray[np.int64]:
        """Vectorised lookup; unknown ids give ``-1``."""
        array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(list(values), type=pa.string())
        found = pc.index_in(array, value_set=self._ids)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def to_numpy(self) -> npt.NDArray[np.str_]:
        """The ids as a numpy unicode array (for ``.npz`` artefacts)."""
        return np.asarray(self._ids.to_pylist(), dtype=np.str_)

    @classmethod
    def from_numpy(cls, array: npt.NDArray[np.str_], kind: str) -> IdVocabulary:
        """Inverse of :meth:`to_numpy`."""
        return cls([str(v) for v in array.tolist()], kind)

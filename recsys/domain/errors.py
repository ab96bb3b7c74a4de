"""Errors raised when input does not fit the domain model.

Every error names the field and the problem so that an importer can report
``file, record id, field, problem`` without guessing.
"""

from __future__ import annotations


class RecsysError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidFieldError(RecsysError, ValueError):
    """A single field of a record has a value the domain model refuses.

    Parameters
    ----------
    field : str
        Dotted path of the field, for example ``calendar.subEvent[2].startDate``.
    problem : str
        What is wrong, in words a person can act on.

    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")

    def within(self, parent: str) -> InvalidFieldError:
        """Return the same error with ``parent`` prefixed to its field path."""
        joined = f"{parent}.{self.field}" if self.field else parent
        return InvalidFieldError(joined, self.problem)


class RecordError(RecsysError):
    """One record of an input could not be imported.

    Parameters
    ----------
    source : str
        The file (or other source) the record came from.
    record_id : str or None
        The record's own id when it could be read, else its position.
    field : str
        Dotted path of the offending field (empty when the whole record is bad).
    problem : str
        What is wrong.

    """

    def __init__(self, source: str, record_id: str | None, field: str, problem: str) -> None:
        self.source = source
        self.record_id = record_id
        self.field = field
        self.problem = problem
        super().__init__(self.describe())

    def describe(self) -> str:
        """Return the one-line description shown to users."""
        rid = self.record_id if self.record_id is not None else "?"
        # Positions ("line 7", "row 3", "#2") read better without the word "record".
        label = rid if rid.startswith(("line ", "row ", "#")) else f"record {rid}"
        parts = [self.source, label, f"field {self.field}" if self.field else "", self.problem]
        return ": ".join(part for part in parts if part)


class StoreError(RecsysError):
    """A store could not complete a request; nothing was half-written."""


class UnknownEntityError(RecsysError, KeyError):
    """An id that is not known to the store or model was asked for."""

    def __init__(self, kind: str, entity_id: str) -> None:
        self.kind = kind
        self.entity_id = entity_id
        super().__init__(f"unknown {kind} id {entity_id!r}")

    def __str__(self) -> str:
        return f"unknown {self.kind} id {self.entity_id!r}"

"""Rules for external ids (events, users, interactions, organisers, places).

External ids travel through URLs, Redis keys, CSV files and JSON, so they are
kept to printable characters without whitespace or control characters, and
to a bounded length.
"""

from __future__ import annotations

import re

from recsys.domain.errors import InvalidFieldError

MAX_ID_LENGTH = 128
# Printable, no whitespace, no control characters, no '/' (ids are path
# segments in the API) and no characters that need quoting in CSV.
_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:@+=~!$*\-]+$")


def validate_id(value: object, field: str) -> str:
    """Return ``value`` as a valid external id or raise :class:`InvalidFieldError`.

    Parameters
    ----------
    value : object
        The candidate id. Integers are accepted and turned into strings,
        because several public data sets use numeric ids.
    field : str
        Field name used in the error message.

    Returns
    -------
    str
        The id as a string.

    """
    if isinstance(value, bool) or value is None:
        raise InvalidFieldError(field, "an id is required")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidFieldError(field, f"an id must be a string, got {type(value).__name__}")
    if not value:
        raise InvalidFieldError(field, "an id must not be empty")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidFieldError(field, f"an id must be at most {MAX_ID_LENGTH} characters, got {len(value)}")
    if not _ID_PATTERN.match(value):
        bad = sorted({c for c in value if not _ID_PATTERN.match(c)})
        shown = ", ".join(repr(c) for c in bad[:5])
        raise InvalidFieldError(
            field,
            f"id {value[:40]!r} contains characters that are not allowed ({shown}); "
            "use letters, digits and . _ : @ + = ~ ! $ * -",
        )
    return value


def id_pattern() -> str:
    """Return the regular expression (as text) that every external id matches."""
    return _ID_PATTERN.pattern

"""Tell events, places and organisers apart, and read their ids.

A document's kind comes from, in order: the path of its ``@id``
(``…/event/<id>``, ``…/place/<id>``, ``…/organizers/<id>``, singular or
plural), its ``@context`` (``/contexts/event``, ``/api/1.0/event.jsonld``) or
its ``@type`` (``Event``, ``Place``, ``Organizer``). A ``@type`` alone counts
only when the object also has a ``name`` or a ``calendarType``: a bare
``{"@type": "Event", "startDate": …}`` is a sub-event, not a document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from recsys.data.uitdatabank.fields import expect_text
from recsys.domain.errors import InvalidFieldError
from recsys.domain.ids import validate_id


class DocumentKind(StrEnum):
    """The three kinds of UiTdatabank documents."""

    EVENT = "event"
    PLACE = "place"
    ORGANIZER = "organizer"


_SEGMENTS = {
    "event": DocumentKind.EVENT,
    "events": DocumentKind.EVENT,
    "place": DocumentKind.PLACE,
    "places": DocumentKind.PLACE,
    "organizer": DocumentKind.ORGANIZER,
    "organizers": DocumentKind.ORGANIZER,
}
_CONTEXT = re.compile(r"(?:^|/)(event|place|organizer)s?(?:\.jsonld)?/?$")
_TYPES = {
    "event": DocumentKind.EVENT,
    "place": DocumentKind.PLACE,
    "organizer": DocumentKind.ORGANIZER,
}
_REFERENCE_KEYS = frozenset({"@id", "@type", "@context"})


def _path_segments(iri: str) -> list[str]:
    without_query = iri.split("?", 1)[0].split("#", 1)[0]
    return [segment for segment in without_query.split("/") if segment]


def id_from_iri(value: object, field: str = "@id") -> str:
    """Return the id of a document: the last path segment of its ``@id``.

    Parameters
    ----------
    value : object
        The ``@id``, e.g. ``https://io.uitdatabank.be/event/7438ac58-…`` (a bare
        id is accepted too). Non-UUID ids of records migrated from UDB2, such
        as ``A871DB85-01DB-DBD3-DAF62CDB2DD7B871``, are kept as they are.
    field : str
        Field name used in errors.

    Returns
    -------
    str
        The id.

    Raises
    ------
    InvalidFieldError
        When the value is missing, not text, or its last segment is not a
        valid id.

    """
    if value is None or value == "":
        raise InvalidFieldError(field, "missing; every document needs an @id")
    segments = _path_segments(expect_text(value, field).strip())
    if not segments:
        raise InvalidFieldError(field, f"no id in {value!r}")
    return validate_id(segments[-1], field)


def readable_id(doc: Mapping[str, Any]) -> str | None:
    """Return the document's id when it can be read, else ``None``."""
    try:
        return id_from_iri(doc.get("@id"))
    except InvalidFieldError:
        return None


def is_reference(doc: Mapping[str, Any]) -> bool:
    """True for an object that only points at a document (``@id``, ``@type``, ``@context``)."""
    return "@id" in doc and _REFERENCE_KEYS.issuperset(doc.keys())


def classify(doc: Mapping[str, Any]) -> DocumentKind | None:
    """Return the kind of a document, or ``None`` when it is not an event, place or organiser."""
    iri = doc.get("@id")
    if isinstance(iri, str):
        segments = _path_segments(iri)
        if len(segments) >= 2 and segments[-2].lower() in _SEGMENTS:
            return _SEGMENTS[segments[-2].lower()]
    contexts = doc.get("@context")
    for context in contexts if isinstance(contexts, list) else [contexts]:
        if isinstance(context, str):
            match = _CONTEXT.search(context.split("?", 1)[0])
            if match:
                return _TYPES[match.group(1)]
    kind = doc.get("@type")
    if isinstance(kind, str) and (iri is not None or "name" in doc or "calendarType" in doc):
        return _TYPES.get(kind.rsplit(":", 1)[-1].lower())
    return None

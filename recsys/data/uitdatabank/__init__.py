"""Importer for publiq's UiTdatabank JSON-LD (Search API v3 / Entry API).

Use :func:`import_uitdatabank` for files and folders, and :func:`parse_event`
for one document (e.g. the body of an HTTP request)::

    result = import_uitdatabank(["exports/"], default_tz=ZoneInfo("Europe/Brussels"))
    print(result.summary())

Modules, one job each: :mod:`.reader` (files to raw documents), :mod:`.kinds`
(event, place or organiser; ids), :mod:`.fields` (language maps, dates, terms,
prices, ages, addresses), :mod:`.calendar`, :mod:`.entities` (documents to
domain objects), :mod:`.filters` (the Search API's default filter),
:mod:`.importer` (orchestration) and :mod:`.result`.
"""

from recsys.data.uitdatabank.calendar import parse_calendar
from recsys.data.uitdatabank.entities import parse_event, parse_organizer, parse_place
from recsys.data.uitdatabank.importer import import_uitdatabank
from recsys.data.uitdatabank.kinds import DocumentKind, classify, id_from_iri
from recsys.data.uitdatabank.result import SkippedRecord, UitdatabankImport

__all__ = [
    "DocumentKind",
    "SkippedRecord",
    "UitdatabankImport",
    "classify",
    "id_from_iri",
    "import_uitdatabank",
    "parse_calendar",
    "parse_event",
    "parse_organizer",
    "parse_place",
]

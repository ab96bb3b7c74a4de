"""Audience segments: validated definitions, saved with versions, evaluated, sized and previewed.

A definition is JSON::

    {
      "name": "young-gent-theatre",
      "description": "18-35 in or near Gent who never went to the theatre",
      "match": "all",
      "rules": [
        {"age_band": ["18-25", "26-35"]},
        {"near": {"lat": 51.054, "lon": 3.717, "radius_km": 15}},
        {"never_attended": {"types": ["Theatervoorstelling"]}}
      ]
    }

``match`` is ``all`` (default) or ``any``; ``rules`` are the rules of
:mod:`recsys.marketing.rules`. Saved segments live in the data folder under
``segments/<name>/v<N>.json`` (:class:`~recsys.marketing.store.VersionedStore`):
saving a changed definition adds a version and never overwrites one.
:class:`Segments` is the service an API router or the CLI calls.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from recsys.domain.errors import InvalidFieldError
from recsys.marketing.data import MarketingData
from recsys.marketing.matching import Mask, evaluate
from recsys.marketing.preview import SegmentPreview, preview_members
from recsys.marketing.rules import AllRule, AnyRule, needs_model, parse_rule
from recsys.marketing.scoring import FactorModel
from recsys.marketing.sizing import SegmentSize, estimate_size, exact_size
from recsys.marketing.store import StoredDocument, VersionedStore, check_name

#: Folder of saved segments inside a data folder.
SEGMENTS_DIR: Final = "segments"
_FIELDS: Final = ("name", "description", "match", "rules")
MAX_DESCRIPTION: Final = 2_000


@dataclass(frozen=True, slots=True)
class SegmentDefinition:
    """A validated segment definition.

    Parameters
    ----------
    name : str
        1-64 characters of ``a-z 0-9 . _ -``.
    rule : AllRule or AnyRule
        The rules, combined as ``match`` says.
    description : str
        Free text for people.

    """

    name: str
    rule: AllRule | AnyRule
    description: str = ""

    @property
    def match(self) -> str:
        """``all`` or ``any``."""
        return self.rule.key

    @property
    def needs_model(self) -> bool:
        """Whether evaluating it needs a factor model."""
        return needs_model(self.rule)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form (parses back to an equal definition)."""
        return {
            "name": self.name,
            "description": self.description,
            "match": self.match,
            "rules": [r.to_dict() for r in self.rule.rules],
        }

    @classmethod
    def from_dict(cls, doc: object) -> SegmentDefinition:
        """Validate a decoded JSON definition.

        Raises
        ------
        InvalidFieldError
            Naming the path of the first bad field (``rules[2].age_band``).

        """
        if not isinstance(doc, Mapping):
            raise InvalidFieldError("segment", f"a segment definition is a JSON object, got {type(doc).__name__}")
        for key in doc:
            if key not in _FIELDS:
                raise InvalidFieldError(str(key), f"unknown field; expected some of {list(_FIELDS)}")
        if "name" not in doc:
            raise InvalidFieldError("name", "is required")
        if "rules" not in doc:
            raise InvalidFieldError("rules", "is required")
        name = check_name(doc["name"])
        description = doc.get("description", "")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise InvalidFieldError("description", f"must be text of at most {MAX_DESCRIPTION} characters")
        match = doc.get("match", "all")
        if match not in ("all", "any"):
            raise InvalidFieldError("match", f"must be 'all' or 'any', got {match!r}")
        rules = doc["rules"]
        if not isinstance(rules, list):
            raise InvalidFieldError("rules", f"must be a list of rules, got {type(rules).__name__}")
        parsed = parse_rule({match: rules}, "segment")
        assert isinstance(parsed, AllRule | AnyRule)
        return cls(name=name, rule=parsed, description=description)


def _strip_prefix(exc: InvalidFieldError) -> InvalidFieldError:
    """``segment.all[2].age_band`` -> ``rules[2].age_band``: the path as the document spells it."""
    for prefix in ("segment.all", "segment.any"):
        if exc.field.startswith(prefix):
            return InvalidFieldError("rules" + exc.field.removeprefix(prefix), exc.problem)
    return exc


def parse_segment(doc: object) -> SegmentDefinition:
    """Validate a decoded JSON segment definition (see :meth:`SegmentDefinition.from_dict`).

    Raises
    ------
    InvalidFieldError
        Naming the path of the first bad field, as the document spells it (``rules[2].age_band``).

    """
    try:
        return SegmentDefinition.from_dict(doc)
    except InvalidFieldError as exc:
        raise _strip_prefix(exc) from None


@dataclass(frozen=True, slots=True)
class SavedSegment:
    """A definition as saved: with its version, creation time and whether this call wrote it."""

    definition: SegmentDefinition
    version: int
    created: dt.datetime
    new: bool = False

    @property
    def name(self) -> str:
        """The segment's name."""
        return self.definition.name

    def to_dict(self) -> dict[str, Any]:
        """The definition plus ``version`` and ``created``."""
        return {**self.definition.to_dict(), "version": self.version, "created": self.created.isoformat()}


def _saved(stored: StoredDocument) -> SavedSegment:
    return SavedSegment(parse_segment(stored.body), stored.version, stored.created, stored.new)


class Segments:
    """Create, list, show, size and preview the segments of a data folder.

    Parameters
    ----------
    data_dir : Path
        The data folder; segments live in ``<data_dir>/segments/``.

    """

    def __init__(self, data_dir: Path) -> None:
        self.store = VersionedStore(Path(data_dir) / SEGMENTS_DIR, "segment")

    def save(self, doc: object) -> SavedSegment:
        """Validate and save a definition as the next version of its name (unchanged: the latest version)."""
        definition = parse_segment(doc)
        return _saved(self.store.save(definition.name, definition.to_dict()))

    def get(self, name: str, version: int | None = None) -> SavedSegment:
        """One version of a segment (default: the latest); :class:`~recsys.marketing.errors.NotFoundError` if none."""
        return _saved(self.store.load(name, version))

    def list(self) -> builtins.list[SavedSegment]:
        """The latest version of every segment, by name."""
        return [_saved(doc) for name in self.store.names() if (doc := self.store.latest(name)) is not None]

    def versions(self, name: str) -> builtins.list[SavedSegment]:
        """Every version of a segment, oldest first."""
        return [self.get(name, v) for v in self.store.versions(name)]

    def members(self, segment: SegmentDefinition, data: MarketingData, model: FactorModel | None = None) -> Mask:
        """Which users of ``data`` belong to ``segment``."""
        return evaluate(segment.rule, data, model)

    def size(
        self,
        segment: SegmentDefinition,
        data: MarketingData,
        model: FactorModel | None = None,
        *,
        sample: int | None = None,
        confidence: float = 0.95,
        seed: int = 0,
    ) -> SegmentSize:
        """Exact size, or an estimate from ``sample`` users with its confidence interval."""
        if sample is None:
            return exact_size(segment.rule, data, model)
        return estimate_size(segment.rule, data, model, sample=sample, confidence=confidence, seed=seed)

    def preview(
        self,
        segment: SegmentDefinition,
        data: MarketingData,
        model: FactorModel,
        *,
        sample: int = 200,
        n: int = 10,
        seed: int = 0,
    ) -> SegmentPreview:
        """What a sample of members gets recommended (see :func:`~recsys.marketing.preview.preview_members`)."""
        members = np.flatnonzero(self.members(segment, data, model))
        return preview_members(members, data, model, segment=segment.name, sample=sample, n=n, seed=seed)

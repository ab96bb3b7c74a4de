"""Segment rules: a small tree of conditions over users, read from and written to JSON.

Every rule is a JSON object with exactly one key, its kind::

    {"age_band": ["18-25", "26-35"]}
    {"municipality": ["Gent", "Merelbeke"]}
    {"near": {"lat": 51.05, "lon": 3.72, "radius_km": 15}}
    {"uitpas": true}
    {"interested_in": {"types": ["0.50.4.0.0"], "min_interactions": 1, "days": null}}
    {"activity": {"levels": ["low", "medium"], "days": 90}}
    {"recency": {"within_days": 30}}            or {"recency": {"older_than_days": 180}}
    {"never_attended": {"types": ["0.55.0.0.0"]}}
    {"likely_interested": {"type": "0.50.4.0.0", "top_share": 0.1}}   (or "theme": "1.8.3.0.0")
    {"all": [rule, ...]}   {"any": [rule, ...]}   {"not": rule}

Event types and themes are publiq taxonomy ids, or their labels in any
language (``"Concert"``, ``"theatervoorstelling"``), which are stored as ids.
:func:`parse_rule` refuses anything else with an
:class:`~recsys.domain.errors.InvalidFieldError` naming the path of the
offending field (``rules[2].age_band[0]``); :meth:`to_dict` writes the
canonical form, which parses back to an equal rule.

Activity levels count interactions of any kind but impressions in the last
``days`` days: ``none`` 0, ``low`` 1-4, ``medium`` 5-19, ``high`` 20 or more
(:data:`ACTIVITY_CUTOFFS`). In the synthetic season the median user has about
7 interactions in 90 days, so the levels split users roughly in quarters.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar, Final, TypeVar

from recsys.domain.errors import InvalidFieldError
from recsys.domain.taxonomy import default_taxonomy
from recsys.domain.users import AgeBand


class ActivityLevel(StrEnum):
    """How many interactions a user had in a window (see :data:`ACTIVITY_CUTOFFS`)."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: Smallest interaction count of ``low``, ``medium`` and ``high``; 0 is ``none``.
ACTIVITY_CUTOFFS: Final = (1, 5, 20)
#: Deepest nesting of ``all``/``any``/``not`` a definition may use (API input is untrusted).
MAX_DEPTH: Final = 12
#: Most rules (leaves and combinators) in one definition.
MAX_RULES: Final = 200
#: Longest window any rule may look back, in days (about 10 years).
MAX_DAYS: Final = 3_660
_TERM_ID: Final = re.compile(r"^\d+(\.\d+){4}$")

_T = TypeVar("_T")


# -- rule types -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgeBandRule:
    """Users whose age band is one of ``bands``."""

    bands: tuple[AgeBand, ...]
    key: ClassVar[str] = "age_band"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: [b.value for b in self.bands]}


@dataclass(frozen=True, slots=True)
class MunicipalityRule:
    """Users whose home municipality is one of ``names`` (case-insensitive)."""

    names: tuple[str, ...]
    key: ClassVar[str] = "municipality"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: list(self.names)}


@dataclass(frozen=True, slots=True)
class NearRule:
    """Users whose home lies within ``radius_km`` of a point (great-circle distance)."""

    lat: float
    lon: float
    radius_km: float
    key: ClassVar[str] = "near"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: {"lat": self.lat, "lon": self.lon, "radius_km": self.radius_km}}


@dataclass(frozen=True, slots=True)
class UitpasRule:
    """Users who hold (``True``) or do not hold (``False``) an UiTPAS."""

    value: bool
    key: ClassVar[str] = "uitpas"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: self.value}


@dataclass(frozen=True, slots=True)
class InterestRule:
    """Users with at least ``min_interactions`` positive interactions with events of ``types``.

    Positive means anything but dismissals and impressions; ``days`` limits
    the look-back (``None``: the whole history).
    """

    types: tuple[str, ...]
    min_interactions: int = 1
    days: int | None = None
    key: ClassVar[str] = "interested_in"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: {"types": list(self.types), "min_interactions": self.min_interactions, "days": self.days}}


@dataclass(frozen=True, slots=True)
class ActivityRule:
    """Users whose activity level over the last ``days`` days is one of ``levels``."""

    levels: tuple[ActivityLevel, ...]
    days: int = 90
    key: ClassVar[str] = "activity"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: {"levels": [lv.value for lv in self.levels], "days": self.days}}


@dataclass(frozen=True, slots=True)
class RecencyRule:
    """Users whose last interaction is within ``within_days``, or older than ``older_than_days``.

    Exactly one of the two is set. "Older than" holds only for users who
    interacted at some point; combine with ``activity`` ``none`` to add
    people who never did.
    """

    within_days: int | None = None
    older_than_days: int | None = None
    key: ClassVar[str] = "recency"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        if self.within_days is not None:
            return {self.key: {"within_days": self.within_days}}
        return {self.key: {"older_than_days": self.older_than_days}}


@dataclass(frozen=True, slots=True)
class NeverAttendedRule:
    """Users with no ticket and no check-in for an event of any of ``types``."""

    types: tuple[str, ...]
    key: ClassVar[str] = "never_attended"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: {"types": list(self.types)}}


@dataclass(frozen=True, slots=True)
class LikelyInterestedRule:
    """Users the model scores in the top ``top_share`` for events of a type (or a theme).

    A user's score is the mean model score over the events of that type or
    theme that are open at evaluation time (all of them the model knows when
    none is open), which is the user vector times the mean event vector.
    Users the model does not know are never members.
    """

    term: str
    field: str  # "type" or "theme"
    top_share: float = 0.1
    key: ClassVar[str] = "likely_interested"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: {self.field: self.term, "top_share": self.top_share}}


@dataclass(frozen=True, slots=True)
class AllRule:
    """Users matching every rule (everyone when empty)."""

    rules: tuple[Rule, ...]
    key: ClassVar[str] = "all"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: [r.to_dict() for r in self.rules]}


@dataclass(frozen=True, slots=True)
class AnyRule:
    """Users matching at least one rule (nobody when empty)."""

    rules: tuple[Rule, ...]
    key: ClassVar[str] = "any"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: [r.to_dict() for r in self.rules]}


@dataclass(frozen=True, slots=True)
class NotRule:
    """Users not matching ``rule``."""

    rule: Rule
    key: ClassVar[str] = "not"

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON form."""
        return {self.key: self.rule.to_dict()}


Rule = (
    AgeBandRule
    | MunicipalityRule
    | NearRule
    | UitpasRule
    | InterestRule
    | ActivityRule
    | RecencyRule
    | NeverAttendedRule
    | LikelyInterestedRule
    | AllRule
    | AnyRule
    | NotRule
)


def leaves(rule: Rule) -> list[Rule]:
    """Every non-combinator rule of a tree, depth first."""
    if isinstance(rule, AllRule | AnyRule):
        return [leaf for child in rule.rules for leaf in leaves(child)]
    if isinstance(rule, NotRule):
        return leaves(rule.rule)
    return [rule]


def needs_model(rule: Rule) -> bool:
    """Whether evaluating ``rule`` needs a model with latent factors."""
    return any(isinstance(leaf, LikelyInterestedRule) for leaf in leaves(rule))


# -- parsing --------------------------------------------------------------------------------------


def parse_rule(value: object, path: str = "rule") -> Rule:
    """Validate one rule (a JSON value) and return it.

    Parameters
    ----------
    value : object
        The decoded JSON.
    path : str
        Where the rule sits in its document, for error messages (``rules[2]``).

    Raises
    ------
    InvalidFieldError
        Naming the path of the first bad field.

    """
    counter = [0]
    return _parse(value, path, 0, counter)


def _parse(value: object, path: str, depth: int, counter: list[int]) -> Rule:
    counter[0] += 1
    if counter[0] > MAX_RULES:
        raise InvalidFieldError(path, f"a definition may hold at most {MAX_RULES} rules")
    if depth > MAX_DEPTH:
        raise InvalidFieldError(path, f"rules may nest at most {MAX_DEPTH} deep")
    if not isinstance(value, Mapping) or len(value) != 1:
        raise InvalidFieldError(path, f"a rule is an object with exactly one of the keys {_KINDS}")
    ((key, body),) = value.items()
    where = f"{path}.{key}"
    if key in ("all", "any"):
        items = _list(body, where, allow_empty=True)
        children = tuple(_parse(item, f"{where}[{i}]", depth + 1, counter) for i, item in enumerate(items))
        return AllRule(children) if key == "all" else AnyRule(children)
    if key == "not":
        return NotRule(_parse(body, where, depth + 1, counter))
    parser = _LEAVES.get(key) if isinstance(key, str) else None
    if parser is None:
        raise InvalidFieldError(where, f"unknown rule {key!r}; expected one of {_KINDS}")
    return parser(body, where)


def _age_band(body: object, path: str) -> Rule:
    items = _list(body, path)
    bands = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InvalidFieldError(f"{path}[{i}]", f"an age band is a string, got {item!r}")
        try:
            bands.append(AgeBand.parse(item))
        except InvalidFieldError as exc:
            raise InvalidFieldError(f"{path}[{i}]", exc.problem) from None
    return AgeBandRule(_distinct(bands))


def _municipality(body: object, path: str) -> Rule:
    items = _list(body, path)
    names = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise InvalidFieldError(f"{path}[{i}]", f"a municipality is a non-empty name, got {item!r}")
        names.append(item.strip())
    return MunicipalityRule(_distinct(names))


def _near(body: object, path: str) -> Rule:
    fields = _object(body, path, required=("lat", "lon", "radius_km"))
    return NearRule(
        lat=_number(fields["lat"], f"{path}.lat", -90.0, 90.0),
        lon=_number(fields["lon"], f"{path}.lon", -180.0, 180.0),
        radius_km=_number(fields["radius_km"], f"{path}.radius_km", 0.0, 1_000.0, low_open=True),
    )


def _uitpas(body: object, path: str) -> Rule:
    if not isinstance(body, bool):
        raise InvalidFieldError(path, f"must be true or false, got {body!r}")
    return UitpasRule(body)


def _interested_in(body: object, path: str) -> Rule:
    fields = _object(body, path, required=("types",), optional=("min_interactions", "days"))
    return InterestRule(
        types=_terms(fields["types"], f"{path}.types", "type"),
        min_interactions=_integer(fields.get("min_interactions", 1), f"{path}.min_interactions", 1, 1_000_000),
        days=_optional_days(fields.get("days"), f"{path}.days"),
    )


def _activity(body: object, path: str) -> Rule:
    fields = _object(body, path, required=("levels",), optional=("days",))
    items = _list(fields["levels"], f"{path}.levels")
    levels = []
    for i, item in enumerate(items):
        try:
            levels.append(ActivityLevel(str(item) if isinstance(item, str) else ""))
        except ValueError:
            allowed = [lv.value for lv in ActivityLevel]
            raise InvalidFieldError(
                f"{path}.levels[{i}]", f"unknown level {item!r}; expected one of {allowed}"
            ) from None
    return ActivityRule(_distinct(levels), _integer(fields.get("days", 90), f"{path}.days", 1, MAX_DAYS))


def _recency(body: object, path: str) -> Rule:
    fields = _object(body, path, optional=("within_days", "older_than_days"))
    if len(fields) != 1:
        raise InvalidFieldError(path, "give exactly one of within_days and older_than_days")
    if "within_days" in fields:
        return RecencyRule(within_days=_integer(fields["within_days"], f"{path}.within_days", 1, MAX_DAYS))
    return RecencyRule(older_than_days=_integer(fields["older_than_days"], f"{path}.older_than_days", 1, MAX_DAYS))


def _never_attended(body: object, path: str) -> Rule:
    fields = _object(body, path, required=("types",))
    return NeverAttendedRule(_terms(fields["types"], f"{path}.types", "type"))


def _likely_interested(body: object, path: str) -> Rule:
    fields = _object(body, path, optional=("type", "theme", "top_share"))
    chosen = [k for k in ("type", "theme") if k in fields]
    if len(chosen) != 1:
        raise InvalidFieldError(path, "give exactly one of type and theme")
    field = chosen[0]
    term = _term(fields[field], f"{path}.{field}", field)
    share = _number(fields.get("top_share", 0.1), f"{path}.top_share", 0.0, 1.0, low_open=True)
    return LikelyInterestedRule(term=term, field=field, top_share=share)


_LEAVES: Final[dict[str, Callable[[object, str], Rule]]] = {
    AgeBandRule.key: _age_band,
    MunicipalityRule.key: _municipality,
    NearRule.key: _near,
    UitpasRule.key: _uitpas,
    InterestRule.key: _interested_in,
    ActivityRule.key: _activity,
    RecencyRule.key: _recency,
    NeverAttendedRule.key: _never_attended,
    LikelyInterestedRule.key: _likely_interested,
}
_KINDS: Final = [*sorted(_LEAVES), "all", "any", "not"]


# -- field helpers --------------------------------------------------------------------------------


def _object(
    body: object, path: str, *, required: Sequence[str] = (), optional: Sequence[str] = ()
) -> dict[str, object]:
    if not isinstance(body, Mapping):
        raise InvalidFieldError(path, f"must be an object with the keys {[*required, *optional]}, got {body!r}")
    allowed = (*required, *optional)
    for key in body:
        if key not in allowed:
            raise InvalidFieldError(f"{path}.{key}", f"unknown field; expected some of {list(allowed)}")
    for key in required:
        if key not in body:
            raise InvalidFieldError(f"{path}.{key}", "is required")
    return {str(k): v for k, v in body.items()}


def _list(body: object, path: str, *, allow_empty: bool = False) -> list[object]:
    if not isinstance(body, list | tuple):
        raise InvalidFieldError(path, f"must be a list, got {body!r}")
    if not body and not allow_empty:
        raise InvalidFieldError(path, "must not be empty")
    return list(body)


def _number(value: object, path: str, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidFieldError(path, f"must be a number, got {value!r}")
    if value > high or value < low or (low_open and value == low):
        bound = f"above {low}" if low_open else f"at least {low}"
        raise InvalidFieldError(path, f"must be {bound} and at most {high}, got {value!r}")
    return float(value)


def _integer(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFieldError(path, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise InvalidFieldError(path, f"must be between {low} and {high}, got {value!r}")
    return value


def _optional_days(value: object, path: str) -> int | None:
    return None if value is None else _integer(value, path, 1, MAX_DAYS)


def _distinct(items: Sequence[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def _terms(body: object, path: str, field: str) -> tuple[str, ...]:
    items = _list(body, path)
    return _distinct([_term(item, f"{path}[{i}]", field) for i, item in enumerate(items)])


def _term(value: object, path: str, field: str) -> str:
    """A taxonomy id of ``field`` (``type`` or ``theme``): an id as such, or a label resolved to its id."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidFieldError(path, f"an event {field} is a publiq taxonomy id or label, got {value!r}")
    text = value.strip()
    if _TERM_ID.match(text):
        return text
    found = _labels(field).get(text.casefold())
    if found is None:
        example = "0.50.4.0.0 or Concert" if field == "type" else "1.8.3.0.0 or Jazz en blues"
        raise InvalidFieldError(
            path, f"unknown event {field} {value!r}; give a publiq taxonomy id or label (e.g. {example})"
        )
    return found


@cache
def _labels(field: str) -> dict[str, str]:
    """Casefolded label (any language) -> id, for event types or themes."""
    taxonomy = default_taxonomy()
    terms = taxonomy.event_types() if field == "type" else taxonomy.themes()
    return {label.casefold(): t.id for t in terms for label in t.label.texts.values() if label}

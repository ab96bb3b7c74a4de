"""Evaluate a rule tree over every user at once: one boolean mask, built with numpy.

Each leaf is a handful of vectorised operations over the user columns or the
interaction arrays (``bincount`` per user, ``maximum.at`` for the last
interaction); combinators are ``&``, ``|`` and ``~`` of their children's
masks. Per-user aggregates that several rules share (the last interaction
time) are computed once per :class:`~recsys.marketing.data.MarketingData`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsys.domain.errors import InvalidFieldError
from recsys.domain.geo import haversine_km
from recsys.marketing.data import ACTIVITY_KINDS, AGE_BANDS, ATTENDANCE_KINDS, DAY_US, POSITIVE_KINDS, MarketingData
from recsys.marketing.errors import ModelRequiredError
from recsys.marketing.rules import (
    ACTIVITY_CUTOFFS,
    ActivityLevel,
    ActivityRule,
    AgeBandRule,
    AllRule,
    AnyRule,
    InterestRule,
    LikelyInterestedRule,
    MunicipalityRule,
    NearRule,
    NeverAttendedRule,
    NotRule,
    RecencyRule,
    Rule,
    UitpasRule,
)
from recsys.marketing.scoring import FactorModel

Mask = npt.NDArray[np.bool_]
_LEVELS = tuple(ActivityLevel)


def evaluate(rule: Rule, data: MarketingData, model: FactorModel | None = None) -> Mask:
    """Which users of ``data`` match ``rule``.

    Parameters
    ----------
    rule : Rule
        A parsed rule tree.
    data : MarketingData
        The users, events and interactions.
    model : FactorModel, optional
        Needed by ``likely_interested`` rules.

    Returns
    -------
    ndarray of bool
        One entry per user of ``data``.

    Raises
    ------
    ModelRequiredError
        When a ``likely_interested`` rule meets no model.
    InvalidFieldError
        When the model knows no event of a ``likely_interested`` rule's type or theme.

    """
    n = data.n_users
    match rule:
        case AllRule(rules=children):
            mask = np.ones(n, dtype=np.bool_)
            for child in children:
                mask &= evaluate(child, data, model)
            return mask
        case AnyRule(rules=children):
            mask = np.zeros(n, dtype=np.bool_)
            for child in children:
                mask |= evaluate(child, data, model)
            return mask
        case NotRule(rule=child):
            return ~evaluate(child, data, model)
        case AgeBandRule(bands=bands):
            return np.isin(data.users.age_band, [AGE_BANDS.index(b) for b in bands])
        case MunicipalityRule(names=names):
            return np.isin(data.users.municipality, [name.casefold() for name in names])
        case NearRule(lat=lat, lon=lon, radius_km=radius):
            users = data.users
            with np.errstate(invalid="ignore"):
                return np.asarray(haversine_km(users.lat, users.lon, lat, lon) <= radius, dtype=np.bool_)
        case UitpasRule(value=value):
            return np.asarray(data.users.uitpas == value, dtype=np.bool_)
        case InterestRule(types=types, min_interactions=minimum, days=days):
            selected = _of_kinds(data, POSITIVE_KINDS) & _of_types(data, types) & _within(data, days)
            return np.asarray(_per_user_counts(data, selected) >= minimum, dtype=np.bool_)
        case NeverAttendedRule(types=types):
            selected = _of_kinds(data, ATTENDANCE_KINDS) & _of_types(data, types)
            return np.asarray(_per_user_counts(data, selected) == 0, dtype=np.bool_)
        case ActivityRule(levels=levels, days=days):
            counts = data.memo(("activity", days), lambda: _activity_counts(data, days))
            level = np.searchsorted(np.asarray(ACTIVITY_CUTOFFS), counts, side="right")
            return np.asarray(np.isin(level, [_LEVELS.index(lv) for lv in levels]), dtype=np.bool_)
        case RecencyRule(within_days=within, older_than_days=older):
            last = data.memo("last_interaction", lambda: _last_interaction(data))
            if within is not None:
                return np.asarray(last >= data.as_of_us - within * DAY_US, dtype=np.bool_)
            assert older is not None
            return np.asarray((last >= 0) & (last < data.as_of_us - older * DAY_US), dtype=np.bool_)
        case LikelyInterestedRule():
            return likely_interested(rule, data, model)
    raise TypeError(f"not a rule: {rule!r}")


def likely_interested(rule: LikelyInterestedRule, data: MarketingData, model: FactorModel | None) -> Mask:
    """Users whose score for the rule's type or theme is in the top ``top_share`` of the users the model knows."""
    if model is None:
        raise ModelRequiredError(
            "a likely_interested rule needs a trained model with latent factors (hybrid or als); train and promote one"
        )
    scores = interest_scores(rule, data, model)
    known = ~np.isnan(scores)
    mask = np.zeros(data.n_users, dtype=np.bool_)
    if not known.any():
        return mask
    threshold = np.quantile(scores[known], 1.0 - rule.top_share, method="higher")
    mask[known] = scores[known] >= threshold
    return mask


def interest_scores(rule: LikelyInterestedRule, data: MarketingData, model: FactorModel) -> npt.NDArray[np.float32]:
    """Each user's mean model score over the rule's events (NaN for users the model does not know).

    The events are those of the type (or theme) that are open and scorable;
    when none is open, all scorable ones. The mean of ``u . v_e`` is
    ``u . mean(v_e)``, so this is one matrix-vector product.

    Raises
    ------
    InvalidFieldError
        When the model can score no event of that type or theme.

    """
    column = data.events.type_id if rule.field == "type" else data.events.theme_id
    matching = (column == rule.term) & model.scorable_events()
    chosen = matching & data.events.is_open if (matching & data.events.is_open).any() else matching
    if not chosen.any():
        raise InvalidFieldError(
            f"likely_interested.{rule.field}", f"the model knows no event of {rule.field} {rule.term!r}"
        )
    vector = model.item_factors[model.event_rows[chosen]].mean(axis=0)
    return model.user_scores(vector, data)


def _of_kinds(data: MarketingData, kinds: tuple[int, ...]) -> Mask:
    return np.isin(data.interactions.kind, kinds)


def _of_types(data: MarketingData, types: tuple[str, ...]) -> Mask:
    """Interactions with events of one of ``types`` (events outside the catalogue never match)."""
    event_matches = np.isin(data.events.type_id, list(types))
    events = data.interactions.event
    out = np.zeros(len(events), dtype=np.bool_)
    known = events >= 0
    out[known] = event_matches[events[known]]
    return out


def _within(data: MarketingData, days: int | None) -> Mask:
    if days is None:
        return np.ones(len(data.interactions), dtype=np.bool_)
    return np.asarray(data.interactions.time_us >= data.as_of_us - days * DAY_US, dtype=np.bool_)


def _per_user_counts(data: MarketingData, selected: Mask) -> npt.NDArray[np.int64]:
    return np.bincount(data.interactions.user[selected], minlength=data.n_users).astype(np.int64)


def _activity_counts(data: MarketingData, days: int) -> npt.NDArray[np.int64]:
    """Interactions (impressions aside) per user in the last ``days`` days."""
    return _per_user_counts(data, _of_kinds(data, ACTIVITY_KINDS) & _within(data, days))


def _last_interaction(data: MarketingData) -> npt.NDArray[np.int64]:
    """Time of each user's last interaction (impressions aside), ``-1`` when none."""
    last = np.full(data.n_users, -1, dtype=np.int64)
    selected = _of_kinds(data, ACTIVITY_KINDS)
    np.maximum.at(last, data.interactions.user[selected], data.interactions.time_us[selected])
    return last

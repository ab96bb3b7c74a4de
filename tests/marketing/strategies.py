"""Hypothesis strategies: random rule trees (as JSON) and small worlds of users, events and interactions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from recsys.domain.interactions import InteractionKind
from tests.marketing.conftest import GENT, THEMES, TYPES, EventSpec, InteractionSpec, UserSpec

BANDS = ("0-11", "12-17", "18-25", "26-35", "36-50", "51-65", "66+")
TOWNS = ("Gent", "Aalst", "Brugge")
#: Exact binary fractions: the top-share cut-off is then exact in floating point.
SHARES = (0.125, 0.25, 0.5, 0.75, 1.0)

_types = st.lists(st.sampled_from(TYPES), min_size=1, max_size=2, unique=True)
_days = st.sampled_from([1, 7, 29, 30, 31, 90, 365])

LEAVES = st.one_of(
    st.builds(lambda b: {"age_band": b}, st.lists(st.sampled_from(BANDS), min_size=1, max_size=3, unique=True)),
    st.builds(
        lambda t: {"municipality": t},
        st.lists(st.sampled_from([*TOWNS, "gent ", "AALST", "Leuven"]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda r, dlat: {"near": {"lat": GENT[0] + dlat, "lon": GENT[1], "radius_km": r}},
        st.sampled_from([0.5, 5.0, 20.0, 60.0]),
        st.sampled_from([0.0, 0.1, 0.3]),
    ),
    st.builds(lambda v: {"uitpas": v}, st.booleans()),
    st.builds(
        lambda t, m, d: {"interested_in": {"types": t, "min_interactions": m, "days": d}},
        _types,
        st.integers(min_value=1, max_value=3),
        st.one_of(st.none(), _days),
    ),
    st.builds(
        lambda lv, d: {"activity": {"levels": lv, "days": d}},
        st.lists(st.sampled_from(["none", "low", "medium", "high"]), min_size=1, max_size=3, unique=True),
        _days,
    ),
    st.builds(lambda d: {"recency": {"within_days": d}}, _days),
    st.builds(lambda d: {"recency": {"older_than_days": d}}, _days),
    st.builds(lambda t: {"never_attended": {"types": t}}, _types),
)
LIKELY = st.builds(
    lambda by_type, index, share: {
        "likely_interested": {"type" if by_type else "theme": (TYPES if by_type else THEMES)[index], "top_share": share}
    },
    st.booleans(),
    st.integers(min_value=0, max_value=1),
    st.sampled_from(SHARES),
)


def rule_trees(max_leaves: int = 6, likely: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Random rule trees with ``all``/``any``/``not``; with ``likely`` every tree holds a ``likely_interested`` leaf."""
    leaves = st.one_of(LIKELY, LEAVES) if likely else LEAVES
    trees = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.builds(lambda c: {"all": c}, st.lists(children, max_size=3)),
            st.builds(lambda c: {"any": c}, st.lists(children, max_size=3)),
            st.builds(lambda c: {"not": c}, children),
        ),
        max_leaves=max_leaves,
    )
    if not likely:
        return trees
    return st.one_of(
        LIKELY,
        st.builds(lambda op, leaf, rest: {op: [leaf, rest]}, st.sampled_from(["all", "any"]), LIKELY, trees),
        st.builds(lambda leaf: {"not": leaf}, LIKELY),
    )


@dataclass
class World:
    users: list[UserSpec]
    events: list[EventSpec]
    interactions: list[InteractionSpec]
    user_vectors: dict[str, list[int]]
    event_vectors: dict[str, list[int]]
    known_events: set[str]


_KINDS = [int(k) for k in InteractionKind]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """Up to 12 users and 8 events, histories in the past (and a few in the future), integer factors."""
    n_users = draw(st.integers(min_value=1, max_value=12))
    users = [
        UserSpec(
            user_id=f"u{i:02d}",
            age_band=draw(st.one_of(st.none(), st.sampled_from(BANDS))),
            municipality=draw(st.one_of(st.none(), st.sampled_from([*TOWNS, " gent"]))),
            postcode=draw(st.sampled_from([None, "9000", "8000"])),
            lat=None if draw(st.booleans()) and i % 3 == 0 else GENT[0] + draw(st.sampled_from([0.0, 0.03, 0.2, 0.5])),
            lon=GENT[1],
            uitpas=draw(st.booleans()),
            consent=draw(st.booleans()),
        )
        for i in range(n_users)
    ]
    for user in users:
        if user.lat is None:
            user.lon = None
    n_events = draw(st.integers(min_value=2, max_value=8))
    events = [
        EventSpec(
            event_id=f"e{j}",
            type_id=draw(st.sampled_from([None, *TYPES, *TYPES])),
            theme_id=draw(st.sampled_from([None, *THEMES, *THEMES])),
            start_days=draw(st.sampled_from([-30.0, -1.0, 5.0, 40.0])),
            end_days=draw(st.sampled_from([None, 20.0])),
            status=draw(st.sampled_from(["Available", "Available", "Unavailable"])),
        )
        for j in range(n_events)
    ]
    event_ids = [e.event_id for e in events] + ["not-in-catalogue"]
    interactions: list[InteractionSpec] = []
    # Histories of 0 to 30 interactions per user, so that activity levels and minimum counts all occur.
    for user_id in [u.user_id for u in users] + ["stranger"]:
        size = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 12, 19, 20, 21, 30]))
        for _ in range(size):
            interactions.append(
                InteractionSpec(
                    user_id=user_id,
                    event_id=draw(st.sampled_from(event_ids)),
                    kind=draw(st.sampled_from(_KINDS)),
                    days_ago=float(draw(st.sampled_from([-5, 0, 1, 7, 29, 30, 31, 89, 90, 91, 200, 400, 420]))),
                )
            )
    known_users = [u.user_id for u in users if draw(st.booleans())]
    vector = st.lists(st.integers(min_value=-3, max_value=3), min_size=3, max_size=3)
    user_vectors = {u: draw(vector) for u in known_users} or {"ghost": [0, 0, 0]}
    event_vectors = {e.event_id: draw(vector) for e in events}
    known_events = {e for e in event_vectors if draw(st.sampled_from([True, True, True, False]))}
    return World(users, events, interactions, user_vectors, event_vectors, known_events)

"""The in-process fallback snapshot: popular lists and their cards, answered from memory when the cache is down.

It is taken from the cache whenever the server sees a new active version
(start-up, activation, rollback), so a Redis outage leaves the server with the
popular lists of the version it was serving, overall and per region.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from features.regions import REGIONS
from recsys.cache.cards import EventCard
from recsys.cache.protocol import POPULAR_ALL, CandidateList, region_scope

#: The scope of the overall popular list.
ALL_SCOPE: Final = POPULAR_ALL
#: Scopes the snapshot holds: overall and per region.
SNAPSHOT_SCOPES: Final = (ALL_SCOPE, *(region_scope(code) for code in REGIONS))


@dataclass(frozen=True, slots=True)
class FallbackSnapshot:
    """Popular lists with their cards.

    Parameters
    ----------
    version : str or None
        The cache version it was taken from.
    lists : mapping of str to CandidateList
        Popular lists by scope.
    cards : mapping of str to EventCard
        Cards of every event in the lists.

    """

    version: str | None = None
    lists: Mapping[str, CandidateList] = field(default_factory=dict)
    cards: Mapping[str, EventCard] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when it holds no list."""
        return not any(len(v) for v in self.lists.values())

    def popular(self, scope: str) -> CandidateList | None:
        """One list, or ``None``."""
        return self.lists.get(scope)

    @classmethod
    def take(
        cls,
        version: str,
        read_list: Callable[[str], CandidateList | None],
        read_cards: Callable[[Sequence[str]], Mapping[str, EventCard]],
        scopes: Sequence[str] = SNAPSHOT_SCOPES,
    ) -> FallbackSnapshot:
        """Read the lists of ``scopes`` and their cards (raises what the readers raise)."""
        lists = {scope: found for scope in scopes if (found := read_list(scope)) is not None}
        ids = list(dict.fromkeys(e for lst in lists.values() for e in lst.event_ids))
        return cls(version=version, lists=lists, cards=dict(read_cards(ids)) if ids else {})

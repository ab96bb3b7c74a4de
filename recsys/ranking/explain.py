"""Why an item is in the list: machine-readable reason codes and a short text in nl, fr or en.

Reason codes (:data:`REASONS`, in this order in every tuple):

==================  =============================================  ===================================
code                when                                           text (nl / fr / en)
==================  =============================================  ===================================
``exploration``     swapped in by exploration                      Iets nieuws voor jou: <discipline> /
                                                                   Quelque chose de nouveau pour vous :
                                                                   <discipline> / Something new for
                                                                   you: <discipline>
``because-viewed``  the candidate came from a history event        Omdat je <title> bekeek / Parce que
                                                                   vous avez consulté <title> / Because
                                                                   you viewed <title>
``similar``         source ``similar`` without a known event       Lijkt op wat je bekeek / ...
``fresh``           source ``fresh`` (new in the catalogue)        Nieuw in de agenda / Nouveau dans
                                                                   l'agenda / New in the calendar
``popular-nearby``  source ``regional-popular``                    Populair in de buurt / Populaire près
                                                                   de chez vous / Popular near you
``popular``         source ``popular``                             Populair / Populaire / Popular
``for-you``         source ``personal``                            Aanbevolen voor jou / Recommandé pour
                                                                   vous / Recommended for you
``today``           the shown date is today (Brussels time)        Vandaag / Aujourd'hui / Today
``tomorrow``        ... tomorrow                                   Morgen / Demain / Tomorrow
``this-weekend``    ... between Friday 17:00 and Sunday midnight   Dit weekend / Ce week-end / This
                    of the current week                            weekend
``on-now``          a running offer that runs now                  Nu te zien / À voir maintenant / On now
``nearby``          at most :data:`NEARBY_KM` away                 Op 4 km / À 4 km / 4 km away
``free``            price 0                                        Gratis / Gratuit / Free
``small-organizer`` boosted for exposure                           Van een kleine organisator / D'un
                                                                   petit organisateur / From a small
                                                                   organiser
==================  =============================================  ===================================

The text joins the two most telling parts with " · ": first the strongest
"why" (exploration, because-viewed, similar, fresh, popular-nearby, popular),
then the first practical fact (today, tomorrow, this weekend, on now, nearby,
free), then the weak "why"s (small organiser, for you) when room is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from recsys.cache.cards import EventCard
from recsys.domain.taxonomy import default_taxonomy
from recsys.ranking.times import DayMarks, day_marks

EXPLORATION: Final = "exploration"
BECAUSE_VIEWED: Final = "because-viewed"
SIMILAR: Final = "similar"
FRESH: Final = "fresh"
POPULAR_NEARBY: Final = "popular-nearby"
POPULAR: Final = "popular"
FOR_YOU: Final = "for-you"
TODAY: Final = "today"
TOMORROW: Final = "tomorrow"
THIS_WEEKEND: Final = "this-weekend"
ON_NOW: Final = "on-now"
NEARBY: Final = "nearby"
FREE: Final = "free"
SMALL_ORGANIZER: Final = "small-organizer"

#: Every reason code, in the order reason tuples list them.
REASONS: Final = (
    EXPLORATION,
    BECAUSE_VIEWED,
    SIMILAR,
    FRESH,
    POPULAR_NEARBY,
    POPULAR,
    FOR_YOU,
    TODAY,
    TOMORROW,
    THIS_WEEKEND,
    ON_NOW,
    NEARBY,
    FREE,
    SMALL_ORGANIZER,
)
_STRONG_WHY: Final[tuple[str, ...]] = (EXPLORATION, BECAUSE_VIEWED, SIMILAR, FRESH, POPULAR_NEARBY, POPULAR)
_FACTS: Final[tuple[str, ...]] = (TODAY, TOMORROW, THIS_WEEKEND, ON_NOW, NEARBY, FREE)
_WEAK_WHY: Final[tuple[str, ...]] = (SMALL_ORGANIZER, FOR_YOU)

#: Events at most this far away are called nearby.
NEARBY_KM: Final = 15.0
#: What separates the parts of an explanation.
SEPARATOR: Final = " · "

#: Source of a candidate -> its reason code.
SOURCE_REASONS: Final[Mapping[str, str]] = {
    "personal": FOR_YOU,
    "similar": SIMILAR,
    "regional-popular": POPULAR_NEARBY,
    "popular": POPULAR,
    "fresh": FRESH,
}

#: Text of each part per language; ``{title}``, ``{discipline}`` and ``{km}`` are filled in.
TEXTS: Final[Mapping[str, Mapping[str, str]]] = {
    EXPLORATION: {
        "nl": "Iets nieuws voor jou: {discipline}",
        "fr": "Quelque chose de nouveau pour vous : {discipline}",
        "en": "Something new for you: {discipline}",
    },
    "exploration-plain": {
        "nl": "Iets nieuws voor jou",
        "fr": "Quelque chose de nouveau pour vous",
        "en": "Something new for you",
    },
    BECAUSE_VIEWED: {
        "nl": "Omdat je {title} bekeek",
        "fr": "Parce que vous avez consulté {title}",
        "en": "Because you viewed {title}",
    },
    SIMILAR: {
        "nl": "Lijkt op wat je bekeek",
        "fr": "Proche de ce que vous avez consulté",
        "en": "Similar to what you viewed",
    },
    FRESH: {"nl": "Nieuw in de agenda", "fr": "Nouveau dans l'agenda", "en": "New in the calendar"},
    POPULAR_NEARBY: {"nl": "Populair in de buurt", "fr": "Populaire près de chez vous", "en": "Popular near you"},
    POPULAR: {"nl": "Populair", "fr": "Populaire", "en": "Popular"},
    FOR_YOU: {"nl": "Aanbevolen voor jou", "fr": "Recommandé pour vous", "en": "Recommended for you"},
    TODAY: {"nl": "Vandaag", "fr": "Aujourd'hui", "en": "Today"},
    TOMORROW: {"nl": "Morgen", "fr": "Demain", "en": "Tomorrow"},
    THIS_WEEKEND: {"nl": "Dit weekend", "fr": "Ce week-end", "en": "This weekend"},
    ON_NOW: {"nl": "Nu te zien", "fr": "À voir maintenant", "en": "On now"},
    NEARBY: {"nl": "Op {km} km", "fr": "À {km} km", "en": "{km} km away"},
    "nearby-close": {"nl": "Op minder dan 1 km", "fr": "À moins d'1 km", "en": "Less than 1 km away"},
    FREE: {"nl": "Gratis", "fr": "Gratuit", "en": "Free"},
    SMALL_ORGANIZER: {
        "nl": "Van een kleine organisator",
        "fr": "D'un petit organisateur",
        "en": "From a small organiser",
    },
}


def _text(key: str, lang: str) -> str:
    texts = TEXTS[key]
    return texts.get(lang) or texts["nl"]


def pick_title(titles: Mapping[str, str], lang: str) -> str | None:
    """A title in ``lang``, else Dutch, else any language; None when there is none."""
    return titles.get(lang) or titles.get("nl") or next((t for t in titles.values() if t), None)


def discipline_label(card: EventCard, lang: str) -> str | None:
    """The name of the card's discipline: its own label, else the publiq taxonomy's, else None."""
    label = pick_title(card.type_label, lang)
    if label:
        return label
    if card.type_id is None:
        return None
    term = default_taxonomy().get(card.type_id)
    if term is None:
        return None
    return term.label.get(lang) or None


class Explainer:
    """Reasons and texts for the items of one request (day marks computed once).

    Parameters
    ----------
    lang : str
        ``nl``, ``fr`` or ``en`` (others fall back to Dutch).
    now_us : int
        The request's instant, microseconds since the epoch.

    """

    __slots__ = ("lang", "marks")

    def __init__(self, lang: str, now_us: int) -> None:
        self.lang = lang
        self.marks: DayMarks = day_marks(now_us)

    def reasons(
        self,
        card: EventCard,
        *,
        source: str,
        because_of: bool,
        start_us: int,
        running: bool,
        distance_km: float | None,
        exploration: bool = False,
        boosted: bool = False,
    ) -> tuple[str, ...]:
        """The reason codes that apply to one item, in :data:`REASONS` order.

        Parameters
        ----------
        card : EventCard
            The event.
        source : str
            Where the candidate came from (``personal``, ``similar``, ``regional-popular``, ``popular``, ``fresh``).
        because_of : bool
            Whether a history event led to it.
        start_us : int
            When the shown date starts (at least now).
        running : bool
            True for a running offer without dates.
        distance_km : float or None
            Distance from the visitor.
        exploration : bool
            Swapped in by exploration.
        boosted : bool
            Received the small-organiser exposure boost.

        Returns
        -------
        tuple of str
            Reason codes.

        """
        found: set[str] = set()
        if exploration:
            found.add(EXPLORATION)
        if because_of:
            found.add(BECAUSE_VIEWED)
        else:
            code = SOURCE_REASONS.get(source)
            if code is not None:
                found.add(code)
        if source == "fresh":
            found.add(FRESH)
        marks = self.marks
        if running and start_us <= marks.now_us:
            found.add(ON_NOW)
        else:
            if marks.is_today(start_us):
                found.add(TODAY)
            elif marks.is_tomorrow(start_us):
                found.add(TOMORROW)
            if marks.is_this_weekend(start_us):
                found.add(THIS_WEEKEND)
        if distance_km is not None and distance_km <= NEARBY_KM:
            found.add(NEARBY)
        if card.price_eur == 0.0:
            found.add(FREE)
        if boosted:
            found.add(SMALL_ORGANIZER)
        return tuple(code for code in REASONS if code in found)

    def text(
        self,
        reasons: tuple[str, ...],
        card: EventCard,
        *,
        because_of_title: Mapping[str, str] | None = None,
        distance_km: float | None = None,
        parts: int = 2,
    ) -> str:
        """A short explanation: the ``parts`` most telling reasons, joined by :data:`SEPARATOR`.

        Parameters
        ----------
        reasons : tuple of str
            Codes from :meth:`reasons`.
        card : EventCard
            The event (its discipline names exploration items).
        because_of_title : mapping of str to str, optional
            Title per language of the history event that led to the item.
        distance_km : float, optional
            Distance shown by ``nearby``.
        parts : int
            Most parts to join.

        Returns
        -------
        str
            The explanation in this explainer's language.

        """
        present = set(reasons)
        chosen: list[str] = [code for code in _STRONG_WHY if code in present][:1]
        chosen += [code for code in _FACTS if code in present]
        chosen += [code for code in _WEAK_WHY if code in present]
        if not chosen:
            # An unknown source and no fact: still say something true.
            chosen = [FOR_YOU]
        return SEPARATOR.join(self._part(code, card, because_of_title, distance_km) for code in chosen[:parts])

    def _part(
        self,
        code: str,
        card: EventCard,
        because_of_title: Mapping[str, str] | None,
        distance_km: float | None,
    ) -> str:
        lang = self.lang
        if code == EXPLORATION:
            discipline = discipline_label(card, lang)
            if not discipline:
                return _text("exploration-plain", lang)
            return _text(EXPLORATION, lang).format(discipline=discipline)
        if code == BECAUSE_VIEWED:
            title = None if because_of_title is None else pick_title(because_of_title, lang)
            if not title:
                return _text(SIMILAR, lang)
            return _text(BECAUSE_VIEWED, lang).format(title=title)
        if code == NEARBY and distance_km is not None:
            if distance_km < 1.0:
                return _text("nearby-close", lang)
            return _text(NEARBY, lang).format(km=f"{distance_km:.0f}")
        return _text(code, lang)

from __future__ import annotations

import datetime as dt

import pytest

from recsys.ranking.explain import REASONS, TEXTS, Explainer, discipline_label
from recsys.ranking.request import RecommendationRequest
from recsys.ranking.rules import apply_rules
from recsys.ranking.times import BRUSSELS, to_us
from tests.ranking.helpers import GENT, HOUR_US, NOW, NOW_US, card, local_us, occ, scored

HAMLET = {"nl": "Hamlet (NTGent)", "fr": "Hamlet (NTGent, fr)", "en": "Hamlet (NTGent, en)"}


def reasons(
    now_us: int = NOW_US,
    *,
    start_us: int | None = None,
    running: bool = False,
    source: str = "personal",
    because_of: bool = False,
    distance_km: float | None = None,
    price: float | None = 10.0,
    exploration: bool = False,
    boosted: bool = False,
) -> tuple[str, ...]:
    return Explainer("nl", now_us).reasons(
        card(price_eur=price),
        source=source,
        because_of=because_of,
        start_us=now_us + 5 * 24 * HOUR_US if start_us is None else start_us,
        running=running,
        distance_km=distance_km,
        exploration=exploration,
        boosted=boosted,
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "Omdat je Hamlet (NTGent) bekeek · Op 4 km"),
        ("fr", "Parce que vous avez consulté Hamlet (NTGent, fr) · À 4 km"),
        ("en", "Because you viewed Hamlet (NTGent, en) · 4 km away"),
    ],
)
def test_because_viewed_and_distance_in_three_languages(lang: str, expected: str) -> None:
    explainer = Explainer(lang, NOW_US)
    codes = ("because-viewed", "nearby")
    assert explainer.text(codes, card(), because_of_title=HAMLET, distance_km=4.3) == expected


@pytest.mark.parametrize(
    ("code", "nl", "fr", "en"),
    [
        ("free", "Gratis", "Gratuit", "Free"),
        ("this-weekend", "Dit weekend", "Ce week-end", "This weekend"),
        ("today", "Vandaag", "Aujourd'hui", "Today"),
        ("tomorrow", "Morgen", "Demain", "Tomorrow"),
        ("popular-nearby", "Populair in de buurt", "Populaire près de chez vous", "Popular near you"),
        ("fresh", "Nieuw in de agenda", "Nouveau dans l'agenda", "New in the calendar"),
        ("on-now", "Nu te zien", "À voir maintenant", "On now"),
        ("small-organizer", "Van een kleine organisator", "D'un petit organisateur", "From a small organiser"),
    ],
)
def test_single_parts_in_three_languages(code: str, nl: str, fr: str, en: str) -> None:
    for lang, text in (("nl", nl), ("fr", fr), ("en", en)):
        assert Explainer(lang, NOW_US).text((code,), card()) == text


def test_every_reason_has_a_text_in_every_language() -> None:
    for code in REASONS:
        assert set(TEXTS[code]) == {"nl", "fr", "en"}


def test_exploration_names_the_discipline() -> None:
    dance = card(type_id="0.54.0.0.0", type_label={"nl": "Dans", "fr": "Danse", "en": "Dance"})
    assert Explainer("nl", NOW_US).text(("exploration",), dance) == "Iets nieuws voor jou: Dans"
    assert Explainer("fr", NOW_US).text(("exploration",), dance) == "Quelque chose de nouveau pour vous : Danse"
    assert Explainer("en", NOW_US).text(("exploration",), dance) == "Something new for you: Dance"
    # Without its own label the card's type is looked up in the publiq taxonomy.
    assert discipline_label(card(type_id="0.54.0.0.0", type_label={}), "en") == "Dance performance"
    assert Explainer("nl", NOW_US).text(("exploration",), card(type_id=None, type_label={})) == "Iets nieuws voor jou"


def test_because_viewed_without_title_falls_back() -> None:
    assert Explainer("en", NOW_US).text(("because-viewed",), card()) == "Similar to what you viewed"


def test_distance_texts() -> None:
    explainer = Explainer("nl", NOW_US)
    assert explainer.text(("nearby",), card(), distance_km=0.4) == "Op minder dan 1 km"
    assert explainer.text(("nearby",), card(), distance_km=12.6) == "Op 13 km"


def test_two_most_telling_parts() -> None:
    explainer = Explainer("nl", NOW_US)
    codes = ("because-viewed", "for-you", "tomorrow", "nearby", "free", "small-organizer")
    assert (
        explainer.text(codes, card(), because_of_title=HAMLET, distance_km=3)
        == "Omdat je Hamlet (NTGent) bekeek · Morgen"
    )
    # A weak "why" gives way to two facts.
    assert explainer.text(("for-you", "nearby", "free"), card(), distance_km=3) == "Op 3 km · Gratis"
    assert explainer.text(("for-you",), card()) == "Aanbevolen voor jou"
    assert explainer.text((), card()) == "Aanbevolen voor jou"
    assert explainer.text(("for-you", "small-organizer"), card()) == "Van een kleine organisator · Aanbevolen voor jou"
    assert explainer.text(codes, card(), because_of_title=HAMLET, parts=1) == "Omdat je Hamlet (NTGent) bekeek"


class TestReasons:
    def test_sources(self) -> None:
        assert "for-you" in reasons(source="personal")
        assert "similar" in reasons(source="similar")
        assert "popular-nearby" in reasons(source="regional-popular")
        assert "popular" in reasons(source="popular")
        assert "fresh" in reasons(source="fresh")
        assert "because-viewed" in reasons(source="similar", because_of=True)
        assert "similar" not in reasons(source="similar", because_of=True)

    def test_facts(self) -> None:
        assert "free" in reasons(price=0.0)
        assert "free" not in reasons(price=None)
        assert "nearby" in reasons(distance_km=15.0)
        assert "nearby" not in reasons(distance_km=15.1)
        assert "exploration" in reasons(exploration=True)
        assert "small-organizer" in reasons(boosted=True)

    def test_codes_come_in_canonical_order(self) -> None:
        got = reasons(price=0.0, distance_km=1, exploration=True, boosted=True, source="fresh")
        assert list(got) == [code for code in REASONS if code in got]

    def test_today_and_tomorrow_follow_the_local_date(self) -> None:
        late_evening = local_us(2026, 11, 18, 23, 30)
        assert "today" in reasons(start_us=late_evening)
        assert "tomorrow" in reasons(start_us=local_us(2026, 11, 19, 0, 0))
        assert "tomorrow" not in reasons(start_us=local_us(2026, 11, 20, 0, 0))
        assert "today" in reasons(start_us=NOW_US)

    def test_running_offer_is_on_now(self) -> None:
        assert "on-now" in reasons(start_us=NOW_US, running=True)
        assert "today" not in reasons(start_us=NOW_US, running=True)
        later = reasons(start_us=local_us(2026, 11, 19, 10), running=True)
        assert "on-now" not in later and "tomorrow" in later


class TestWeekend:
    @pytest.mark.parametrize(
        ("start", "weekend"),
        [
            ((2026, 11, 20, 16, 59), False),
            ((2026, 11, 20, 17, 0), True),
            ((2026, 11, 21, 12, 0), True),
            ((2026, 11, 22, 23, 59), True),
            ((2026, 11, 23, 0, 0), False),
            ((2026, 11, 27, 20, 0), False),
        ],
    )
    def test_friday_17h_through_sunday(self, start: tuple[int, ...], weekend: bool) -> None:
        assert ("this-weekend" in reasons(local_us(2026, 11, 18, 10), start_us=local_us(*start))) is weekend

    def test_friday_before_17h_is_today_and_weekend_later_that_day(self) -> None:
        friday = local_us(2026, 11, 20, 10)
        assert reasons(friday, start_us=local_us(2026, 11, 20, 16)) == ("for-you", "today")
        assert reasons(friday, start_us=local_us(2026, 11, 20, 19)) == ("for-you", "today", "this-weekend")
        assert reasons(friday, start_us=local_us(2026, 11, 21, 19)) == ("for-you", "tomorrow", "this-weekend")

    def test_monday_looks_at_the_coming_weekend(self) -> None:
        monday = local_us(2026, 11, 23, 9)
        assert "this-weekend" in reasons(monday, start_us=local_us(2026, 11, 28, 20))
        assert "this-weekend" not in reasons(monday, start_us=local_us(2026, 12, 5, 20))

    def test_autumn_dst_weekend(self) -> None:
        # Sunday 25 October 2026 has 25 hours; Friday 23 is CEST (UTC+2), Monday 26 is CET (UTC+1).
        wednesday = local_us(2026, 10, 21, 12)
        friday_1659_utc = to_us(dt.datetime(2026, 10, 23, 14, 59, tzinfo=dt.UTC))
        friday_1700_utc = to_us(dt.datetime(2026, 10, 23, 15, 0, tzinfo=dt.UTC))
        assert "this-weekend" not in reasons(wednesday, start_us=friday_1659_utc)
        assert "this-weekend" in reasons(wednesday, start_us=friday_1700_utc)
        sunday_2330 = to_us(dt.datetime(2026, 10, 25, 23, 30, tzinfo=BRUSSELS))
        monday_0000 = to_us(dt.datetime(2026, 10, 26, 0, 0, tzinfo=BRUSSELS))
        assert "this-weekend" in reasons(wednesday, start_us=sunday_2330)
        assert "this-weekend" not in reasons(wednesday, start_us=monday_0000)
        assert monday_0000 - sunday_2330 == HOUR_US // 2

    def test_spring_dst_weekend(self) -> None:
        # Friday 27 March 2026 is still CET: 17:00 local is 16:00 UTC, not 15:00.
        wednesday = local_us(2026, 3, 25, 12)
        assert "this-weekend" not in reasons(wednesday, start_us=to_us(dt.datetime(2026, 3, 27, 15, 30, tzinfo=dt.UTC)))
        assert "this-weekend" in reasons(wednesday, start_us=to_us(dt.datetime(2026, 3, 27, 16, 0, tzinfo=dt.UTC)))
        # Sunday 29 March (CEST after 03:00) still counts until local midnight, 22:00 UTC.
        assert "this-weekend" in reasons(wednesday, start_us=to_us(dt.datetime(2026, 3, 29, 21, 59, tzinfo=dt.UTC)))
        assert "this-weekend" not in reasons(wednesday, start_us=to_us(dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.UTC)))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", "Omdat je Hamlet (NTGent) bekeek · Dit weekend"),
        ("fr", "Parce que vous avez consulté Hamlet (NTGent, fr) · Ce week-end"),
        ("en", "Because you viewed Hamlet (NTGent, en) · This weekend"),
    ],
)
def test_rules_explain_in_the_request_language(lang: str, expected: str) -> None:
    event = card(occurrences=(occ(local_us(2026, 11, 21, 20)),), price_eur=0.0)
    item = scored(event, 1.0, "similar", because_of="hamlet", because_of_title=HAMLET)
    request = RecommendationRequest(n=1, lang=lang, lat=GENT[0], lon=GENT[1])
    [result] = apply_rules([item], request, NOW)
    assert result.explanation == expected
    assert result.reasons == ("because-viewed", "this-weekend", "nearby", "free")
    assert result.distance_km == pytest.approx(0.0, abs=1e-9)


def test_rules_without_explain_still_give_reasons() -> None:
    [result] = apply_rules([scored(card(price_eur=0.0))], RecommendationRequest(explain=False), NOW)
    assert result.explanation is None
    assert result.reasons == ("for-you", "tomorrow", "free")

"""The demo site's words and Brussels dates (plain unit tests, no browser)."""

from __future__ import annotations

import datetime as dt

import pytest

from serving.site.texts import SITE_LANGUAGES, TEXTS, format_day, format_moment, format_price, site_language


def test_every_language_has_every_word() -> None:
    keys = set(TEXTS["nl"])
    assert all(set(TEXTS[lang]) == keys for lang in SITE_LANGUAGES)
    assert all(value.strip() for lang in SITE_LANGUAGES for value in TEXTS[lang].values())


@pytest.mark.parametrize(
    ("moment", "lang", "expected"),
    [
        # 19:30 UTC in winter is 20:30 in Brussels; 18:00 UTC in summer is 20:00.
        (dt.datetime(2026, 12, 24, 19, 30, tzinfo=dt.UTC), "nl", "do 24 dec 2026, 20:30"),
        (dt.datetime(2026, 7, 1, 18, 0, tzinfo=dt.UTC), "fr", "mer. 1 juil. 2026, 20:00"),
        (dt.datetime(2026, 7, 1, 18, 0, tzinfo=dt.UTC), "en", "Wed 1 Jul 2026, 20:00"),
        # Just before midnight UTC is already the next day in Brussels.
        (dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC), "nl", "zo 15 mrt 2026, 00:30"),
    ],
)
def test_moments_are_written_in_brussels_time(moment: dt.datetime, lang: str, expected: str) -> None:
    assert format_moment(moment, lang) == expected


def test_days_accept_dates_and_datetimes() -> None:
    assert format_day(dt.date(2026, 2, 1), "en") == "Sun 1 Feb 2026"
    assert format_day(dt.datetime(2026, 2, 1, 23, 30, tzinfo=dt.UTC), "en") == "Mon 2 Feb 2026"


@pytest.mark.parametrize(
    ("price", "lang", "expected"),
    [
        (0.0, "nl", "Gratis"),
        (0.0, "fr", "Gratuit"),
        (0.0, "en", "Free"),
        (12.5, "nl", "€ 12,50"),
        (12.5, "en", "€12.50"),
        (7.0, "fr", "7 €"),
        (12.5, "fr", "12,50 €"),
        (None, "nl", None),
    ],
)
def test_prices(price: float | None, lang: str, expected: str | None) -> None:
    assert format_price(price, lang) == expected


def test_unknown_languages_fall_back_to_dutch() -> None:
    assert site_language("de") == "nl" and site_language(None) == "nl" and site_language("fr") == "fr"

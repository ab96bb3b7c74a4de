"""Tokenising and stemming in Dutch, French and English."""

from __future__ import annotations

import pytest

from features.text import analyze, fold_accents, normalise_language, stem, strip_html, tokenize


@pytest.mark.parametrize(
    ("words", "lang"),
    [
        (["voorstelling", "voorstellingen"], "nl"),
        (["wandeling", "wandelingen"], "nl"),
        (["tentoonstelling", "tentoonstellingen"], "nl"),
        (["kinderen", "kinder"], "nl"),
        (["concert", "concerten"], "nl"),
        (["concert", "concerts"], "fr"),
        (["nuit", "nuits"], "fr"),
        (["présente", "présentation"], "fr"),
        (["théâtre", "theatre", "théâtres"], "fr"),
        (["concert", "concerts"], "en"),
        (["running", "run", "runs"], "en"),
    ],
)
def test_inflections_share_a_stem(words: list[str], lang: str) -> None:
    assert len({stem(w, lang) for w in words}) == 1


def test_known_dutch_and_french_stems() -> None:
    assert analyze("Twee voorstellingen voor kinderen", "nl") == ["twee", "voorstel", "kinder"]
    assert analyze("Le dernier hiver : concerts au théâtre", "fr") == ["derni", "hiv", "concert", "theatr"]


def test_stop_words_are_dropped_per_language() -> None:
    assert analyze("de kat en het huis", "nl") == ["kat", "huis"]
    assert analyze("la maison et le jardin", "fr") == ["maison", "jardin"]
    assert analyze("the house and the garden", "en") == ["hous", "garden"]
    # A Dutch stop word is an ordinary word in English.
    assert "de" not in analyze("de", "nl") and analyze("de", "en") == ["de"]


def test_html_entities_digits_and_case() -> None:
    assert strip_html("<p>Theater&nbsp;&amp;&nbsp;dans</p><br/>") == " Theater\xa0&\xa0dans  "
    assert tokenize("<b>SAMEN</b> naar 3 concerten, €12,50!") == ["samen", "naar", "concerten"]
    assert analyze("<p>Opera &amp; Ballet</p>", "nl") == ["opera", "ballet"]


def test_accents_are_folded_after_stemming() -> None:
    assert fold_accents("Pinguïn café Ysaÿe") == "Pinguin cafe Ysaye"
    assert analyze("Éte théâtral", "fr") == analyze("ete theatral", "fr")


def test_elisions_and_single_letters_leave_no_terms() -> None:
    assert analyze("l'amour d'hiver", "fr") == ["amour", "hiv"]


def test_languages_are_normalised_and_others_are_not_stemmed() -> None:
    assert normalise_language("nl-BE") == "nl" and normalise_language("FR_be") == "fr"
    assert normalise_language(None) == ""
    assert analyze("Voorstellingen", "nl-BE") == ["voorstel"]
    assert analyze("Ein schönes Konzert", "de") == ["ein", "schones", "konzert"]
    assert analyze("Concerten", None) == ["concerten"]
    assert analyze(None, "nl") == [] and analyze("", "fr") == []

"""The element's documented behaviour: its language, its heading, attribute changes and its DOM events."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import Demo, wait_ready
from tests.browser.hostpages import host_page, items, mock_api

#: The section's own ``lang`` attribute and whether it is read in the widget's language (``:lang()``).
SECTION_LANG = """el => { const s = el.shadowRoot.querySelector('section');
                          return [s.getAttribute('lang'), s.matches(':lang(' + el.dataset.expect + ')')]; }"""


def test_a_list_in_another_language_than_the_page_says_so(page: Page, demo: Demo) -> None:
    mock_api(page, items(2))
    # A Dutch page; the script's default language is French.
    script = f'<script src="{demo.url}/widget.js" data-key="k" data-lang="fr" async></script>'
    widget = (
        '<uit-recommendations id="default" data-expect="fr" placement="popular" n="2"></uit-recommendations>'
        '<uit-recommendations id="dutch" data-expect="nl" lang="nl" placement="popular" n="2"></uit-recommendations>'
        '<uit-recommendations id="english" data-expect="en" lang="en" placement="popular" n="2"></uit-recommendations>'
    )
    page.goto(host_page(demo, "/languages.html", script=script, widget=widget))
    wait_ready(page)
    # French inside a Dutch page: the section carries it. An element's own lang already covers its shadow tree.
    assert page.eval_on_selector("#default", SECTION_LANG) == ["fr", True]
    assert page.eval_on_selector("#dutch", SECTION_LANG) == [None, True]
    assert page.eval_on_selector("#english", SECTION_LANG) == [None, True]
    headings: list[Any] = page.eval_on_selector_all(
        "uit-recommendations", "els => els.map(e => e.shadowRoot.querySelector('h2').textContent)"
    )
    assert headings == ["Populaire", "Populair", "Popular"]

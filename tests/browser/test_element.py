"""The element's documented behaviour: its language, its heading, attribute changes and its DOM events."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page

from tests.browser.conftest import Demo, card_ids, wait_ready
from tests.browser.hostpages import host_page, items, mock_api

#: The script tag of these pages: the API is mocked, so any key will do.
SCRIPT = '<script src="{url}/widget.js" data-key="k" async></script>'

#: The section's own ``lang`` attribute and whether it is read in the widget's language (``:lang()``).
SECTION_LANG = """el => { const s = el.shadowRoot.querySelector('section');
                          return [s.getAttribute('lang'), s.matches(':lang(' + el.dataset.expect + ')')]; }"""


def test_a_list_in_another_language_than_the_page_says_so(page: Page, demo: Demo) -> None:
    mock_api(page, items(2))
    # A Dutch page; the script's default language is French.
    script = SCRIPT.format(url=demo.url).replace("async", 'data-lang="fr" async')
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


def by_query(url: str) -> list[dict[str, Any]] | None:
    """``n`` items, none for ``answer=empty``, an HTTP 500 for ``answer=error`` (set through ``query``)."""
    asked = parse_qs(urlsplit(url).query)
    answer = asked.get("answer", [""])[0]
    if answer == "error":
        return None
    return [] if answer == "empty" else items(int(asked.get("n", ["4"])[0]))


#: Every ``uit-recommendations:*`` event the document sees: [type, element id, detail].
EVENT_LISTENER = """<script>window.__events = [];
for (const kind of ['load', 'empty', 'error', 'click'])
  document.addEventListener('uit-recommendations:' + kind, e => window.__events.push([e.type, e.target.id, e.detail]));
</script>"""


def test_changing_attributes_reloads_the_list_once(page: Page, demo: Demo) -> None:
    mock_api(page, by_query)
    asked: list[str] = []  # the lists asked for (not the CORS preflights)
    page.on("request", lambda r: asked.append(r.url) if r.method == "GET" and "/v1/popular" in r.url else None)
    widget = '<uit-recommendations id="list" placement="popular" n="4"></uit-recommendations>'
    page.goto(host_page(demo, "/reload.html", body=EVENT_LISTENER, widget=widget, script=SCRIPT.format(url=demo.url)))
    wait_ready(page)
    assert len(card_ids(page, "#list")) == 4
    before = len(asked)
    # Two attributes changed together: one new request with both.
    page.eval_on_selector("#list", "el => { el.setAttribute('n', '2'); el.setAttribute('region', 'BE-VOV'); }")
    page.wait_for_function("document.querySelector('#list').shadowRoot.querySelectorAll('a[data-id]').length === 2")
    wait_ready(page)
    reloads = asked[before:]
    assert len(reloads) == 1 and "n=2" in reloads[0] and "region=BE-VOV" in reloads[0]
    # The heading follows too: a region makes it "popular near you".
    assert (
        page.eval_on_selector("#list", "el => el.shadowRoot.querySelector('h2').textContent") == "Populair in de buurt"
    )
    loads = [detail for kind, _, detail in page.evaluate("window.__events") if kind == "uit-recommendations:load"]
    assert loads == [
        {"count": 4, "source": "popular", "modelVersion": "m1"},
        {"count": 2, "source": "popular", "modelVersion": "m1"},
    ]


def test_an_empty_heading_is_hidden_but_still_names_the_list(page: Page, demo: Demo) -> None:
    mock_api(page, items(2))
    widget = '<uit-recommendations placement="popular" n="2" heading=""></uit-recommendations>'
    page.goto(host_page(demo, "/no-heading.html", widget=widget, script=SCRIPT.format(url=demo.url)))
    wait_ready(page)
    heading: dict[str, Any] = page.eval_on_selector(
        "uit-recommendations",
        """el => { const h = el.shadowRoot.querySelector('h2'), r = h.getBoundingClientRect();
                   const list = el.shadowRoot.querySelector('ul').getBoundingClientRect();
                   const section = el.shadowRoot.querySelector('section');
                   return {text: h.textContent, width: r.width, height: r.height, labelledBy: section.getAttribute('aria-labelledby'),
                           id: h.id, listAtTop: list.top === section.getBoundingClientRect().top}; }""",
    )
    # Screen readers get a generic name; on screen the list starts where the heading would have been.
    assert heading == {
        "text": "Aanbevolen evenementen",
        "width": 1,
        "height": 1,
        "labelledBy": "h",
        "id": "h",
        "listAtTop": True,
    }


def test_load_empty_and_error_events_reach_the_page(page: Page, demo: Demo) -> None:
    mock_api(page, by_query)
    widget = (
        '<uit-recommendations id="full" placement="popular" n="3"></uit-recommendations>'
        '<uit-recommendations id="none" placement="popular" query="answer=empty"></uit-recommendations>'
        '<uit-recommendations id="broken" placement="popular" query="answer=error"></uit-recommendations>'
    )
    page.goto(host_page(demo, "/events.html", body=EVENT_LISTENER, widget=widget, script=SCRIPT.format(url=demo.url)))
    wait_ready(page)
    events = sorted(page.evaluate("window.__events"), key=lambda e: e[1])
    assert events == [
        ["uit-recommendations:error", "broken", {"error": "HTTP 500"}],
        ["uit-recommendations:load", "full", {"count": 3, "source": "popular", "modelVersion": "m1"}],
        ["uit-recommendations:empty", "none", {"error": None}],
    ]
    assert [page.get_attribute(f"#{i}", "state") for i in ("full", "none", "broken")] == ["ready", "empty", "error"]

"""The widget on a third-party page (another origin): CORS, isolation from host CSS, a down or slow API, formatting."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    WIDGET_JS,
    Demo,
    PageErrors,
    ThreadedUvicorn,
    card_ids,
    free_port,
    wait_ready,
    wait_until,
)
from tests.browser.hostpages import host_page, items, mock_api
from tests.serving.world import NOW

#: Host CSS that would wreck any widget it reached: universal, !important, on every element type.
AGGRESSIVE_CSS = """
html { font-size: 30px !important; }
* { color: red !important; font-size: 40px !important; font-family: serif !important; line-height: 3 !important;
    letter-spacing: 4px !important; word-spacing: 12px !important; text-transform: uppercase !important;
    font-weight: 100 !important; font-style: italic !important; text-align: right !important;
    text-shadow: 2px 2px blue !important; text-decoration: line-through !important; cursor: wait !important;
    box-sizing: content-box !important; white-space: pre !important; }
a, a:link, a:visited, a:focus { color: lime !important; border: 5px solid red !important; outline: 4px dashed orange !important;
    display: inline !important; }
img { display: none !important; }
ul, ol, li { list-style: square inside !important; margin: 40px !important; padding: 40px !important; display: block !important; }
h1, h2, h3, p, span, time { font-size: 60px !important; color: purple !important; margin: 30px !important; }
div, section { border: 3px dotted green !important; background: yellow !important; padding: 20px !important; }
"""
#: Fixes the widget element's own box in both pages, so only what is inside it is compared.
HOST_BOX = "uit-recommendations { display: block !important; width: 1000px !important; margin: 0 !important;"
HOST_BOX += " padding: 0 !important; border: 0 !important; background: none !important; }"

#: What the isolation test compares inside the shadow root.
STYLE_PROPS = [
    "color",
    "font-size",
    "font-family",
    "font-weight",
    "font-style",
    "line-height",
    "letter-spacing",
    "word-spacing",
    "text-transform",
    "text-align",
    "text-shadow",
    "text-decoration-line",
    "white-space",
    "cursor",
    "background-color",
    "border-top-width",
    "border-top-style",
    "outline-style",
    "padding-top",
    "margin-top",
    "display",
    "list-style-type",
    "box-sizing",
    "width",
    "height",
]
WIDGET_PARTS = [".r", "h2", ".l", ".c", ".a", ".im", ".b", ".t", ".m", ".p", ".e"]


def computed(page: Page, selector: str = "uit-recommendations") -> dict[str, dict[str, str]]:
    """Computed styles of the widget's parts (first match of each) inside its shadow root."""
    result: dict[str, dict[str, str]] = page.eval_on_selector(
        selector,
        """(el, [parts, props]) => Object.fromEntries(parts.map(p => {
               const node = el.shadowRoot.querySelector(p);
               const s = getComputedStyle(node);
               return [p, Object.fromEntries(props.map(k => [k, s.getPropertyValue(k)]))]; }))""",
        [WIDGET_PARTS, STYLE_PROPS],
    )
    return result


def host_styles(page: Page) -> dict[str, dict[str, str]]:
    """Computed styles of the host page's own elements."""
    result: dict[str, dict[str, str]] = page.evaluate(
        """props => Object.fromEntries(['#host-title', '#host-list', '#host-link', '#host-after'].map(sel => {
               const s = getComputedStyle(document.querySelector(sel));
               return [sel, Object.fromEntries(props.map(k => [k, s.getPropertyValue(k)]))]; }))""",
        [p for p in STYLE_PROPS if p not in ("width", "height")],
    )
    return result


def test_cross_origin_host_page_gets_cards_through_cors(page: Page, demo: Demo) -> None:
    page.goto(host_page(demo, "/cors.html"))
    wait_ready(page)
    assert page.get_attribute("uit-recommendations", "state") == "ready"
    assert len(card_ids(page, "uit-recommendations")) == 4


def test_consented_visitor_on_a_host_page_sends_impressions_and_clicks(page: Page, demo: Demo) -> None:
    script = (
        f'<script src="{demo.url}/widget.js" data-key="{demo.public_key}" data-consent="granted" '
        f'data-url-template="{demo.host.url}/agenda/{{event_id}}" async></script>'
    )
    page.goto(host_page(demo, "/consented.html", script=script))
    wait_ready(page)
    visitor = page.evaluate("window.uitRecommendations.visitorId()")
    # The 2 s batch goes out as an ordinary cross-origin POST (preflighted, key in the header).
    assert wait_until(lambda: sum(r["kind"] == "impression" for r in demo.interactions_of(visitor)) == 4)
    first = card_ids(page, "uit-recommendations")[0]
    with page.expect_navigation():
        page.locator(f"uit-recommendations a[data-id='{first}']").click()
    assert page.url == f"{demo.host.url}/agenda/{first}"
    # The click leaves with the page (beacon, text/plain, no preflight).
    assert wait_until(lambda: any(r["kind"] == "click" for r in demo.interactions_of(visitor)))


def test_host_css_does_not_reach_into_the_widget_and_the_widget_css_stays_inside(
    context: BrowserContext, demo: Demo
) -> None:
    answer = items()
    plain_url = host_page(demo, "/plain.html", css=HOST_BOX)
    hostile_url = host_page(demo, "/hostile.html", css=AGGRESSIVE_CSS + HOST_BOX)
    no_widget_url = host_page(demo, "/no-widget.html", css=AGGRESSIVE_CSS + HOST_BOX, script="", widget="")

    styles = {}
    for name, url in (("plain", plain_url), ("hostile", hostile_url)):
        page = context.new_page()
        mock_api(page, answer)
        page.goto(url)
        wait_ready(page)
        styles[name] = computed(page)
        if name == "hostile":
            hostile_host = host_styles(page)
            # The focus ring is the widget's, not the host's orange dashes.
            page.focus("#host-button")
            page.keyboard.press("Tab")
            ring = page.evaluate(
                "getComputedStyle(document.querySelector('uit-recommendations').shadowRoot.activeElement).outlineStyle"
            )
            assert ring == "solid"
        page.close()
    for part in WIDGET_PARTS:
        assert styles["hostile"][part] == styles["plain"][part], part
    # Sanity: the defaults are the widget's, not the browser's or the host's.
    assert styles["plain"][".t"]["font-weight"] == "700" and styles["plain"][".r"]["font-size"] == "16px"

    page = context.new_page()
    page.goto(no_widget_url)
    assert host_styles(page) == hostile_host
    page.close()


@pytest.fixture
def spare_api(world_template: Path, tmp_path: Path, demo: Demo) -> Iterator[tuple[ThreadedUvicorn, str]]:
    """A second API server (own data copy) that a test may stop for real; its public key fits the host site."""
    from serving.app import create_app
    from serving.keys import KeyStore, Scope
    from serving.settings import RateLimit, Settings

    data_dir = tmp_path / "data"
    shutil.copytree(world_template, data_dir)
    key, _ = KeyStore(data_dir / "api-keys.json").create(Scope.PUBLIC, origins=[demo.host.url])
    server = ThreadedUvicorn(
        create_app(Settings(data_dir=data_dir, now=NOW, rate_public=RateLimit(0.0, 0.0))), free_port()
    )
    server.start()
    try:
        yield server, key
    finally:
        server.stop()


def test_stopping_the_api_leaves_the_host_page_working(
    page: Page, demo: Demo, spare_api: tuple[ThreadedUvicorn, str], errors: PageErrors
) -> None:
    server, key = spare_api
    # The host keeps a copy of the script, as a site may; the API is the spare server.
    demo.host.add("/copy/widget.js", WIDGET_JS.read_bytes(), "text/javascript; charset=utf-8")
    script = (
        f'<script src="{demo.host.url}/copy/widget.js" data-api="{server.url}/" data-key="{key}" '
        'data-consent="granted" async></script>'
    )
    widget = (
        '<uit-recommendations placement="popular" n="4">'
        '<a id="fallback" href="/agenda">Bekijk de agenda</a></uit-recommendations>'
    )
    url = host_page(demo, "/api-stops.html", script=script, widget=widget)
    page.goto(url)
    wait_ready(page)
    assert page.get_attribute("uit-recommendations", "state") == "ready"
    assert not page.is_visible("#fallback")

    server.stop()
    # Queued impressions now go nowhere, a reload of the list fails: both quietly.
    page.evaluate("window.uitRecommendations.flush(); window.uitRecommendations.refresh()")
    page.wait_for_function("document.querySelector('uit-recommendations').getAttribute('state') === 'error'")
    assert page.is_visible("#fallback")
    # A fresh page view with the API gone: the page loads and works, the fallback shows.
    started = time.monotonic()
    page.reload()
    assert time.monotonic() - started < 5
    wait_ready(page)
    assert page.get_attribute("uit-recommendations", "state") == "error"
    assert page.is_visible("#fallback")
    page.click("#host-button")
    assert page.inner_text("#host-button") == "1"
    assert all("Failed to load resource" in line or "ERR_" in line for line in errors.console)


def test_unreachable_api_leaves_the_host_page_working_with_its_fallback(
    page: Page, demo: Demo, errors: PageErrors
) -> None:
    closed = free_port()
    demo.host.add("/self-hosted/widget.js", WIDGET_JS.read_bytes(), "text/javascript; charset=utf-8")
    script = (
        f'<script src="{demo.host.url}/self-hosted/widget.js" data-api="http://127.0.0.1:{closed}/" '
        f'data-key="{demo.public_key}" data-consent="granted" async></script>'
    )
    widget = (
        '<uit-recommendations placement="for-you" n="4">'
        '<a id="fallback" href="/agenda">Bekijk de agenda</a></uit-recommendations>'
    )
    started = time.monotonic()
    page.goto(host_page(demo, "/api-down.html", script=script, widget=widget))
    loaded = time.monotonic() - started
    wait_ready(page)
    assert page.get_attribute("uit-recommendations", "state") == "error"
    # The host's own fallback content shows through the slot, and the host page still works.
    assert page.is_visible("#fallback")
    page.click("#host-button")
    page.click("#host-button")
    assert page.inner_text("#host-button") == "2"
    assert loaded < 5
    # Only the failed requests themselves are logged; nothing was thrown into the page.
    assert all("Failed to load resource" in line or "ERR_" in line for line in errors.console)


def test_api_that_never_answers_times_out_without_holding_the_page(page: Page, demo: Demo) -> None:
    page.route("**/v1/**", lambda route: None)  # swallow the request: no answer, ever
    widget = '<uit-recommendations placement="popular" n="4"><span id="fallback">Agenda</span></uit-recommendations>'
    started = time.monotonic()
    page.goto(host_page(demo, "/slow.html", widget=widget), wait_until="load")
    load_s = time.monotonic() - started
    page.wait_for_function("document.querySelector('uit-recommendations').getAttribute('state') === 'error'")
    gave_up_s = time.monotonic() - started
    assert load_s < 2.0, "the widget's request must not delay the host page's load event"
    assert 2.3 <= gave_up_s < 6.0, "the widget gives up after its 2.5 s timeout"
    assert page.is_visible("#fallback")


def test_missing_script_leaves_the_host_page_and_fallback_alone(page: Page, demo: Demo) -> None:
    closed = free_port()
    script = f'<script src="http://127.0.0.1:{closed}/widget.js" data-key="x" async></script>'
    widget = '<uit-recommendations placement="popular"><a id="fallback" href="/agenda">Agenda</a></uit-recommendations>'
    page.goto(host_page(demo, "/no-script.html", script=script, widget=widget))
    page.wait_for_load_state("load")
    assert page.is_visible("#fallback")
    page.click("#host-button")
    assert page.inner_text("#host-button") == "1"


def test_wrong_origin_is_refused_and_the_widget_collapses(page: Page, demo: Demo) -> None:
    # Same host, other port: an origin the key is not bound to.
    other = demo.host.url.replace("localhost", "127.0.0.1")
    url = host_page(demo, "/wrong-origin.html").replace(demo.host.url, other)
    page.goto(url)
    wait_ready(page)
    assert page.get_attribute("uit-recommendations", "state") == "error"
    assert page.evaluate("document.querySelector('uit-recommendations').offsetHeight") == 0


def test_cards_are_formatted_per_language_in_brussels_time(browser: Any, demo: Demo) -> None:
    # A visitor far from Brussels: dates must still be Brussels dates and times.
    context = browser.new_context(timezone_id="America/New_York", locale="en-US")
    try:
        expected = {
            "nl": (["20:00", "jul"], "Gratis", "€ 12,50", "t.e.m."),
            "fr": (["20:00", "juil"], "Gratuit", "12,50 €", "jusqu"),
            "en": (["20:00", "Jul"], "Free", "€12.50", "until"),
        }
        for lang, (when, free, price, until) in expected.items():
            page = context.new_page()
            asked = mock_api(page, items(3))
            script = (
                f'<script src="{demo.url}/widget.js" data-key="k" data-lang="{lang}" data-placement="popular" '
                f'data-n="3" data-url-template="https://host.example/agenda/{{event_id}}?taal={{lang}}" async></script>'
            )
            page.goto(host_page(demo, f"/format-{lang}.html", script=script, widget=""))
            wait_ready(page)
            cards = page.eval_on_selector(
                "uit-recommendations",
                """el => [...el.shadowRoot.querySelectorAll('a')].map(a => ({href: a.href,
                       title: a.querySelector('.t').textContent, lines: [...a.querySelectorAll('.m')].map(m => m.textContent),
                       datetime: a.querySelector('time').getAttribute('datetime')}))""",
            )
            summer, winter, expo = cards
            assert all(part in summer["lines"][0] for part in when), summer
            assert "20:30" in winter["lines"][0]  # 19:30 UTC is 20:30 in Brussels in winter
            assert until in expo["lines"][0]
            assert summer["lines"][2] == free
            assert winter["lines"][2].replace("\u202f", " ").replace("\xa0", " ") == price
            assert summer["lines"][1] == "Stadspark, Gent · 2 km"
            assert summer["href"] == f"https://host.example/agenda/evt-summer?taal={lang}"
            # API text is text: no markup runs, no javascript: link.
            assert summer["title"] == "Zomerconcert <img src=x onerror=window.__xss=1>"
            assert page.evaluate("window.__xss") is None
            assert f"lang={lang}" in asked[0] and "explain=true" in asked[0]
            page.close()
    finally:
        context.close()


def test_without_a_url_template_unsafe_links_are_neutralised(page: Page, demo: Demo) -> None:
    mock_api(page, items(3))
    page.goto(host_page(demo, "/no-template.html"))
    wait_ready(page)
    hrefs = page.eval_on_selector(
        "uit-recommendations", "el => [...el.shadowRoot.querySelectorAll('a')].map(a => a.href)"
    )
    assert hrefs[0].endswith("#") and hrefs[1] == "https://example.org/kerst"


def test_widget_works_under_a_strict_content_security_policy(page: Page, demo: Demo, errors: PageErrors) -> None:
    # No inline styles or scripts allowed: the widget's styles are constructed style sheets.
    policy = f"default-src 'none'; script-src {demo.url}; connect-src {demo.url}; style-src 'self'; img-src *"
    script = f'<script src="{demo.url}/widget.js" data-key="{demo.public_key}" async></script>'
    url = host_page(demo, "/csp.html", script=script, headers={"Content-Security-Policy": policy})
    page.goto(url)
    wait_ready(page)
    assert page.get_attribute("uit-recommendations", "state") == "ready"
    styles = computed(page)
    assert styles[".t"]["font-weight"] == "700" and styles[".l"]["display"] == "grid"
    # The coloured picture placeholders are set through the CSSOM, which the policy allows.
    backgrounds = page.eval_on_selector(
        "uit-recommendations",
        "el => [...el.shadowRoot.querySelectorAll('.ph')].map(p => getComputedStyle(p).backgroundColor)",
    )
    assert backgrounds and all(bg not in ("rgba(0, 0, 0, 0)", "rgb(230, 230, 236)") for bg in backgrounds)
    # The host's own inline handler and style are what the policy blocks, not the widget.
    assert all("widget" not in line for line in errors.console)


def test_consent_decided_before_the_script_loads_is_honoured(page: Page, demo: Demo) -> None:
    mock_api(page, items(3))
    script = (
        "<script>window.uitRecommendationsConsent = true;</script>"
        f'<script src="{demo.url}/widget.js" data-key="k" data-consent="denied" async></script>'
    )
    page.goto(host_page(demo, "/preload-consent.html", script=script))
    wait_ready(page)
    visitor = page.evaluate("window.uitRecommendations.visitorId()")
    assert visitor.startswith("anon:")
    assert page.evaluate("localStorage.getItem('uitrec.visitor')") == visitor


def _png_1x1() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xc8\x10\x2e"))
        + chunk(b"IEND", b"")
    )


def test_pictures_are_decorative_and_a_broken_one_falls_back_to_the_placeholder(page: Page, demo: Demo) -> None:
    demo.host.add("/img/ok.png", _png_1x1(), "image/png")
    answer = items(2)
    answer[0] = {**answer[0], "title": "Zomerconcert", "image_url": f"{demo.host.url}/img/ok.png"}
    answer[1] = {**answer[1], "image_url": f"{demo.host.url}/img/missing.png"}
    mock_api(page, answer)
    page.goto(
        host_page(
            demo, "/pictures.html", widget='<uit-recommendations placement="popular" n="2"></uit-recommendations>'
        )
    )
    wait_ready(page)
    page.wait_for_function(
        "document.querySelector('uit-recommendations').shadowRoot.querySelectorAll('.ph').length === 1"
    )
    pictures = page.eval_on_selector(
        "uit-recommendations",
        """el => [...el.shadowRoot.querySelectorAll('.im')].map(im => {
               const img = im.querySelector('img');
               return img ? {alt: img.getAttribute('alt'), loaded: img.complete && img.naturalWidth === 1} : {placeholder: im.textContent,
                       hidden: im.getAttribute('aria-hidden')}; })""",
    )
    # The title is in the same link: an empty alt (not a missing one) keeps screen readers from saying it twice.
    assert pictures[0] == {"alt": "", "loaded": True}
    assert pictures[1] == {"placeholder": "Theatervoorstelling", "hidden": "true"}

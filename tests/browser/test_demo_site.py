"""The demo site in headless Chromium: cards, clicks that change the next list, consent, keyboard, layout."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import BrowserContext, Page, Request

from tests.browser.conftest import Demo, PageErrors, card_ids, wait_ready, wait_until

FOR_YOU = "uit-recommendations#for-you"
POPULAR = "uit-recommendations#popular"


def open_home(page: Page, demo: Demo, query: str = "") -> None:
    page.goto(f"{demo.url}/{'?' + query if query else ''}")
    wait_ready(page)


def test_home_page_renders_both_widgets_with_complete_cards(page: Page, demo: Demo) -> None:
    open_home(page, demo)
    for widget, heading in ((FOR_YOU, "Voor jou"), (POPULAR, "Populair in de buurt")):
        assert page.get_attribute(widget, "state") == "ready"
        cards: list[dict[str, Any]] = page.eval_on_selector(
            widget,
            """el => [...el.shadowRoot.querySelectorAll('li.c')].map(li => ({
                   href: li.querySelector('a').getAttribute('href'),
                   title: li.querySelector('.t').textContent,
                   lines: [...li.querySelectorAll('.m')].map(m => m.textContent),
                   explanation: li.querySelector('.e').textContent,
                   img: li.querySelector('img') ? li.querySelector('img').getAttribute('alt') : null,
                   placeholder: !!li.querySelector('.ph') }))""",
        )
        assert len(cards) == 4, widget
        assert page.eval_on_selector(widget, "el => el.shadowRoot.querySelector('h2').textContent").startswith(heading)
        for card in cards:
            assert card["href"].startswith(f"{demo.url}/events/syn-")
            assert card["title"].strip()
            assert card["explanation"].strip()
            # Date, venue and price lines (a running offer may lack a start; its venue and price are there).
            assert card["lines"][1].strip() and card["lines"][2].strip()
            # A picture is decorative (the title is in the same link); without one, a placeholder panel.
            assert card["img"] == "" or (card["img"] is None and card["placeholder"])
    # The list is labelled for assistive technology, and each card is a list item.
    roles = page.eval_on_selector(
        FOR_YOU,
        "el => [el.shadowRoot.querySelector('section').getAttribute('aria-labelledby'),"
        " el.shadowRoot.querySelector('ul').getAttribute('role'), el.shadowRoot.querySelector('ul').getAttribute('aria-label')]",
    )
    assert roles == ["h", "list", "Aanbevolen evenementen"]


def test_languages_switch_the_site_and_the_widget(page: Page, demo: Demo) -> None:
    for lang, heading, html_lang in (("fr", "Pour vous", "fr"), ("en", "For you", "en")):
        open_home(page, demo, f"lang={lang}")
        assert page.get_attribute("html", "lang") == html_lang
        assert page.eval_on_selector(FOR_YOU, "el => el.shadowRoot.querySelector('h2').textContent") == heading
        hrefs = page.eval_on_selector(FOR_YOU, "el => [...el.shadowRoot.querySelectorAll('a')].map(a => a.href)")
        assert all(f"lang={lang}" in h for h in hrefs)


def test_event_page_shows_details_and_similar_events(page: Page, demo: Demo) -> None:
    open_home(page, demo)
    first = card_ids(page, POPULAR)[0]
    page.goto(f"{demo.url}/events/{first}")
    wait_ready(page)
    assert page.inner_text("h1")
    assert "Wanneer" in page.inner_text(".facts") or "Waar" in page.inner_text(".facts")
    similar = card_ids(page, "#similar uit-recommendations")
    assert len(similar) == 4 and first not in similar
    missing = page.goto(f"{demo.url}/events/no-such-event")
    assert missing is not None and missing.status == 404


def test_click_with_consent_is_recorded_and_changes_the_next_list(
    context: BrowserContext, page: Page, demo: Demo
) -> None:
    open_home(page, demo, "consent=1")
    visitor = page.evaluate("localStorage.getItem('uitrec.visitor')")
    assert visitor and visitor.startswith("anon:")
    assert page.evaluate("window.uitRecommendations.visitorId()") == visitor
    before = card_ids(page, FOR_YOU)
    clicked = before[0]
    with page.expect_navigation():
        page.locator(f"{FOR_YOU} a[data-id='{clicked}']").click()
    assert page.url.split("?")[0].endswith(f"/events/{clicked}") and "consent=1" in page.url

    assert wait_until(lambda: any(r["kind"] == "click" for r in demo.interactions_of(visitor)))
    clicks = [r for r in demo.interactions_of(visitor) if r["kind"] == "click"]
    assert [r["event_id"] for r in clicks] == [clicked]
    assert clicks[0]["placement"] == "for-you"

    open_home(page, demo, "consent=1")
    assert page.evaluate("localStorage.getItem('uitrec.visitor')") == visitor
    after = card_ids(page, FOR_YOU)
    assert clicked not in after
    assert after != before


def test_signed_in_demo_user_click_goes_through_the_host_backend(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/")
    users = page.eval_on_selector_all("#visitor-select option", "os => os.map(o => o.value).filter(Boolean)")
    assert len(users) >= 2
    user = users[0]
    open_home(page, demo, f"visitor={user}")
    # A signed-in user needs no anonymous id: nothing in the browser's storage.
    assert page.evaluate("localStorage.length") == 0
    before = card_ids(page, FOR_YOU)

    def clicks_on_it() -> int:
        return sum(r["kind"] == "click" and r["event_id"] == before[1] for r in demo.interactions_of(user))

    # Other tests share the demo's world and may have clicked this card already: count, do not look for one.
    clicked_before = clicks_on_it()
    with page.expect_navigation():
        page.locator(f"{FOR_YOU} a[data-id='{before[1]}']").click()
    assert wait_until(lambda: clicks_on_it() > clicked_before)
    open_home(page, demo, f"visitor={user}")
    after = card_ids(page, FOR_YOU)
    assert before[1] not in after and after != before


def test_impressions_are_batched_and_beaconed_when_the_page_goes_away(page: Page, demo: Demo) -> None:
    open_home(page, demo, "consent=1")
    visitor = page.evaluate("window.uitRecommendations.visitorId()")
    shown = sorted(card_ids(page, FOR_YOU) + card_ids(page, POPULAR))
    beacons, posts = demo.requests_to("/widget/beacon"), demo.requests_to("/v1/interactions")
    # Leave before the 2 s batch timer fires: only the pagehide beacon can deliver the impressions.
    page.goto("about:blank")
    assert wait_until(lambda: len([r for r in demo.interactions_of(visitor) if r["kind"] == "impression"]) >= 8)
    impressions = [r for r in demo.interactions_of(visitor) if r["kind"] == "impression"]
    # Each card on screen once (an event in both widgets counts in each).
    assert sorted(r["event_id"] for r in impressions) == shown
    assert {r["placement"] for r in impressions} == {"for-you", "popular"}
    # One beacon carried the whole batch; no ordinary POST was needed.
    assert demo.requests_to("/widget/beacon") == beacons + 1
    assert demo.requests_to("/v1/interactions") == posts


def test_without_consent_nothing_is_stored_or_sent(context: BrowserContext, page: Page, demo: Demo) -> None:
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r))
    open_home(page, demo)
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(300)
    clicked = card_ids(page, FOR_YOU)[0]
    with page.expect_navigation():
        page.locator(f"{FOR_YOU} a[data-id='{clicked}']").click()
    wait_ready(page)
    page.wait_for_timeout(2500)  # past the batch timer
    page.goto("about:blank")  # and past pagehide
    page.goto(f"{demo.url}/")
    wait_ready(page)
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("sessionStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    assert context.cookies() == []
    posted = [r for r in sent if r.url.endswith(("/v1/interactions", "/widget/beacon", "/demo/collect"))]
    assert posted == []
    # The anonymous recommendation requests carry no visitor id.
    for request in sent:
        if request.method == "POST" and request.url.endswith("/v1/recommendations"):
            assert "visitor_id" not in json.loads(request.post_data or "{}")
        assert "anon:" not in request.url and "anon:" not in (request.post_data or "")


def test_withdrawing_consent_erases_the_visitor_id(page: Page, demo: Demo) -> None:
    open_home(page, demo, "consent=1")
    assert page.evaluate("localStorage.getItem('uitrec.visitor')")
    page.evaluate("window.uitRecommendations.setConsent(false)")
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("window.uitRecommendations.visitorId()") is None
    wait_ready(page)
    # The consent banner's "no" reloads the page with consent denied; storage stays empty.
    with page.expect_navigation():
        page.click("#consent-no")
    wait_ready(page)
    assert page.evaluate("localStorage.length") == 0
    # Granting it through the hook (a host's banner) creates the id without a reload.
    page.evaluate("window.dispatchEvent(new CustomEvent('uit-recommendations:consent', {detail: true}))")
    assert page.evaluate("window.uitRecommendations.visitorId()").startswith("anon:")


def test_keyboard_alone_reaches_every_card(page: Page, demo: Demo) -> None:
    open_home(page, demo)
    expected = [f"for-you:{i}" for i in card_ids(page, FOR_YOU)] + [f"popular:{i}" for i in card_ids(page, POPULAR)]
    reached: list[str] = []
    outlines: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const host = document.activeElement;
                       if (!host || host.tagName !== 'UIT-RECOMMENDATIONS') return null;
                       const a = host.shadowRoot.activeElement;
                       if (!a) return null;
                       const s = getComputedStyle(a);
                       return [host.id + ':' + a.dataset.id, s.outlineStyle + ' ' + s.outlineWidth]; }"""
        )
        if focused:
            reached.append(focused[0])
            outlines.append(focused[1])
        if set(expected) <= set(reached):
            break
    assert reached[: len(expected)] == expected
    # A visible focus ring on every focused card.
    assert all(o.startswith("solid") and not o.endswith(" 0px") for o in outlines)


def test_reserved_space_means_no_layout_shift(page: Page, demo: Demo) -> None:
    # Record each widget's height whenever its state changes (loading skeleton, then ready), and every layout shift.
    page.add_init_script(
        """window.__heights = []; window.__shifts = 0;
           new MutationObserver(ms => { for (const m of ms) if (m.target.tagName === 'UIT-RECOMMENDATIONS') {
               // Measured at the next frame: what the visitor sees (an async script may run before the CSS is in).
               const [el, state] = [m.target, m.target.getAttribute('state')];
               requestAnimationFrame(() => window.__heights.push([el.id, state, el.offsetHeight])); } })
             .observe(document, {subtree: true, attributes: true, attributeFilter: ['state']});
           new PerformanceObserver(list => { for (const e of list.getEntries())
               if (!e.hadRecentInput) window.__shifts += e.value; }).observe({type: 'layout-shift', buffered: true});"""
    )
    page.goto(f"{demo.url}/")
    before = page.evaluate("[...document.querySelectorAll('uit-recommendations')].map(e => [e.id, e.offsetHeight])")
    wait_ready(page)
    page.wait_for_timeout(300)
    heights: list[list[Any]] = page.evaluate("window.__heights")
    for widget, reserved in before:
        seen = [h for w, s, h in heights if w == widget]
        assert [s for w, s, h in heights if w == widget] == ["loading", "ready"]
        # Before the script, while loading and when ready: one height.
        assert seen == [reserved, reserved], widget
    # The content fits in the space the host reserves (site.css), so nothing below moves.
    inner = page.evaluate(
        "[...document.querySelectorAll('uit-recommendations')].map(e => e.shadowRoot.querySelector('section').offsetHeight)"
    )
    assert all(0 < h <= r for h, (_, r) in zip(inner, before, strict=True))
    assert page.evaluate("window.__shifts") == 0


def test_no_console_errors_on_the_demo_pages(page: Page, demo: Demo, errors: PageErrors) -> None:
    open_home(page, demo, "consent=1")
    page.goto(f"{demo.url}/events/{card_ids(page, POPULAR)[0]}?consent=1")
    wait_ready(page)
    assert errors.console == []

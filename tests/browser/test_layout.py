"""Phone to desktop: responsive rows, no layout shift, contrast, and the screenshots in docs/screenshots/."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.browser.conftest import SCREENSHOTS, Demo, card_ids, wait_ready
from tests.browser.hostpages import host_page, items
from tests.browser.screenshots import save_screenshot

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

#: WCAG 2.x contrast ratio of two CSS colours, and the widget's text against its card (or page) background.
CONTRAST_JS = """
(el) => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const root = el.shadowRoot, out = [];
  const page = getComputedStyle(document.body).backgroundColor;
  out.push(['heading', ratio(getComputedStyle(root.querySelector('h2')).color, page)]);
  for (const a of root.querySelectorAll('a.a')) {
    const bg = getComputedStyle(a).backgroundColor;
    for (const sel of ['.t', '.m', '.p', '.e'])
      for (const n of a.querySelectorAll(sel)) out.push([sel, ratio(getComputedStyle(n).color, bg)]);
    const ph = a.querySelector('.ph');
    if (ph) out.push(['placeholder', ratio(getComputedStyle(ph).color, getComputedStyle(ph).backgroundColor)]);
  }
  return out;
}
"""


def demo_user(page: Page, demo: Demo) -> str:
    """The second demo user: no other test clicks as them, so the screenshots do not depend on test order."""
    page.goto(f"{demo.url}/")
    users: list[str] = page.eval_on_selector_all("#visitor-select option", "os => os.map(o => o.value).filter(Boolean)")
    return users[1]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_rows_fit_the_screen_from_phone_to_desktop(browser: Browser, demo: Demo, viewport: dict[str, int]) -> None:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.goto(f"{demo.url}/")
        wait_ready(page)
        # The page never scrolls sideways; a row that does not fit scrolls within itself.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        row: dict[str, Any] = page.eval_on_selector(
            "#for-you",
            """el => { const l = el.shadowRoot.querySelector('ul'); const cards = [...l.querySelectorAll('li')];
                       return {scroll: l.scrollWidth, client: l.clientWidth,
                               widths: cards.map(c => c.getBoundingClientRect().width)}; }""",
        )
        assert all(140 <= w <= viewport["width"] for w in row["widths"])
        if viewport is PHONE:
            assert row["scroll"] > row["client"]  # a swipeable row
            # Tabbing to a card off screen scrolls it into view.
            page.focus("#visitor-select")
            last = card_ids(page, "#for-you")[-1]
            page.locator(f"#for-you a[data-id='{last}']").focus()
            box = page.locator(f"#for-you a[data-id='{last}']").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1
        else:
            assert row["scroll"] <= row["client"]  # all four side by side
    finally:
        context.close()


def test_text_contrast_meets_wcag_aa(page: Page, demo: Demo) -> None:
    page.goto(f"{demo.url}/")
    wait_ready(page)
    for widget in ("#for-you", "#popular"):
        ratios: list[list[Any]] = page.eval_on_selector(widget, CONTRAST_JS)
        low = [(part, round(r, 2)) for part, r in ratios if r < 4.5]
        assert ratios and not low, f"{widget}: below 4.5:1: {low}"


def test_screenshots_of_the_demo_site(browser: Browser, demo: Demo) -> None:
    shots: dict[str, bytes] = {}
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, device_scale_factor=1)  # type: ignore[arg-type]
        try:
            page = context.new_page()
            user = demo_user(page, demo)
            for kind, url in (("home", f"{demo.url}/?visitor={user}"), ("event", None)):
                if url is None:
                    url = f"{demo.url}/events/{card_ids(page, '#for-you')[0]}?visitor={user}"
                page.goto(url)
                wait_ready(page)
                # Only pictures of a working site are worth keeping.
                states = page.eval_on_selector_all(
                    "uit-recommendations", "els => els.map(e => e.getAttribute('state'))"
                )
                assert states and set(states) == {"ready"}, f"{kind} {name}: {states}"
                shots[f"demo-{kind}-{name}.png"] = page.screenshot(full_page=viewport is PHONE, animations="disabled")
        finally:
            context.close()
    for file_name, png in shots.items():
        assert png.startswith(b"\x89PNG") and len(png) < 400_000
        # Rewritten only when the picture changed, so a test run leaves the git tree clean.
        save_screenshot(SCREENSHOTS / file_name, png)


#: At the second frame after each ``state`` change (the change is painted by then): the element's height and
#: where the host's paragraph below it sits; and every layout shift with its time.
SHIFT_PROBE = """window.__frames = []; window.__shifts = [];
new MutationObserver(ms => { for (const m of ms) if (m.target.tagName === 'UIT-RECOMMENDATIONS') {
    const [el, state] = [m.target, m.target.getAttribute('state')];
    requestAnimationFrame(() => requestAnimationFrame(() => window.__frames.push({state, at: performance.now(),
        height: el.offsetHeight, below: document.querySelector('#host-after').getBoundingClientRect().top + scrollY}))); } })
  .observe(document, {subtree: true, attributes: true, attributeFilter: ['state']});
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__shifts.push([e.startTime, e.value]); })
  .observe({type: 'layout-shift', buffered: true});"""


def test_script_tag_alone_reserves_a_row_while_loading_so_nothing_below_moves(page: Page, demo: Demo) -> None:
    def slow_api(route: Route) -> None:
        # Slow enough that the loading placeholders are on screen for many frames; fewer cards than asked for.
        time.sleep(0.4)
        headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "X-API-Key, Content-Type"}
        body = {"items": items(3), "model_version": "m1", "source": "popular", "request_id": "r1"}
        route.fulfill(status=200, headers=headers, content_type="application/json", body=json.dumps(body))

    page.route("**/v1/**", slow_api)
    page.add_init_script(SHIFT_PROBE)
    # A plain page with the script tag alone where the list belongs: no CSS of the host reserves anything.
    tag = f'<script src="{demo.url}/widget.js" data-key="k" data-placement="popular" data-n="4" async></script>'
    page.goto(host_page(demo, "/script-tag-only.html", widget=tag, script=""))
    wait_ready(page)
    page.wait_for_timeout(300)
    frames: list[dict[str, Any]] = page.evaluate("window.__frames")
    assert [f["state"] for f in frames] == ["loading", "ready"]
    loading, ready = frames
    # The default reservation (--uit-min-height: one 343 px row and room for a scrollbar), from the first frame on.
    assert loading["height"] == 360 and ready["height"] == loading["height"]
    assert (
        page.evaluate("document.querySelector('#host-after').getBoundingClientRect().top + scrollY") == (ready["below"])
    )
    assert ready["below"] == loading["below"]
    inner = page.eval_on_selector("uit-recommendations", "el => el.shadowRoot.querySelector('section').offsetHeight")
    assert 0 < inner <= ready["height"]
    # Once the placeholders are painted, no layout shift at all (before the script only host CSS can help).
    later = [value for at, value in page.evaluate("window.__shifts") if at > loading["at"]]
    assert later == []

"""What counts as a click on a card: the primary button, a middle click and Enter; never the right button."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import Demo, card_ids, wait_ready, wait_until
from tests.browser.hostpages import host_page

#: Records every ``uit-recommendations:click`` the page sees, before the widget exists.
CLICK_LISTENER = """<script>window.__clicks = [];
document.addEventListener('uit-recommendations:click', e => window.__clicks.push(e.detail));</script>"""


def stored_clicks(demo: Demo, visitor: str) -> list[str]:
    """Event ids of the visitor's stored clicks, oldest first."""
    return [r["event_id"] for r in demo.interactions_of(visitor) if r["kind"] == "click"]


def test_right_click_is_not_a_click_but_middle_click_and_enter_are(page: Page, demo: Demo) -> None:
    # Cards link to a fragment of the same page, so a click does not navigate away from the widget.
    script = (
        f'<script src="{demo.url}/widget.js" data-key="{demo.public_key}" data-consent="granted" '
        f'data-url-template="{demo.host.url}/clicks.html#{{event_id}}" async></script>'
    )
    page.goto(host_page(demo, "/clicks.html", body=CLICK_LISTENER, script=script))
    wait_ready(page)
    visitor = page.evaluate("window.uitRecommendations.visitorId()")
    # The impressions go first, so the queue is empty before the clicks.
    assert wait_until(lambda: sum(r["kind"] == "impression" for r in demo.interactions_of(visitor)) == 4)
    right, middle, entered = card_ids(page, "uit-recommendations")[:3]

    page.locator(f"uit-recommendations a[data-id='{right}']").click(button="right")
    page.keyboard.press("Escape")
    page.evaluate("window.uitRecommendations.flush()")
    assert page.evaluate("window.__clicks") == []

    page.locator(f"uit-recommendations a[data-id='{middle}']").click(button="middle")
    assert wait_until(lambda: stored_clicks(demo, visitor) == [middle])

    page.locator(f"uit-recommendations a[data-id='{entered}']").focus()
    page.keyboard.press("Enter")
    assert wait_until(lambda: stored_clicks(demo, visitor) == [middle, entered])

    events: list[dict[str, Any]] = page.evaluate("window.__clicks")
    assert [(e["eventId"], e["position"]) for e in events] == [(middle, 1), (entered, 2)]
    assert events[1]["href"] == f"{demo.host.url}/clicks.html#{entered}"
    # Nothing of the right click arrived later either.
    page.wait_for_timeout(500)
    assert right not in stored_clicks(demo, visitor)

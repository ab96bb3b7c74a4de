"""Theming: the CSS custom properties of docs/widget.md reach inside the shadow root, per element."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import Demo, wait_ready
from tests.browser.hostpages import host_page, items, mock_api

#: Every documented property but --uit-card-min, set on one element only (the other keeps the defaults).
THEME = """#themed {
  --uit-font: Georgia, serif; --uit-font-size: 18px; --uit-text: rgb(32, 32, 32); --uit-muted: rgb(51, 51, 51);
  --uit-heading: rgb(0, 68, 0); --uit-heading-size: 30px; --uit-title: rgb(139, 0, 0);
  --uit-accent-text: rgb(0, 0, 139); --uit-accent: rgb(255, 0, 255); --uit-focus: rgb(255, 136, 0);
  --uit-card-bg: rgb(253, 246, 227); --uit-border: rgb(0, 170, 0); --uit-radius: 3px; --uit-gap: 24px;
  --uit-image-height: 90px; --uit-min-height: 500px;
}"""

#: The computed styles the theme should change, inside one element's shadow root.
STYLES_JS = """el => { const root = el.shadowRoot, s = sel => getComputedStyle(root.querySelector(sel));
  return {font: s('.r').fontFamily, size: s('.r').fontSize, text: s('.r').color, price: s('.p').color,
          muted: s('.m').color, heading: s('h2').color, headingSize: s('h2').fontSize, title: s('.t').color,
          explanation: s('.e').color, card: s('.a').backgroundColor, border: s('.a').borderTopColor,
          radius: s('.a').borderTopLeftRadius, gap: s('.l').columnGap, image: s('.im').height,
          height: el.offsetHeight + 'px'}; }"""

THEMED = {
    "font": "Georgia, serif",
    "size": "18px",
    "text": "rgb(32, 32, 32)",
    "price": "rgb(32, 32, 32)",
    "muted": "rgb(51, 51, 51)",
    "heading": "rgb(0, 68, 0)",
    "headingSize": "30px",
    "title": "rgb(139, 0, 0)",
    "explanation": "rgb(0, 0, 139)",
    "card": "rgb(253, 246, 227)",
    "border": "rgb(0, 170, 0)",
    "radius": "3px",
    "gap": "24px",
    "image": "90px",
    "height": "500px",
}


def test_custom_properties_on_the_element_theme_its_shadow_root(page: Page, demo: Demo) -> None:
    mock_api(page, items(3))
    widget = (
        '<uit-recommendations id="themed" placement="popular" n="3"></uit-recommendations>'
        '<uit-recommendations id="plain" placement="popular" n="3"></uit-recommendations>'
    )
    page.goto(host_page(demo, "/themed.html", css=THEME, widget=widget))
    wait_ready(page)
    assert page.eval_on_selector("#themed", STYLES_JS) == THEMED
    # The element without the properties keeps every default: the theme does not leak to its neighbour.
    plain: dict[str, Any] = page.eval_on_selector("#plain", STYLES_JS)
    assert all(plain[name] != value for name, value in THEMED.items()), plain
    assert plain["card"] == "rgb(255, 255, 255)" and plain["size"] == "16px" and plain["height"] == "360px"

    # Hover and keyboard focus take the accent and focus colours.
    first = page.locator("#themed a[data-id]").first
    first.hover()
    assert first.evaluate("a => getComputedStyle(a).borderTopColor") == "rgb(255, 0, 255)"
    page.focus("#host-button")
    page.keyboard.press("Tab")
    ring = page.eval_on_selector(
        "#themed",
        "el => { const s = getComputedStyle(el.shadowRoot.activeElement); return [s.outlineColor, s.outlineWidth]; }",
    )
    assert ring == ["rgb(255, 136, 0)", "3px"]

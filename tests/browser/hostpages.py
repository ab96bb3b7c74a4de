"""Third-party host pages for the browser tests: a fixed API answer, a mocked API, a page that embeds the widget."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Route

from tests.browser.conftest import Demo


def items(n: int = 4) -> list[dict[str, Any]]:
    """A fixed API answer (the formatting and isolation tests need the same cards every time)."""
    base: list[dict[str, Any]] = [
        {
            "event_id": "evt-summer",
            "title": "Zomerconcert <img src=x onerror=window.__xss=1>",
            "url": "javascript:window.__xss=2",
            "image_url": None,
            "start": "2026-07-01T18:00:00Z",
            "end": "2026-07-01T20:00:00Z",
            "venue": "Stadspark",
            "municipality": "Gent",
            "distance_km": 2.4,
            "price_eur": 0.0,
            "free": True,
            "types": [{"id": "0.50.4.0.0", "label": "Concert"}],
            "organizer": "Stad Gent",
            "explanation": "Populair · Gratis",
            "reasons": ["popular", "free"],
            "score": 0.9,
            "source": "popular",
        },
        {
            "event_id": "evt-winter",
            "title": "Kerstvoorstelling",
            "url": "https://example.org/kerst",
            "image_url": None,
            "start": "2026-12-24T19:30:00Z",
            "end": "2026-12-24T21:30:00Z",
            "venue": "Stadsschouwburg",
            "municipality": "Brugge",
            "distance_km": None,
            "price_eur": 12.5,
            "free": False,
            "types": [{"id": "0.55.0.0.0", "label": "Theatervoorstelling"}],
            "organizer": None,
            "explanation": "Dit weekend",
            "reasons": ["this-weekend"],
            "score": 0.8,
            "source": "popular",
        },
        {
            "event_id": "evt-expo",
            "title": "Tentoonstelling",
            "url": None,
            "image_url": None,
            "start": "2026-01-01T09:00:00Z",
            "end": "2026-03-31T16:00:00Z",
            "venue": "Museum",
            "municipality": "Leuven",
            "distance_km": None,
            "price_eur": 8.0,
            "free": False,
            "types": [],
            "organizer": None,
            "explanation": "Nu te zien",
            "reasons": ["on-now"],
            "score": 0.7,
            "source": "popular",
        },
    ]
    while len(base) < n:
        extra = dict(base[1], event_id=f"evt-{len(base)}", title=f"Extra {len(base)}")
        base.append(extra)
    return base[:n]


#: What a mocked API answers: fixed items, or items per request URL (``None``: an HTTP 500).
Answer = list[dict[str, Any]] | Callable[[str], list[dict[str, Any]] | None]


def mock_api(page: Page, answer: Answer) -> list[str]:
    """Answer every ``/v1/`` request of the page with ``answer`` (and CORS); returns the URLs asked."""
    asked: list[str] = []

    def fulfil(route: Route) -> None:
        asked.append(route.request.url)
        headers = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "X-API-Key, Content-Type"}
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=headers)
            return
        found = answer(route.request.url) if callable(answer) else answer
        if found is None:
            route.fulfill(status=500, headers=headers, content_type="application/json", body="{}")
            return
        body = {"items": found, "model_version": "m1", "cache_version": "c1", "source": "popular", "request_id": "r1"}
        route.fulfill(status=200, headers=headers, content_type="application/json", body=json.dumps(body))

    page.route("**/v1/**", fulfil)
    return asked


def host_page(
    demo: Demo,
    path: str,
    *,
    body: str = "",
    css: str = "",
    script: str | None = None,
    widget: str | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    """Register a host page on the host site (another origin) and return its URL."""
    tag = (
        script
        if script is not None
        else f'<script src="{demo.url}/widget.js" data-key="{demo.public_key}" async></script>'
    )
    element = widget if widget is not None else '<uit-recommendations placement="popular" n="4"></uit-recommendations>'
    html = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Host</title><style>{css}</style></head>
<body><h1 id="host-title">Een gastsite</h1>
<ul id="host-list"><li><a id="host-link" href="#x">Host link</a></li></ul>
<button id="host-button" onclick="this.textContent = String(Number(this.textContent) + 1)">0</button>
{element}
<p id="host-after">Na de widget</p>
{body}
{tag}
</body></html>"""
    return demo.host.add(path, html, headers=headers)

"""The marketers' dashboard in real headless Chromium: pages with charts behind a marketer key; screenshots."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from recsys.marketing.experiments import Experiments
from recsys.marketing.segments import Segments
from serving.keys import KeyStore, Scope
from tests.browser.conftest import SCREENSHOTS, Demo
from tests.browser.screenshots import save_screenshot
from tests.serving.world import NOW

EXPERIMENT = {
    "id": "diversity-demo",
    "description": "diversity 0 vs 0.3",
    "status": "running",
    "arms": [
        {"name": "control", "weight": 1, "settings": {"diversity": 0.0}},
        {"name": "diverse", "weight": 1, "settings": {"diversity": 0.3}},
    ],
}


@pytest.fixture(scope="module")
def marketer(demo: Demo) -> str:
    """A marketer key, a segment and an experiment with a log in the demo's data folder."""
    secret, _ = KeyStore(demo.data_dir / "api-keys.json").create(Scope.MARKETER, name="dashboard tests")
    Segments(demo.data_dir).save({"name": "uitpas", "description": "UiTPAS holders", "rules": [{"uitpas": True}]})
    Segments(demo.data_dir).save(
        {"name": "iedereen", "rules": [{"any": [{"uitpas": True}, {"not": {"uitpas": True}}]}]}
    )
    experiments = Experiments(demo.data_dir)
    experiments.save(EXPERIMENT)
    users = [f"u{i}" for i in range(400)]
    experiments.log_exposures("diversity-demo", [(u, ["e1", "e2"], None, NOW, None) for u in users])
    experiments.log_outcomes("diversity-demo", [(u, "e1", "click", NOW) for u in users[::4]])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the server re-reads the key file within a second
        if httpx.get(f"{demo.url}/v1/segments", headers={"X-API-Key": secret}).status_code == 200:
            break
        time.sleep(0.2)
    return secret


@pytest.fixture
def desk(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def popular_event(demo: Demo) -> str:
    table = demo.state().workspace.interactions.export()
    counts: Counter[str] = Counter(str(e) for e in table.column("event_id").to_pylist())
    return counts.most_common(1)[0][0]


def shot(page: Page, name: str) -> None:
    save_screenshot(SCREENSHOTS / f"dashboard-{name}.png", page.screenshot())


def test_without_a_key_the_dashboard_asks_to_sign_in(desk: Page, demo: Demo, marketer: str) -> None:
    response = desk.goto(f"{demo.url}/dashboard/segments")
    assert response is not None and response.status == 401
    assert desk.locator("#login-message").is_visible()
    shot(desk, "login")
    desk.goto(f"{demo.url}/dashboard/?key={demo.server_key}")
    assert "Sign in" in desk.content()  # a server key is not a marketer key


def test_pages_render_with_charts_for_a_marketer(desk: Page, demo: Demo, marketer: str) -> None:
    desk.goto(f"{demo.url}/dashboard/")
    desk.fill("input[name=key]", marketer)
    desk.click("button[type=submit]")
    desk.wait_for_selector("#experiments")
    assert "key=" not in desk.url  # the key went into a cookie, not the address
    assert "diversity-demo" in desk.content() and "uitpas" in desk.content()
    shot(desk, "overview")

    desk.goto(f"{demo.url}/dashboard/segments")
    assert desk.locator("section.segment").count() == 2
    assert desk.locator("section.segment svg.mix").count() >= 2
    shot(desk, "segments")

    desk.goto(f"{demo.url}/dashboard/audience?event_id={popular_event(demo)}")
    assert desk.locator("#audience-size").is_visible()
    assert desk.locator("svg.mix").count() >= 1
    shot(desk, "audience")

    desk.click("text=Overview")
    desk.click("text=diversity-demo")
    desk.wait_for_selector("svg")
    assert desk.locator("svg").count() >= 2 and "control" in desk.content()
    # Stamped with the server's clock, not the wall clock: the screenshot stays the same from run to run.
    assert f"generated {NOW:%Y-%m-%d %H:%M} UTC" in desk.content()
    shot(desk, "experiment")

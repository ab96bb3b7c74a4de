"""The marketers' dashboard in real headless Chromium: pages with charts behind a marketer key; screenshots.

The experiment shown is the real simulated experiment on the synthetic
Flemish season (popularity against ALS, 2,000 users, about a second), saved
with its built-in truth, so its page shows the difference the simulation
built in beside the measured one and its interval.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page

from recsys.marketing.segments import Segments
from recsys.marketing.simulation import SimulationConfig, SimulationResult, simulate_experiment
from serving.keys import KeyStore, Scope
from tests.browser.conftest import SCREENSHOTS, Demo
from tests.browser.screenshots import save_screenshot
from tests.serving.world import NOW

SIMULATED = "popularity-vs-als"


@pytest.fixture(scope="module")
def simulated(demo: Demo) -> SimulationResult:
    """The simulated experiment, its log and its truth in the demo's data folder."""
    return simulate_experiment(SimulationConfig(experiment_id=SIMULATED), demo.data_dir)


@pytest.fixture(scope="module")
def marketer(demo: Demo, simulated: SimulationResult) -> str:
    """A marketer key and two segments in the demo's data folder (beside the simulated experiment)."""
    secret, _ = KeyStore(demo.data_dir / "api-keys.json").create(Scope.MARKETER, name="dashboard tests")
    Segments(demo.data_dir).save({"name": "uitpas", "description": "UiTPAS holders", "rules": [{"uitpas": True}]})
    Segments(demo.data_dir).save(
        {"name": "iedereen", "rules": [{"any": [{"uitpas": True}, {"not": {"uitpas": True}}]}]}
    )
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


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    save_screenshot(SCREENSHOTS / f"dashboard-{name}.png", page.screenshot(full_page=full_page))


def sign_in(page: Page, key: str) -> None:
    page.fill("input[name=key]", key)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_without_a_key_the_dashboard_asks_to_sign_in(desk: Page, demo: Demo, marketer: str) -> None:
    response = desk.goto(f"{demo.url}/dashboard/segments")
    assert response is not None and response.status == 401
    assert desk.locator("#login-message").is_visible()
    assert desk.get_attribute("form", "method") == "post"  # the key travels in a body, never in an address
    shot(desk, "login")
    sign_in(desk, demo.server_key)
    assert "Sign in" in desk.content() and "not a marketer" in desk.content()  # a server key is not one
    assert desk.context.cookies() == []


def test_signing_in_keeps_the_key_in_a_cookie_and_returns_to_the_page(desk: Page, demo: Demo, marketer: str) -> None:
    desk.goto(f"{demo.url}/dashboard/segments")
    sign_in(desk, marketer)
    assert desk.url == f"{demo.url}/dashboard/segments"
    assert marketer not in desk.url and "key=" not in desk.url
    [cookie] = desk.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/dashboard"


def test_pages_render_with_charts_for_a_marketer(desk: Page, demo: Demo, marketer: str) -> None:
    desk.goto(f"{demo.url}/dashboard/")
    sign_in(desk, marketer)
    desk.wait_for_selector("#experiments")
    assert SIMULATED in desk.content() and "uitpas" in desk.content()
    shot(desk, "overview")

    desk.goto(f"{demo.url}/dashboard/segments")
    assert desk.locator("section.segment").count() == 2
    for chart in ("Disciplines", "Regions", "Organisers"):
        assert desk.locator(f"section.segment svg.mix[aria-label={chart}]").count() == 2, chart
    shot(desk, "segments", full_page=True)

    desk.goto(f"{demo.url}/dashboard/audience?event_id={popular_event(demo)}")
    assert desk.locator("#audience-size").is_visible()
    assert desk.locator("svg.mix").count() >= 1
    shot(desk, "audience")


def test_the_simulated_experiment_shows_its_built_in_difference_and_interval(
    desk: Page, demo: Demo, marketer: str, simulated: SimulationResult
) -> None:
    desk.goto(f"{demo.url}/dashboard/")
    sign_in(desk, marketer)
    desk.click(f"text={SIMULATED}")
    desk.wait_for_selector("svg")
    text = desk.inner_text("body")
    assert "What the simulation built in" in text and "Simulated: 2,000 users" in text
    assert "popularity model" in text and "ALS model" in text
    for metric in ("ctr", "conversion"):
        built_in = simulated.built_in_difference(metric)
        test = simulated.results.comparison("treatment", metric).test
        assert f"{built_in * 100:+.2f} pp" in text, metric  # the built-in difference
        assert f"{test.difference * 100:+.2f} pp" in text, metric  # the measured one
        assert f"[{test.low * 100:+.2f}, {test.high * 100:+.2f}]" in text, metric  # its interval
        assert built_in > 0 and test.low > 0, metric  # built in to win, and the interval excludes zero
    # Stamped with the server's clock, not the wall clock: the screenshot stays the same from run to run.
    assert f"generated {NOW:%Y-%m-%d %H:%M} UTC" in desk.content()
    shot(desk, "experiment", full_page=True)

    back = desk.locator("a", has_text="Back to the dashboard")
    assert back.get_attribute("href") == "/dashboard/"
    back.click()
    desk.wait_for_selector("#experiments")

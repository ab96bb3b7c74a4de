"""The widget in an A/B/n experiment (``data-experiment``), in real headless Chromium on a third-party page."""

from __future__ import annotations

from playwright.sync_api import Page

from recsys.marketing.assignment import assign
from recsys.marketing.experiments import Experiments
from tests.browser.conftest import Demo, card_ids, wait_ready, wait_until

EXPERIMENT = {
    "id": "widget-diversity",
    "description": "diversity 0 vs 1 in the widget",
    "status": "running",
    "arms": [
        {"name": "control", "weight": 1, "settings": {"diversity": 0.0}},
        {"name": "diverse", "weight": 1, "settings": {"diversity": 1.0}},
    ],
}


def test_widget_lists_are_exposures_of_the_visitors_arm_and_a_click_is_its_outcome(page: Page, demo: Demo) -> None:
    experiments = Experiments(demo.data_dir)
    experiments.save(EXPERIMENT)
    script = (
        f'<script src="{demo.url}/widget.js" data-key="{demo.public_key}" data-consent="granted" '
        f'data-experiment="widget-diversity" data-url-template="{demo.host.url}/agenda/{{event_id}}" async></script>'
    )
    html = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Host</title></head><body><h1>Agenda</h1>
<uit-recommendations id="mine" placement="for-you" n="4"></uit-recommendations>
<uit-recommendations id="top" placement="popular" n="3"></uit-recommendations>
{script}</body></html>"""
    page.goto(demo.host.add("/experiment.html", html))
    wait_ready(page)
    visitor = page.evaluate("window.uitRecommendations.visitorId()")
    arm = ["control", "diverse"][assign("widget-diversity", visitor, [1.0, 1.0])]

    rows = [r for r in experiments.read_log("widget-diversity").exposures.to_dicts() if r["user_id"] == visitor]
    assert {r["placement"]: r["event_ids"] for r in rows} == {
        "for-you": card_ids(page, "#mine"),
        "popular": card_ids(page, "#top"),
    }
    assert {r["arm"] for r in rows} == {arm}

    first = card_ids(page, "#mine")[0]
    with page.expect_navigation():
        page.locator(f"#mine a[data-id='{first}']").click()

    def clicked() -> bool:
        outcomes = experiments.read_log("widget-diversity").outcomes.to_dicts()
        return (visitor, first, "click", arm) in {(o["user_id"], o["event_id"], o["kind"], o["arm"]) for o in outcomes}

    # The click leaves with the page (the beacon), reaches the interaction log and the experiment's outcomes.
    assert wait_until(clicked)

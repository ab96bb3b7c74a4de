"""The widget script as a file and over HTTP, its beacon endpoint, and the site switch (no browser needed)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.browser.conftest import WIDGET_JS, Demo
from tests.serving.world import NOW

#: The issue's budget for the script, gzipped.
MAX_GZIP_BYTES = 15 * 1024


def test_widget_is_small_when_gzipped() -> None:
    raw = WIDGET_JS.read_bytes()
    size = len(gzip.compress(raw, compresslevel=9))
    assert size < MAX_GZIP_BYTES, f"widget.js is {size} bytes gzipped"


def test_widget_js_is_public_cacheable_and_revalidated(demo: Demo) -> None:
    first = httpx.get(f"{demo.url}/widget.js", headers={"Origin": "https://anywhere.example"})
    assert first.status_code == 200
    assert first.content == WIDGET_JS.read_bytes()
    assert first.headers["content-type"].startswith("text/javascript")
    assert first.headers["cache-control"] == "public, max-age=3600"
    assert first.headers["access-control-allow-origin"] == "*"
    assert first.headers["x-content-type-options"] == "nosniff"
    again = httpx.get(f"{demo.url}/widget.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def _beacon(demo: Demo, body: object, origin: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "text/plain;charset=UTF-8"}
    if origin is not None:
        headers["Origin"] = origin
    return httpx.post(f"{demo.url}/widget/beacon", content=json.dumps(body), headers=headers)


def test_beacon_stores_anonymous_clicks_with_the_key_in_the_body(demo: Demo) -> None:
    event_id = demo.state().workspace.catalogue.events_table().column("event_id")[0].as_py()
    item = {"id": "beacon-test-1", "user_id": "anon:beacon-test", "event_id": event_id, "kind": "click"}
    answer = _beacon(demo, {"key": demo.public_key, "interactions": [item]}, origin=demo.host.url)
    assert answer.status_code == 200, answer.text
    assert answer.json()["written"] == 1
    again = _beacon(demo, {"key": demo.public_key, "interactions": [item]}, origin=demo.host.url)
    assert again.json()["duplicates"] == 1
    assert [r["event_id"] for r in demo.interactions_of("anon:beacon-test")] == [event_id]


@pytest.mark.parametrize(
    ("body", "origin", "status"),
    [
        ({"interactions": []}, None, 401),  # no key
        ({"key": "rk_wrong", "interactions": []}, None, 401),
        ("not an object", None, 422),
        ({"key": "PUBLIC", "interactions": "nope"}, "HOST", 422),
        # A public key may not speak for a known user, nor send other kinds.
        (
            {"key": "PUBLIC", "interactions": [{"id": "b2", "user_id": "u1", "event_id": "e", "kind": "click"}]},
            "HOST",
            403,
        ),
        (
            {"key": "PUBLIC", "interactions": [{"id": "b3", "user_id": "anon:x", "event_id": "e", "kind": "ticket"}]},
            "HOST",
            403,
        ),
        # From a page the key is not bound to.
        (
            {"key": "PUBLIC", "interactions": [{"id": "b4", "user_id": "anon:x", "event_id": "e", "kind": "click"}]},
            "https://evil.example",
            403,
        ),
    ],
)
def test_beacon_refuses_what_the_interactions_endpoint_refuses(
    demo: Demo, body: object, origin: str | None, status: int
) -> None:
    if isinstance(body, dict) and body.get("key") == "PUBLIC":
        body = {**body, "key": demo.public_key}
    answer = _beacon(demo, body, origin=demo.host.url if origin == "HOST" else origin)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_without_the_demo_switch_only_the_widget_is_served(world_template: Path, tmp_path: Path) -> None:
    from serving.app import create_app
    from serving.settings import Settings

    data_dir = tmp_path / "data"
    shutil.copytree(world_template, data_dir)
    with TestClient(create_app(Settings(data_dir=data_dir, now=NOW))) as client:
        assert client.get("/widget.js").status_code == 200
        assert client.get("/").status_code == 404
        assert client.get("/events/x").status_code == 404
        assert client.get("/site/site.css").status_code == 404


def test_demo_site_pages_render_without_a_browser(demo: Demo) -> None:
    for lang, words in (("nl", "Voor jou"), ("fr", "Pour vous"), ("en", "For you")):
        page = httpx.get(f"{demo.url}/", params={"lang": lang})
        assert page.status_code == 200 and words in page.text
        assert f'<html lang="{lang}">' in page.text
        assert f'data-key="{demo.public_key}"' in page.text
        assert page.headers["cache-control"] == "no-store"
    css = httpx.get(f"{demo.url}/site/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert httpx.get(f"{demo.url}/site/other.css").status_code == 404
    # An unknown visitor is treated as anonymous, an unknown language as Dutch.
    page = httpx.get(f"{demo.url}/", params={"visitor": "nobody", "lang": "xx"})
    assert page.status_code == 200 and "data-user-id" not in page.text and "Voor jou" in page.text


def test_bound_public_key_works_from_the_servers_own_pages(demo: Demo) -> None:
    """The demo site calls the API from the API's own origin; browsers send no Origin on a same-origin GET.

    They do send ``Sec-Fetch-Site: same-origin`` (a header no page can forge), which must count as the
    server's own origin for a key bound to it.
    """
    headers = {"X-API-Key": demo.public_key, "Sec-Fetch-Site": "same-origin"}
    answer = httpx.get(f"{demo.url}/v1/popular", params={"n": 2}, headers=headers)
    assert answer.status_code == 200, answer.text
    # Without that header and without Origin nothing proves where the call comes from.
    assert httpx.get(f"{demo.url}/v1/popular", headers={"X-API-Key": demo.public_key}).status_code == 403

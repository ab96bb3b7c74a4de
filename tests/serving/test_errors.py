"""Every error through the HTTP stack: problem details with the right status, never a bare 500."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from serving.app import create_app
from serving.settings import RateLimit, Settings
from tests.serving.conftest import headers
from tests.serving.test_recommendations import known_users
from tests.serving.world import ORIGIN, World

PROBLEM = "application/problem+json"


def assert_problem(response: object, status: int, field: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    if field is not None:
        assert body["field"] == field, body
    return body


def test_401_without_or_with_an_unknown_key(client: TestClient, world: World) -> None:
    missing = client.get("/v1/popular")
    assert_problem(missing, 401)
    assert "X-API-Key" in missing.headers["www-authenticate"]
    assert_problem(client.get("/v1/popular", headers={"X-API-Key": "rk_not-a-key"}), 401)


def test_403_for_the_wrong_scope_or_origin(client: TestClient, world: World) -> None:
    public = headers(world, "public", Origin=ORIGIN)
    assert_problem(client.delete("/v1/users/someone", headers=public), 403)
    assert_problem(client.put("/v1/events/e1", json={}, headers=public), 403)
    assert_problem(client.get("/v1/admin/models", headers=headers(world, "server")), 403)
    assert_problem(client.get("/v1/popular", headers=headers(world, "public", Origin="https://evil.example")), 403)
    assert_problem(client.get("/v1/popular", headers=headers(world, "public")), 403)  # no Origin at all
    assert client.get("/v1/popular", headers=headers(world, "public_any")).status_code == 200


def test_413_for_a_large_body(client: TestClient, world: World) -> None:
    body = b'{"interactions": [' + b" " * (2 << 20) + b"]}"
    response = client.post(
        "/v1/interactions", content=body, headers=headers(world, **{"Content-Type": "application/json"})
    )
    assert_problem(response, 413)

    def chunks() -> object:
        yield b'{"interactions": ['
        for _ in range(40):
            yield b" " * 65536
        yield b"]}"

    chunked = client.post(
        "/v1/interactions", content=chunks(), headers=headers(world, **{"Content-Type": "application/json"})
    )
    assert_problem(chunked, 413)


def test_422_names_the_field(client: TestClient, world: World) -> None:
    user = known_users(client)[0]
    url = f"/v1/users/{user}/recommendations"
    h = headers(world)
    assert_problem(client.get(url, params={"n": 0}, headers=h), 422, "n")
    assert_problem(client.get(url, params={"n": 101}, headers=h), 422, "n")
    assert_problem(client.get(url, params={"lang": "de"}, headers=h), 422, "lang")
    assert_problem(client.get(url, params={"lat": 51.0}, headers=h), 422, "lon")
    assert_problem(client.get(url, params={"radius_km": 5}, headers=h), 422, "radius_km")
    assert_problem(client.get(url, params={"lat": 51, "lon": 4, "radius_km": 500}, headers=h), 422, "radius_km")
    assert_problem(client.get(url, params={"date_from": "tomorrow"}, headers=h), 422, "date_from")
    assert_problem(client.get(url, params={"date_from": "2026-02-01T10:00:00"}, headers=h), 422, "date_from")
    assert_problem(
        client.get(url, params={"date_from": "2026-03-01", "date_to": "2026-02-01"}, headers=h), 422, "date_to"
    )
    assert_problem(client.get(url, params={"types": "a", "exclude_types": "a"}, headers=h), 422, "types")
    assert_problem(client.get(url, params={"diversity": 2}, headers=h), 422, "diversity")
    assert_problem(client.get("/v1/users/bad%20id/recommendations", headers=h), 422, "user_id")
    assert_problem(client.get("/v1/popular", params={"region": "BE-XXX"}, headers=h), 422, "region")
    bad_kind = [{"id": "x1", "user_id": "u1", "event_id": "e1", "kind": "stare"}]
    assert_problem(
        client.post("/v1/interactions", json={"interactions": bad_kind}, headers=h), 422, "interactions[0].kind"
    )
    naive = [{"id": "x1", "user_id": "u1", "event_id": "e1", "kind": "view", "timestamp": "2030-01-01T00:00:00+00:00"}]
    assert_problem(
        client.post("/v1/interactions", json={"interactions": naive}, headers=h), 422, "interactions[0].timestamp"
    )
    too_many = [{"id": f"x{i}", "user_id": "u1", "event_id": "e1", "kind": "view"} for i in range(501)]
    assert_problem(client.post("/v1/interactions", json={"interactions": too_many}, headers=h), 422, "interactions")
    assert_problem(client.put("/v1/events/e1", json={"name": {"nl": "x"}}, headers=h), 422, "dates")
    dates = [{"start": "2026-03-01T20:00:00+01:00", "end": "2026-03-01T19:00:00+01:00"}]
    assert_problem(
        client.put("/v1/events/e1", json={"name": {"nl": "x"}, "dates": dates}, headers=h), 422, "dates[0].end"
    )
    assert_problem(client.put("/v1/events/e1", json={"name": {}, "permanent": True}, headers=h), 422, "name")
    assert_problem(
        client.put("/v1/events/e1", json={"@id": "https://io.uitdatabank.be/event/e2", "name": {"nl": "x"}}, headers=h),
        422,
    )
    body = {"viewed": ["e1"], "visitor_id": "user-7"}
    assert_problem(client.post("/v1/recommendations", json=body, headers=h), 422, "visitor_id")
    assert_problem(client.post("/v1/recommendations", json={"n": "many"}, headers=h), 422, "n")


def test_404_for_unknown_things(client: TestClient, world: World) -> None:
    assert_problem(client.get("/v1/events/no-such-event/similar", headers=headers(world)), 404)
    admin = headers(world, "admin")
    assert_problem(
        client.post("/v1/admin/models/default/activate/20200101T000000000Z-000000000000", headers=admin), 404
    )
    assert_problem(client.post("/v1/admin/models/other/rollback", headers=admin), 404)
    assert_problem(client.get("/v1/nothing-here", headers=admin), 404)


def test_429_with_retry_after(make_settings: Callable[..., Settings], world: World) -> None:
    settings = make_settings(rate_public=RateLimit(1.0, 2.0))
    with TestClient(create_app(settings)) as client:
        statuses = [client.get("/v1/popular", headers=headers(world, "public_any")).status_code for _ in range(4)]
        assert statuses[:2] == [200, 200] and statuses[-1] == 429
        limited = client.get("/v1/popular", headers=headers(world, "public_any"))
        assert_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        # Another key has its own bucket.
        assert client.get("/v1/popular", headers=headers(world, "server")).status_code == 200


def test_cors_allows_only_bound_origins(client: TestClient, world: World) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-API-Key",
    }
    allowed = client.options("/v1/popular", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    refused = client.options("/v1/popular", headers={**preflight, "Origin": "https://evil.example"})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_every_problem_type_the_server_can_answer_is_documented() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    documented = set(re.findall(r"^## ([a-z-]+)$", (root / "docs" / "api.md").read_text(), flags=re.M))
    code = "\n".join(p.read_text() for p in (root / "serving").rglob("*.py"))
    used = set(re.findall(r'slug="([a-z-]+)"', code)) | set(re.findall(r'return \d{3}, "([a-z-]+)"', code))
    used |= set(re.findall(r'^[A-Z_]+: Final = "([a-z-]+)"', (root / "serving" / "experiments.py").read_text(), re.M))
    assert "invalid-field" in used and "arm-served-elsewhere" in used  # the patterns still find them
    assert used <= documented, sorted(used - documented)

"""Ranking threads: the recommendation routes rank on at most ``ranking_threads`` threads at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.app import create_app
from serving.settings import Settings
from tests.serving.conftest import headers
from tests.serving.test_recommendations import known_users
from tests.serving.world import World


@pytest.mark.parametrize("threads", [1, 2])
def test_recommendations_rank_on_at_most_the_configured_threads(
    make_settings: Callable[..., Settings], world: World, threads: int
) -> None:
    app = create_app(make_settings(ranking_threads=threads))
    with TestClient(app) as client:
        pipeline = app.state.pipeline
        rank_for_user = pipeline.for_user
        lock = threading.Lock()
        running, peak = 0, 0

        def slow_for_user(*args: Any) -> Any:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                time.sleep(0.05)  # long enough for every request to be waiting at once
                return rank_for_user(*args)
            finally:
                with lock:
                    running -= 1

        pipeline.for_user = slow_for_user
        users = known_users(client, 6)

        def ask(user: str) -> int:
            response = client.get(f"/v1/users/{user}/recommendations", headers=headers(world))
            return response.status_code

        with ThreadPoolExecutor(len(users)) as pool:
            statuses = list(pool.map(ask, users))
        assert statuses == [200] * len(users)
        # Never more at once than allowed, and as many as allowed when requests wait.
        assert peak == threads
        # Other routes are not held up by the ranking threads.
        assert client.get("/health").status_code == 200

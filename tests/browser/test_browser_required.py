"""``./dev.sh test`` requires the browser: without Chromium the browser tests fail instead of skipping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import REQUIRE_BROWSER, launch_chromium


class BrokenChromium:
    """Stands in for ``playwright.chromium`` whose executable cannot start."""

    def launch(self, **options: Any) -> Any:
        raise PlaywrightError("Failed to launch chromium because executable doesn't exist\nCall log: ...")


class Driver:
    """Stands in for the Playwright driver (a second real one cannot run beside the session's browser)."""

    chromium = BrokenChromium()


@pytest.fixture
def no_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither ``$CHROMIUM_PATH`` nor ``PATH`` leads to a browser."""
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "missing"))
    monkeypatch.setenv("PATH", str(tmp_path))


def test_without_chromium_the_browser_tests_skip_unless_required(
    no_chromium: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(REQUIRE_BROWSER, raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        launch_chromium(Driver())  # type: ignore[arg-type]
    monkeypatch.setenv(REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match=f"no Chromium found.*{REQUIRE_BROWSER} is set"):
        launch_chromium(Driver())  # type: ignore[arg-type]


def test_a_chromium_that_does_not_start_fails_when_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CHROMIUM_PATH", str(fake))
    monkeypatch.setenv(REQUIRE_BROWSER, "1")
    with pytest.raises(pytest.fail.Exception, match=f"Chromium at {fake} did not start: Failed to launch"):
        launch_chromium(Driver())  # type: ignore[arg-type]
    monkeypatch.setenv(REQUIRE_BROWSER, "0")
    with pytest.raises(pytest.skip.Exception, match="did not start"):
        launch_chromium(Driver())  # type: ignore[arg-type]

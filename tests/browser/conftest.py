"""Real headless Chromium against a real uvicorn server over a small generated and trained season.

The Chromium executable comes from ``$CHROMIUM_PATH`` (``scripts/ensure-chromium.sh``
installs Debian's package and exports it), else from ``PATH``; Playwright only
drives it (no ``playwright install`` downloads). Without a browser every test
that needs one is skipped with the reason, unless ``RECSYS_REQUIRE_BROWSER``
is set (``./dev.sh test`` sets it): then they fail, so a green test run means
the browser tests ran.

Two servers run for the whole session: the API with the demo site
(``create_app``, uvicorn in a thread, over a private data folder) and a plain
"host" web server on another origin, for pages that embed the widget the way a
third-party site does (cross-origin, its own CSS, or an API that is down).
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.serving.world import NOW, build_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = PROJECT_ROOT / "serving" / "static" / "widget.js"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
#: Set (to anything but ``0``) by ``./dev.sh test``: no Chromium fails the browser tests instead of skipping them.
REQUIRE_BROWSER = "RECSYS_REQUIRE_BROWSER"


def chromium_path() -> str | None:
    """The Chromium executable: ``$CHROMIUM_PATH``, else the first one on ``PATH``."""
    given = os.environ.get("CHROMIUM_PATH")
    if given and os.access(given, os.X_OK):
        return given
    for name in ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ThreadedUvicorn:
    """A uvicorn server in a daemon thread (so the test can also reach the app's state directly)."""

    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        self.app = app
        self.port = port
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{port}", daemon=True)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 120.0) -> None:
        """Start and wait until ``/health`` answers."""
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                raise RuntimeError("uvicorn stopped during start-up")
            if self.server.started:
                try:
                    if httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"the server on {self.url} did not start in {timeout_s} s")

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass
class HostSite:
    """A plain web server on another origin that serves registered pages (the "third-party host")."""

    port: int
    pages: dict[str, tuple[str, bytes, dict[str, str]]] = field(default_factory=dict)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """``http://localhost:<port>`` (another origin than the API's ``127.0.0.1``)."""
        return f"http://localhost:{self.port}"

    def add(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``body`` at ``path`` (with extra ``headers``); returns its URL."""
        self.pages[path] = (content_type, body.encode() if isinstance(body, str) else body, headers or {})
        return f"{self.url}{path}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = pages.get(self.path.split("?", 1)[0])
                if found is None:
                    self.send_error(404)
                    return
                content_type, body, extra = found
                self.send_response(200)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, name="host-site", daemon=True).start()

    def stop(self) -> None:
        """Shut the server down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass(frozen=True)
class Demo:
    """The running demo: server, keys, and the host site."""

    server: ThreadedUvicorn
    public_key: str
    server_key: str
    host: HostSite
    data_dir: Path

    @property
    def url(self) -> str:
        """The API and demo site."""
        return self.server.url

    def state(self) -> Any:
        """The running app's :class:`serving.state.ServingState` (same process)."""
        return self.server.app.state.serving

    def requests_to(self, route: str, method: str = "POST") -> int:
        """How many requests the server answered on ``route`` (its metrics), any status."""
        value = 0.0
        for metric in self.server.app.state.metrics.requests.collect():
            for sample in metric.samples:
                if (
                    sample.name.endswith("_total")
                    and sample.labels.get("route") == route
                    and sample.labels.get("method") == method
                ):
                    value += sample.value
        return int(value)

    def interactions_of(self, user_id: str) -> list[dict[str, Any]]:
        """The stored interactions of one user, oldest first, with the kind as its label (``click``)."""
        import pyarrow.compute as pc

        from recsys.domain.interactions import InteractionKind

        table = self.state().workspace.interactions.export()
        mine = table.filter(pc.equal(table.column("user_id"), user_id)).to_pylist()
        return [{**row, "kind": InteractionKind(row["kind"]).label} for row in mine]


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated and trained data folder (built once per session)."""
    folder = tmp_path_factory.mktemp("browser-world") / "data"
    # The serving tests' world (season, model trained up to NOW); its keys are not used here.
    build_world(folder, n_users=200)
    return folder


@pytest.fixture(scope="session")
def demo(world_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The API with the demo site on 127.0.0.1, and a host site on localhost (another origin)."""
    from serving.app import create_app
    from serving.keys import KeyStore, Scope
    from serving.settings import Settings

    data_dir = tmp_path_factory.mktemp("browser-serve") / "data"
    shutil.copytree(world_template, data_dir)
    port, host_port = free_port(), free_port()
    host = HostSite(host_port)
    store = KeyStore(data_dir / "api-keys.json")
    # Bound like the demo's key: the demo site's own origin and the host site's.
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{host_port}"]
    public_key, _ = store.create(Scope.PUBLIC, name="browser tests", origins=origins)
    server_key, _ = store.create(Scope.SERVER, name="browser tests server")
    settings = Settings(
        data_dir=data_dir,
        demo_page=True,
        demo_key=public_key,
        now=NOW,
        rate_public=Settings().rate_public.__class__(0.0, 0.0),
    )
    server = ThreadedUvicorn(create_app(settings), port)
    server.start()
    host.start()
    try:
        yield Demo(server=server, public_key=public_key, server_key=server_key, host=host, data_dir=data_dir)
    finally:
        host.stop()
        server.stop()


def browser_unavailable(reason: str) -> NoReturn:
    """Skip for ``reason``, or fail when ``$RECSYS_REQUIRE_BROWSER`` says the browser tests must run."""
    if os.environ.get(REQUIRE_BROWSER, "") not in ("", "0"):
        pytest.fail(f"{reason} ({REQUIRE_BROWSER} is set: the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def launch_chromium(playwright: Playwright) -> Browser:
    """Headless Chromium, or :func:`browser_unavailable` when there is none or it does not start."""
    executable = chromium_path()
    if executable is None:
        browser_unavailable(
            "no Chromium found: run scripts/ensure-chromium.sh (installs Debian's chromium) or set CHROMIUM_PATH"
        )
    try:
        return playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
    except PlaywrightError as exc:
        first_line = str(exc).strip().split("\n", 1)[0]
        browser_unavailable(f"Chromium at {executable} did not start: {first_line}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (skips, or fails under ``$RECSYS_REQUIRE_BROWSER``, when it cannot start)."""
    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class PageErrors:
    """Uncaught errors and console errors of the pages of one context."""

    uncaught: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture
def errors() -> PageErrors:
    """Collected by :func:`context`; the test decides what it expects."""
    return PageErrors()


@pytest.fixture
def context(browser: Browser, errors: PageErrors) -> Iterator[BrowserContext]:
    """A fresh browser profile (empty storage and cookies) per test; no uncaught page error allowed."""
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="nl-BE", timezone_id="Europe/Brussels")

    def watch(page: Page) -> None:
        page.on("pageerror", lambda exc: errors.uncaught.append(str(exc)))
        page.on("console", lambda msg: errors.console.append(msg.text) if msg.type == "error" else None)

    ctx.on("page", watch)
    try:
        yield ctx
    finally:
        ctx.close()
    assert errors.uncaught == [], f"uncaught errors in the page: {errors.uncaught}"


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in the fresh context."""
    return context.new_page()


def wait_ready(page: Page, selector: str = "uit-recommendations", timeout_ms: float = 15_000) -> None:
    """Wait until every widget matching ``selector`` has finished (ready, empty or error)."""
    page.wait_for_function(
        """sel => { const all = [...document.querySelectorAll(sel)];
                    return all.length > 0 && all.every(e => ['ready', 'empty', 'error'].includes(e.getAttribute('state'))); }""",
        arg=selector,
        timeout=timeout_ms,
    )


def card_ids(page: Page, widget: str) -> list[str]:
    """Event ids of the cards in one widget (CSS selector of the element), in order."""
    ids: list[str] = page.eval_on_selector(
        widget, "el => [...el.shadowRoot.querySelectorAll('a[data-id]')].map(a => a.dataset.id)"
    )
    return ids


def wait_until(check: Callable[[], bool], timeout_s: float = 10.0, interval_s: float = 0.1) -> bool:
    """Poll ``check`` until it holds or the time is up; returns its last answer."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval_s)
    return check()

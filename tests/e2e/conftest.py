"""End-to-end fixtures: the app served by werkzeug in a thread, and headless Debian Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.web.conftest import Demo, demo, make_app, seeded, seeded_file  # noqa: F401 -- fixtures shared with tests/web
from web.db import dispose
from web.jobs import registry

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def live_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app on a seeded database of its own, with CSRF on as in production."""
    url, _demo = request.getfixturevalue("seeded")
    app = make_app(url, tmp_path, WTF_CSRF_ENABLED=True, SOLVE_TIME_LIMIT=5)
    yield app
    registry(app).shutdown()
    dispose(app)


@pytest.fixture
def server(live_app: Flask) -> Iterator[str]:
    """The base URL of the app served on a free loopback port (shut down afterwards)."""
    httpd = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    """Headless Chromium from Debian (skips when it is not installed)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()

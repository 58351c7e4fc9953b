"""Fixtures for end-to-end tests in a real browser.

Debian's Chromium (``/usr/bin/chromium``) is driven by Playwright against a live
``ordercraft serve`` started as a subprocess on a free port, serving a demo site.
Without Chromium the tests skip, saying why; under CI (``CI`` set) a missing Chromium
is a failure, so CI never goes green without running them.

Fixtures: ``live_server`` (session; ``.url``, ``.database_url``, ``.passwords``),
``browser`` (session), ``page`` (a fresh page per test), ``login(page, name)``,
``logged_in_page`` (logged in as admin), ``cli(*args)`` (``ordercraft ... --json`` on the
live site) and ``screenshot(page, name)`` (saves ``test-output/screenshots/<name>.png``).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPOSITORY / "test-output" / "screenshots"
START_TIMEOUT = 300  # a bound for a machine busy with other work, not an expectation
ORDERCRAFT = [sys.executable, "-c", "from ordercraft.core.cli import main; main()"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    database_url: str
    passwords: dict[str, str] = field(default_factory=dict)

    def path(self, path: str) -> str:
        return self.url.rstrip("/") + path


def _ordercraft(database_url: str, *args: str) -> list[str]:
    return [*ORDERCRAFT, "--db", database_url, *args]


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = (f"{CHROMIUM} is missing: install Debian's chromium "
                  "(apt-get install -y chromium) to run the browser tests")
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run them)")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A demo site served by ``ordercraft serve`` on a free port, for the whole session."""
    from ordercraft.sdk.testing import test_database_url

    folder = tmp_path_factory.mktemp("live")
    database_url, drop = test_database_url(folder)
    environment = {**os.environ, "ORDERCRAFT_ADMIN_PASSWORD": "admin-demo",
                   "ORDERCRAFT_SECRET_KEY": "browser-tests-only-secret-key-0123456789"}
    seeded = subprocess.run(_ordercraft(database_url, "demo", "--no-serve", "--json"),
                            capture_output=True, text=True, env=environment, cwd=folder,
                            timeout=START_TIMEOUT)
    assert seeded.returncode == 0, f"ordercraft demo failed:\n{seeded.stdout}\n{seeded.stderr}"
    passwords = json.loads(seeded.stdout)["users"]

    try:
        with serving(database_url, folder, environment) as url:
            yield LiveServer(url=url, database_url=database_url, passwords=passwords)
    finally:
        drop()


@contextlib.contextmanager
def serving(database_url: str, folder: Path, environment: dict[str, str]) -> Iterator[str]:
    """``ordercraft serve`` on a free port for the ``with`` block; yields its URL."""
    log = open(folder / "server.log", "w+")
    process = subprocess.Popen(
        _ordercraft(database_url, "serve", "--port", "0", "--threads", "4", "--json"),
        stdout=subprocess.PIPE, stderr=log, text=True, env=environment, cwd=folder)
    watchdog = threading.Timer(START_TIMEOUT, process.kill)
    watchdog.start()
    line = process.stdout.readline() if process.stdout else ""
    watchdog.cancel()
    if not line:
        process.wait(timeout=10)
        log.seek(0)
        pytest.fail(f"ordercraft serve did not start (exit {process.returncode}):\n{log.read()}")
    try:
        yield json.loads(line)["url"]
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def log_in(page: Any, server: LiveServer, name: str = "admin") -> None:
    page.goto(server.path("/login"))
    page.fill("#f-name", name)
    page.fill("#f-password", server.passwords[name])
    page.click("button[type=submit]")
    page.wait_for_url(server.path("/"))


@pytest.fixture
def login(live_server: LiveServer) -> Callable[..., None]:
    """``login(page, name="admin")``: log a page in with the demo password."""
    return lambda page, name="admin": log_in(page, live_server, name)


@pytest.fixture
def cli(live_server: LiveServer) -> Callable[..., Any]:
    """``cli("item", "add", ...)``: run ``ordercraft ... --json`` on the live site's
    database and return its answer (it must succeed)."""
    def run(*args: str) -> Any:
        done = subprocess.run([*_ordercraft(live_server.database_url, *args), "--json"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    return run


@pytest.fixture
def logged_in_page(page: Any, live_server: LiveServer) -> Any:
    log_in(page, live_server)
    return page


@pytest.fixture
def screenshot() -> Callable[[Any, str], Path]:
    """``screenshot(page, "parties")`` -> the saved file (full page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="module")
def empty_site(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A new site, as ``ordercraft init`` leaves it (only the user admin, no demo data),
    served by ``ordercraft serve`` for one test module."""
    from ordercraft.sdk.testing import test_database_url

    folder = tmp_path_factory.mktemp("empty")
    database_url, drop = test_database_url(folder)
    environment = {**os.environ, "ORDERCRAFT_ADMIN_PASSWORD": "admin-new-site",
                   "ORDERCRAFT_SECRET_KEY": "browser-tests-only-secret-key-0123456789"}
    try:
        created = subprocess.run(_ordercraft(database_url, "init", "--json"),
                                 capture_output=True, text=True, env=environment, cwd=folder,
                                 timeout=START_TIMEOUT)
        assert created.returncode == 0, f"ordercraft init failed:\n{created.stdout}\n{created.stderr}"
        with serving(database_url, folder, environment) as url:
            yield LiveServer(url=url, database_url=database_url,
                             passwords={"admin": "admin-new-site"})
    finally:
        drop()

"""Browser tests of the field app: the real server (gunicorn, SQLite) and Debian's Chromium.

`live_server` (session) builds a fresh database with `flask --app server release`, seeds one
kecamatan of two kelurahan × three RW and the users below through the factories, and runs the app
with gunicorn on a free port. Every test gets a fresh browser context (its own IndexedDB and service
worker) on a 360 × 740 phone screen. The PWA must be built first (the Makefile runs
`npm run build` in pwa/ before pytest).
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.live import DIST, PASSWORD, LiveServer, run_live_server

PHONE = {"width": 360, "height": 740}

expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The real app on a fresh database (see tests/e2e/live.py), serving a copy of pwa/dist that a
    test may change (a new version of the service worker)."""
    workdir = tmp_path_factory.mktemp("live")
    assert (DIST / "index.html").is_file(), "pwa/dist is missing: run `cd pwa && npm ci && npm run build` (make test does)"
    dist = shutil.copytree(DIST, workdir / "dist")
    with run_live_server(workdir, dist=dist) as server:
        yield server


def _context(browser: Browser, live_server: LiveServer, **options) -> BrowserContext:
    return browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True,
                               locale="id-ID", timezone_id="Asia/Jakarta", **options)


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh phone (own IndexedDB, Cache Storage and service worker)."""
    ctx = _context(browser, live_server)
    yield ctx
    ctx.close()


@pytest.fixture
def context_without_sw(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh phone whose requests the test may intercept (page.route does not see SW traffic)."""
    ctx = _context(browser, live_server, service_workers="block")
    yield ctx
    ctx.close()


@pytest.fixture
def context_for_audit(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh phone that lets the test inject axe-core (the app's CSP forbids inline scripts)."""
    ctx = _context(browser, live_server, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def login(page: Page, username: str = "petugas") -> None:
    """Log in through the form (the interface's Indonesian names) and wait for the home screen."""
    page.goto("/app/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    if username == "kiosk":  # the kiosk hides its staff controls (Keluar …) behind a long press
        expect(page.get_by_role("button", name="Mulai survei")).to_be_visible()
    else:
        expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")


def staff_menu(page: Page) -> None:
    """Open the kiosk's staff controls: a long press (2 s) on the SIKK mark."""
    box = page.locator("[data-long-press=staff]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(2000)
    page.mouse.up()
    expect(page.get_by_role("group", name="Menu petugas")).to_be_visible()


def wait_for_service_worker(page: Page) -> None:
    """Wait until the service worker is active and controls the page (the shell is precached)."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready.then(r => !!r.active)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        page.wait_for_function("!!navigator.serviceWorker.controller")

"""The CSP is not only sent, the pages pass it: Chromium reports no violation on the field app and
the admin pages, logged in, with their scripts, styles, images and service worker at work.

Runs the real server (gunicorn, fresh SQLite: tests/e2e/live.py) and Debian's Chromium. Every
`securitypolicyviolation` event and every CSP console error fails the test, with the blocked URI.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.live import PASSWORD, LiveServer, run_live_server

COLLECT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""
ADMIN_PAGES = ("/admin/", "/admin/iku/IKU1", "/admin/iku/IKU5", "/admin/iku/IKU6", "/admin/pengajuan",
               "/admin/peta", "/admin/laporan", "/admin/kelola", "/admin/kelola/pengguna", "/admin/kelola/target",
               "/admin/kelola/perangkat", "/admin/audit")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    with run_live_server(tmp_path_factory.mktemp("csp")) as live:
        yield live


@pytest.fixture
def context(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=server.url, locale="id-ID")
    ctx.add_init_script(COLLECT)
    yield ctx
    ctx.close()


class Violations:
    """CSP violations seen by a page: DOM events and console errors."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", lambda msg: self.console.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text else None)

    def seen(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        return [*events, *self.console]


def test_field_app_passes_its_csp(context: BrowserContext, server: LiveServer):
    page = context.new_page()
    violations = Violations(page)
    page.goto("/app/")
    page.get_by_label("Nama pengguna").fill("petugas")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_role("status").wait_for()
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    page.get_by_label("Kelurahan").wait_for()
    page.wait_for_timeout(1500)  # the app polls its health endpoint: no network idle to wait for
    assert violations.seen() == []


def test_admin_pages_pass_their_csp(context: BrowserContext, server: LiveServer):
    page = context.new_page()
    violations = Violations(page)
    page.goto("/admin/login")
    page.get_by_label("Nama pengguna").fill("camat")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/admin/**")
    seen: dict[str, list[str]] = {}
    for path in ADMIN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        page.wait_for_load_state("networkidle")
        if violations.seen():
            seen[path] = violations.seen()
            violations.console.clear()
    assert seen == {}


def test_the_collector_sees_a_violation(context: BrowserContext, server: LiveServer):
    """The check can fail: an inline script added to a served page is blocked and reported."""
    page = context.new_page()
    violations = Violations(page)
    page.goto("/admin/login")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert any("script-src" in v for v in violations.seen()), violations.seen()

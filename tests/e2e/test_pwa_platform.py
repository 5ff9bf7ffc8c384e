"""The platform side of the field app: the update lifecycle and accessibility (axe-core, WCAG A/AA)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import login, wait_for_service_worker
from tests.e2e.live import REPO, LiveServer

AXE = REPO / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def test_update_waits_until_no_form_is_open_and_keeps_the_data(page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page)
    wait_for_service_worker(page)
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    page.get_by_label("Kelurahan").select_option(label=kel["nama"])
    page.get_by_label("Jumlah kejadian kriminal").fill("9")
    page.get_by_role("button", name="Simpan draf").click()
    page.get_by_role("link", name="Pengaduan", exact=True).click()  # a form is open
    sw = Path(live_server.dist) / "sw.js"
    original = sw.read_text()
    try:
        sw.write_text(original + "\n// a new version\n")
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        expect(page.get_by_text("Versi baru tersedia; dipasang setelah formulir ditutup.")).to_be_visible()
        expect(page.get_by_role("button", name="Perbarui sekarang")).to_be_disabled()
        page.get_by_role("link", name="Kembali ke beranda").click()
        expect(page.get_by_text("Versi baru tersedia.", exact=True)).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Perbarui sekarang").click()
        expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
        expect(page.get_by_text("Versi baru tersedia.", exact=True)).to_be_hidden()
        draft = page.get_by_role("region", name="Draf").get_by_role("button", name=re.compile(r"^Inspeksi RW · " + kel["nama"]))
        expect(draft).to_have_count(1)
        draft.click()
        expect(page.get_by_label("Kelurahan")).to_have_value(str(kel["id"]))
        expect(page.get_by_label("Jumlah kejadian kriminal")).to_have_value("9")
    finally:
        sw.write_text(original)


def _axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
    }""")
    return result


def test_screens_have_no_axe_violations(context_for_audit: BrowserContext, live_server: LiveServer):
    page = context_for_audit.new_page()
    page.goto("/app/")
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    found = {"login": _axe_violations(page)}
    login(page)
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    page.get_by_label("Jumlah kejadian kriminal").fill("-1")
    expect(page.get_by_text("Minimal 0.")).to_be_visible()
    found["form"] = _axe_violations(page)
    page.get_by_role("button", name="Simpan draf").click()
    expect(page.get_by_role("heading", name="Draf")).to_be_visible()
    found["home"] = _axe_violations(page)
    page.get_by_role("link", name="Pengaduan", exact=True).click()
    expect(page.get_by_label("Saluran pengaduan")).to_be_visible()
    found["pengaduan"] = _axe_violations(page)
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    login(page, "kiosk")
    found["kiosk start"] = _axe_violations(page)
    page.get_by_role("button", name="Mulai survei").click()
    found["kiosk question"] = _axe_violations(page)
    assert {screen: v for screen, v in found.items() if v} == {}, json.dumps(found, indent=1)

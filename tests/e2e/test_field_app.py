"""The field app end to end in Chromium on a 360 px phone, against the real server (SPEC §6 names)."""
from __future__ import annotations

import io
import json
import re

from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.conftest import LiveServer, login, wait_for_service_worker

INSPECTION = {
    "kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh", "lembaga_aktif": True,
    "kejadian_kriminal": 2, "konflik_sosial": 0, "catatan": "Aman, warga aktif",
}


def _data(row) -> dict:
    return row.data if isinstance(row.data, dict) else json.loads(row.data)


def fill_inspection(page: Page, kelurahan: str, rw: str = "01", kriminal: str = "2") -> None:
    """Open `Inspeksi RW` from home and fill every scored field plus a note."""
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    page.get_by_label("Kelurahan").select_option(label=kelurahan)
    page.get_by_label("RW", exact=True).select_option(label=rw)
    page.get_by_label("Ada kebun TOGA (tanaman obat keluarga)").check()
    page.get_by_label("Pengelolaan sampah").select_option("baik")
    page.get_by_label("Status kumuh").select_option("tidak_kumuh")
    page.get_by_label("Lembaga kemasyarakatan aktif").check()
    page.get_by_label("Jumlah kejadian kriminal").fill(kriminal)
    page.get_by_label("Jumlah konflik sosial").fill("0")
    page.get_by_label("Catatan").fill("Aman, warga aktif")


def test_login_fill_send_sync_exactly_once(page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page)
    status = page.get_by_role("status")
    expect(status).to_contain_text("Daring (online)")
    fill_inspection(page, kel["nama"])
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(status).to_contain_text("Belum terkirim: 0")
    page.get_by_role("button", name="Sinkronkan").click()
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = live_server.submissions("inspeksi-rw")
    assert len(rows) == 1
    assert _data(rows[0]) == INSPECTION
    assert rows[0].rw_id == kel["rw"][0]["id"]
    # The sent record is listed as sent, with a correction offered.
    expect(page.get_by_text("Terkirim", exact=True)).to_be_visible()


def test_client_validation_in_indonesian(page: Page, live_server: LiveServer):
    login(page)
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    field = page.get_by_label("Jumlah kejadian kriminal")
    field.fill("-1")
    expect(page.get_by_text("Minimal 0.")).to_be_visible()
    field.fill("1,5")
    expect(page.get_by_text("Harus berupa bilangan bulat.")).to_be_visible()
    field.fill("")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Wajib diisi.").first).to_be_visible()
    assert page.get_by_role("status").inner_text().endswith("Belum terkirim: 0")


def test_offline_reload_fill_and_outbox_survives(context: BrowserContext, page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[1]
    login(page)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Luring (offline)")
    fill_inspection(page, kel["nama"], rw="02", kriminal="5")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(status).to_contain_text("Belum terkirim: 1")
    page.reload()  # still offline: the shell comes from the service worker, the outbox from IndexedDB
    expect(status).to_contain_text("Belum terkirim: 1")
    expect(page.get_by_text("Menunggu")).to_be_visible()
    assert live_server.sql("SELECT count(*) FROM submissions WHERE rw_id = :rw", rw=kel["rw"][1]["id"])[0][0] == 0
    context.set_offline(False)  # the `online` event syncs
    expect(status).to_contain_text("Daring (online)")
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = [r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][1]["id"]]
    assert len(rows) == 1
    assert _data(rows[0])["kejadian_kriminal"] == 5


def test_draft_restores_every_value(page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page)
    fill_inspection(page, kel["nama"], rw="03", kriminal="7")
    page.get_by_role("button", name="Simpan draf").click()
    drafts = page.get_by_role("region", name="Draf")
    draft = drafts.get_by_role("button", name=re.compile(r"^Inspeksi RW · RW 03"))
    expect(draft).to_be_visible()
    page.reload()
    draft.click()
    expect(page.get_by_label("Kelurahan")).to_have_value(str(kel["id"]))
    expect(page.get_by_label("RW", exact=True)).to_have_value(str(kel["rw"][2]["id"]))
    expect(page.get_by_label("Ada kebun TOGA (tanaman obat keluarga)")).to_be_checked()
    expect(page.get_by_label("Pengelolaan sampah")).to_have_value("baik")
    expect(page.get_by_label("Status kumuh")).to_have_value("tidak_kumuh")
    expect(page.get_by_label("Lembaga kemasyarakatan aktif")).to_be_checked()
    expect(page.get_by_label("Jumlah kejadian kriminal")).to_have_value("7")
    expect(page.get_by_label("Jumlah konflik sosial")).to_have_value("0")
    expect(page.get_by_label("Catatan")).to_have_value("Aman, warga aktif")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
    expect(drafts.get_by_text("Belum ada draf.")).to_be_visible()
    assert len([r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][2]["id"]]) == 1

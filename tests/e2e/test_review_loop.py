"""Issue #11 on the phone (360 px, Chromium, the real server): the review loop back to the officer,
follow-ups of records made on another phone, `Tugas hari ini`, and a kiosk a citizen cannot leave.

The record sent back is sent back by the camat on the admin page (`Alasan`, `Kembalikan`); the
rejection is made through the same use case directly (tests/e2e/live.py `decide`).
"""
from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import login, staff_menu, wait_for_service_worker
from tests.e2e.live import PASSWORD, LiveServer, decide, new_area
from tests.e2e.test_field_app import _data, expect_sent, fill_inspection
from tests.e2e.test_pwa_platform import _axe_violations


def _hex(value) -> str:
    return str(value).replace("-", "").lower()


def _inspection_id(live_server: LiveServer, rw_id: int, kriminal: int):
    rows = [r for r in live_server.submissions("inspeksi-rw")
            if r.rw_id == rw_id and _data(r)["kejadian_kriminal"] == kriminal]
    assert len(rows) == 1
    return rows[0].id


def _send_back_as_camat(browser, live_server: LiveServer, username: str, submission_id, reason: str) -> None:
    """The camat, at a 1366 px desk, opens the record's admin page and sends it back (`Kembalikan`)
    with an `Alasan`."""
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="id-ID",
                               timezone_id="Asia/Jakarta")
    try:
        admin = desk.new_page()
        admin.goto("/admin/login")
        admin.get_by_label("Nama pengguna").fill(username)
        admin.get_by_label("Kata sandi").fill(PASSWORD)
        admin.get_by_role("button", name="Masuk").click()
        admin.goto(f"/admin/pengajuan/{uuid.UUID(str(submission_id))}")
        admin.get_by_label("Alasan").fill(reason)
        admin.get_by_role("button", name="Kembalikan").click()
        expect(admin.get_by_text("Tersimpan.")).to_be_visible()
    finally:
        desk.close()


def test_returned_record_is_corrected_offline_and_reaches_the_server(browser, context_for_audit: BrowserContext,
                                                                     live_server: LiveServer):
    """The camat sends an inspection back with a reason (admin page, `Kembalikan`) → the officer
    syncs and sees it under
    `Perlu perbaikan` with the `Alasan` → opens it (prefilled as a correction) offline, changes a
    value, `Kirim` → back online the correction reaches the server with `supersedes`. The new
    screens have no axe-core WCAG A/AA violation."""
    context = context_for_audit
    page = context.new_page()
    kel = new_area(live_server, "Sukajadi", "32.73.11", {"petugas_sj": "officer", "camat_sj": "kecamatan_admin"})[1]
    rw = kel["rw"][2]
    login(page, "petugas_sj")
    wait_for_service_worker(page)
    fill_inspection(page, kel["nama"], rw=rw["nomor"], kriminal="11")
    page.get_by_role("button", name="Kirim", exact=True).click()
    # The confirmation is where the officer lands, and turns into "Terkirim" on the server's ack.
    expect(page.get_by_text(re.compile(r"^Terkirim: Inspeksi RW · RW 03"))).to_be_visible()
    expect_sent(page, 1)
    returned_id = _inspection_id(live_server, rw["id"], 11)
    _send_back_as_camat(browser, live_server, "camat_sj", returned_id, "Jumlah kejadian kriminal belum sesuai laporan Babinsa")

    page.get_by_role("button", name="Sinkronkan").click()
    region = page.get_by_role("region", name="Perlu perbaikan")
    entry = region.get_by_role("button", name=re.compile(rf"^Inspeksi RW · RW 03 {kel['nama']} · \d\d.\d\d.\d{{4}}"))
    expect(entry).to_be_visible()
    expect(region.get_by_text("Alasan: Jumlah kejadian kriminal belum sesuai laporan Babinsa")).to_be_visible()
    # The outbox item says what happened to it as well.
    page.get_by_role("region", name="Kotak keluar").get_by_text(re.compile(r"^Terkirim \(\d+\)$")).click()
    expect(page.get_by_role("region", name="Kotak keluar").get_by_text("Perlu perbaikan", exact=True)).to_be_visible()
    found = {"home with Perlu perbaikan": _axe_violations(page)}

    context.set_offline(True)
    entry.click()
    expect(page.get_by_text(re.compile(r"^Koreksi atas data"))).to_be_visible()
    expect(page.get_by_text("Alasan: Jumlah kejadian kriminal belum sesuai laporan Babinsa")).to_be_visible()
    expect(page.get_by_label("Kelurahan")).to_have_value(str(kel["id"]))
    expect(page.get_by_label("RW", exact=True)).to_have_value(str(rw["id"]))
    expect(page.get_by_label("Ada kebun TOGA (tanaman obat keluarga)")).to_be_checked()
    kriminal = page.get_by_label("Jumlah kejadian kriminal")
    expect(kriminal).to_have_value("11")
    kriminal.fill("12")
    found["correction form"] = _axe_violations(page)
    page.get_by_role("button", name="Kirim", exact=True).click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Belum terkirim: 1")
    expect(page.get_by_role("heading", name="Perlu perbaikan")).to_have_count(0)

    context.set_offline(False)
    page.get_by_role("button", name="Sinkronkan").click()
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = [r for r in live_server.submissions("inspeksi-rw") if r.rw_id == rw["id"] and r.supersedes is not None]
    assert len(rows) == 1
    assert _hex(rows[0].supersedes) == _hex(returned_id)
    assert _data(rows[0])["kejadian_kriminal"] == 12
    assert {screen: v for screen, v in found.items() if v} == {}, json.dumps(found, indent=1)


def test_rejected_record_shows_its_reason_and_the_rw_is_due_again(context_for_audit: BrowserContext,
                                                                   live_server: LiveServer):
    """`Ditolak` with its reason; the visit plan treats a rejected inspection as not done; the new
    screens have no axe-core WCAG A/AA violation."""
    page = context_for_audit.new_page()
    kel = new_area(live_server, "Cidadap", "32.73.12", {"petugas_cd": "officer"})[0]
    rw = kel["rw"][2]
    login(page, "petugas_cd")
    fill_inspection(page, kel["nama"], rw=rw["nomor"], kriminal="13")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 1)
    today = page.get_by_role("region", name="Tugas hari ini")
    due = today.get_by_role("link", name=f"Inspeksi RW · RW 03 {kel['nama']}", exact=True)
    expect(due).to_have_count(0)
    decide(live_server, _inspection_id(live_server, rw["id"], 13), "reject", "Data ganda")
    page.get_by_role("button", name="Sinkronkan").click()
    rejected = page.get_by_role("region", name="Ditolak")
    expect(rejected.get_by_text("Alasan: Data ganda")).to_be_visible()
    expect(rejected.get_by_text(re.compile(rf"^Inspeksi RW · RW 03 {kel['nama']}"))).to_be_visible()
    expect(due).to_be_visible()
    found = {"home with Ditolak and Tugas hari ini": _axe_violations(page)}
    due.click()
    expect(page.get_by_label("RW", exact=True)).to_have_value(str(rw["id"]))
    found["form with Ya/Tidak, dates, camera"] = _axe_violations(page)
    assert {screen: v for screen, v in found.items() if v} == {}, json.dumps(found, indent=1)


def test_follow_up_of_a_complaint_recorded_on_another_phone(browser, live_server: LiveServer, context: BrowserContext,
                                                            page: Page):
    """petugas2 records a complaint on their phone; petugas, on another phone, finds it under
    `Tugas hari ini` (from the server's open items, cached: it works offline), one tap opens
    `Tindak Lanjut Pengaduan` with the complaint already chosen, and the follow-up refers to it."""
    kel = new_area(live_server, "Andir", "32.73.13", {"petugas_an": "officer", "petugas_an2": "officer"})[1]
    other = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True,
                                has_touch=True, locale="id-ID", timezone_id="Asia/Jakarta")
    try:
        phone2 = other.new_page()
        login(phone2, "petugas_an2")
        phone2.get_by_role("link", name="Pengaduan", exact=True).click()
        phone2.get_by_label("Kelurahan").select_option(label=kel["nama"])
        phone2.get_by_label("Tanggal diterima").fill("03/11/2026")
        phone2.get_by_label("Saluran pengaduan").select_option("telepon")
        phone2.get_by_label("Kategori", exact=True).select_option("kebersihan")
        phone2.get_by_role("button", name="Kirim", exact=True).click()
        expect_sent(phone2, 1)
    finally:
        other.close()
    (complaint,) = [r for r in live_server.submissions("pengaduan") if r.kelurahan_id == kel["id"]]

    login(page, "petugas_an")
    wait_for_service_worker(page)
    today = page.get_by_role("region", name="Tugas hari ini")
    row = today.get_by_role("link", name=f"Tindak Lanjut Pengaduan · {kel['nama']} · 03/11/2026 · kebersihan")
    expect(row).to_be_visible()
    context.set_offline(True)
    page.reload()
    row.click()
    expect(page.get_by_label("Rujukan")).to_have_value(re.compile(_hex(complaint.id)[:8]))
    page.get_by_label("Tanggal tindak lanjut").fill("04/11/2026")
    page.get_by_label("Tindakan yang dilakukan").fill("Sampah diangkut DLH")
    page.get_by_role("button", name="Kirim", exact=True).click()
    context.set_offline(False)
    page.get_by_role("button", name="Sinkronkan").click()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
    rows = live_server.sql("SELECT ref, data, user_id FROM submissions WHERE form_code = 'tindak-lanjut'")
    (follow_up,) = [r for r in rows if _data(r).get("tindakan") == "Sampah diangkut DLH"]
    assert _hex(follow_up.ref) == _hex(complaint.id)
    assert follow_up.user_id == live_server.users["petugas_an"]
    assert _data(follow_up)["tanggal"] == "2026-11-04"
    # Followed up: the row leaves the day's work.
    expect(row).to_have_count(0)


def test_today_rows_open_their_form_with_the_subject_chosen(page: Page, live_server: LiveServer):
    kelurahan = new_area(live_server, "Bojongloa", "32.73.14", {"petugas_bl": "officer"})
    login(page, "petugas_bl")
    today = page.get_by_role("region", name="Tugas hari ini")
    expect(today.get_by_role("heading", name=re.compile(r"^RW perlu inspeksi triwulan ini \(\d+\)$"))).to_be_visible()
    link = today.get_by_role("link", name=re.compile(r"^Inspeksi RW · RW \d\d ")).first
    rw_id = re.search(r"rw=(\d+)", link.get_attribute("href")).group(1)
    kel = next(k for k in kelurahan if any(str(r["id"]) == rw_id for r in k["rw"]))
    link.click()
    expect(page.get_by_role("heading", name="Inspeksi RW")).to_be_visible()
    expect(page.get_by_label("Kelurahan")).to_have_value(str(kel["id"]))
    expect(page.get_by_label("RW", exact=True)).to_have_value(rw_id)
    page.get_by_role("link", name="Kembali ke beranda").click()
    # The last quarter's report, due `report_due_days` after its end, opens with kelurahan and period set.
    report = today.get_by_role("link", name=re.compile(r"^Laporan Kelurahan · ")).first
    expect(report).to_be_visible()
    periode = re.search(r"periode=(\d{4}-Q\d)", report.get_attribute("href")).group(1)
    report.click()
    expect(page.get_by_label("Kelurahan")).not_to_have_value("")
    expect(page.get_by_label("Periode (triwulan), mis. 2025-Q3")).to_have_value(periode)
    # The forms list says what each form is for and how many are where.
    page.get_by_role("link", name="Kembali ke beranda").click()
    expect(page.get_by_role("link", name="Inspeksi RW", exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Formulir").get_by_text(re.compile(r"0 draf · 0 belum terkirim · \d+ terkirim")).first).to_be_visible()


def test_a_citizen_cannot_leave_the_kiosk_survey(context_for_audit: BrowserContext, live_server: LiveServer):
    page = context_for_audit.new_page()
    login(page, "kiosk")
    for name in ("Keluar", "Sinkronkan", "English"):
        expect(page.get_by_role("button", name=name)).to_be_hidden()
    expect(page.get_by_role("link")).to_have_count(0)
    page.get_by_role("button", name="Mulai survei").click()
    expect(page.get_by_role("heading", name="Apakah persyaratan layanan sesuai dengan yang diumumkan?")).to_be_visible()
    expect(page.get_by_text("Kesesuaian persyaratan pelayanan dengan jenis pelayanannya")).to_be_visible()
    page.get_by_role("button", name="Sesuai", exact=True).click()
    expect(page.get_by_text("Pertanyaan 2 dari 9")).to_be_visible()
    # The browser's back button and a typed address stay in the survey.
    page.go_back()
    expect(page.get_by_text("Pertanyaan 2 dari 9")).to_be_visible()
    page.evaluate("location.hash = '#/form/inspeksi-rw'")
    expect(page.get_by_text("Pertanyaan 2 dari 9")).to_be_visible()
    expect(page.get_by_role("button", name="Keluar")).to_be_hidden()
    # Going back shows the answer given.
    page.get_by_role("button", name="Sebelumnya").click()
    expect(page.get_by_role("button", name="Sesuai", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Sangat sesuai", exact=True)).to_have_attribute("aria-pressed", "false")
    found = {"kiosk question going back": _axe_violations(page)}
    # A short tap on the mark does nothing; the staff's long press opens their controls.
    page.locator("[data-long-press=staff]").click()
    expect(page.get_by_role("button", name="Keluar")).to_be_hidden()
    staff_menu(page)
    found["kiosk staff menu"] = _axe_violations(page)
    assert {screen: v for screen, v in found.items() if v} == {}, json.dumps(found, indent=1)
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_label("Nama pengguna")).to_be_visible()

"""The generic renderer: every field type of a newly published form, filled in Chromium and
stored by the real server as typed values (decimals written the Indonesian way, show_if, not_before)."""
from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login
from tests.e2e.live import LiveServer, publish_form

EVERY_TYPE = {
    "code": "uji-jenis", "version": 1, "title": "Uji Jenis Isian", "title_en": "Field type check",
    "subject": "kelurahan", "roles": ["officer"],
    "fields": [
        {"key": "luas", "type": "decimal", "label": "Luas lahan (ha)", "required": True, "min": 0, "max": 100,
         "hint": "Dalam hektare; boleh desimal, mis. 2,5"},
        {"key": "fasilitas", "type": "select_multiple", "label": "Fasilitas", "required": True,
         "choices": [{"value": "posyandu", "label": "Posyandu"}, {"value": "pos_ronda", "label": "Pos ronda"},
                     {"value": "taman", "label": "Taman"}]},
        {"key": "kepuasan", "type": "likert", "label": "Kepuasan warga", "required": True, "min": 1, "max": 4,
         "choices": [{"value": 1, "label": "Tidak puas"}, {"value": 2, "label": "Kurang puas"},
                     {"value": 3, "label": "Puas"}, {"value": 4, "label": "Sangat puas"}]},
        {"key": "tanggal", "type": "date", "label": "Tanggal kunjungan", "required": True},
        {"key": "mulai", "type": "datetime", "label": "Waktu mulai", "required": True},
        {"key": "selesai", "type": "datetime", "label": "Waktu selesai", "required": False, "not_before": "mulai"},
        {"key": "ada_masalah", "type": "boolean", "label": "Ada masalah", "required": True},
        {"key": "masalah", "type": "text", "label": "Uraian masalah", "required": True, "max": 500,
         "show_if": {"field": "ada_masalah", "equals": True}},
    ],
}


def test_every_field_type_round_trips(page: Page, live_server: LiveServer):
    publish_form(live_server, EVERY_TYPE)
    kel = live_server.kelurahan[0]
    login(page)
    page.get_by_role("link", name="Uji Jenis Isian", exact=True).click()
    page.get_by_label("Kelurahan").select_option(label=kel["nama"])
    # Help text from the definition sits under the field and is read with it.
    expect(page.get_by_text("Dalam hektare; boleh desimal, mis. 2,5")).to_be_visible()
    expect(page.get_by_label("Luas lahan (ha)")).to_have_accessible_description(re.compile("Dalam hektare"))
    page.get_by_label("Luas lahan (ha)").fill("2,5")
    fasilitas = page.get_by_role("group", name="Fasilitas")
    fasilitas.get_by_label("Posyandu").check()
    fasilitas.get_by_label("Taman").check()
    page.get_by_role("group", name="Kepuasan warga").get_by_label("3 — Puas").check()
    # Dates are typed and shown day-first whatever the browser's locale (ISO typed by a script works too).
    tanggal = page.get_by_label("Tanggal kunjungan")
    tanggal.fill("24/11/2026")
    tanggal.press("Tab")
    expect(tanggal).to_have_value("24/11/2026")
    tanggal.fill("31/02/2026")
    expect(page.get_by_text("Tulis tanggal sebagai hh/bb/tttt, misalnya 23/11/2026.")).to_be_visible()
    tanggal.fill("2026-11-24")
    tanggal.press("Tab")
    expect(tanggal).to_have_value("24/11/2026")
    # "Sekarang" fills a date-time with the device's clock, day-first.
    page.get_by_role("button", name="Sekarang").first.click()
    expect(page.get_by_label("Waktu mulai")).to_have_value(re.compile(r"^\d\d/\d\d/\d{4} \d\d\.\d\d$"))
    page.get_by_label("Waktu mulai").fill("2026-11-24T08:30")
    page.get_by_label("Waktu selesai").fill("2026-11-24T08:00")
    expect(page.get_by_text("Tidak boleh sebelum Waktu mulai.")).to_be_visible()
    page.get_by_label("Waktu selesai").fill("2026-11-24T10:00")
    masalah = page.get_by_label("Uraian masalah")
    expect(masalah).to_be_hidden()
    # Yes/no: two buttons, unanswered until one is pressed (a required one must be answered).
    ada = page.get_by_role("radiogroup", name="Ada masalah")
    expect(ada.get_by_text("Belum dijawab")).to_be_visible()
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(ada.get_by_text("Wajib diisi.")).to_be_visible()
    ada.get_by_role("radio", name="Tidak").click()
    expect(ada.get_by_role("radio", name="Tidak")).to_be_checked()
    page.get_by_label("Ada masalah").check()  # the question's label answers "Ya"
    expect(ada.get_by_role("radio", name="Tidak")).not_to_be_checked()
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Wajib diisi.")).to_be_visible()
    masalah.fill("Saluran air tersumbat")
    page.get_by_role("button", name="Kirim", exact=True).click()
    outbox = page.get_by_role("region", name="Kotak keluar")
    outbox.get_by_text(re.compile(r"^Terkirim \(\d+\)$")).click()
    expect(outbox.get_by_role("button", name=re.compile(r"^Koreksi Uji Jenis Isian"))).to_be_visible()
    (row,) = live_server.sql("SELECT data, kelurahan_id FROM submissions WHERE form_code = 'uji-jenis'")
    data = row.data if isinstance(row.data, dict) else json.loads(row.data)
    assert row.kelurahan_id == kel["id"]
    assert data == {"luas": 2.5, "fasilitas": ["posyandu", "taman"], "kepuasan": 3, "tanggal": "2026-11-24",
                    "mulai": "2026-11-24T08:30:00+07:00", "selesai": "2026-11-24T10:00:00+07:00",
                    "ada_masalah": True, "masalah": "Saluran air tersumbat"}

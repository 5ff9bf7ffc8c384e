"""An XLSForm imported with `flask import-form` is filled in the PWA offline: groups, hints, relevant,
constraints with their messages, defaults, calculate, time/note/acknowledge — and stored by the server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import login, wait_for_service_worker
from tests.e2e.live import LiveServer
from tests.xlsform.helpers import posyandu

ROOT = Path(__file__).resolve().parents[2]


def import_form(live_server: LiveServer, path: Path) -> str:
    env = {**os.environ, "DATABASE_URL": live_server.database_url}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "import-form", str(path)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_imported_form_filled_offline_and_synced(context: BrowserContext, page: Page, live_server: LiveServer, tmp_path):
    out = import_form(live_server, posyandu(tmp_path / "posyandu.xlsx", version="7"))
    assert "posyandu" in out and "7" in out
    kel = live_server.kelurahan[0]
    login(page)
    wait_for_service_worker(page)
    context.set_offline(True)
    expect(page.get_by_role("status")).to_contain_text("Luring (offline)")
    page.get_by_role("link", name="Kunjungan Posyandu", exact=True).click()
    expect(page.get_by_role("heading", name="Data balita")).to_be_visible()  # the group as a section
    expect(page.get_by_text("nama lengkap")).to_be_visible()  # hint
    expect(page.get_by_text("Periksa KMS")).to_be_visible()  # note
    expect(page.get_by_label("Kunjungan ke")).to_have_value("1")  # default
    page.get_by_label("Kelurahan").select_option(label=kel["nama"])
    page.get_by_label("Nama anak").fill("Ani")
    page.get_by_label("Umur (bulan)").fill("70")
    expect(page.get_by_text("Umur 0–60 bulan")).to_be_visible()  # constraint_message
    page.get_by_label("Umur (bulan)").fill("1")
    imunisasi = page.get_by_role("group", name="Imunisasi")
    expect(imunisasi).to_be_hidden()  # relevant: umur_bulan > 2
    page.get_by_label("Umur (bulan)").fill("12")
    expect(imunisasi).to_be_visible()
    imunisasi.get_by_label("BCG").check()
    page.get_by_label("Berat (kg)").fill("8,5")
    page.get_by_label("Jenis kelamin").select_option(label="Perempuan")
    rujukan = page.get_by_label("Dirujuk ke")
    expect(rujukan).to_be_hidden()
    page.get_by_label("Gizi buruk?").select_option(label="Ya")
    expect(rujukan).to_be_visible()  # relevant: selected(${gizi_buruk}, 'ya')
    page.get_by_label("Tanggal", exact=True).fill("2026-11-24")
    page.get_by_label("Jam buka").fill("08:15")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Wajib diisi.").first).to_be_visible()  # rujukan and the acknowledgement
    rujukan.fill("Puskesmas Dago")
    page.get_by_label("Orang tua setuju").check()
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 1")
    context.set_offline(False)
    page.get_by_role("button", name="Sinkronkan").click()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
    # The live server is shared: the Enketo test may have stored a posyandu record of its own (version 7 too).
    (row,) = [r for r in live_server.sql("SELECT data, kelurahan_id, form_version FROM submissions "
                                         "WHERE form_code = 'posyandu'")
              if (r.data if isinstance(r.data, dict) else json.loads(r.data)).get("rujukan") == "Puskesmas Dago"]
    data = row.data if isinstance(row.data, dict) else json.loads(row.data)
    # The phone fills the newest published version (7 here, or 9 when the Enketo test imported it first).
    ((newest,),) = live_server.sql("SELECT max(version) FROM form_definitions WHERE code = 'posyandu'")
    assert row.kelurahan_id == kel["id"] and row.form_version == newest >= 7
    assert data["umur_bulan"] == 12 and data["berat"] == 8.5 and data["imunisasi"] == ["bcg"]
    assert data["berat_gram"] == 8500 and data["kunjungan"] == 1 and data["jam_buka"] == "08:15"
    assert data["setuju"] is True and data["rujukan"] == "Puskesmas Dago" and "catatan_petugas" not in data

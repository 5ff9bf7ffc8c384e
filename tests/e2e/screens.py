"""Screenshots of the field app's screens at 360 px (phone) and 1366 px (desktop) for docs/pwa.md.

    .venv/bin/python -m tests.e2e.screens      # needs pwa/dist; writes docs/screenshots/pwa-*.png

A fresh server (tests/e2e/live.py), one area with an officer whose records were reviewed (one sent
back, one rejected) and a colleague's open complaint, then each screen in Chromium.
"""
from __future__ import annotations

import json
import tempfile
import urllib.request
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from tests.e2e.live import PASSWORD, REPO, LiveServer, decide, new_area, run_live_server

OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
SIZES = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 768}}


def _post(server: LiveServer, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{server.url}/api/v1{path}", json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _send(server: LiveServer, username: str, items: list[dict]) -> None:
    token = _post(server, "/auth/token", {"username": username, "password": PASSWORD, "device": "screens"})["token"]
    results = _post(server, "/submissions", {"submissions": items}, token)["results"]
    assert all(r["status"] == "created" for r in results), results


def _inspection(rw_id: int, kriminal: int) -> dict:
    data = {"kebun_toga": True, "pengelolaan_sampah": "cukup", "status_kumuh": "tidak_kumuh", "lembaga_aktif": False,
            "kejadian_kriminal": kriminal, "konflik_sosial": 0}
    return {"id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw_id},
            "observed_at": "2026-11-27T09:30:00+07:00", "data": data}


def seed(server: LiveServer) -> list[dict]:
    kelurahan = new_area(server, "Cicendo", "32.73.21", {"petugas_cc": "officer", "petugas_cc2": "officer"})
    returned, rejected = _inspection(kelurahan[0]["rw"][0]["id"], 3), _inspection(kelurahan[0]["rw"][1]["id"], 1)
    _send(server, "petugas_cc", [returned, rejected])
    decide(server, returned["id"], "return", "Foto tidak ada; mohon lampirkan foto kebun TOGA")
    decide(server, rejected["id"], "reject", "Data ganda: RW ini sudah diinspeksi minggu lalu")
    complaint = {"id": str(uuid.uuid4()), "form": "pengaduan", "form_version": 1,
                 "subject": {"kelurahan_id": kelurahan[1]["id"]}, "observed_at": "2026-11-26T10:00:00+07:00",
                 "data": {"tanggal_terima": "2026-11-26", "saluran": "kotak", "kategori": "kebersihan",
                          "uraian": "Sampah menumpuk di depan pasar"}}
    _send(server, "petugas_cc2", [complaint])
    return kelurahan


def _login(page: Page, username: str) -> None:
    page.goto("/app/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")


def shoot(page: Page, name: str, width: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / f"pwa-{name}-{width}.png"), full_page=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, run_live_server(Path(tmp)) as server, sync_playwright() as pw:
        seed(server)
        browser = pw.chromium.launch(executable_path=CHROMIUM)
        for width, viewport in SIZES.items():
            phone = width == "360"
            context = browser.new_context(base_url=server.url, viewport=viewport, is_mobile=phone, has_touch=phone,
                                          locale="id-ID", timezone_id="Asia/Jakarta")
            page = context.new_page()
            _login(page, "petugas_cc")
            expect(page.get_by_role("heading", name="Perlu perbaikan")).to_be_visible()
            shoot(page, "home", width)
            page.get_by_role("region", name="Perlu perbaikan").get_by_role("button").first.click()
            expect(page.get_by_text("Alasan: Foto tidak ada")).to_be_visible()
            shoot(page, "correction", width)
            page.get_by_role("link", name="Kembali ke beranda").click()
            page.get_by_role("link", name="Inspeksi RW", exact=True).click()
            page.get_by_role("radio", name="Tidak", exact=True).first.click()
            shoot(page, "form-inputs", width)
            page.get_by_role("link", name="Kembali ke beranda").click()
            page.get_by_role("region", name="Tugas hari ini").get_by_role("link", name="Tindak Lanjut Pengaduan", exact=False).first.click()
            expect(page.get_by_label("Rujukan")).not_to_have_value("")
            shoot(page, "follow-up", width)
            page.get_by_role("link", name="Kembali ke beranda").click()
            page.get_by_role("link", name="Register Layanan", exact=True).click()
            page.get_by_role("button", name="Sekarang").first.click()
            shoot(page, "dates", width)
            context.close()

            context = browser.new_context(base_url=server.url, viewport=viewport, is_mobile=phone, has_touch=phone,
                                          locale="id-ID", timezone_id="Asia/Jakarta")
            page = context.new_page()
            _login(page, "kiosk")
            page.get_by_role("button", name="Mulai survei").click()
            page.get_by_role("button", name="Sesuai", exact=True).click()
            page.get_by_role("button", name="Sebelumnya").click()
            shoot(page, "kiosk-question", width)
            box = page.locator("[data-long-press=staff]").bounding_box()
            page.mouse.move(box["x"] + 5, box["y"] + 5)
            page.mouse.down()
            page.wait_for_timeout(2000)
            page.mouse.up()
            expect(page.get_by_role("group", name="Menu petugas")).to_be_visible()
            shoot(page, "kiosk-staff", width)
            context.close()
        browser.close()
    print("\n".join(sorted(str(p.relative_to(REPO)) for p in OUT.glob("pwa-*.png"))))


if __name__ == "__main__":
    main()

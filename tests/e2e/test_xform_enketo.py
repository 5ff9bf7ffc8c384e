"""Interoperability with code nobody here wrote: Enketo.

In Chromium, enketo-transformer (its web build, from pwa/node_modules) transforms every XForm SIKK
serves without error, and an enketo-core page renders one, is filled like a person would, and
submits the instance to SIKK's OpenRosa endpoint, which stores it.
"""
from __future__ import annotations

import json
import mimetypes
import os
import subprocess
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, Route

from tests.e2e.live import PASSWORD, LiveServer
from tests.e2e.test_xform_pwa import import_form
from tests.xlsform.helpers import posyandu

ROOT = Path(__file__).resolve().parents[2]
FORMS = ["inspeksi-rw", "laporan-kelurahan", "skm", "pengaduan", "tindak-lanjut", "layanan", "layanan-selesai"]


@pytest.fixture(scope="session")
def enketo_page_dir(tmp_path_factory) -> Path:
    """The enketo-core + enketo-transformer page, built by Vite from tests/enketo/page."""
    out = tmp_path_factory.mktemp("enketo")
    done = subprocess.run(["npx", "vite", "build", "--config", "../tests/enketo/vite.config.mjs"], cwd=ROOT / "pwa",
                          env={**os.environ, "ENKETO_OUT": str(out)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    return out


def _token(live_server: LiveServer) -> str:
    resp = requests.post(f"{live_server.url}/api/v1/auth/token",
                         json={"username": "petugas", "password": PASSWORD, "device": "enketo"}, timeout=30)
    assert resp.status_code == 201, resp.text
    return resp.json()["token"]


def _open_enketo(page: Page, live_server: LiveServer, directory: Path) -> None:
    """Serve the built page under the live server's origin (so its fetch to /openrosa/ is same-origin)."""
    def serve(route: Route) -> None:
        name = route.request.url.split("/enketo/", 1)[1].split("?", 1)[0] or "index.html"
        path = directory / name
        if not path.is_file():
            route.fulfill(status=404)
            return
        route.fulfill(status=200, body=path.read_bytes(),
                      content_type=mimetypes.guess_type(name)[0] or "application/javascript")

    page.route(f"{live_server.url}/enketo/**", serve)
    page.goto(f"{live_server.url}/enketo/index.html")
    page.wait_for_function("window.enketoReady === true")


def test_enketo_transforms_every_xform_and_submits_one(page: Page, live_server: LiveServer, enketo_page_dir, tmp_path):
    import_form(live_server, posyandu(tmp_path / "posyandu.xlsx", version="9"))
    token = _token(live_server)
    base = f"{live_server.url}/openrosa/key/{token}"
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    _open_enketo(page, live_server, enketo_page_dir)
    for code in [*FORMS, "posyandu"]:
        xform = requests.get(f"{base}/forms/{code}.xml", timeout=30)
        assert xform.status_code == 200, code
        load_errors = page.evaluate("(x) => window.enketoLoad(x)", xform.text)
        assert load_errors == [], (code, load_errors)
    assert errors == []

    # Fill the imported form in enketo-core's own rendering, as a person would, and submit it (a form
    # no other browser test counts, so the shared live server stays as they expect it).
    kel = live_server.kelurahan[0]
    page.evaluate("(x) => window.enketoLoad(x)", requests.get(f"{base}/forms/posyandu.xml", timeout=30).text)
    form = page.locator("#form form.or")
    form.locator('input[name="/posyandu/kelurahan_id"][value="%d"]' % kel["id"]).check()
    form.locator('input[name="/posyandu/balita/nama_anak"]').fill("Ani")
    form.locator('input[name="/posyandu/balita/umur_bulan"]').fill("12")
    form.locator('input[name="/posyandu/balita/berat"]').fill("8.5")
    form.locator('input[name="/posyandu/balita/jenis_kelamin"][value="P"]').check()
    form.locator('input[name="/posyandu/imunisasi"][value="bcg"]').check()
    form.locator('input[name="/posyandu/gizi_buruk"][value="tidak"]').check()
    form.locator('input[name="/posyandu/tanggal"]').fill("2026-11-24")
    form.locator('input[name="/posyandu/setuju"]').check()
    form.locator('input[name="/posyandu/tanggal"]').press("Tab")
    result = page.evaluate("(u) => window.enketoSubmit(u)", f"{base}/submission")
    assert result["status"] == 201, result
    instance_id = result["xml"].split("<instanceID>uuid:", 1)[1].split("<", 1)[0]
    rows = [r for r in live_server.submissions("posyandu") if str(r.id).replace("-", "") == instance_id.replace("-", "")]
    assert len(rows) == 1, instance_id
    row = rows[0]
    data = row.data if isinstance(row.data, dict) else json.loads(row.data)
    assert row.kelurahan_id == kel["id"]
    assert data["nama_anak"] == "Ani" and data["umur_bulan"] == 12 and data["berat"] == 8.5
    assert data["imunisasi"] == ["bcg"] and data["setuju"] is True and data["berat_gram"] == 8500
    again = page.evaluate("(u) => window.enketoSubmit(u)", f"{base}/submission")
    assert again["status"] == 201  # an identical re-send is accepted as already stored
    assert errors == []

"""The admin view in real headless Chromium against a live gunicorn: log in as the camat, pick the
held-back year, read IKU1–IKU6, download `Unduh Excel`, check the 360 px layout; a lurah sees only
their kelurahan. Debian's Chromium (/usr/bin/chromium, or SIKK_CHROMIUM); no browser is downloaded."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from tests.admin.live_admin import FIGURES, LURAH_SCALE, OTHER_SCALE, PASSWORD, YEAR, LiveAdmin, run_admin_server

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def id_number(value: float) -> str:
    """Indonesian two-decimal writing, as the page shows it."""
    return f"{value:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[LiveAdmin]:
    with run_admin_server(tmp_path_factory.mktemp("admin-live")) as server:
        yield server


def _login(page: Page, live: LiveAdmin, username: str) -> None:
    page.goto(f"{live.url}/admin/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{live.url}/admin/")


def _table_rows(page: Page) -> dict[str, dict[str, str]]:
    """The table's rows by their first cell (the code), with the realisasi/target/capaian cells' text."""
    rows = {}
    for row in page.locator("#iku-table tbody tr").all():
        first = row.locator("th, td").first.inner_text().strip()
        rows[first] = {name: row.locator(f"td.{name}").inner_text().strip()
                       for name in ("realisasi", "target", "capaian")}
    return rows


def test_camat_reads_the_year_and_downloads_excel(live, browser, tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, live, "camat")
    with page.expect_navigation():
        page.get_by_label("Periode").select_option(YEAR)
    assert page.get_by_label("Periode").input_value() == YEAR
    rows = _table_rows(page)
    assert list(rows) == ["IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"]
    for code, (value, target) in FIGURES.items():
        realisasi, target_cell, capaian = rows[code]["realisasi"], rows[code]["target"], rows[code]["capaian"]
        assert realisasi.startswith(id_number(value)), (code, realisasi)
        assert target_cell == id_number(target)
        assert capaian.startswith(id_number(value / target * 100))
    assert "42,86" in rows["IKU2"]["realisasi"]
    assert "dihitung 5 menit lalu" in page.locator(".fresh").inner_text()
    # Missed targets are highlighted (IKU2 and IKU4 here).
    missed = {r.get_attribute("data-code") for r in page.locator("#iku-table tr.missed").all()}
    assert missed == {"IKU2", "IKU4"}
    page.screenshot(path=str(SCREENSHOTS / "dashboard-1280.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh Excel").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".xlsx"
    ws = load_workbook(path).active
    found = {ws.cell(r, 2).value: ws.cell(r, 10).value for r in range(1, ws.max_row + 1)
             if str(ws.cell(r, 2).value).startswith("IKU")}
    assert list(found) == list(FIGURES)
    for code, (value, _target) in FIGURES.items():
        assert isinstance(found[code], (int, float)) and abs(found[code] - value) < 1e-6
    assert not errors, errors  # no CSP violations or script errors
    context.close()


def test_dashboard_fits_a_360px_screen(live, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    _login(page, live, "camat")
    page.goto(f"{live.url}/admin/?period={YEAR}")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-360.png"), full_page=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, width
    # The figures are on screen: the long text columns give way on a phone.
    for code in ("IKU1", "IKU6"):
        cell = page.locator(f"#iku-table tr[data-code={code}] td.capaian")
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360 + 1, box
    # Touch targets: the download link and the period select are at least 44 px tall.
    for locator in (page.get_by_role("link", name="Unduh Excel"), page.get_by_label("Periode"),
                    page.get_by_role("link", name="IKU1")):
        box = locator.bounding_box()
        assert box["height"] >= 44, box
    context.close()


def test_lurah_sees_only_their_kelurahan(live, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live, "lurah")
    page.goto(f"{live.url}/admin/?period={YEAR}")
    own_id, own_nama = live.kelurahan[0]
    _other_id, other_nama = live.kelurahan[1]
    body = page.locator("body").inner_text()
    assert own_nama in body and other_nama not in body
    rows = _table_rows(page)
    assert rows["IKU2"]["realisasi"].startswith(id_number(FIGURES["IKU2"][0] * LURAH_SCALE))
    assert id_number(FIGURES["IKU2"][0]) not in body
    assert id_number(FIGURES["IKU2"][0] * OTHER_SCALE) not in body
    context.close()


NARROW_PAGES = ("/admin/?period={y}", "/admin/iku/IKU1?period={y}", "/admin/iku/IKU5?period={y}",
                "/admin/iku/IKU6?period={y}", "/admin/pengajuan?period={y}", "/admin/peta?period={y}",
                "/admin/audit", "/admin/laporan?period={y}", "/admin/kelola", "/admin/kelola/pengguna/baru",
                "/admin/kelola/layanan", "/admin/kelola/aturan", "/admin/kelola/target")


def test_every_page_fits_360px(live, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    _login(page, live, "camat")
    too_wide = {}
    for path in NARROW_PAGES:
        page.goto(live.url + path.format(y=YEAR))
        width = page.evaluate("document.scrollingElement.scrollWidth")
        if width > 360:
            too_wide[path] = width
    page.goto(f"{live.url}/admin/iku/IKU5?period={YEAR}")
    page.screenshot(path=str(SCREENSHOTS / "iku5-360.png"), full_page=True)
    # A record page, reached by following a link from the drill-down.
    page.locator("table.records a", has_text="Lihat").first.click()
    page.wait_for_load_state()
    assert "Inspeksi RW" in page.locator("h1").inner_text()  # the form title, not its code
    if page.evaluate("document.scrollingElement.scrollWidth") > 360:
        too_wide["record page"] = page.evaluate("document.scrollingElement.scrollWidth")
    page.screenshot(path=str(SCREENSHOTS / "record-360.png"), full_page=True)
    assert not too_wide, too_wide
    context.close()


def test_drilldown_matrix_and_map_in_the_browser(live, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live, "camat")
    with page.expect_navigation():
        page.get_by_label("Periode").select_option(YEAR)
    page.locator("#iku-table tr[data-code=IKU5] th a").click()
    page.wait_for_url("**/admin/iku/IKU5**")
    matrix = page.locator("#criteria")
    assert matrix.locator("tbody tr").count() == 2
    assert "Laporan keuangan terlambat 3 hari" in matrix.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "iku5-1280.png"), full_page=True)
    page.goto(f"{live.url}/admin/peta?period={YEAR}")
    assert page.locator("svg.map circle").count() == 6
    page.screenshot(path=str(SCREENSHOTS / "map-1280.png"), full_page=True)
    context.close()

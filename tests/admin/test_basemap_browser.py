"""The map's base layer and Kelola → Wilayah in real Chromium at 1366×768 and 360 px: stored
kelurahan and RW centroids drawn (labelled) for a period without located inspections, a point of a
period with inspections opens its record, no WCAG A/AA violation (axe-core), no sideways scrolling.
Screenshots go to SIKK_SCREENSHOTS_DIR when it is set (docs/screenshots/ holds the committed ones)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.admin.live_admin import YEAR, LiveAdmin, run_admin_server
from tests.admin.test_review_browser import _login, visit_screens

EMPTY_YEAR = str(int(YEAR) + 1)  # the live server's inspections are all in YEAR


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[LiveAdmin]:
    workdir = tmp_path_factory.mktemp("basemap-live")
    with run_admin_server(workdir) as server:
        _place(f"sqlite:///{workdir / 'sikk.sqlite'}")
        yield server


def _place(database_url: str) -> None:
    """Stored centroids for the first kelurahan and its RW, a little apart from the inspections."""
    from server import create_app
    from server.extensions import db
    from server.models import RW, Kelurahan

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        kel = db.session.scalars(db.select(Kelurahan).order_by(Kelurahan.kode)).first()
        kel.lat, kel.lon = -6.8915, 107.6107
        for n, rw in enumerate(db.session.scalars(db.select(RW).where(RW.kelurahan_id == kel.id).order_by(RW.nomor))):
            rw.lat, rw.lon = -6.8900 - n * 0.0012, 107.6090 + n * 0.0014
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_base_layer_and_wilayah_pages_in_the_browser(live, browser):
    found = {}
    for width, height in ((1366, 768), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        _login(page, live.url)
        page.goto(f"{live.url}/admin/peta?period={EMPTY_YEAR}")
        svg = page.locator("svg.map")
        expect(svg).to_be_visible()
        # Kelurahan 1 from its stored centroids, kelurahan 2 derived from last year's inspections.
        expect(svg.locator("text", has_text="RW 02")).to_have_count(2)
        for _kel_id, nama in live.kelurahan:
            expect(svg.locator("text", has_text=nama)).to_be_visible()
        assert svg.locator("circle").count() == 0
        screens = {"map-base": None, "wilayah": "/admin/kelola/wilayah",
                   "wilayah-kelurahan": f"/admin/kelola/wilayah/{live.kelurahan[0][0]}"}
        visit_screens(page, live.url, screens, width, found)
        context.close()
    assert {name: v for name, v in found.items() if v} == {}


def test_kelurahan_applies_on_change_and_a_point_opens_its_record(live, browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, live.url)
    page.goto(f"{live.url}/admin/peta?period={YEAR}")
    # Picking a kelurahan applies at once (no button): the map narrows to it and is named after it.
    other_id, other = live.kelurahan[1]
    with page.expect_navigation():
        page.get_by_label("Kelurahan").select_option(str(other_id))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Kelurahan {other}")
    expect(page.locator("svg.map text", has_text=live.kelurahan[0][1])).to_have_count(0)
    assert page.get_by_role("button", name="Tampilkan").count() == 0
    point = page.locator("svg.map a").first
    name = point.get_attribute("aria-label")
    point.click()
    page.wait_for_url("**/admin/pengajuan/**")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split(" · ")[0])
    page.locator("#back-link").click()
    page.wait_for_url(f"**/admin/peta?period={YEAR}&kelurahan_id={other_id}")
    context.close()

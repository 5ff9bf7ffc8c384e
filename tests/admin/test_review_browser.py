"""The review loop and the admin's desk in real Chromium at 1366×768 (and 360 px): a camat sends a
record back with an Alasan via Kembalikan, the queue shows it, Berikutnya opens the next one; the
dashboard's six rows are all visible without scrolling; axe-core finds no WCAG A/AA violation on
the new screens. Screenshots of every new screen go to SIKK_SCREENSHOTS_DIR when it is set
(docs/screenshots/ holds the committed ones)."""
from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.admin.live_admin import PASSWORD, YEAR, LiveAdmin, run_admin_server

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("SIKK_SCREENSHOTS_DIR")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[LiveAdmin, list[str]]]:
    workdir = tmp_path_factory.mktemp("review-live")
    with run_admin_server(workdir) as server:
        yield server, _pending_records(f"sqlite:///{workdir / 'sikk.sqlite'}")


def _pending_records(database_url: str) -> list[str]:
    """Three records of an officer waiting for review (oldest received first), with their words."""
    from server import create_app
    from server.extensions import db
    from server.models import RW, DeviceToken, Kelurahan, Submission
    from tests.factories import make_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    ids = []
    with app.app_context():
        kel = db.session.scalars(db.select(Kelurahan).order_by(Kelurahan.kode)).first()
        from server.models import Kecamatan

        kecamatan = db.session.get(Kecamatan, kel.kecamatan_id)
        officer, _ = make_user("petugas", "officer", kecamatan, [kel], password=PASSWORD)
        token = DeviceToken(user_id=officer.id, token_hash=uuid.uuid4().hex * 2,
                            device="Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
                                   "Chrome/131.0.0.0 Mobile Safari/537.36")
        db.session.add(token)
        db.session.flush()
        rws = db.session.scalars(db.select(RW).where(RW.kelurahan_id == kel.id).order_by(RW.nomor)).all()
        now = dt.datetime.now(dt.timezone.utc)
        for n, rw in enumerate(rws):
            sid = uuid.uuid4()
            observed = dt.datetime(int(YEAR), 11, 20 + n, 2, 0, tzinfo=dt.timezone.utc)
            db.session.add(Submission(
                id=sid, form_code="inspeksi-rw", form_version=1, subject_type="rw", kecamatan_id=kel.kecamatan_id,
                kelurahan_id=kel.id, rw_id=rw.id, observed_at=observed, period_year=observed.year, period_quarter=4,
                received_at=now - dt.timedelta(minutes=10 - n), content_hash="1" * 64, user_id=officer.id,
                device_token_id=token.id, review_status="pending",
                data={"kebun_toga": n % 2 == 0, "pengelolaan_sampah": "cukup", "status_kumuh": "tidak_kumuh",
                      "lembaga_aktif": True, "kejadian_kriminal": n, "konflik_sosial": 0,
                      "lokasi": {"lat": -6.885 - n / 200, "lon": 107.612 + n / 300},
                      "catatan": "Saluran air tersumbat di gang 3"}))
            ids.append(str(sid))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


def _login(page: Page, url: str, username: str = "camat") -> None:
    page.goto(f"{url}/admin/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{url}/admin/")


def _axe(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
    }""")


def visit_screens(page: Page, base_url: str, screens: dict[str, str | None], width: int, found: dict) -> None:
    """Open each screen (None: stay on the current page), check it fits ``width``, screenshot it, and
    at 1366 px record axe-core's violations in ``found`` by screen name."""
    for name, path in screens.items():
        if path:
            page.goto(f"{base_url}{path}")
            page.wait_for_load_state("load")
        if width == 1366:
            found[name] = _axe(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, (name, width)
        _shot(page, f"{name}-{width}")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"admin-{name}.png"), full_page=True)


def test_camat_returns_a_record_and_moves_on(live, browser):
    server, ids = live
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _login(page, server.url)

    # The dashboard: one line of summary, and all six rows without scrolling.
    page.goto(f"{server.url}/admin/?period={YEAR}")
    expect(page.locator("#summary")).to_contain_text("dari 6 IKU mencapai target")
    assert page.evaluate("window.scrollY") == 0
    for code in ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"):
        row = page.locator(f"#iku-table tr[data-code={code}]")
        expect(row).to_be_in_viewport(ratio=1)
        box = row.bounding_box()
        assert box["y"] + box["height"] <= 768, (code, box)

    # The queue lists the waiting records, each a link to its page.
    page.get_by_role("link", name="Tinjauan", exact=True).click()
    expect(page).to_have_url(f"{server.url}/admin/tinjau/")
    links = page.locator("#queue tbody a")
    expect(links).to_have_count(3)
    links.first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inspeksi RW — RW 01")
    expect(page.get_by_text("Android · Chrome 131")).to_be_visible()

    # Kembalikan needs an Alasan: refused in the page until one is written.
    page.get_by_role("button", name="Kembalikan", exact=True).click()
    expect(page.locator("#reason-error")).to_be_visible()
    page.get_by_label("Alasan").fill("Foto tidak jelas, mohon ulangi dari depan gang")
    page.get_by_role("button", name="Kembalikan", exact=True).click()
    expect(page.locator(".review-status")).to_contain_text("perlu perbaikan — Foto tidak jelas")
    page.get_by_role("link", name="Berikutnya", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("RW 02")
    assert ids[1] in page.url

    # Keyboard: T accepts this one, N moves on.
    page.keyboard.press("t")
    expect(page.locator(".review-status")).to_contain_text("diterima")
    page.keyboard.press("n")
    expect(page.get_by_role("heading", level=1)).to_contain_text("RW 03")

    # The queue shows the returned record under its state, with the reason.
    page.goto(f"{server.url}/admin/tinjau/")
    page.get_by_label("Status").select_option("returned")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    expect(page.locator("#queue")).to_contain_text("Foto tidak jelas")
    assert errors == []
    context.close()


def test_new_screens_pass_axe_and_are_photographed(live, browser):
    server, ids = live
    found = {}
    for width, height in ((1366, 768), (360, 740)):
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        _login(page, server.url)
        screens = {
            "dashboard": f"/admin/?period={YEAR}",
            "queue": "/admin/tinjau/?status=all",
            "record": f"/admin/pengajuan/{ids[2]}?q=",
            "review-settings": "/admin/tinjau/pengaturan",
            "search": "/admin/cari?q=saluran",
            "iku6": f"/admin/iku/IKU6?period={YEAR}",
            "map": f"/admin/peta?period={YEAR}",
            "not-found": "/admin/pengajuan/00000000-0000-4000-8000-000000000000",
        }
        visit_screens(page, server.url, screens, width, found)
        context.close()
    assert {name: v for name, v in found.items() if v} == {}

"""Issue #11's admin's desk, the bullets that had no test of their own: a record's location is a
link (OpenStreetMap and the map page), filters apply on change (the button only without script),
a lurah refused a Kelola page gets a friendly 403 that leads back to their dashboard, and raw
XLSX exports carry field labels and Indonesian review states."""
from __future__ import annotations

import io
import re
import uuid

from openpyxl import load_workbook

from server.extensions import db
from tests.admin.helpers import login, submission

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_record_location_links_to_a_map_and_to_the_map_page(client, world, app):
    with app.app_context():
        rw = world.wilayah.rw[world.kel1.id][0]
        sid = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                         data={"lokasi": {"lat": -6.8915, "lon": 107.6107}}).id
        db.session.commit()
    login(client, "camat")
    html = client.get(f"/admin/pengajuan/{sid}").get_data(as_text=True)
    assert 'href="https://www.openstreetmap.org/?mlat=-6.8915&amp;mlon=107.6107' in html
    assert f'href="/admin/peta?period=2026&amp;kelurahan_id={world.kel1.id}"' in html


def test_filters_apply_on_change_and_the_button_is_only_for_no_script(client, world):
    login(client, "camat")
    for page in ("/admin/?period=2026", "/admin/peta?period=2026", "/admin/iku/IKU6?period=2026"):
        html = client.get(page).get_data(as_text=True)
        picker = html.split('class="picker"', 1)[1].split("</form>", 1)[0]
        assert re.search(r'<select id="kelurahan_id" name="kelurahan_id" class="autosubmit">', picker), page
        assert re.search(r'<select id="period" name="period" class="autosubmit">', picker), page
        assert re.fullmatch(r"(?s).*<noscript><button[^>]*>Tampilkan</button></noscript>\s*", picker), page
    script = client.get("/admin/static/admin.js").get_data(as_text=True)
    assert '.autosubmit' in script and "form.submit()" in script


def test_a_lurah_refused_a_kelola_page_is_led_back_to_the_dashboard(client, world):
    login(client, "lurah")
    resp = client.get("/admin/kelola/target", headers=HTML)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "Akses ditolak" in html
    assert "hanya untuk admin kecamatan" in html and 'href="/admin/"' in html and "aplikasi lapangan" not in html


def test_raw_xlsx_export_has_field_labels_and_indonesian_states(client, world, app):
    with app.app_context():
        rw = world.wilayah.rw[world.kel1.id][0]
        ids = []
        for status in ("accepted", "returned", "rejected", "pending"):
            s = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                           data={"kebun_toga": True, "pengelolaan_sampah": "baik"})
            s.review_status = status
            ids.append(s.id)
        db.session.commit()
    login(client, "camat")
    sheet = load_workbook(io.BytesIO(client.get("/admin/ekspor/inspeksi-rw.xlsx?period=2026").data)).active
    header = [c.value for c in sheet[1]]
    assert "Status tinjauan" in header and "kebun_toga" not in header
    assert any(h and h.startswith("Ada kebun TOGA") for h in header)
    column = header.index("Status tinjauan")
    states = {uuid.UUID(row[0].value): row[column].value for row in sheet.iter_rows(min_row=2)}
    assert [states[i] for i in ids] == ["diterima", "perlu perbaikan", "ditolak", "menunggu"]

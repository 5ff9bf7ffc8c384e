"""The map's base layer from stored centroids: kelurahan and RW coordinates through the wilayah
import (with and without the optional lat/lon columns, and with bad ones) and through Kelola →
Wilayah, and the map page drawing them for a kecamatan whose inspections carry no location."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from server.extensions import db
from server.models import RW, AuditLog, Kelurahan
from server.wilayah_import import CoordinateError, parse_coordinates
from tests.admin.helpers import csrf_from, login, post_form, submission

IMPORT_URL = "/admin/kelola/impor-wilayah"


def _upload(client, filename: str, content: bytes):
    token = csrf_from(client.get(IMPORT_URL).get_data(as_text=True))
    return client.post(IMPORT_URL, data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def _coordinates(app, kelurahan_id: int) -> tuple[tuple, dict[str, tuple]]:
    with app.app_context():
        kel = db.session.get(Kelurahan, kelurahan_id)
        rws = db.session.scalars(select(RW).where(RW.kelurahan_id == kelurahan_id)).all()
        return (kel.lat, kel.lon), {rw.nomor: (rw.lat, rw.lon) for rw in rws}


@pytest.mark.parametrize(("lat", "lon", "error"), [
    ("-6.8915", "107.6107", None),
    ("-6,8915", "107,6107", None),  # a decimal comma, as Excel writes it in an Indonesian locale
    ("", "", None),
    ("-6.89", "", "harus diisi keduanya"),
    ("107.61", "-6.89", "tertukar"),
    ("-12", "107.6", "lat '-12' tidak sah"),
    ("-6.9", "142", "lon '142' tidak sah"),
    ("abc", "107.6", "lat 'abc' tidak sah"),
    ("nan", "107.6", "lat 'nan' tidak sah"),
    ("-6.9", "inf", "lon 'inf' tidak sah"),
])
def test_coordinates_are_checked_in_indonesian(lat, lon, error):
    if error is None:
        parsed = parse_coordinates(lat, lon)
        assert parsed == ((None, None) if not lat else (-6.8915, 107.6107))
    else:
        with pytest.raises(CoordinateError, match=error):
            parse_coordinates(lat, lon)


def test_import_with_and_without_coordinates(client, world, app):
    kode = world.kel1.kode
    # `;` separators and decimal commas, as Excel saves a CSV in an Indonesian locale.
    with_coordinates = (f"kecamatan;kode_kelurahan;kelurahan;rw;lat;lon\n"
                        f"Coblong;{kode};{world.kel1.nama};;-6,8915;107,6107\n"
                        f"Coblong;{kode};{world.kel1.nama};01;-6.8901;107.6088\n"
                        f"Coblong;{kode};{world.kel1.nama};02;;\n").encode()
    login(client, "camat")
    resp = _upload(client, "w.csv", with_coordinates)
    assert resp.status_code == 200 and "titik tengah 2" in resp.get_data(as_text=True)
    kel, rws = _coordinates(app, world.kel1.id)
    assert kel == (-6.8915, 107.6107) and rws["01"] == (-6.8901, 107.6088) and rws["02"] == (None, None)
    assert "titik tengah 0" in _upload(client, "w.csv", with_coordinates).get_data(as_text=True)  # idempotent
    # A file without the columns (the shared code list) leaves the stored centroids alone.
    plain = f"kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,{kode},{world.kel1.nama},04\n".encode()
    assert "RW baru 1" in _upload(client, "w.csv", plain).get_data(as_text=True)
    assert _coordinates(app, world.kel1.id)[0] == (-6.8915, 107.6107)
    # XLSX cells hold numbers; headers may say latitude/longitude.
    wb = Workbook()
    wb.active.append(["kecamatan", "kode_kelurahan", "kelurahan", "rw", "Latitude", "Longitude"])
    wb.active.append(["Coblong", kode, world.kel1.nama, "RW 03", -6.8877, 107.6123])
    out = io.BytesIO()
    wb.save(out)
    assert _upload(client, "w.xlsx", out.getvalue()).status_code == 200
    assert _coordinates(app, world.kel1.id)[1]["03"] == (-6.8877, 107.6123)


def test_import_with_bad_coordinates_names_the_rows_and_writes_nothing(client, world, app):
    kode = world.kel1.kode
    bad = (f"kecamatan,kode_kelurahan,kelurahan,rw,lat,lon\n"
           f"Coblong,{kode},{world.kel1.nama},01,-6.89,107.61\n"
           f"Coblong,{kode},{world.kel1.nama},02,95,-6.9\n"
           f"Coblong,{kode},{world.kel1.nama},09,dekat masjid,107.6\n"
           f"Coblong,{kode},{world.kel1.nama},,-6.89,\n"
           f"Coblong,{kode},{world.kel1.nama},01,-6.80,107.61\n").encode()
    login(client, "camat")
    resp = _upload(client, "w.csv", bad)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "baris 3: lat &#39;95&#39; dan lon &#39;-6.9&#39; tertukar" in text
    assert "baris 4: lat &#39;dekat masjid&#39; tidak sah" in text
    assert "baris 5: lat dan lon harus diisi keduanya" in text
    assert "baris 6: titik tengah" in text and "berbeda dengan baris 2" in text
    kel, rws = _coordinates(app, world.kel1.id)
    assert kel == (None, None) and rws["01"] == (None, None) and "09" not in rws


def test_kelola_wilayah_edits_centroids_for_the_camat_only(client, world, app):
    rw1, rw2 = world.wilayah.rw[world.kel1.id][:2]
    page = f"/admin/kelola/wilayah/{world.kel1.id}"
    login(client, "camat")
    listing = client.get("/admin/kelola/wilayah").get_data(as_text=True)
    assert world.kel1.nama in listing and page in listing and "0 / 3" in listing
    good = {"kel-lat": "-6,8915", "kel-lon": "107,6107", f"rw-{rw1.id}-lat": "-6.8901", f"rw-{rw1.id}-lon": "107.6088"}
    resp = post_form(client, page, page, good)
    assert resp.status_code == 303
    assert _coordinates(app, world.kel1.id)[0] == (-6.8915, 107.6107)
    edit = client.get(page).get_data(as_text=True)
    assert 'value="-6.8915"' in edit and "2 titik diubah" in edit
    bad = {**good, f"rw-{rw2.id}-lat": "-6.9", f"rw-{rw2.id}-lon": "", "kel-lat": "-60"}
    resp = post_form(client, page, page, bad)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Kelurahan Coblong Kel 1: lat &#39;-60&#39; tidak sah" in text and "RW 02: lat dan lon harus" in text
    assert 'value="-60"' in text  # what was typed stays in the form
    assert _coordinates(app, world.kel1.id)[0] == (-6.8915, 107.6107)
    cleared = {**good, "kel-lat": "", "kel-lon": ""}
    assert post_form(client, page, page, cleared).status_code == 303
    assert _coordinates(app, world.kel1.id)[0] == (None, None)
    assert client.get(f"/admin/kelola/wilayah/{world.other.kelurahan[0].id}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "wilayah.coordinates")) is not None
    client.post("/admin/logout", data={"csrf_token": csrf_from(client.get("/admin/").get_data(as_text=True))})
    login(client, "lurah")
    assert client.get("/admin/kelola/wilayah").status_code == 403
    assert client.get(page).status_code == 403


def test_map_draws_stored_centroids_without_located_inspections(client, world, app):
    with app.app_context():
        kel1 = db.session.get(Kelurahan, world.kel1.id)
        kel1.lat, kel1.lon = -6.8915, 107.6107
        for n, rw in enumerate(db.session.scalars(select(RW).where(RW.kelurahan_id == kel1.id).order_by(RW.nomor))):
            rw.lat, rw.lon = -6.8915 + n / 500, 107.6107 - n / 500
        # An inspection without a location: nothing to plot, and nothing to derive a centroid from.
        submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=kel1.id,
                   rw_id=world.wilayah.rw[kel1.id][0].id, data={"kebun_toga": True})
        db.session.commit()
    login(client, "camat")
    html = client.get("/admin/peta?period=2026").get_data(as_text=True)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert ">Coblong Kel 1</text>" in svg
    assert all(f">RW 0{n}</text>" in svg for n in (1, 2, 3))
    assert "<circle" not in svg and "Coblong Kel 2" not in svg  # no points; kel 2 has no centroid at all
    assert "Belum ada lokasi inspeksi." in html and "dari data wilayah" in html


def test_stored_centroids_come_first_and_inspections_fill_the_gaps(client, world, app):
    rw1, rw2, _rw3 = world.wilayah.rw[world.kel1.id]
    with app.app_context():
        db.session.get(RW, rw1.id).lat, db.session.get(RW, rw1.id).lon = -6.80, 107.60
        old = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        for rw, lat in ((rw1, -6.95), (rw2, -6.81), (rw2, -6.83)):
            submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                       data={"lokasi": {"lat": lat, "lon": 107.62}}, observed_at=old)
        db.session.commit()
    login(client, "camat")
    html = client.get("/admin/peta?period=2026").get_data(as_text=True)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    labels = {m.group(3): (float(m.group(1)), float(m.group(2)))
              for m in re.finditer(r'<text x="([\d.-]+)" y="([\d.-]+)" font-size="10"[^>]*>([^<]+)</text>', svg)}
    assert set(labels) == {"RW 01", "RW 02"}  # RW 03: neither stored nor inspected
    # RW 01 is drawn at its stored -6.80 (north of RW 02's derived -6.82), not at its inspection's -6.95.
    assert labels["RW 01"][1] < labels["RW 02"][1]
    kelurahan = re.search(r'<text x="[\d.-]+" y="([\d.-]+)" font-size="12"[^>]*>Coblong Kel 1</text>', svg)
    assert kelurahan is not None  # derived: the mean of its RW centroids


def test_demo_ships_approximate_centroids_for_coblong_and_the_map_draws_them(client, app):
    import random

    from server.demo.reference import CENTROIDS_CSV, ensure_users, load_wilayah
    from server.wilayah_import import parse_wilayah

    rows = parse_wilayah(CENTROIDS_CSV.read_bytes(), CENTROIDS_CSV.name)  # an ordinary wilayah import file
    assert "PERKIRAAN" in CENTROIDS_CSV.read_text().splitlines()[0]  # it says what it is
    assert all(r.lat is not None for r in rows) and len({r.kode_kelurahan for r in rows}) == 6
    with app.app_context():
        kecamatan, kelurahan, report = load_wilayah(random.Random(1))
        ensure_users(kecamatan, kelurahan)
        db.session.commit()
        assert report.coordinates_set == len(kelurahan) + sum(len(k.rw) for k in kelurahan)
        assert all(k.lat is not None and all(rw.lat is not None for rw in k.rw) for k in kelurahan)
        db.session.get(Kelurahan, kelurahan[0].id).lat = -6.9  # an operator's own centroid is kept
        db.session.commit()
        assert load_wilayah(random.Random(1))[2].coordinates_set == 0
        assert db.session.get(Kelurahan, kelurahan[0].id).lat == -6.9
    from server.demo.reference import DEMO_PASSWORD

    login(client, "camat", DEMO_PASSWORD)
    svg = client.get("/admin/peta").get_data(as_text=True).split("<svg", 1)[1].split("</svg>", 1)[0]
    for nama in ("Cipaganti", "Lebak Siliwangi", "Lebak Gede", "Sadang Serang", "Sekeloa", "Dago"):
        assert f">{nama}</text>" in svg
    assert ">RW 08</text>" in svg and "<circle" not in svg

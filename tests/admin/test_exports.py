"""Every form's submissions as CSV and XLSX, scoped by role and period."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from server.extensions import db
from tests.admin.helpers import login, submission


def _complaints(app, world) -> tuple[str, str, str]:
    with app.app_context():
        a = submission("pengaduan", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, user_id=world.petugas.id,
                       data={"tanggal_terima": "2026-03-01", "saluran": "kotak", "kategori": "pelayanan",
                             "uraian": "Antrian lama"})
        b = submission("pengaduan", kecamatan_id=world.kec_id, kelurahan_id=world.kel2.id,
                       data={"tanggal_terima": "2026-03-02", "saluran": "daring", "kategori": "kebersihan"})
        c = submission("pengaduan", kecamatan_id=world.other.kecamatan.id, kelurahan_id=world.other.kelurahan[0].id,
                       data={"tanggal_terima": "2026-03-03", "saluran": "kotak", "kategori": "sosial"})
        db.session.commit()
        return str(a.id), str(b.id), str(c.id)


def test_csv_export_for_camat(client, world, app):
    a, b, c = _complaints(app, world)
    login(client, "camat")
    resp = client.get("/admin/ekspor/pengaduan.csv?period=2026")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["ID"] for r in rows} == {a, b}
    first = next(r for r in rows if r["ID"] == a)
    assert first["Uraian pengaduan"] == "Antrian lama" and first["Kelurahan"] == world.kel1.nama
    assert first["Petugas"] == "petugas" and first["Waktu observasi"].startswith("2026-03-14 09:30")
    assert first["Status tinjauan"] == "diterima" and list(rows[0])[:2] == ["ID", "Versi formulir"]


def test_xlsx_export_keeps_types(client, world, app):
    with app.app_context():
        rw = world.wilayah.rw[world.kel1.id][0]
        submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                   data={"kebun_toga": True, "pengelolaan_sampah": "baik", "kejadian_kriminal": 3,
                         "lokasi": {"lat": -6.9, "lon": 107.6}})
        db.session.commit()
    login(client, "camat")
    resp = client.get("/admin/ekspor/inspeksi-rw.xlsx?period=2026")
    ws = load_workbook(io.BytesIO(resp.data)).active
    header = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(header, ws[2])}
    assert row["Ada kebun TOGA (tanaman obat keluarga)"] is True and row["Jumlah kejadian kriminal"] == 3
    assert row["RW"] == "01"
    assert row["Lokasi"] == "-6.9,107.6"
    assert row["Waktu observasi"].year == 2026  # a real date-time cell


def test_lurah_export_holds_only_their_kelurahan(client, world, app):
    a, b, c = _complaints(app, world)
    login(client, "lurah")
    text = client.get("/admin/ekspor/pengaduan.csv?period=2026").data.decode("utf-8-sig")
    assert a in text and b not in text and c not in text
    ws = load_workbook(io.BytesIO(client.get("/admin/ekspor/pengaduan.xlsx?period=2026").data)).active
    ids = [r[0].value for r in ws.iter_rows(min_row=2)]
    assert ids == [a]
    assert client.get(f"/admin/ekspor/pengaduan.csv?period=2026&kelurahan_id={world.kel2.id}").status_code == 404


def test_export_filters_by_period(client, world, app):
    _complaints(app, world)
    login(client, "camat")
    text = client.get("/admin/ekspor/pengaduan.csv?period=2025").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 1  # header only
    text = client.get("/admin/ekspor/pengaduan.csv?period=2026-Q1").data.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) == 3


def test_unknown_form_or_format_is_404(client, world):
    login(client, "camat")
    assert client.get("/admin/ekspor/nope.csv").status_code == 404
    assert client.get("/admin/ekspor/pengaduan.pdf").status_code == 404


def test_exports_need_an_admin(client, world):
    assert client.get("/admin/ekspor/pengaduan.csv").status_code == 302
    assert client.get("/admin/kinerja.xlsx").status_code == 302
    login(client, "petugas")
    assert client.get("/admin/ekspor/pengaduan.csv").status_code == 302  # refused at login, never logged in


def test_exports_are_audited(client, world, app):
    from sqlalchemy import select

    from server.models import AuditLog

    login(client, "lurah")
    client.get("/admin/ekspor/pengaduan.csv?period=2026")
    client.get("/admin/kinerja.xlsx?period=2026")
    with app.app_context():
        rows = db.session.execute(select(AuditLog.action, AuditLog.user_id, AuditLog.detail)).all()
    actions = {a: (u, d) for a, u, d in rows}
    assert actions["export.submissions"][0] == world.lurah.id and actions["export.submissions"][1]["rows"] == 0
    assert actions["export.performance"][1]["kelurahan_id"] == world.kel1.id


def test_formula_like_text_stays_text(client, world, app):
    with app.app_context():
        submission("pengaduan", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id,
                   data={"tanggal_terima": "2026-03-01", "saluran": "kotak", "kategori": "pelayanan",
                         "uraian": '=HYPERLINK("http://evil.example","klik")'})
        rw = world.wilayah.rw[world.kel1.id][0]
        submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                   data={"lokasi": {"lat": -6.9, "lon": 107.6}, "catatan": "-5 tempat sampah rusak"})
        db.session.commit()
    login(client, "camat")
    text = client.get("/admin/ekspor/pengaduan.csv?period=2026").data.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["Uraian pengaduan"] == "'" + '=HYPERLINK("http://evil.example","klik")'
    ws = load_workbook(io.BytesIO(client.get("/admin/ekspor/pengaduan.xlsx?period=2026").data)).active
    header = [c.value for c in ws[1]]
    cell = ws.cell(2, header.index("Uraian pengaduan") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    text = client.get("/admin/ekspor/inspeksi-rw.csv?period=2026").data.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["Lokasi"] == "-6.9,107.6" and row["Catatan"] == "'-5 tempat sampah rusak"


def test_download_names_are_safe(client, world, app):
    from server.models import Kecamatan

    with app.app_context():
        db.session.get(Kecamatan, world.kec_id).nama = 'Co"blong\r\nX'
        db.session.commit()
    login(client, "camat")
    disposition = client.get("/admin/kinerja.xlsx?period=2026").headers["Content-Disposition"]
    assert disposition == 'attachment; filename="kinerja-co-blong-x-2026.xlsx"'

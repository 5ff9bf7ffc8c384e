"""Uploads: the wilayah file (same logic as the CLI) and last year's records through the sync's validation."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from sqlalchemy import func, select

from server.extensions import db
from server.models import RW, AuditLog, Kelurahan, ScoreOutbox, Submission
from tests.admin.helpers import csrf_from, login


def _upload(client, url: str, filename: str, content: bytes):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_wilayah_upload_adds_rw_and_is_idempotent(client, world, app):
    csv_text = ("kecamatan,kode_kelurahan,kelurahan,rw\n"
                f"Coblong,{world.kel1.kode},{world.kel1.nama},04\n"
                "Coblong,32.73.02.1009,Kelurahan Baru,01\n").encode()
    login(client, "camat")
    resp = _upload(client, "/admin/kelola/impor-wilayah", "wilayah.csv", csv_text)
    assert resp.status_code == 200 and "RW baru 2" in resp.get_data(as_text=True)
    resp = _upload(client, "/admin/kelola/impor-wilayah", "wilayah.csv", csv_text)
    assert "RW baru 0" in resp.get_data(as_text=True)
    with app.app_context():
        kel = db.session.scalar(select(Kelurahan).where(Kelurahan.kode == "32.73.02.1009"))
        assert kel.kecamatan_id == world.kec_id
        assert db.session.scalar(select(func.count()).select_from(RW).where(RW.kelurahan_id == world.kel1.id)) == 4
        assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "wilayah.import")) == 2


def test_wilayah_upload_refuses_another_kecamatan_and_bad_rows(client, world, app):
    login(client, "camat")
    foreign = b"kecamatan,kode_kelurahan,kelurahan,rw\nSukasari,32.73.01.1009,Baru,01\n"
    resp = _upload(client, "/admin/kelola/impor-wilayah", "w.csv", foreign)
    assert resp.status_code == 422 and "bukan kecamatan Anda" in resp.get_data(as_text=True)
    bad = b"kecamatan,kode_kelurahan,kelurahan,rw\nCoblong,not-a-code,Baru,01\n"
    assert _upload(client, "/admin/kelola/impor-wilayah", "w.csv", bad).status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Kelurahan).where(Kelurahan.nama == "Baru")) is None


def _records_workbook(world) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "inspeksi-rw"
    ws.append(["observed_at", "kode_kelurahan", "rw", "kebun_toga", "pengelolaan_sampah", "status_kumuh",
               "lembaga_aktif", "kejadian_kriminal", "konflik_sosial", "lokasi"])
    ws.append([dt.datetime(2025, 11, 3, 9, 0), world.kel1.kode, "1", "ya", "baik", "tidak_kumuh", "ya", 0, 0,
               "-6.89,107.61"])
    ws.append([dt.datetime(2025, 11, 4, 9, 0), world.kel1.kode, "RW 02", "tidak", "buruk", "kumuh", "ya", 2, 1, None])
    ws.append([dt.datetime(2025, 11, 5, 9, 0), world.kel1.kode, "99", "ya", "baik", "tidak_kumuh", "ya", 0, 0, None])
    ws.append([dt.datetime(2025, 11, 6, 9, 0), world.kel1.kode, "03", "ya", "hebat", "tidak_kumuh", "ya", 0, 0, None])
    pengaduan = wb.create_sheet("pengaduan")
    pengaduan.append(["observed_at", "kode_kelurahan", "tanggal_terima", "saluran", "kategori", "uraian"])
    pengaduan.append([dt.date(2025, 6, 1), world.kel2.kode, dt.date(2025, 6, 1), "kotak", "pelayanan", "Lama"])
    pengaduan.append([dt.date(2025, 6, 2), "", dt.date(2025, 6, 2), "langsung", "lainnya", "Kantor kecamatan"])
    wb.create_sheet("bukan-formulir").append(["observed_at"])
    wb["bukan-formulir"].append(["2025-01-01"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_records_import_goes_through_the_sync(client, world, app):
    login(client, "camat")
    content = _records_workbook(world)
    resp = _upload(client, "/admin/kelola/impor-rekaman", "2025.xlsx", content)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "created: 4" in html and "invalid: 3" in html
    assert "RW tidak ditemukan" in html  # RW 99
    assert "data.pengelolaan_sampah" in html  # the sync's own validation refused "hebat"
    assert "bukan kode formulir" in html
    with app.app_context():
        rows = db.session.execute(select(Submission.form_code, Submission.period_year, Submission.subject_type,
                                         Submission.user_id)).all()
        assert sorted((f, y, t) for f, y, t, _ in rows) == [
            ("inspeksi-rw", 2025, "rw"), ("inspeksi-rw", 2025, "rw"),
            ("pengaduan", 2025, "kecamatan"), ("pengaduan", 2025, "kelurahan")]
        assert {u for *_, u in rows} == {world.camat.id}
        assert (world.kec_id, 2025) in db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).all()
        lokasi = db.session.scalar(select(Submission.data).where(Submission.observed_at
                                                                 == dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.timezone.utc)))
        assert lokasi["lokasi"] == {"lat": -6.89, "lon": 107.61} and lokasi["kebun_toga"] is True
    # Importing the same file again stores nothing twice.
    html = _upload(client, "/admin/kelola/impor-rekaman", "2025.xlsx", content).get_data(as_text=True)
    assert "duplicate: 4" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 4


def test_records_import_of_a_broken_file(client, world):
    login(client, "camat")
    resp = _upload(client, "/admin/kelola/impor-rekaman", "x.xlsx", b"not a workbook")
    assert resp.status_code == 422 and "Berkas tidak dapat dibaca." in resp.get_data(as_text=True)


def test_upload_without_csrf_is_refused(client, world):
    login(client, "camat")
    resp = client.post("/admin/kelola/impor-rekaman", data={"file": (io.BytesIO(b"x"), "x.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400


def test_template_round_trips_through_the_import(client, world, app):
    from openpyxl import load_workbook

    login(client, "camat")
    resp = client.get("/admin/kelola/impor-rekaman?template=1")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.data))
    assert {"inspeksi-rw", "skm", "pengaduan", "laporan-kelurahan", "layanan"} <= set(wb.sheetnames)
    header = [c.value for c in wb["skm"][1]]
    assert header[:2] == ["observed_at", "kode_kelurahan"] and "u9" in header
    assert [c.value for c in wb["inspeksi-rw"][1]][:3] == ["observed_at", "kode_kelurahan", "rw"]
    # Fill one survey into the template and import it.
    ws = wb["skm"]
    ws.append([dt.datetime(2025, 8, 1, 10, 0), world.kel1.kode] + [3] * 9 + [None] * (len(header) - 11))
    out = io.BytesIO()
    wb.save(out)
    html = _upload(client, "/admin/kelola/impor-rekaman", "templat.xlsx", out.getvalue()).get_data(as_text=True)
    assert "created: 1" in html and "invalid" not in html.split('id="import-summary"', 1)[1].split("</p>", 1)[0]
    lurah = app.test_client()
    login(lurah, "lurah")
    assert lurah.get("/admin/kelola/impor-rekaman?template=1").status_code == 403

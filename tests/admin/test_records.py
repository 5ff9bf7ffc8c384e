"""Submission pages, photos, the review (audit + outbox rows) and the audit log, per role."""
from __future__ import annotations

import hashlib
import re
import uuid

from sqlalchemy import select

from server.admin.charts import MapPoint, points_svg
from server.extensions import db
from server.models import Attachment, AuditLog, ScoreOutbox, Submission
from tests.admin.helpers import login, post_form, submission

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PNG_HASH = hashlib.sha256(PNG).hexdigest()


def _inspection(app, world, kelurahan, with_photo: bool = True) -> str:
    rw = world.wilayah.rw[kelurahan.id][0]
    with app.app_context():
        if with_photo and db.session.get(Attachment, PNG_HASH) is None:
            db.session.add(Attachment(sha256=PNG_HASH, content_type="image/png", size=len(PNG), content=PNG))
        s = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=kelurahan.id, rw_id=rw.id,
                       user_id=world.petugas.id,
                       data={"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                             "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0,
                             "foto": [PNG_HASH] if with_photo else [], "lokasi": {"lat": -6.89, "lon": 107.61},
                             "catatan": "Bersih sekali"})
        db.session.commit()
        return str(s.id)


def test_submission_page_shows_everything(client, world, app):
    sid = _inspection(app, world, world.kel1)
    login(client, "camat")
    html = client.get(f"/admin/pengajuan/{sid}").get_data(as_text=True)
    for text in ("Inspeksi RW", "Petugas", "Bersih sekali", "-6.890000, 107.610000", "14/03/2026 09:30", "14/03/2026 10:30",
                 "diterima", "Ada kebun TOGA", f"/admin/pengajuan/{sid}/foto/{PNG_HASH}", "Terima", "Tolak"):
        assert text in html, text
    photo = client.get(f"/admin/pengajuan/{sid}/foto/{PNG_HASH}")
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"


def test_lurah_cannot_open_another_kelurahan_record_or_photo(client, world, app):
    own = _inspection(app, world, world.kel1)
    other = _inspection(app, world, world.kel2)
    login(client, "lurah")
    assert client.get(f"/admin/pengajuan/{own}").status_code == 200
    assert client.get(f"/admin/pengajuan/{other}").status_code == 404
    assert client.get(f"/admin/pengajuan/{other}/foto/{PNG_HASH}").status_code == 404
    assert client.get(f"/admin/pengajuan/{own}/foto/{PNG_HASH}").status_code == 200
    assert client.get(f"/admin/pengajuan/{own}/foto/{'0' * 64}").status_code == 404
    listing = client.get("/admin/pengajuan?period=2026").get_data(as_text=True)
    assert own in listing and other not in listing


def test_camat_cannot_open_another_kecamatan_record(client, world, app):
    with app.app_context():
        s = submission("pengaduan", kecamatan_id=world.other.kecamatan.id, kelurahan_id=world.other.kelurahan[0].id)
        db.session.commit()
        sid = str(s.id)
    login(client, "camat")
    assert client.get(f"/admin/pengajuan/{sid}").status_code == 404
    assert sid not in client.get("/admin/pengajuan?period=2026").get_data(as_text=True)


def test_reject_with_reason_writes_audit_and_outbox(client, world, app):
    sid = _inspection(app, world, world.kel1)
    login(client, "camat")
    resp = post_form(client, f"/admin/pengajuan/{sid}", f"/admin/pengajuan/{sid}/tinjau",
                     {"decision": "reject", "reason": "Foto bukan RW ini"})
    assert resp.status_code == 303
    with app.app_context():
        s = db.session.get(Submission, uuid.UUID(sid))
        assert s.review_status == "rejected" and s.review_reason == "Foto bukan RW ini"
        assert s.reviewed_by == world.camat.id and s.reviewed_at is not None
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "submission.reject"))
        assert entry.target == f"submission:{sid}" and entry.user_id == world.camat.id
        assert entry.detail["reason"] == "Foto bukan RW ini"
        outbox = db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).all()
        assert (world.kec_id, 2026) in outbox
    html = client.get(f"/admin/pengajuan/{sid}").get_data(as_text=True)
    assert "ditolak — Foto bukan RW ini" in html
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "submission.reject" in audit and sid in audit


def test_reject_without_reason_is_refused(client, world, app):
    sid = _inspection(app, world, world.kel1)
    login(client, "camat")
    resp = post_form(client, f"/admin/pengajuan/{sid}", f"/admin/pengajuan/{sid}/tinjau",
                     {"decision": "reject", "reason": " "})
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.get(Submission, uuid.UUID(sid)).review_status == "accepted"
        assert db.session.scalar(select(ScoreOutbox.id)) is None
    assert "Alasan wajib diisi" in client.get(f"/admin/pengajuan/{sid}").get_data(as_text=True)


def test_review_without_csrf_is_refused(client, world, app):
    sid = _inspection(app, world, world.kel1)
    login(client, "camat")
    resp = client.post(f"/admin/pengajuan/{sid}/tinjau", data={"decision": "reject", "reason": "x"})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.get(Submission, uuid.UUID(sid)).review_status == "accepted"


def test_lurah_reviews_own_kelurahan_only(client, world, app):
    own = _inspection(app, world, world.kel1, with_photo=False)
    other = _inspection(app, world, world.kel2, with_photo=False)
    login(client, "lurah")
    ok = post_form(client, f"/admin/pengajuan/{own}", f"/admin/pengajuan/{own}/tinjau",
                   {"decision": "reject", "reason": "Salah RW"})
    assert ok.status_code == 303
    refused = post_form(client, f"/admin/pengajuan/{own}", f"/admin/pengajuan/{other}/tinjau",
                        {"decision": "reject", "reason": "Salah RW"})
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(Submission, uuid.UUID(other)).review_status == "accepted"
    # The lurah's audit page lists their own actions only.
    with app.app_context():
        db.session.add(AuditLog(user_id=world.camat.id, action="user.create", target="user:99", detail={}))
        db.session.commit()
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "submission.reject" in audit and "user:99" not in audit


def test_accept_after_reject(client, world, app):
    sid = _inspection(app, world, world.kel1, with_photo=False)
    login(client, "camat")
    post_form(client, f"/admin/pengajuan/{sid}", f"/admin/pengajuan/{sid}/tinjau", {"decision": "reject", "reason": "x"})
    post_form(client, f"/admin/pengajuan/{sid}", f"/admin/pengajuan/{sid}/tinjau", {"decision": "accept", "reason": ""})
    with app.app_context():
        assert db.session.get(Submission, uuid.UUID(sid)).review_status == "accepted"
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target == f"submission:{sid}")).all()
        assert sorted(actions) == ["submission.accept", "submission.reject"]


def test_missing_photo_is_shown_as_incomplete(client, world, app):
    sid = _inspection(app, world, world.kel1, with_photo=False)
    with app.app_context():
        s = db.session.get(Submission, uuid.UUID(sid))
        s.data = {**s.data, "foto": ["a" * 64]}
        db.session.commit()
    login(client, "camat")
    assert "Belum lengkap: foto belum terunggah" in client.get(f"/admin/pengajuan/{sid}").get_data(as_text=True)


def test_map_plots_inspection_points_in_scope(client, world, app):
    own = _inspection(app, world, world.kel1, with_photo=False)
    other = _inspection(app, world, world.kel2, with_photo=False)
    login(client, "camat")
    html = client.get("/admin/peta?period=2026").get_data(as_text=True)
    assert html.count("<circle") == 2 and own in html and other in html
    assert html.count('fill="#15803d"') == 2  # every inspection here is Baik (booleans read right on both databases)
    assert html.count('<td class="held">Baik</td>') == 2
    lurah = app.test_client()
    login(lurah, "lurah")
    html = lurah.get("/admin/peta?period=2026").get_data(as_text=True)
    assert html.count("<circle") == 1 and own in html and other not in html


def test_map_draws_tiles_from_the_configured_server(client, world, app):
    _inspection(app, world, world.kel1, with_photo=False)
    login(client, "camat")
    assert "<image" not in client.get("/admin/peta?period=2026").get_data(as_text=True)
    app.config["MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    try:
        html = client.get("/admin/peta?period=2026").get_data(as_text=True)
    finally:
        app.config.pop("MAP_TILE_URL")
    assert '<image href="https://tiles.example.org/18/' in html and html.count("<circle") == 1


def test_map_projection_keeps_points_apart_and_inside():
    svg = str(points_svg([MapPoint(-6.89, 107.61, "a"), MapPoint(-6.90, 107.62, "b", True)], width=640, height=400))
    centres = [(float(x), float(y)) for x, y in re.findall(r'cx="([\d.-]+)" cy="([\d.-]+)"', svg)]
    assert len(centres) == 2 and centres[0] != centres[1]
    assert all(0 <= x <= 640 and 0 <= y <= 400 for x, y in centres)
    assert centres[0][1] < centres[1][1]  # north is up

"""Issue #10, the smaller doors: CSV cells, the CSV type, demo password salts, empty batches, the
kiosk's units and the audit log's scope — each through the public API or page where it was found."""
from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, User
from tests.factories import auth
from tests.hardening.helpers import observed_yesterday
from tests.hardening.test_web_security import admin_login
from tests.hardening.world import USERNAMES, make_user


def _complaint(kel_id: int, uraian: str) -> dict:
    return {"id": str(uuid.uuid4()), "form": "pengaduan", "form_version": 1, "subject": {"kelurahan_id": kel_id},
            "observed_at": observed_yesterday(),
            "data": {"tanggal_terima": observed_yesterday()[:10], "saluran": "kotak", "kategori": "pelayanan",
                     "uraian": uraian}}


HIDDEN_FORMULAS = [" =1+1", "\n=1+1", "\r\n+SUM(A1)", "\t@x", "＝HYPERLINK(\"http://evil.example\")",
                   "  ＋1+1", "\u3000-1+A1", "=cmd|' /C calc'!A0"]


def test_csv_cells_with_a_hidden_formula_start_are_neutralised(app, world):
    client = app.test_client()
    items = [_complaint(world.kel_in, text) for text in HIDDEN_FORMULAS + ["-5 lampu mati", "biasa saja"]]
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(world.tokens["officer"]))
    assert [r["status"] for r in resp.json["results"]] == ["created"] * len(items), resp.json
    camat, _ = admin_login(app, USERNAMES["kecamatan_admin"])
    resp = camat.get(f"/admin/ekspor/pengaduan.csv?period={observed_yesterday()[:4]}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, not two
    rows = {r["Uraian pengaduan"] for r in csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig")))}
    for text in HIDDEN_FORMULAS + ["-5 lampu mati"]:
        assert "'" + text in rows, (text, rows)
    assert "biasa saja" in rows


def test_an_empty_batch_is_400_in_the_error_shape(client, world):
    resp = client.post("/api/v1/submissions", json={"submissions": []}, headers=auth(world.tokens["officer"]))
    assert resp.status_code == 400
    assert set(resp.json["error"]) == {"code", "message", "fields"} and "submissions" in resp.json["error"]["fields"]


def test_demo_users_each_have_their_own_salt_and_hash(app):
    from server.demo import seed_demo

    with app.app_context():
        seed_demo()
        hashes = db.session.scalars(select(User.password_hash)).all()
        assert len(hashes) > 3 and len(set(hashes)) == len(hashes)
        salts = {h.split("$")[1] for h in hashes}
        assert len(salts) == len(hashes)


def test_a_kiosk_surveys_exactly_the_units_of_its_scope(app, client, world):
    """A kiosk of the whole kecamatan surveys its office and every kelurahan office of it (office
    first, the kiosk's default); a kiosk with a kelurahan scope only that kelurahan. Bootstrap offers
    exactly what sync accepts."""
    with app.app_context():
        from server.models import Kecamatan, Kelurahan

        kec_id = db.session.get(Kelurahan, world.kel_in).kecamatan_id
        _, office_token = make_user("kios-kantor", "kiosk", db.session.get(Kecamatan, kec_id))
    for token in (office_token, world.tokens["kiosk"]):
        units = client.get("/api/v1/bootstrap", headers=auth(token)).json["units"]
        offered = [u["subject"] for u in units]
        candidates = [{"kecamatan_id": kec_id}, {"kelurahan_id": world.kel_in}, {"kelurahan_id": world.kel_in_sibling}]
        for subject in candidates:
            item = {"id": str(uuid.uuid4()), "form": "skm", "form_version": 1, "subject": subject,
                    "observed_at": observed_yesterday(), "data": {f"u{i}": 3 for i in range(1, 10)}}
            status = client.post("/api/v1/submissions", json={"submissions": [item]},
                                 headers=auth(token)).json["results"][0]["status"]
            assert (status == "created") == (subject in offered), (token == office_token, subject, status, offered)
    office_units = [u["subject"] for u in client.get("/api/v1/bootstrap", headers=auth(office_token)).json["units"]]
    assert office_units[0] == {"kecamatan_id": kec_id}
    assert {"kelurahan_id": world.kel_in} in office_units and {"kelurahan_id": world.kel_in_sibling} in office_units
    kiosk_units = [u["subject"] for u in client.get("/api/v1/bootstrap", headers=auth(world.tokens["kiosk"])).json["units"]]
    assert {"kecamatan_id": kec_id} not in kiosk_units and {"kelurahan_id": world.kel_in_sibling} not in kiosk_units


def test_the_audit_log_shows_a_kecamatan_admin_only_its_own_kecamatan(app, world):
    """CLI changes (no acting user) about another kecamatan's users stay out of our camat's log."""
    runner = app.test_cli_runner()
    with app.app_context():
        from server.models import Kelurahan

        out_kode = db.session.get(Kelurahan, world.kel_out).kode
        in_kode = db.session.get(Kelurahan, world.kel_in).kode
    assert runner.invoke(args=["create-user", "rahasia-b", "--role", "officer", "--password", "panjang123",
                               "--scope", out_kode]).exit_code == 0
    assert runner.invoke(args=["create-user", "petugas-a", "--role", "officer", "--password", "panjang123",
                               "--scope", in_kode]).exit_code == 0
    assert runner.invoke(args=["revoke-tokens", "rahasia-b"]).exit_code == 0
    camat, _ = admin_login(app, USERNAMES["kecamatan_admin"])
    html = camat.get("/admin/audit").get_data(as_text=True)
    assert "petugas-a" in html
    assert "rahasia-b" not in html
    other, _ = admin_login(app, USERNAMES["other_admin"])
    html = other.get("/admin/audit").get_data(as_text=True)
    assert "rahasia-b" in html and "petugas-a" not in html
    with app.app_context():
        assert db.session.scalar(select(AuditLog.id).where(AuditLog.user_id.is_(None))) is not None

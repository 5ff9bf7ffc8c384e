"""Management pages: kecamatan admins only; users, devices, targets, service types, rules, holidays."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, DeviceToken, Holiday, RuleSetVersion, ScoreOutbox, ServiceType, Target, User
from tests.admin.helpers import login, post_form

MANAGE_PAGES = ("/admin/kelola", "/admin/kelola/pengguna", "/admin/kelola/pengguna/baru", "/admin/kelola/perangkat",
                "/admin/kelola/target", "/admin/kelola/layanan", "/admin/kelola/aturan", "/admin/kelola/libur",
                "/admin/kelola/impor-wilayah", "/admin/kelola/impor-rekaman")


@pytest.mark.parametrize("url", MANAGE_PAGES)
def test_management_pages_for_camat_only(client, world, app, url):
    login(client, "camat")
    assert client.get(url).status_code == 200
    lurah = app.test_client()
    login(lurah, "lurah")
    resp = lurah.get(url)
    assert resp.status_code == 403 and "Akses ditolak" in resp.get_data(as_text=True)


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditLog.action)))


def test_create_user_with_scope(client, world, app):
    login(client, "camat")
    resp = post_form(client, "/admin/kelola/pengguna/baru", "/admin/kelola/pengguna/baru",
                     {"username": "lurah2", "name": "Lurah Dua", "role": "kelurahan_admin", "password": "panjang123",
                      "scope": [str(world.kel2.id)]})
    assert resp.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "lurah2"))
        assert user.kecamatan_id == world.kec_id and [s.kelurahan_id for s in user.scopes] == [world.kel2.id]
    assert "user.create" in _actions(app)
    new = app.test_client()
    assert login(new, "lurah2", "panjang123").status_code == 302


def test_create_user_refuses_bad_input_and_foreign_scope(client, world, app):
    login(client, "camat")
    resp = post_form(client, "/admin/kelola/pengguna/baru", "/admin/kelola/pengguna/baru",
                     {"username": "camat", "name": "X", "role": "kelurahan_admin", "password": "pendek",
                      "scope": [str(world.other.kelurahan[0].id)]})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "sudah dipakai" in html and "minimal 8" in html and "di luar kecamatan" in html


def test_user_creation_without_csrf_is_refused(client, world, app):
    login(client, "camat")
    resp = client.post("/admin/kelola/pengguna/baru",
                       data={"username": "x1", "name": "X", "role": "officer", "password": "panjang123"})
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "x1")) is None


def test_deactivate_user_revokes_tokens(client, world, app):
    login(client, "camat")
    resp = post_form(client, "/admin/kelola/pengguna", f"/admin/kelola/pengguna/{world.petugas.id}/aktif", {})
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.get(User, world.petugas.id).active is False
        tokens = db.session.scalars(select(DeviceToken).where(DeviceToken.user_id == world.petugas.id)).all()
        assert tokens and all(t.revoked_at is not None for t in tokens)
    assert "user.deactivate" in _actions(app)


def test_camat_cannot_deactivate_self_or_edit_foreign_users(client, world, app):
    login(client, "camat")
    post_form(client, "/admin/kelola/pengguna", f"/admin/kelola/pengguna/{world.camat.id}/aktif", {})
    with app.app_context():
        assert db.session.get(User, world.camat.id).active is True
        from tests.factories import make_user
        foreign, _ = make_user("camat2", "kecamatan_admin", world.other.kecamatan)
        foreign_id = foreign.id
    assert client.get(f"/admin/kelola/pengguna/{foreign_id}").status_code == 404
    assert "camat2" not in client.get("/admin/kelola/pengguna").get_data(as_text=True)


def test_revoke_a_device_token(client, world, app):
    with app.app_context():
        token_id = db.session.scalar(select(DeviceToken.id).where(DeviceToken.user_id == world.petugas.id))
    login(client, "camat")
    assert "pytest" in client.get("/admin/kelola/perangkat").get_data(as_text=True)
    resp = post_form(client, "/admin/kelola/perangkat", f"/admin/kelola/perangkat/{token_id}/cabut", {})
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.get(DeviceToken, token_id).revoked_at is not None
    assert "device.revoke" in _actions(app)


def test_set_targets_marks_year_stale(client, world, app):
    login(client, "camat")
    resp = post_form(client, "/admin/kelola/target?year=2026", "/admin/kelola/target",
                     {"year": "2026", "IKU1": "80", "IKU2": "85,5", "IKU3": ""})
    assert resp.status_code == 303
    with app.app_context():
        targets = dict(db.session.execute(select(Target.code, Target.value)
                                          .where(Target.kecamatan_id == world.kec_id, Target.year == 2026)).all())
        assert targets == {"IKU1": 80.0, "IKU2": 85.5}
        assert (world.kec_id, 2026) in db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).all()
    assert "85,50" in client.get("/admin/kelola/target?year=2026").get_data(as_text=True)
    bad = post_form(client, "/admin/kelola/target?year=2026", "/admin/kelola/target", {"year": "2026", "IKU1": "abc"})
    assert bad.status_code == 422


def test_edit_and_add_service_types(client, world, app):
    login(client, "camat")
    resp = post_form(client, "/admin/kelola/layanan", "/admin/kelola/layanan",
                     {"code": "sktm", "name": "SKTM", "group": "umum", "section": "Seksi Kessos",
                      "sop_value": "2", "sop_unit": "working_days", "active": "on"})
    assert resp.status_code == 303
    resp = post_form(client, "/admin/kelola/layanan", "/admin/kelola/layanan",
                     {"code": "surat-baru", "name": "Surat baru", "group": "umum", "section": "Seksi Trantib",
                      "sop_value": "30", "sop_unit": "minutes", "active": "on"})
    assert resp.status_code == 303
    with app.app_context():
        sktm = db.session.get(ServiceType, "sktm")
        assert (sktm.sop_value, sktm.sop_unit) == (2, "working_days")
        assert db.session.get(ServiceType, "surat-baru").section == "Seksi Trantib"
        # restore the catalogue for the other tests (it is kept between tests)
        sktm.sop_value, sktm.sop_unit = 60, "minutes"
        db.session.delete(db.session.get(ServiceType, "surat-baru"))
        db.session.commit()
    bad = post_form(client, "/admin/kelola/layanan", "/admin/kelola/layanan",
                    {"code": "x", "name": "", "group": "lain", "section": "", "sop_value": "0", "sop_unit": "jam"})
    assert bad.status_code == 422


def test_new_rule_set_in_a_future_period(client, world, app):
    next_year = str(dt.date.today().year + 1)
    login(client, "camat")
    form = {"effective_from": next_year, "mutu_a": "88,31", "mutu_b": "76.61", "mutu_c": "65", "k6_min_ikm": "76.61",
            "report_due_days": "14", **{f"crit_K{i}": "on" for i in range(1, 8)}}
    resp = post_form(client, "/admin/kelola/aturan", "/admin/kelola/aturan", form)
    assert resp.status_code == 303
    with app.app_context():
        rule = db.session.scalar(select(RuleSetVersion))
        assert rule.version == 1 and rule.effective_from == next_year
        assert rule.rules["report_due_days"] == 14 and rule.rules["mutu_a"] == 88.31
        assert rule.created_by == world.camat.id
    assert "rules.create" in _actions(app)


def test_rule_set_in_a_past_period_needs_confirmation(client, world, app):
    login(client, "camat")
    form = {"effective_from": "2020", "mutu_a": "88.31", "mutu_b": "76.61", "mutu_c": "65", "k6_min_ikm": "76.61",
            "report_due_days": "10", "crit_K1": "on"}
    resp = post_form(client, "/admin/kelola/aturan", "/admin/kelola/aturan", form)
    assert resp.status_code == 422 and "Centang konfirmasi" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(RuleSetVersion)) is None
    resp = post_form(client, "/admin/kelola/aturan", "/admin/kelola/aturan", {**form, "confirm_past": "on"})
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(RuleSetVersion.effective_from)) == "2020"


def test_rule_set_with_bad_bounds_is_refused(client, world, app):
    login(client, "camat")
    form = {"effective_from": "2099", "mutu_a": "60", "mutu_b": "76.61", "mutu_c": "65", "k6_min_ikm": "76.61",
            "report_due_days": "10"}
    resp = post_form(client, "/admin/kelola/aturan", "/admin/kelola/aturan", form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "A ≥ B ≥ C" in html and "minimal satu kriteria" in html


def test_holidays_add_and_remove(client, world, app):
    login(client, "camat")
    form = {"date": "2026-08-17", "name": "Hari Kemerdekaan", "action": "add"}
    resp = post_form(client, "/admin/kelola/libur", "/admin/kelola/libur", form)
    if resp.status_code == 422:  # A holiday in a closed quarter asks first, naming the quarter
        assert "2026-Q3" in resp.get_data(as_text=True)
        resp = post_form(client, "/admin/kelola/libur", "/admin/kelola/libur", {**form, "confirm_past": "on"})
    assert resp.status_code == 303
    html = client.get("/admin/kelola/libur").get_data(as_text=True)
    assert "17/08/2026" in html and "Hari Kemerdekaan" in html
    post_form(client, "/admin/kelola/libur", "/admin/kelola/libur",
              {"date": "2026-08-17", "action": "delete", "confirm_past": "on"})
    with app.app_context():
        assert db.session.get(Holiday, dt.date(2026, 8, 17)) is None
    assert {"holiday.add", "holiday.delete"} <= set(_actions(app))

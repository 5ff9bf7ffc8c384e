"""Login, logout, roles, CSRF refusals and the language switch of the admin pages."""
from __future__ import annotations

from tests.admin.helpers import csrf_from, login, post_form


def test_login_page_has_the_contract_names(client, world):
    html = client.get("/admin/login").get_data(as_text=True)
    assert '<label for="username">Nama pengguna</label>' in html
    assert '<label for="password">Kata sandi</label>' in html
    assert ">Masuk</button>" in html


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get("/admin/")
    assert resp.status_code == 302
    assert "/admin/login" in resp.headers["Location"]


def test_camat_logs_in_and_sees_dashboard(client, world):
    resp = login(client, "camat")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_wrong_password_is_refused(client, world):
    resp = login(client, "camat", "salah-sekali")
    assert resp.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in resp.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, world):
    resp = client.post("/admin/login", data={"username": "camat", "password": "rahasia123"})
    assert resp.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_login_with_a_forged_csrf_token_is_refused(client, world):
    client.get("/admin/login")
    resp = client.post("/admin/login", data={"username": "camat", "password": "rahasia123", "csrf_token": "forged"})
    assert resp.status_code == 400


def test_officer_and_kiosk_get_a_403_page_pointing_to_the_app(client, world):
    for username in ("petugas", "kiosk"):
        resp = login(client, username)
        assert resp.status_code == 403
        html = resp.get_data(as_text=True)
        assert "/app/" in html and "Akses ditolak" in html
        assert client.get("/admin/").status_code == 302  # not logged in


def test_deactivated_user_cannot_log_in(client, world, app):
    from server.extensions import db
    from server.models import User

    with app.app_context():
        db.session.get(User, world.camat.id).active = False
        db.session.commit()
    assert login(client, "camat").status_code == 401


def test_logout_needs_post_with_csrf(client, world):
    login(client, "camat")
    assert client.get("/admin/logout").status_code == 405
    assert client.post("/admin/logout").status_code == 400  # no token
    resp = post_form(client, "/admin/", "/admin/logout", {})
    assert resp.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_login_is_audited(client, world, app):
    from sqlalchemy import select

    from server.extensions import db
    from server.models import AuditLog

    login(client, "camat")
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).where(AuditLog.user_id == world.camat.id)).all()
    assert "login" in actions


def test_open_redirect_is_not_followed(client, world):
    page = client.get("/admin/login?next=https://evil.example/")
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post("/admin/login?next=https://evil.example/",
                       data={"username": "camat", "password": "rahasia123", "csrf_token": token})
    assert resp.headers["Location"].endswith("/admin/")


def test_language_switch_to_english_and_back(client, world):
    login(client, "camat")
    resp = post_form(client, "/admin/", "/admin/bahasa", {"lang": "en", "next": "/admin/"})
    assert resp.status_code == 302
    html = client.get("/admin/").get_data(as_text=True)
    assert "Strategic objective" in html and "Unduh Excel" in html  # the contract name stays
    post_form(client, "/admin/", "/admin/bahasa", {"lang": "id", "next": "/admin/"})
    assert "Sasaran strategis" in client.get("/admin/").get_data(as_text=True)


def test_pages_send_a_strict_csp(client, world):
    login(client, "camat")
    resp = client.get("/admin/")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "<script>" not in resp.get_data(as_text=True)  # only script files


def test_a_session_whose_user_became_an_officer_is_refused(client, world, app):
    from server.extensions import db
    from server.models import User

    login(client, "camat")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        db.session.get(User, world.camat.id).role = "officer"
        db.session.commit()
    resp = client.get("/admin/")  # a role change ends the session: back to the login
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]
    assert client.get("/admin/ekspor/pengaduan.csv").status_code == 302


def test_a_deactivated_user_loses_the_session(client, world, app):
    from server.extensions import db
    from server.models import User

    login(client, "camat")
    with app.app_context():
        db.session.get(User, world.camat.id).active = False
        db.session.commit()
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


# -- sessions that really end (issue #10) ----------------------------------------------------------

def _copy_session(app, client):
    """A second browser holding a copy of `client`'s session cookie (a cookie copied off a PC)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _api_token(client, username, password="rahasia123"):
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 201, resp.json
    return {"Authorization": f"Bearer {resp.json['token']}"}


def _locked_out(thief) -> bool:
    page = thief.get("/admin/")
    api = thief.get("/api/v1/submissions?form=inspeksi-rw")
    return page.status_code == 302 and "/admin/login" in page.headers["Location"] and api.status_code == 401


def test_a_cookie_copied_before_logout_is_dead_after_it(app, client, world):
    login(client, "camat")
    thief = _copy_session(app, client)
    token = _api_token(app.test_client(), "camat")
    assert thief.get("/admin/").status_code == 200
    assert thief.get("/api/v1/submissions?form=inspeksi-rw").status_code == 200
    assert post_form(client, "/admin/", "/admin/logout", {}).status_code == 302
    assert _locked_out(thief)
    assert app.test_client().get("/api/v1/auth/me", headers=token).status_code == 401  # every token too
    assert login(client, "camat").status_code == 302  # and a new login works


def test_a_password_change_on_the_admin_page_ends_sessions_and_tokens(app, client, world):
    lurah = app.test_client()
    login(lurah, "lurah")
    officer_token = _api_token(app.test_client(), "petugas")
    login(client, "camat")
    for user, scope in ((world.lurah, world.kel1.id), (world.petugas, world.kel1.id)):
        resp = post_form(client, f"/admin/kelola/pengguna/{user.id}", f"/admin/kelola/pengguna/{user.id}",
                         {"name": user.name, "role": user.role, "scope": [str(scope)], "password": "kata-sandi-baru"})
        assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    assert _locked_out(lurah)
    assert app.test_client().get("/api/v1/bootstrap", headers=officer_token).status_code == 401
    assert app.test_client().get("/api/v1/auth/me", headers=_api_token(app.test_client(), "petugas",
                                                                          "kata-sandi-baru")).status_code == 200


def test_a_password_change_by_the_cli_ends_sessions_and_tokens(app, client, world):
    login(client, "lurah")
    token = _api_token(app.test_client(), "lurah")
    result = app.test_cli_runner().invoke(args=["create-user", "lurah", "--role", "kelurahan_admin", "--password",
                                                "kata-sandi-baru", "--scope", world.kel1.kode])
    assert result.exit_code == 0, result.output
    assert _locked_out(client)
    assert app.test_client().get("/api/v1/auth/me", headers=token).status_code == 401


def test_deactivation_then_reactivation_does_not_bring_old_sessions_back(app, client, world):
    lurah = app.test_client()
    login(lurah, "lurah")
    token = _api_token(app.test_client(), "lurah")
    login(client, "camat")
    url = f"/admin/kelola/pengguna/{world.lurah.id}/aktif"
    assert post_form(client, "/admin/kelola/pengguna", url, {}).status_code == 303  # off
    assert post_form(client, "/admin/kelola/pengguna", url, {}).status_code == 303  # on again
    assert _locked_out(lurah)
    assert app.test_client().get("/api/v1/auth/me", headers=token).status_code == 401
    assert login(lurah, "lurah").status_code == 302  # the reactivated user logs in afresh


def test_a_scope_change_ends_the_session(app, client, world):
    lurah = app.test_client()
    login(lurah, "lurah")
    login(client, "camat")
    resp = post_form(client, f"/admin/kelola/pengguna/{world.lurah.id}", f"/admin/kelola/pengguna/{world.lurah.id}",
                     {"name": "Lurah", "role": "kelurahan_admin", "scope": [str(world.kel2.id)]})
    assert resp.status_code == 303
    assert _locked_out(lurah)


def test_sessions_end_when_idle_and_after_an_office_day(app, client, world, monkeypatch):
    import time as real_time
    from types import SimpleNamespace

    import server.security as security

    now = [real_time.time()]
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: now[0]))
    idle, day = app.config["SESSION_IDLE_MINUTES"] * 60, app.config["SESSION_MAX_HOURS"] * 3600
    assert idle <= 4 * 3600 and day <= 12 * 3600  # an office day, documented in docs/security.md
    login(client, "camat")
    now[0] += idle - 60
    assert client.get("/admin/").status_code == 200  # active within the idle time
    now[0] += idle + 1
    assert client.get("/admin/").status_code == 302  # idle too long
    login(client, "camat")
    for _ in range(day // (idle - 60) + 1):  # busy all day long, never idle
        now[0] += idle - 60
        client.get("/admin/")
    assert client.get("/admin/").status_code == 302  # but not longer than the day

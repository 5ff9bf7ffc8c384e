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
    resp = client.get("/admin/")
    assert resp.status_code == 403 and "/app/" in resp.get_data(as_text=True)
    assert client.get("/admin/ekspor/pengaduan.csv").status_code == 403


def test_a_deactivated_user_loses_the_session(client, world, app):
    from server.extensions import db
    from server.models import User

    login(client, "camat")
    with app.app_context():
        db.session.get(User, world.camat.id).active = False
        db.session.commit()
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]

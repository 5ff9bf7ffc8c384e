"""POST/DELETE /api/v1/auth/token and GET /api/v1/auth/me, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import DeviceToken, User
from server.security import token_digest
from tests.factories import auth, make_user, make_wilayah


@pytest.fixture
def officer(app):
    with app.app_context():
        w = make_wilayah()
        user, _ = make_user("petugas1", "officer", w.kecamatan, [w.kelurahan[0]], password="benar-sekali")
        return user.id


def test_login_returns_token_and_user(client, officer):
    resp = client.post("/api/v1/auth/token", json={"username": "petugas1", "password": "benar-sekali",
                                                   "device": "HP Andi"})
    assert resp.status_code == 201, resp.json
    assert set(resp.json) == {"token", "user"}
    assert resp.json["user"] == {"id": officer, "username": "petugas1", "name": "Petugas1", "role": "officer"}
    token = resp.json["token"]
    me = client.get("/api/v1/auth/me", headers=auth(token))
    assert me.status_code == 200
    assert me.json["username"] == "petugas1"


def test_token_is_stored_only_as_digest(app, client, officer):
    token = client.post("/api/v1/auth/token", json={"username": "petugas1", "password": "benar-sekali",
                                                    "device": "HP Andi"}).json["token"]
    with app.app_context():
        rows = db.session.execute(select(DeviceToken.token_hash, DeviceToken.device)
                                  .where(DeviceToken.device == "HP Andi")).all()
    assert [r.token_hash for r in rows] == [token_digest(token)]
    assert token_digest(token) != token


@pytest.mark.parametrize("body", [
    {"username": "petugas1", "password": "salah"},
    {"username": "tidak-ada", "password": "benar-sekali"},
    {"username": "PETUGAS1", "password": "benar-sekali"},
])
def test_bad_credentials_are_401(client, officer, body):
    resp = client.post("/api/v1/auth/token", json=body)
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "invalid_credentials"
    assert set(resp.json["error"]) == {"code", "message", "fields"}
    assert "token" not in resp.json


@pytest.mark.parametrize("body", [
    '{"username": "petugas1\\u0000", "password": "benar-sekali"}',
    '{"username": "\\ud800", "password": "benar-sekali"}',
    '{"username": "petugas1", "password": "\\udfff"}',
    '{"username": "petugas1", "password": "benar-sekali\\u0000"}',
])
def test_unstorable_text_is_a_bad_login_not_a_crash(client, officer, body):
    resp = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert resp.status_code == 401, resp.json


def test_unstorable_device_name_is_422(client, officer):
    resp = client.post("/api/v1/auth/token", content_type="application/json",
                       data='{"username": "petugas1", "password": "benar-sekali", "device": "HP\\u0000"}')
    assert resp.status_code == 422
    assert "device" in resp.json["error"]["fields"]


def test_inactive_user_cannot_log_in(app, client, officer):
    with app.app_context():
        db.session.get(User, officer).active = False
        db.session.commit()
    resp = client.post("/api/v1/auth/token", json={"username": "petugas1", "password": "benar-sekali"})
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "invalid_credentials"


def test_deactivating_a_user_locks_out_their_tokens(app, client, officer):
    token = client.post("/api/v1/auth/token", json={"username": "petugas1", "password": "benar-sekali"}).json["token"]
    with app.app_context():
        db.session.get(User, officer).active = False
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers=auth(token)).status_code == 401


@pytest.mark.parametrize("body", [
    {},
    {"username": "petugas1"},
    {"password": "benar-sekali"},
    {"username": 5, "password": "benar-sekali"},
    {"username": "petugas1", "password": ["benar-sekali"]},
    {"username": "", "password": "x"},
    {"username": "petugas1", "password": "benar-sekali", "device": "x" * 121},
    {"username": "petugas1", "password": "benar-sekali", "extra": 1},
])
def test_malformed_body_is_422(client, officer, body):
    resp = client.post("/api/v1/auth/token", json=body)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["code"] == "invalid"
    assert resp.json["error"]["fields"]


def test_non_json_body_is_a_client_error(client, officer):
    resp = client.post("/api/v1/auth/token", data="username=petugas1&password=benar-sekali",
                       content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 422
    broken = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json["error"]["code"] == "bad_request"


def test_revocation_takes_effect_at_once(client, officer):
    first = client.post("/api/v1/auth/token", json={"username": "petugas1", "password": "benar-sekali"}).json["token"]
    second = client.post("/api/v1/auth/token", json={"username": "petugas1", "password": "benar-sekali"}).json["token"]
    assert client.get("/api/v1/bootstrap", headers=auth(first)).status_code == 200
    resp = client.delete("/api/v1/auth/token", headers=auth(first))
    assert resp.status_code == 204
    assert resp.data == b""
    assert client.get("/api/v1/auth/me", headers=auth(first)).status_code == 401
    assert client.get("/api/v1/bootstrap", headers=auth(first)).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=auth(first)).status_code == 401
    # Other devices of the same user keep working.
    assert client.get("/api/v1/auth/me", headers=auth(second)).status_code == 200


def test_me_and_logout_need_a_token(client):
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.delete("/api/v1/auth/token").status_code == 401
    assert client.get("/api/v1/auth/me", headers=auth("nope")).json["error"]["code"] == "unauthorized"


def test_openapi_documents_auth_with_bearer_scheme(client):
    doc = client.get("/api/v1/openapi.json").json
    assert "bearer" in doc["components"]["securitySchemes"]
    assert {"post", "delete"} <= set(doc["paths"]["/api/v1/auth/token"])
    assert doc["paths"]["/api/v1/auth/me"]["get"]["security"] == [{"bearer": []}]
    assert "201" in doc["paths"]["/api/v1/auth/token"]["post"]["responses"]


# -- the login limit (issue #10): per address AND per username, both doors, every process -------------

def _limited_app(tmp_path, name="limits.sqlite", **overrides):
    from tests.conftest import make_test_app

    return make_test_app(f"sqlite:///{tmp_path / name}", RATELIMIT_ENABLED=True, **overrides)


def _admin_attempt(client, username, password, addr):
    import re

    page = client.get("/admin/login", environ_base={"REMOTE_ADDR": addr})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


def _api_attempt(client, username, password, addr):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def _assert_429(resp):
    assert resp.status_code == 429, resp.status_code
    wait = int(resp.headers["Retry-After"])
    assert 0 < wait <= 61
    assert resp.json["error"]["code"] == "too_many_requests" and set(resp.json["error"]) == {"code", "message", "fields"}
    assert "Coba lagi dalam" in resp.json["error"]["message"] and "pukul" in resp.json["error"]["message"]


def test_ten_wrong_passwords_per_username_across_both_doors_and_addresses(tmp_path):
    """Without Redis the count lives in the database, so two apps (two processes) share it."""
    one = _limited_app(tmp_path, REDIS_URL=None)
    two = _limited_app(tmp_path, REDIS_URL=None)  # a second process on the same database
    with one.app_context():
        w = make_wilayah()
        make_user("camat", "kecamatan_admin", w.kecamatan, password="benar-sekali")
    a, b = one.test_client(), two.test_client()
    statuses = [_api_attempt(a, "camat", f"salah{i}", f"10.0.0.{i}").status_code for i in range(5)]
    statuses += [_admin_attempt(b, "camat", f"salah{i}", f"10.0.1.{i}").status_code for i in range(5)]
    assert statuses == [401] * 10
    _assert_429(_api_attempt(a, "camat", "benar-sekali", "10.0.2.1"))  # even the right password waits
    admin = _admin_attempt(b, "camat", "benar-sekali", "10.0.2.2")
    assert admin.status_code == 429 and "Coba lagi dalam" in admin.get_data(as_text=True)
    assert 0 < int(admin.headers["Retry-After"]) <= 61
    # Another user from yet another address is not held up.
    assert _api_attempt(a, "lain", "salah", "10.0.3.1").status_code == 401


def test_ten_wrong_passwords_per_address_across_usernames(tmp_path):
    app = _limited_app(tmp_path, REDIS_URL=None)
    client = app.test_client()
    statuses = [_api_attempt(client, f"tebak{i}", "salah", "10.9.9.9").status_code for i in range(10)]
    assert statuses == [401] * 10
    _assert_429(_api_attempt(client, "tebak-lagi", "salah", "10.9.9.9"))
    assert _api_attempt(client, "tebak-lagi", "salah", "10.9.9.10").status_code == 401


def test_the_limit_window_ends(tmp_path, monkeypatch):
    import server.login_guard as guard

    app = _limited_app(tmp_path, REDIS_URL=None)
    client = app.test_client()
    for i in range(10):
        _api_attempt(client, "camat", "salah", "10.1.1.1")
    _assert_429(_api_attempt(client, "camat", "salah", "10.1.1.1"))
    real = guard.time.time
    monkeypatch.setattr(guard.time, "time", lambda: real() + 61)
    assert _api_attempt(client, "camat", "salah", "10.1.1.1").status_code == 401

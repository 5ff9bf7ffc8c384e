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

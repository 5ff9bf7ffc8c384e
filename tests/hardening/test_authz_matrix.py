"""The authorization matrix: every API endpoint × every role × in/out of scope → the expected answer.

Endpoints are discovered from ``app.url_map``: an API route without a matrix entry (or an entry
for a route that is gone) fails the test, so a new endpoint cannot ship without someone deciding
who may call it. Three places: kelurahan 1 of kecamatan A (the scope of every role but the other
kecamatan's admin), its sibling kelurahan 2 (only the kecamatan admin's) and kecamatan B (only
its own admin's).

The roles: anonymous, officer / kiosk / kelurahan admin (kelurahan 1 of A), kecamatan admin (A),
the admin of kecamatan B, and an officer whose token was revoked.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from server.extensions import db
from server.models import Submission, User
from server.security import issue_token
from tests.factories import auth
from tests.hardening.helpers import inspeksi_item, observed_yesterday, png_bytes
from tests.hardening.world import PASSWORD, ROLES, SCOPES, USERNAMES, World

# -- what each endpoint is asked, and what each role must get ---------------------------------------

@dataclass
class Call:
    """One request of the matrix and its outcome."""

    role: str
    scope: str
    world: World
    client: FlaskClient
    app: Flask

    def headers(self) -> dict[str, str]:
        token = self.world.tokens[self.role]
        return auth(token) if token else {}


Check = Callable[[Call], None]


def _status(resp, expected: set[int], call: Call) -> None:
    assert resp.status_code in expected, (call.role, call.scope, resp.status_code, resp.get_data(as_text=True)[:300])


def _unauthenticated(call: Call) -> bool:
    return call.role in ("anonymous", "revoked")


def _allowed(call: Call) -> bool:
    """Whether the caller's scope covers the place the call names."""
    if call.role == "other_admin":
        return call.scope == "out"
    if call.role == "kecamatan_admin":
        return call.scope in ("in", "sibling")
    return call.scope == "in"


def _place(call: Call, in_: object, sibling: object, out: object) -> object:
    return {"in": in_, "sibling": sibling, "out": out}[call.scope]


def _admin_read(url: Callable[[Call], str]) -> Check:
    """Admins only; within the caller's scope 200, outside it 404 (like a kelurahan that does not exist)."""

    def check(call: Call) -> None:
        resp = call.client.get(url(call), headers=call.headers())
        if _unauthenticated(call):
            expected = {401}
        elif call.role in ("officer", "kiosk"):
            expected = {403}
        else:
            expected = {200} if _allowed(call) else {404}
        _status(resp, expected, call)

    return check


def _indicator_url(path: str) -> Callable[[Call], str]:
    def url(call: Call) -> str:
        w = call.world
        kel = _place(call, w.kel_in, w.kel_in_sibling, w.kel_out)
        return f"/api/v1/indicators{path}?period=2026&kelurahan_id={kel}"

    return url


def _public(url: str, ok: frozenset[int] = frozenset({200})) -> Check:
    def check(call: Call) -> None:
        _status(call.client.get(url, headers=call.headers()), set(ok), call)

    return check


def _signed_in(method: str, url: str, ok: int) -> Check:
    def check(call: Call) -> None:
        resp = call.client.open(url, method=method, headers=call.headers())
        _status(resp, {401} if _unauthenticated(call) else {ok}, call)

    return check


def check_token_post(call: Call) -> None:
    username = USERNAMES.get(call.role, "nobody")
    password = PASSWORD if call.role != "anonymous" else "salah"
    resp = call.client.post("/api/v1/auth/token", json={"username": username, "password": password, "device": "matrix"})
    _status(resp, {401} if call.role == "anonymous" else {201}, call)
    if resp.status_code == 201:
        token = resp.json["token"]
        assert call.client.get("/api/v1/auth/me", headers=auth(token)).json["username"] == username


def check_token_delete(call: Call) -> None:
    token = call.world.tokens[call.role]
    if call.role not in ("anonymous", "revoked"):
        with call.app.app_context():  # a fresh token: revoking must not break the rest of the matrix
            user = db.session.scalar(select(User).where(User.username == USERNAMES[call.role]))
            token = issue_token(user, "matrix")
            db.session.commit()
    resp = call.client.delete("/api/v1/auth/token", headers=auth(token) if token else {})
    _status(resp, {401} if _unauthenticated(call) else {204}, call)
    if token and resp.status_code == 204:
        _status(call.client.get("/api/v1/auth/me", headers=auth(token)), {401}, call)


def check_reviews(call: Call) -> None:
    """Anyone signed in reads the decisions on their OWN records only (user_id = caller)."""
    resp = call.client.get("/api/v1/reviews", headers=call.headers())
    _status(resp, {401} if _unauthenticated(call) else {200}, call)
    if resp.status_code == 200:
        with call.app.app_context():
            mine = {str(i) for i in db.session.scalars(select(Submission.id).join(User, User.id == Submission.user_id)
                                                       .where(User.username == USERNAMES[call.role]))}
        assert {r["id"] for r in resp.json["reviews"]} <= mine, (call.role, resp.json)


def check_open_items(call: Call) -> None:
    """Open complaints and services of the caller's scope only (kiosks: none)."""
    resp = call.client.get("/api/v1/open-items", headers=call.headers())
    _status(resp, {401} if _unauthenticated(call) else {200}, call)
    if resp.status_code == 200:
        w = call.world
        expected = {"kecamatan_admin": {w.kel_in, w.kel_in_sibling}, "other_admin": {w.kel_out}}.get(call.role, {w.kel_in})
        items = resp.json["complaints"] + resp.json["services"]
        assert {i["subject"].get("kelurahan_id") for i in items if "kelurahan_id" in i["subject"]} <= expected, \
            (call.role, items)


def check_bootstrap(call: Call) -> None:
    resp = call.client.get("/api/v1/bootstrap", headers=call.headers())
    _status(resp, {401} if _unauthenticated(call) else {200}, call)
    if resp.status_code == 200:
        w = call.world
        expected = {"kecamatan_admin": {w.kel_in, w.kel_in_sibling}, "other_admin": {w.kel_out}}.get(call.role, {w.kel_in})
        assert {k["id"] for k in resp.json["kelurahan"]} == expected, (call.role, resp.json["kelurahan"])


def check_submissions_post(call: Call) -> None:
    w = call.world
    if call.role == "kiosk":
        kel = _place(call, w.kel_in, w.kel_in_sibling, w.kel_out)
        item = {"id": str(uuid.uuid4()), "form": "skm", "form_version": 1, "subject": {"kelurahan_id": kel},
                "observed_at": observed_yesterday(), "data": {f"u{i}": 3 for i in range(1, 10)}}
    else:
        item = inspeksi_item(_place(call, w.rw_in, w.rw_sibling, w.rw_out))
    resp = call.client.post("/api/v1/submissions", json={"submissions": [item]}, headers=call.headers())
    if _unauthenticated(call):
        _status(resp, {401}, call)
    else:
        _status(resp, {200}, call)
        assert resp.json["results"][0]["status"] == ("created" if _allowed(call) else "invalid"), (call.role, call.scope, resp.json)
    with call.app.app_context():
        stored = db.session.get(Submission, uuid.UUID(item["id"])) is not None
    assert stored == (resp.status_code == 200 and resp.json["results"][0]["status"] == "created")


def check_submissions_get(call: Call) -> None:
    resp = call.client.get("/api/v1/submissions?form=inspeksi-rw&limit=500", headers=call.headers())
    if _unauthenticated(call):
        _status(resp, {401}, call)
        return
    if call.role in ("officer", "kiosk"):
        _status(resp, {403}, call)
        return
    _status(resp, {200}, call)
    listed = {s["id"] for s in resp.json["submissions"]} & call.world.every_submission
    assert listed == call.world.visible[call.role], (call.role, listed)


def check_attachment_get(call: Call) -> None:
    """GET and HEAD: 200 within scope; otherwise exactly what a photo that was never uploaded gets."""
    w = call.world
    sha = _place(call, w.photo_in, w.photo_sibling, w.photo_out)
    for method in ("GET", "HEAD"):
        resp = call.client.open(f"/api/v1/attachments/{sha}", method=method, headers=call.headers())
        if _unauthenticated(call):
            expected = {401}
        elif call.role == "kiosk":
            expected = {404}  # a kiosk reads nothing back, not even photos of its own kelurahan
        else:
            expected = {200} if _allowed(call) else {404}
        _status(resp, expected, call)


def check_attachment_put(call: Call) -> None:
    body = png_bytes(hash((call.role, call.scope)) % 10_000 + 1000)
    sha = hashlib.sha256(body).hexdigest()
    resp = call.client.put(f"/api/v1/attachments/{sha}", data=body, content_type="image/png", headers=call.headers())
    _status(resp, {401} if _unauthenticated(call) else {200, 201}, call)


# (method, rule) → the check run for every role × scope. Keep in step with the app (the test says so).
MATRIX: dict[tuple[str, str], Check] = {
    ("GET", "/api/v1/health"): _public("/api/v1/health"),
    ("GET", "/api/v1/health/ready"): _public("/api/v1/health/ready", frozenset({200, 503})),
    ("GET", "/api/v1/openapi.json"): _public("/api/v1/openapi.json"),
    ("POST", "/api/v1/auth/token"): check_token_post,
    ("DELETE", "/api/v1/auth/token"): check_token_delete,
    ("GET", "/api/v1/auth/me"): _signed_in("GET", "/api/v1/auth/me", 200),
    ("GET", "/api/v1/bootstrap"): check_bootstrap,
    ("GET", "/api/v1/reviews"): check_reviews,
    ("GET", "/api/v1/open-items"): check_open_items,
    ("POST", "/api/v1/submissions"): check_submissions_post,
    ("GET", "/api/v1/submissions"): check_submissions_get,
    ("GET", "/api/v1/attachments/<string:sha256>"): check_attachment_get,
    ("PUT", "/api/v1/attachments/<string:sha256>"): check_attachment_put,
    ("GET", "/api/v1/indicators"): _admin_read(_indicator_url("")),
    ("GET", "/api/v1/indicators/criteria"): _admin_read(_indicator_url("/criteria")),
    ("GET", "/api/v1/indicators/rw"): _admin_read(_indicator_url("/rw")),
    ("GET", "/api/v1/indicators/<string:code>/records"): _admin_read(_indicator_url("/IKU1/records")),
}


def api_routes(app: Flask) -> set[tuple[str, str]]:
    """Every (method, rule) the app serves under /api/ (HEAD and OPTIONS come with GET)."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_api_endpoint_has_a_matrix_entry(app):
    served = api_routes(app)
    missing = sorted(served - MATRIX.keys())
    stale = sorted(MATRIX.keys() - served)
    assert not missing, f"API endpoints with no authorization-matrix entry: {missing}"
    assert not stale, f"matrix entries for endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_authorization_matrix(app, client, world, route):
    check = MATRIX[route]
    for role in ROLES:
        for scope in SCOPES:
            check(Call(role=role, scope=scope, world=world, client=client, app=app))


# -- token revocation takes effect at once ------------------------------------------------------------

def test_revoked_token_is_refused_by_the_very_next_request(app, client, world):
    login = client.post("/api/v1/auth/token", json={"username": "petugas", "password": PASSWORD})
    token = login.json["token"]
    assert client.get("/api/v1/bootstrap", headers=auth(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/bootstrap", headers=auth(token)).status_code == 401
    item = inspeksi_item(world.rw_in)
    assert client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(token)).status_code == 401
    with app.app_context():
        assert db.session.get(Submission, uuid.UUID(item["id"])) is None
    # The other tokens of the same user keep working (revocation is per device).
    assert client.get("/api/v1/bootstrap", headers=auth(world.tokens["officer"])).status_code == 200


def test_deactivated_user_is_refused_at_once(app, client, world):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "petugas"))
        user.active = False
        db.session.commit()
    assert client.get("/api/v1/bootstrap", headers=auth(world.tokens["officer"])).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "petugas", "password": PASSWORD}).status_code == 401


# -- no existence oracle: what the caller may not read answers like what does not exist ----------------

def _same_answer(a, b, where) -> None:
    assert a.status_code == b.status_code, (where, a.status_code, b.status_code)
    assert a.data == b.data, (where, a.data[:200], b.data[:200])
    skip = {"Set-Cookie", "Date"}
    assert sorted((k, v) for k, v in a.headers.items() if k not in skip) == \
        sorted((k, v) for k, v in b.headers.items() if k not in skip), where


def _admin_client(app, username):
    from tests.hardening.test_web_security import admin_login

    client, status = admin_login(app, username)
    assert status == 302
    return client


def test_no_existence_oracle_on_any_route(app, client, world):
    """For every route that names a resource, each caller gets for one it may not read exactly what it
    gets for one that does not exist: status, body and headers (photos by hash, indicators by
    kelurahan or kecamatan, admin records, their photos, users, devices)."""
    import uuid as _uuid

    absent_sha, absent_uuid, absent_id = "f" * 64, str(_uuid.uuid4()), 2**31 - 1
    w = world
    # API, every authenticated role: someone else's photo vs a hash never uploaded.
    unreadable = {"officer": w.photo_out, "kiosk": w.photo_in, "kelurahan_admin": w.photo_sibling,
                  "kecamatan_admin": w.photo_out, "other_admin": w.photo_in}
    for role, sha in unreadable.items():
        for method in ("GET", "HEAD"):
            call = lambda target: client.open(f"/api/v1/attachments/{target}", method=method,  # noqa: E731
                                              headers=auth(w.tokens[role]))
            _same_answer(call(sha), call(absent_sha), (role, method))
    # Indicators: another kecamatan's kelurahan (or a sibling, for the lurah) vs an id that does not exist.
    foreign = {"kelurahan_admin": w.kel_in_sibling, "kecamatan_admin": w.kel_out, "other_admin": w.kel_in}
    for rule in ("", "/criteria", "/rw", "/IKU2/records"):
        for role, kel in foreign.items():
            call = lambda k: client.get(f"/api/v1/indicators{rule}?period=2026&kelurahan_id={k}",  # noqa: E731
                                        headers=auth(w.tokens[role]))
            _same_answer(call(kel), call(absent_id), (rule, role))
        call = lambda k: client.get(f"/api/v1/indicators{rule}?period=2026&kecamatan_id={k}",  # noqa: E731
                                    headers=auth(w.tokens["kecamatan_admin"]))
        with app.app_context():
            from server.models import Kelurahan

            kec_out = db.session.get(Kelurahan, w.kel_out).kecamatan_id
        _same_answer(call(kec_out), call(absent_id), (rule, "kecamatan_id"))
    # Admin pages: records, their photos, users and devices of another kecamatan (or kelurahan).
    from server.models import DeviceToken

    with app.app_context():
        other_device = db.session.scalar(select(DeviceToken.id).where(DeviceToken.user_id == w.user_ids["other_admin"]))
    for username, sub, sha in (("camat", w.sub_out, w.photo_out), ("lurah", w.sub_sibling, w.photo_sibling),
                               ("camat-b", w.sub_in, w.photo_in)):
        admin = _admin_client(app, username)
        pairs = [(f"/admin/pengajuan/{sub}", f"/admin/pengajuan/{absent_uuid}"),
                 (f"/admin/pengajuan/{sub}/foto/{sha}", f"/admin/pengajuan/{absent_uuid}/foto/{sha}")]
        for hidden, missing in pairs:
            _same_answer(admin.get(hidden), admin.get(missing), (username, hidden))
    camat = _admin_client(app, "camat")
    _same_answer(camat.get(f"/admin/kelola/pengguna/{w.user_ids['other_admin']}"),
                 camat.get(f"/admin/kelola/pengguna/{absent_id}"), "user page")
    from tests.hardening.test_web_security import csrf_token

    token = csrf_token(camat, "/admin/kelola/perangkat")
    _same_answer(camat.post(f"/admin/kelola/perangkat/{other_device}/cabut", data={"csrf_token": token}),
                 camat.post(f"/admin/kelola/perangkat/{absent_id}/cabut", data={"csrf_token": token}), "device")
    # A photo named by an admin's own record but never held by its sender stays hidden on the admin route too.
    sneaky = inspeksi_item(w.rw_out, foto=[w.photo_in])
    assert client.post("/api/v1/submissions", json={"submissions": [sneaky]},
                       headers=auth(w.tokens["other_admin"])).json["results"][0]["status"] == "created"
    other = _admin_client(app, "camat-b")
    _same_answer(other.get(f"/admin/pengajuan/{sneaky['id']}/foto/{w.photo_in}"),
                 other.get(f"/admin/pengajuan/{sneaky['id']}/foto/{absent_sha}"), "sneaky admin photo")
    _same_answer(client.get(f"/api/v1/attachments/{w.photo_in}", headers=auth(w.tokens["other_admin"])),
                 client.get(f"/api/v1/attachments/{absent_sha}", headers=auth(w.tokens["other_admin"])), "sneaky api")


# -- sessions and tokens that end, kiosks that stay at their desk --------------------------------------

def test_tokens_end_with_password_role_scope_and_reactivation(app, client, world):
    """Every change that must end a user's sessions ends their device tokens too, in every process."""
    from server.models import UserScope

    changes = {
        "password": lambda u: setattr(u, "password_hash", u.password_hash + "x"),
        "role": lambda u: setattr(u, "role", "kelurahan_admin"),
        "scope": lambda u: db.session.add(UserScope(user_id=u.id, kelurahan_id=world.kel_in_sibling)),
        "deactivate+reactivate": lambda u: (setattr(u, "active", False), db.session.flush(), setattr(u, "active", True)),
    }
    for name, change in changes.items():
        login = client.post("/api/v1/auth/token", json={"username": "petugas", "password": PASSWORD})
        token = login.json["token"]
        assert client.get("/api/v1/bootstrap", headers=auth(token)).status_code == 200
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "petugas"))
            if name != "password":
                change(user)
                db.session.commit()
                assert client.get("/api/v1/bootstrap", headers=auth(token)).status_code == 401, name
                # put the officer back as it was (a fresh login follows)
                user = db.session.scalar(select(User).where(User.username == "petugas"))
                user.role = "officer"
                db.session.query(UserScope).filter(UserScope.user_id == user.id,
                                                   UserScope.kelurahan_id == world.kel_in_sibling).delete()
                db.session.commit()
            else:
                from server.security import hash_password

                user.password_hash = hash_password(PASSWORD)  # the same password, set again: a new hash
                db.session.commit()
                assert client.get("/api/v1/bootstrap", headers=auth(token)).status_code == 401, name

"""The browser-facing side: admin pages by role and scope, CSRF, cookie flags, security headers, CSP.

Admin routes are discovered from ``app.url_map`` like the API's: a page without an entry in
``ADMIN_PAGES`` (GET) or ``ADMIN_POSTS`` (POST) fails the test. Admins log in through the real
login form (CSRF token and all); officers and kiosks are refused there and get no session; a bearer
token never opens an admin page.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_test_app
from tests.factories import auth, make_user, make_wilayah
from tests.hardening.world import PASSWORD, USERNAMES, World

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ADMIN_ROLES = ("kelurahan_admin", "kecamatan_admin", "other_admin")


def csrf_token(client: FlaskClient, path: str = "/admin/login") -> str:
    """The CSRF token of a form page (same session as the client)."""
    page = client.get(path).get_data(as_text=True)
    found = CSRF_RE.search(page)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def admin_login(app: Flask, username: str, password: str = PASSWORD) -> tuple[FlaskClient, int]:
    """Log in through the form; return the client (with its cookie jar) and the login's status."""
    client = app.test_client()
    resp = client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_token(client)})
    return client, resp.status_code


# -- admin pages: who gets what ------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """An admin GET route: how to name a concrete URL, and who may open it."""

    url: Callable[[World], str]
    managers_only: bool = False  # kecamatan admins of a whole kecamatan only
    of_kecamatan_a: bool = False  # names a resource of kecamatan A (B's admin must not see it)
    of_sibling: bool = False  # names a resource of kelurahan 2 (the kelurahan admin must not see it)


def _fixed(path: str, **kw) -> Page:
    return Page(url=lambda w: path, **kw)


ADMIN_PAGES: dict[str, Page] = {
    "/admin/": _fixed("/admin/"),
    "/admin/audit": _fixed("/admin/audit"),
    "/admin/kinerja.xlsx": _fixed("/admin/kinerja.xlsx"),
    "/admin/laporan": _fixed("/admin/laporan"),
    "/admin/iku/<code>": _fixed("/admin/iku/IKU1"),
    "/admin/ekspor/<form_code>.<fmt>": _fixed("/admin/ekspor/inspeksi-rw.xlsx"),
    "/admin/pengajuan": _fixed("/admin/pengajuan"),
    "/admin/peta": _fixed("/admin/peta"),
    "/admin/pengajuan/<submission_id>": Page(lambda w: f"/admin/pengajuan/{w.sub_in}", of_kecamatan_a=True),
    "/admin/pengajuan/<submission_id>/foto/<sha256>": Page(
        lambda w: f"/admin/pengajuan/{w.sub_in}/foto/{w.photo_in}", of_kecamatan_a=True),
    "/admin/kelola": _fixed("/admin/kelola", managers_only=True),
    "/admin/kelola/aturan": _fixed("/admin/kelola/aturan", managers_only=True),
    "/admin/kelola/impor-rekaman": _fixed("/admin/kelola/impor-rekaman", managers_only=True),
    "/admin/kelola/impor-wilayah": _fixed("/admin/kelola/impor-wilayah", managers_only=True),
    "/admin/kelola/layanan": _fixed("/admin/kelola/layanan", managers_only=True),
    "/admin/kelola/libur": _fixed("/admin/kelola/libur", managers_only=True),
    "/admin/kelola/pengguna": _fixed("/admin/kelola/pengguna", managers_only=True),
    "/admin/kelola/pengguna/baru": _fixed("/admin/kelola/pengguna/baru", managers_only=True),
    "/admin/kelola/pengguna/<int:user_id>": Page(lambda w: f"/admin/kelola/pengguna/{w.user_ids['officer']}",
                                                 managers_only=True, of_kecamatan_a=True),
    "/admin/kelola/perangkat": _fixed("/admin/kelola/perangkat", managers_only=True),
    "/admin/kelola/target": _fixed("/admin/kelola/target", managers_only=True),
    # issue #13 (server/admin/xforms.py)
    "/admin/kelola/formulir/": _fixed("/admin/kelola/formulir/", managers_only=True),
    "/admin/kelola/formulir/<string:code>/<int:version>.xlsx": _fixed("/admin/kelola/formulir/inspeksi-rw/1.xlsx",
                                                                      managers_only=True),
    "/admin/kelola/odk/": _fixed("/admin/kelola/odk/", managers_only=True),
    "/admin/formulir/<string:code>/ringkasan": _fixed("/admin/formulir/inspeksi-rw/ringkasan"),
    "/admin/formulir/<string:code>/ekspor.<string:fmt>": _fixed("/admin/formulir/inspeksi-rw/ekspor.csv"),
    "/admin/tinjau/": _fixed("/admin/tinjau/"),
    "/admin/tinjau/pengaturan": _fixed("/admin/tinjau/pengaturan", managers_only=True),
    "/admin/cari": _fixed("/admin/cari"),
    # Kelola → Wilayah (server/admin/manage_wilayah.py): kecamatan admins edit the centroids of their own kelurahan
    "/admin/kelola/wilayah": _fixed("/admin/kelola/wilayah", managers_only=True),
    "/admin/kelola/wilayah/<int:kelurahan_id>": Page(lambda w: f"/admin/kelola/wilayah/{w.kel_in}",
                                                     managers_only=True, of_kecamatan_a=True),
}
# POST-only admin routes (those with a GET are in ADMIN_PAGES too); each must refuse a missing CSRF token.
ADMIN_POSTS: dict[str, Callable[[World], str]] = {
    "/admin/login": lambda w: "/admin/login",
    "/admin/logout": lambda w: "/admin/logout",
    "/admin/bahasa": lambda w: "/admin/bahasa",
    "/admin/pengajuan/<submission_id>/tinjau": lambda w: f"/admin/pengajuan/{w.sub_in}/tinjau",
    "/admin/kelola/pengguna/<int:user_id>/aktif": lambda w: f"/admin/kelola/pengguna/{w.user_ids['officer']}/aktif",
    "/admin/kelola/perangkat/<int:token_id>/cabut": lambda w: "/admin/kelola/perangkat/1/cabut",
    "/admin/tinjau/terima": lambda w: "/admin/tinjau/terima",
}
NOT_PAGES = {"/admin/login", "/admin/static/<path:filename>"}  # public by design


def admin_rules(app: Flask, method: str) -> set[str]:
    return {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/admin") and method in r.methods}


def test_every_admin_route_has_an_entry(app):
    gets = admin_rules(app, "GET") - NOT_PAGES
    posts = admin_rules(app, "POST")
    assert not sorted(gets - ADMIN_PAGES.keys()), f"admin pages with no matrix entry: {sorted(gets - ADMIN_PAGES.keys())}"
    assert not sorted(ADMIN_PAGES.keys() - gets), f"entries for pages that are gone: {sorted(ADMIN_PAGES.keys() - gets)}"
    missing_posts = posts - ADMIN_POSTS.keys() - {r for r in ADMIN_PAGES if r in posts}
    assert not missing_posts, f"admin POST routes with no CSRF entry: {sorted(missing_posts)}"


def _expected(role: str, page: Page) -> set[int]:
    if role == "kelurahan_admin":
        if page.managers_only:
            return {403}
        return {404} if page.of_sibling else {200}  # out of scope looks absent (no existence oracle)
    if role == "other_admin" and page.of_kecamatan_a:
        return {404}
    return {200}


def test_admin_pages_by_role_and_scope(app, world):
    sessions = {role: admin_login(app, USERNAMES[role]) for role in ADMIN_ROLES}
    assert all(status == 302 for _, status in sessions.values()), {r: s for r, (_, s) in sessions.items()}
    anonymous = app.test_client()
    bearer_only = app.test_client()
    failures = []
    for rule, page in sorted(ADMIN_PAGES.items()):
        url = page.url(world)
        for client, headers in ((anonymous, {}), (bearer_only, auth(world.tokens["kecamatan_admin"]))):
            resp = client.get(url, headers=headers)
            if resp.status_code != 302 or "/admin/login" not in resp.headers.get("Location", ""):
                failures.append((rule, "anonymous" if not headers else "bearer token", resp.status_code))
        for role, (client, _) in sessions.items():
            resp = client.get(url)
            if resp.status_code not in _expected(role, page):
                failures.append((rule, role, resp.status_code))
    # The kelurahan admin's view of a sibling kelurahan's submission.
    lurah = sessions["kelurahan_admin"][0]
    resp = lurah.get(f"/admin/pengajuan/{world.sub_sibling}")
    if resp.status_code != 404:
        failures.append(("/admin/pengajuan/<sibling>", "kelurahan_admin", resp.status_code))
    assert not failures, failures


@pytest.mark.parametrize("role", ["officer", "kiosk", "revoked"])
def test_officers_and_kiosks_get_no_admin_session(app, world, role):
    client, status = admin_login(app, USERNAMES[role])
    assert status == 403
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/admin/login" in resp.headers["Location"]


def test_wrong_password_gets_no_session(app, world):
    client, status = admin_login(app, USERNAMES["kecamatan_admin"], "salah-sekali")
    assert status == 401
    assert client.get("/admin/").status_code == 302


# -- CSRF ---------------------------------------------------------------------------------------------

def test_admin_posts_without_csrf_token_are_refused(app, world):
    camat, status = admin_login(app, USERNAMES["kecamatan_admin"])
    assert status == 302
    posts = dict(ADMIN_POSTS)
    posts.update({rule: page.url for rule, page in ADMIN_PAGES.items() if rule in admin_rules(app, "POST")})
    refused = {}
    for rule, url in sorted(posts.items()):
        resp = camat.post(url(world), data={"username": "x", "password": "y", "lang": "en", "status": "rejected"})
        refused[rule] = resp.status_code
    assert all(code == 400 for code in refused.values()), refused
    # Still logged in (logout without the token did nothing), and the officer's account is untouched.
    assert camat.get("/admin/").status_code == 200
    assert app.test_client().get("/api/v1/auth/me", headers=auth(world.tokens["officer"])).status_code == 200


def test_csrf_token_of_another_session_is_refused(app, world):
    camat, _ = admin_login(app, USERNAMES["kecamatan_admin"])
    stranger = app.test_client()
    foreign = csrf_token(stranger)
    resp = camat.post("/admin/logout", data={"csrf_token": foreign})
    assert resp.status_code == 400
    assert camat.get("/admin/").status_code == 200


# -- cookies ------------------------------------------------------------------------------------------

def _session_cookie_header(resp) -> str:
    cookies = [v for k, v in resp.headers.items() if k.lower() == "set-cookie" and v.startswith("session=")]
    assert cookies, resp.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite(app, world):
    client = app.test_client()
    resp = client.post("/admin/login", data={"username": USERNAMES["kecamatan_admin"], "password": PASSWORD,
                                             "csrf_token": csrf_token(client)})
    cookie = _session_cookie_header(resp)
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=(Lax|Strict)", cookie)
    assert "Secure" not in cookie  # not configured: plain-HTTP demo still works


def test_session_cookie_is_secure_when_configured(tmp_path):
    secure_app = make_test_app(f"sqlite:///{tmp_path / 'secure.sqlite'}", SESSION_COOKIE_SECURE=True)
    with secure_app.app_context():
        w = make_wilayah()
        make_user("camat", "kecamatan_admin", w.kecamatan)
    client = secure_app.test_client()
    resp = client.post("/admin/login", base_url="https://localhost",
                       data={"username": "camat", "password": PASSWORD,
                             "csrf_token": CSRF_RE.search(client.get("/admin/login", base_url="https://localhost")
                                                          .get_data(as_text=True)).group(1)},
                       headers={"Referer": "https://localhost/admin/login"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    cookie = _session_cookie_header(resp)
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert resp.headers.get("Strict-Transport-Security", "").startswith("max-age=")


# -- security headers and a CSP the pages really pass ----------------------------------------------------

HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
INLINE_SCRIPT_RE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
INLINE_HANDLER_RE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
FOREIGN_SRC_RE = re.compile(r"""(?:src|href)=["'](?:https?:)?//""", re.I)


def _csp(resp) -> dict[str, str]:
    value = resp.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in value.split(";")) if part}


def _assert_secure_headers(resp, where: str) -> None:
    for name, value in HEADERS.items():
        assert resp.headers.get(name) == value, (where, name, resp.headers.get(name))
    csp = _csp(resp)
    assert "default-src" in csp and "'self'" in csp["default-src"], (where, csp)
    assert "script-src" in csp and "'unsafe-inline'" not in csp["script-src"], (where, csp)
    assert "'unsafe-eval'" not in csp.get("script-src", ""), (where, csp)
    assert csp.get("frame-ancestors") == "frame-ancestors 'none'", (where, csp)
    assert csp.get("object-src") == "object-src 'none'", (where, csp)


def _assert_page_passes_csp(html: str, where: str) -> None:
    """The CSP forbids inline script: the page must have none (no <script> body, no on*= handler)."""
    assert not INLINE_SCRIPT_RE.search(html), (where, INLINE_SCRIPT_RE.search(html).group(0))
    assert not INLINE_HANDLER_RE.search(html), (where, INLINE_HANDLER_RE.search(html).group(0))
    assert not FOREIGN_SRC_RE.search(html), (where, FOREIGN_SRC_RE.search(html).group(0))


def test_security_headers_on_api_app_and_admin(app, world):
    client = app.test_client()
    for path in ("/api/v1/health", "/api/v1/bootstrap", "/api/v1/submissions", "/admin/login", "/app/", "/"):
        _assert_secure_headers(client.get(path), path)


def test_pwa_shell_passes_its_csp(app):
    resp = app.test_client().get("/app/")
    assert resp.status_code == 200, "the PWA must be built (make test builds it) for its CSP to be checked"
    _assert_page_passes_csp(resp.get_data(as_text=True), "/app/")


def test_admin_pages_pass_their_csp(app, world):
    camat, _ = admin_login(app, USERNAMES["kecamatan_admin"])
    _assert_page_passes_csp(app.test_client().get("/admin/login").get_data(as_text=True), "/admin/login")
    for rule, page in sorted(ADMIN_PAGES.items()):
        resp = camat.get(page.url(world))
        _assert_secure_headers(resp, rule)
        if resp.mimetype == "text/html":
            _assert_page_passes_csp(resp.get_data(as_text=True), rule)


# -- brute-force limit shared by every web process (Redis) ----------------------------------------------

_LOGIN_ATTEMPTS = """
import json, sys
from server import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "REDIS_URL": sys.argv[2], "RATELIMIT_ENABLED": True,
                  "RATELIMIT_KEY_PREFIX": sys.argv[3], "SECRET_KEY": "x"})
client = app.test_client()
print(json.dumps([client.post("/api/v1/auth/token", json={"username": "tebak", "password": f"coba{i}"}).status_code
                  for i in range(int(sys.argv[4]))]))
"""


def test_login_limit_is_shared_by_web_processes_through_redis(tmp_path):
    """Two separate processes (two web hosts) share one login counter: 6 + 5 attempts hit the limit."""
    import json
    import subprocess
    import sys
    import uuid

    import redis

    from tests.conftest import REDIS_URL

    database = f"sqlite:///{tmp_path / 'limits.sqlite'}"
    make_test_app(database)
    prefix = f"sikk-limits-test-{uuid.uuid4().hex[:8]}"

    def attempts(n: int) -> list[int]:
        proc = subprocess.run([sys.executable, "-c", _LOGIN_ATTEMPTS, database, REDIS_URL, prefix, str(n)],
                              capture_output=True, text=True, timeout=120, check=True)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    try:
        first = attempts(6)
        second = attempts(6)
        assert first == [401] * 6
        assert second[:4] == [401] * 4 and second[4:] == [429, 429], second
        assert redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")  # the counter lives in Redis
    finally:
        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)


def test_device_revoked_by_the_admin_is_refused_at_once(app, world):
    """The camat revokes a phone on /admin/kelola/perangkat: its very next API request is 401."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import DeviceToken
    from server.security import token_digest

    officer_token = world.tokens["officer"]
    api = app.test_client()
    assert api.get("/api/v1/bootstrap", headers=auth(officer_token)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(DeviceToken.id).where(DeviceToken.token_hash == token_digest(officer_token)))
    camat, _ = admin_login(app, USERNAMES["kecamatan_admin"])
    resp = camat.post(f"/admin/kelola/perangkat/{token_id}/cabut",
                      data={"csrf_token": csrf_token(camat, "/admin/kelola/perangkat")})
    assert resp.status_code in (302, 303)
    assert api.get("/api/v1/bootstrap", headers=auth(officer_token)).status_code == 401
    # Another kecamatan's admin cannot revoke our devices.
    other, _ = admin_login(app, USERNAMES["other_admin"])
    with app.app_context():
        kiosk_id = db.session.scalar(select(DeviceToken.id).where(DeviceToken.token_hash == token_digest(world.tokens["kiosk"])))
    resp = other.post(f"/admin/kelola/perangkat/{kiosk_id}/cabut",
                      data={"csrf_token": csrf_token(other, "/admin/kelola/perangkat")})
    assert resp.status_code == 404  # like a device that does not exist
    assert api.get("/api/v1/bootstrap", headers=auth(world.tokens["kiosk"])).status_code == 200

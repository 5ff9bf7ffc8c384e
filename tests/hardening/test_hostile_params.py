"""No 500 from any parameter: every admin page and API read, hit with hostile query values.

Each route is discovered from the URL map (through the route tables of the other hardening tests,
which fail when a route is missing), then called with every parameter the app reads set to values
that broke it before — 20-digit numbers (beyond SQLite's and PostgreSQL's integers), negatives,
words, NUL, CR/LF — as a kecamatan admin and as a city-level admin (who picks the kecamatan).
"""
from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.factories import auth
from tests.hardening.test_authz_matrix import MATRIX
from tests.hardening.test_web_security import ADMIN_PAGES, admin_login, csrf_token
from tests.hardening.world import USERNAMES

HUGE = "99999999999999999999"
HOSTILE = (HUGE, "abc")  # each parameter alone
ALL_AT_ONCE = ("-1", "\x00", "-" + HUGE, "0", "1e309", "\r\nSet-Cookie: x=1", "%", " " * 3, "9" * 400)
PARAMS = ("page", "kelurahan_id", "kecamatan_id", "year", "period", "form", "status", "section", "limit",
          "offset", "since", "cursor")


def _with(url: str, name: str, value: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{name}={quote(value, safe='')}"


def _api_urls(world) -> list[str]:
    w = world
    return ["/api/v1/bootstrap", "/api/v1/auth/me", "/api/v1/submissions?form=inspeksi-rw",
            f"/api/v1/attachments/{w.photo_in}", "/api/v1/indicators?period=2026", "/api/v1/indicators/criteria?period=2026",
            "/api/v1/indicators/rw?period=2026", "/api/v1/indicators/IKU2/records?period=2026"]


def test_the_reported_500s_are_400s(app, world):
    camat, _ = admin_login(app, USERNAMES["kecamatan_admin"])
    for url in ("/admin/pengajuan", "/admin/audit"):
        assert camat.get(f"{url}?page=99999999999999999999").status_code == 400, url
    resp = app.test_client().get("/api/v1/indicators/IKU2/records?period=2026&offset=99999999999999999999",
                                 headers=auth(world.tokens["kecamatan_admin"]))
    assert resp.status_code in (400, 422) and set(resp.json["error"]) == {"code", "message", "fields"}
    for target in ("/admin/\r\nSet-Cookie: x=1", "/admin/\nx", "/admin/%0d%0a"):
        page = app.test_client()
        resp = page.post(f"/admin/login?next={quote(target, safe='')}",
                         data={"username": "camat", "password": "rahasia123", "csrf_token": csrf_token(page)})
        assert resp.status_code == 302 and "\n" not in resp.headers["Location"], target
        resp = camat.post("/admin/bahasa", data={"lang": "en", "next": target, "csrf_token": csrf_token(camat, "/admin/")})
        assert resp.status_code == 302 and "\n" not in resp.headers["Location"]
        assert "x=1" not in " ".join(resp.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("who", ["kecamatan_admin", "city_admin"])
def test_every_page_and_read_survives_hostile_parameters(app, world, who):
    username = "kota" if who == "city_admin" else USERNAMES["kecamatan_admin"]
    browser, status = admin_login(app, username)
    assert status == 302
    token = world.tokens["kecamatan_admin"]
    failures = []
    pages = [page.url(world) for page in ADMIN_PAGES.values()]
    for base in pages + _api_urls(world):
        is_api = base.startswith("/api/")
        urls = [_with(base, name, value) for name in PARAMS for value in HOSTILE]
        for value in ALL_AT_ONCE:  # one request with every parameter set to the value
            url = base
            for name in PARAMS + ("next", "template", "code", "lang"):
                url = _with(url, name, value)
            urls.append(url)
        for url in urls:
            resp = browser.get(url, headers=auth(token) if is_api and who == "kecamatan_admin" else {})
            if resp.status_code >= 500:
                failures.append((url, resp.status_code))
            elif is_api and resp.status_code >= 400:
                assert set(resp.json["error"]) == {"code", "message", "fields"}, url
    assert not failures, failures[:20]
    assert MATRIX  # the API routes are those of the authorization matrix

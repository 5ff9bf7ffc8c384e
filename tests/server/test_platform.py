"""The app's frame: health, error shape, security headers, login limits, PWA serving."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_test_app


def test_health_has_sikk_signature(client):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200
    assert resp.json["service"] == "sikk"
    assert resp.headers["X-SIKK"] == "1"
    assert "no-store" in resp.headers["Cache-Control"]


def test_readiness_reports_broker_and_outbox(client):
    resp = client.get("/api/v1/health/ready")
    assert resp.status_code == 200, resp.json
    assert resp.json["database"] == "ok"
    assert resp.json["broker"] == "ok"  # the test app has REDIS_URL
    assert resp.json["outbox_pending"] >= 0


def test_unknown_api_path_is_json_error(client):
    resp = client.get("/api/v1/does-not-exist")
    assert resp.status_code == 404
    assert resp.json["error"]["code"] == "not_found"
    assert set(resp.json["error"]) == {"code", "message", "fields"}


def test_wrong_method_is_json_405(client):
    resp = client.delete("/api/v1/health")
    assert resp.status_code == 405
    assert resp.json["error"]["code"] == "method_not_allowed"


def test_security_headers_on_every_response(client):
    resp = client.get("/api/v1/health")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_openapi_document_is_served(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    assert resp.json["info"]["title"] == "SIKK API"
    assert "/api/v1/health" in resp.json["paths"]


def test_login_is_rate_limited(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'l.sqlite'}", RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
                for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).json["error"]["code"] \
        == "too_many_requests"


@pytest.fixture
def pwa_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>SIKK</title>")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (dist / "assets" / "app-abc123.js").write_text("console.log(1)")
    return dist


def test_pwa_shell_and_service_worker_are_not_cached(app, pwa_dist):
    app.config["PWA_DIST"] = str(pwa_dist)
    try:
        client = app.test_client()
        for path in ("/app/", "/app/sw.js", "/app/inspeksi/123"):
            resp = client.get(path)
            assert resp.status_code == 200, path
            assert resp.headers["Cache-Control"] == "no-cache", path
        asset = client.get("/app/assets/app-abc123.js")
        assert "immutable" in asset.headers["Cache-Control"]
        assert client.get("/app/missing.js").status_code == 404
        assert client.get("/app/../server/config.py").status_code == 404
    finally:
        app.config["PWA_DIST"] = str(Path(__file__).resolve().parents[2] / "pwa" / "dist")


def test_csp_admits_the_configured_tile_server_only(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 't.sqlite'}", MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png")
    csp = app.test_client().get("/api/v1/health").headers["Content-Security-Policy"]
    img_src = next(part for part in csp.split("; ") if part.startswith("img-src"))
    assert img_src == "img-src 'self' data: blob: https://tiles.example.org"
    assert "tiles.example.org" not in csp.replace(img_src, "")


def test_reverse_proxy_is_trusted_only_when_configured(tmp_path):
    def login_limit_key(**overrides) -> list[int]:
        app = make_test_app(f"sqlite:///{tmp_path / 'p.sqlite'}", RATELIMIT_ENABLED=True,
                            RATELIMIT_STORAGE_URI="memory://", **overrides)
        client = app.test_client()
        return [client.post("/api/v1/auth/token", json={"username": f"x{i}", "password": "y"},
                            headers={"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(12)]

    # Untrusted header: every request counts against the one proxy address.
    assert login_limit_key()[-1] == 429
    # Trusted (one proxy): twelve different phones, none limited.
    assert login_limit_key(PROXY_FIX_X_FOR=1) == [401] * 12


def test_one_apps_limiter_never_limits_another(tmp_path):
    limited = make_test_app(f"sqlite:///{tmp_path / 'a.sqlite'}", RATELIMIT_ENABLED=True,
                            RATELIMIT_STORAGE_URI="memory://")
    free = make_test_app(f"sqlite:///{tmp_path / 'b.sqlite'}")  # TESTING: limiter off
    limited_again = make_test_app(f"sqlite:///{tmp_path / 'c.sqlite'}", RATELIMIT_ENABLED=True,
                                  RATELIMIT_STORAGE_URI="memory://")

    def statuses(app) -> list[int]:
        client = app.test_client()
        return [client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
                for _ in range(12)]

    assert statuses(free) == [401] * 12
    assert statuses(limited)[-1] == 429
    assert statuses(limited_again)[-1] == 429
    assert statuses(free) == [401] * 12

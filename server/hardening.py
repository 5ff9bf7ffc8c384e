"""Security headers on every response, and brute-force limits on the login endpoints."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

_LIMITER = "sikk_limiter"

LOGIN_LIMIT = "10 per minute;100 per hour"


def _origin(url: str) -> str:
    """The scheme and host of a tile URL template (`https://tile.example.org/{z}/{x}/{y}.png`), or ''."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _csp(app: Flask) -> str:
    tiles = _origin(app.config.get("MAP_TILE_URL") or "")
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        # Server-made SVG charts and small layout attributes; no inline script is allowed.
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {tiles}".strip(),
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def init_app(app: Flask) -> None:
    """Bind the limiter (Redis storage when configured) and add the security headers."""
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sikk-limits")
    # A broken limiter store must not lock everybody out of logging in.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # Test suites log in many times from one address; the limiter's own test turns it on.
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    # One limiter per app: Flask-Limiter keeps `enabled` and the storage on the instance, so a shared
    # instance would let the last app built decide for every other one (as test suites build many).
    # Keyed by client address; storage is Redis when REDIS_URL is set (shared by every web process).
    limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
    limiter.init_app(app)
    app.extensions[_LIMITER] = limiter
    csp = _csp(app)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        if not request.path.startswith("/api/v1/openapi"):
            resp.headers.setdefault("Content-Security-Policy", csp)
        if app.config.get("SESSION_COOKIE_SECURE"):
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp


def limit_login_endpoints(app: Flask) -> None:
    """Apply LOGIN_LIMIT to the token endpoint and the admin login form (by endpoint name)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("auth.") or endpoint == "admin.login":
            app.view_functions[endpoint] = app.extensions[_LIMITER].limit(LOGIN_LIMIT, methods=["POST"])(view)


def trust_reverse_proxy(app: Flask) -> None:
    """Take the client address and scheme from X-Forwarded-* when PROXY_FIX_X_FOR proxies set them.

    Without it, behind nginx every phone would share the proxy's address and one city's logins would
    share one brute-force budget; with it set wrongly, a client could pick its own address, so it is
    off unless configured.
    """
    hops = app.config.get("PROXY_FIX_X_FOR", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

"""Security headers on every response, and the brute-force limit of the login endpoints."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

from server import login_guard
from server.params import storable


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
    """Add the security headers; bind the login guard (Redis when configured, else the database)."""
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "sikk-limits")
    # Test suites log in wrongly on purpose from one address; the limit's own tests turn it on.
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    login_guard.init_app(app)
    csp = _csp(app)

    @app.before_request
    def _refuse_unstorable_parameters() -> None:
        """A NUL or a lone surrogate in a query parameter can reach no database: 400 for every route."""
        for key, value in request.args.items(multi=True):
            if not (storable(key) and storable(value)):
                abort(400, "Parameter berisi karakter yang tidak valid.")

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
    """The login doors count wrong passwords themselves (:mod:`server.login_guard`); nothing to wrap."""


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

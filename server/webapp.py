"""Serves the built PWA at /app/ and sends / to the right place."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, redirect, send_from_directory

bp = Blueprint("webapp", __name__)


@bp.get("/")
def root():
    """Send people to the field app; admins find /admin/ from there."""
    return redirect("/app/")


@bp.get("/app")
@bp.get("/app/")
@bp.get("/app/<path:path>")
def pwa(path: str = ""):
    """Serve pwa/dist: files as they are, index.html for app routes; no-cache for the shell."""
    dist = Path(current_app.config["PWA_DIST"])
    if not (dist / "index.html").exists():
        abort(404, "The PWA is not built: run `cd pwa && npm ci && npm run build`.")
    target = (dist / path) if path else dist / "index.html"
    if path and target.is_file() and dist.resolve() in target.resolve().parents:
        resp = send_from_directory(dist, path)
        if path.startswith("assets/"):
            resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            resp.headers["Cache-Control"] = "no-cache"
        if path == "sw.js":
            resp.headers["Service-Worker-Allowed"] = "/app/"
        return resp
    if path and "." in path.rsplit("/", 1)[-1]:
        abort(404)
    resp = send_from_directory(dist, "index.html")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def init_app(app: Flask) -> None:
    """Register the PWA routes."""
    app.register_blueprint(bp)

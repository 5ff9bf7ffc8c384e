"""The JSON API under /api/v1: one flask-smorest blueprint per area, each module's `bp`.

The view modules listed here are leaves: only this registration imports them, and none imports
another (shared helpers live in non-view modules such as :mod:`server.api.cursors`, wire formats in
:mod:`server.schemas`); the import-linter contract in pyproject.toml holds that line.
"""
from __future__ import annotations

from flask import Flask

from server.extensions import api, csrf

# Modules under server/api/ whose `bp` is registered, in this order.
API_MODULES = ("health", "auth", "bootstrap", "submissions", "attachments", "indicators", "reviews",
               "open_items")


def register_api(app: Flask) -> None:
    """Bind flask-smorest and register every API blueprint under /api/v1 (bearer auth: no CSRF)."""
    import importlib

    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in API_MODULES:
        module = importlib.import_module(f"server.api.{name}")
        blueprint = module.bp
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix="/api/v1")

"""The JSON API under /api/v1: one flask-smorest blueprint per area, each named `blp`."""
from __future__ import annotations

from flask import Flask

from server.extensions import api, csrf

# Modules under server/api/ whose `blp` is registered, in this order.
API_MODULES = ("health", "auth", "bootstrap", "submissions", "attachments", "indicators", "reviews",
               "open_items")


def register_api(app: Flask) -> None:
    """Bind flask-smorest and register every API blueprint under /api/v1 (bearer auth: no CSRF)."""
    import importlib

    api.init_app(app)
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in API_MODULES:
        module = importlib.import_module(f"server.api.{name}")
        blueprint = module.bp if hasattr(module, "bp") else module.blp  # `bp` everywhere once renamed
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix="/api/v1")

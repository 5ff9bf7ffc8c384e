"""The admin pages at /admin/ (issue #5): dashboard, drill-down, review, management, exports.

Server-rendered Jinja2 with a few lines of local JavaScript (CSP ``default-src 'self'``: no inline
script, no CDN). Cookie sessions through Flask-Login, CSRF on every POST through Flask-WTF's
``CSRFProtect`` (bound in server.security), every page scoped by :mod:`server.admin.access`.
"""
from __future__ import annotations

import importlib

from flask import Flask

from server.admin.blueprint import bp

# View modules, imported by init_app (views are leaves: nothing else imports them).
VIEW_MODULES = ("auth", "dashboard", "drilldown", "records", "audit_page", "manage", "manage_catalogue", "manage_wilayah",
                "imports", "exports", "xforms", "review_queue", "search")


def init_app(app: Flask) -> None:
    """Register the admin blueprint at /admin with its template filters."""
    from server.admin import error_pages, formatting

    for name in VIEW_MODULES:
        importlib.import_module(f"server.admin.{name}")
    formatting.init_app(app)
    error_pages.init_app(app)
    app.register_blueprint(bp, url_prefix="/admin")

"""SIKK: the Flask sync server, API and admin pages. `flask --app server …` finds create_app."""
from __future__ import annotations

from flask import Flask

from server.config import Config
from server.jsonio import SafeJSONProvider


class SikkFlask(Flask):
    """Flask with a JSON provider that answers hostile nesting with 400, not 500."""

    json_provider_class = SafeJSONProvider


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers and CLI — nothing else."""
    app = SikkFlask(__name__, instance_relative_config=False)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.config.from_prefixed_env("SIKK")

    from server import admin, cli, errors, extensions, hardening, jobs, openrosa, security, webapp
    from server.api import register_api

    extensions.init_sqlite_pragmas()
    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(_migrations_dir()))
    security.init_app(app)
    hardening.init_app(app)
    register_api(app)
    errors.init_app(app)
    jobs.init_app(app)
    webapp.init_app(app)
    cli.init_app(app)
    admin.init_app(app)
    openrosa.init_app(app)
    hardening.limit_login_endpoints(app)
    hardening.trust_reverse_proxy(app)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent / "migrations"

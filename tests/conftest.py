"""Fixtures from the factory, on real databases: every API test runs on SQLite and on PostgreSQL.

Each test session creates its own PostgreSQL database (dropped at the end) next to the one named by
DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) and its own SQLite file, so no run
depends on what an earlier run left behind.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from hypothesis import settings
from playwright.sync_api import Browser, Playwright, sync_playwright
from flask import Flask
from flask.cli import FlaskGroup
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import delete

from server import create_app
from server.extensions import db
from tests.migrated import fill_from_template
from tests.parallel import long_modules_first, redis_db

# No per-example deadline for Hypothesis (its default is 200 ms): the suite runs in two processes on
# two cores beside browsers, gunicorn and Celery workers, where one slow example measures the machine,
# not the code (it failed a date-arithmetic property at 357 ms once). A test's own settings still win.
settings.register_profile("sikk", deadline=None)
settings.load_profile("sikk")

PG_BASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


class PluginCliRunner(FlaskCliRunner):
    """Flask's test runner, but through a FlaskGroup: plugin commands (``flask.commands``) are found too."""

    def invoke(self, cli=None, args=None, **kwargs):
        before = os.environ.get("FLASK_RUN_FROM_CLI")
        try:
            return super().invoke(cli or FlaskGroup(load_dotenv=False, set_debug_flag=False), args, **kwargs)
        finally:  # FlaskGroup marks the process as run from the CLI; a test process is not
            if before is None:
                os.environ.pop("FLASK_RUN_FROM_CLI", None)
            else:
                os.environ["FLASK_RUN_FROM_CLI"] = before


def _test_redis_db(url: str, number: int = 10) -> str:
    """The same Redis server, another database: tests kick relay tasks that no real worker should see.
    Under pytest-xdist each worker has its own number (tests/parallel.py)."""
    server = url.rsplit("/", 1)[0] if url.count("/") >= 3 else url.rstrip("/")
    return f"{server}/{redis_db(number)}"


# make test uses REDIS_URL when set (its server), always in database 10 (or this worker's instead).
REDIS_URL = _test_redis_db(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
CHROMIUM = os.environ.get("SIKK_CHROMIUM", "/usr/bin/chromium")
BACKENDS = [b.strip() for b in os.environ.get("SIKK_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def _plain_pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (plain libpq URL), dropped afterwards."""
    base = _plain_pg(PG_BASE_URL)
    name = f"sikk_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _test_config(database_uri: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "REDIS_URL": REDIS_URL,
        "WTF_CSRF_ENABLED": True,
        "SECRET_KEY": "test-secret",
    }
    config.update(overrides)
    return config


def _migrate(app: Flask) -> None:
    """What `flask release` does to a database: the migrations, then the default catalogue."""
    from flask_migrate import upgrade

    from server.forms.catalogue import ensure_default_catalogue

    with app.app_context():
        upgrade()
        ensure_default_catalogue()
        db.session.commit()


def _build_template(database_uri: str) -> None:
    """Migrate a template database (tests/migrated.py) and let go of every connection to it."""
    app = create_app(_test_config(database_uri))
    _migrate(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def make_test_app(database_uri: str, **overrides) -> Flask:
    """Build the app for tests on the given database, migrated and with the default catalogue.
    A new, empty database starts as a copy of a migrated template (tests/migrated.py)."""
    fill_from_template(database_uri, PG_BASE_URL, _build_template)
    app = create_app(_test_config(database_uri, **overrides))
    _migrate(app)
    return app


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    """The database backend under test: 'sqlite' or 'postgresql'."""
    return request.param


@pytest.fixture(scope="session")
def _apps_by_backend() -> dict[str, Flask]:
    """The session's app of each backend, built on first use. A plain dict, not the parametrised
    fixture's own cache: pytest-xdist runs a module's SQLite tests, then its PostgreSQL tests, then
    the next module's, and a parametrised session fixture is rebuilt at every switch."""
    return {}


@pytest.fixture(scope="session")
def _session_app(backend: str, _apps_by_backend: dict[str, Flask], tmp_path_factory, request) -> Flask:
    if backend not in _apps_by_backend:
        if backend == "sqlite":
            uri = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sikk.sqlite'}"
        else:
            uri = "postgresql+psycopg://" + request.getfixturevalue("pg_url").split("://", 1)[1]
        _apps_by_backend[backend] = make_test_app(uri)
    return _apps_by_backend[backend]


# The catalogue loaded by `release` stays between tests; every other table is emptied.
_CATALOGUE_TABLES = {"form_definitions", "service_types"}


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    """The app with an empty data set; tables are emptied after each test."""
    yield _session_app
    with _session_app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in _CATALOGUE_TABLES:
                db.session.execute(delete(table))
        db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Runs commands as `flask --app server …` does: the app's own and the installed plugins (`recompute`)."""
    return PluginCliRunner(app)


# -- the browser: ONE Playwright per test session --------------------------------------------------
# Playwright's sync API refuses a second instance while one is running, so every browser test
# (tests/e2e, tests/admin, tests/hardening) shares these two session fixtures.

@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Debian's Chromium (never a downloaded browser)."""
    assert os.path.isfile(CHROMIUM), f"{CHROMIUM} missing: apt-get install -y chromium (make test does)"
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items) -> None:
    """Under pytest-xdist only: the longest modules are handed out first (tests/parallel.py)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        long_modules_first(items)

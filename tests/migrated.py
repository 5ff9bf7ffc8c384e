"""Migrated test databases without running every migration for each one.

``make_test_app`` (tests/conftest.py) is called on a new, empty database two dozen times a run (the
session apps, the Celery and invariant stacks, the rate-limit and platform apps), and running the
migrations costs 2–8 s each time on a busy machine. So each test process migrates ONE template per
backend — exactly as make_test_app would: ``upgrade()`` and the default catalogue — and fills every
new database from it: a copy of the file for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL.
make_test_app still runs ``upgrade()`` and the catalogue on the copy (both find nothing to do), so a
copy that is behind the migrations would still be brought up to date.

Only a database that is new and empty is filled: a SQLite file that does not exist yet (or is
empty), a PostgreSQL database without tables on the server of DATABASE_URL that nobody else is
connected to. Anything else (a database with data, the drills' own PostgreSQL cluster) is migrated
as before. The templates are removed when the process ends.
"""
from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

_templates: dict[str, str] = {}  # "sqlite" → template file; a PostgreSQL server URL → template name


def fill_from_template(database_uri: str, base_pg_url: str, migrate: Callable[[str], None]) -> None:
    """Make the new, empty database at ``database_uri`` a copy of this process's migrated template
    (``migrate(uri)`` builds the template the first time); leave any other database alone."""
    if database_uri.startswith("sqlite:///"):
        _fill_sqlite(Path(database_uri.removeprefix("sqlite:///")), migrate)
    elif database_uri.startswith(("postgresql+psycopg://", "postgresql://")):
        _fill_postgresql(database_uri, base_pg_url, migrate)


def _fill_sqlite(path: Path, migrate: Callable[[str], None]) -> None:
    if path.name == ":memory:" or (path.exists() and path.stat().st_size > 0):
        return
    if "sqlite" not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="sikk-template-"))
        atexit.register(shutil.rmtree, folder, True)
        template = folder / "migrated.sqlite"
        migrate(f"sqlite:///{template}")
        with sqlite3.connect(template) as conn:  # everything in the main file: the copy needs no -wal
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _templates["sqlite"] = str(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_templates["sqlite"], path)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _fill_postgresql(database_uri: str, base_pg_url: str, migrate: Callable[[str], None]) -> None:
    server, name = _plain(database_uri).rsplit("/", 1)
    base = _plain(base_pg_url)
    if server != base.rsplit("/", 1)[0] or "?" in name:
        return  # another server (the drills' own cluster): migrated as before
    with psycopg.connect(f"{server}/{name}", autocommit=True) as conn:
        if conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]:
            return
    template = _templates.get(server) or _pg_template(server, base, migrate)
    with psycopg.connect(base, autocommit=True) as conn:
        try:
            conn.execute(f'DROP DATABASE "{name}"')
        except psycopg.errors.ObjectInUse:
            return  # someone holds a connection to it: migrated as before
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _pg_template(server: str, base: str, migrate: Callable[[str], None]) -> str:
    name = f"sikk_test_template_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    atexit.register(_drop, base, name)
    migrate("postgresql+psycopg://" + f"{server}/{name}".split("://", 1)[1])
    _templates[server] = name
    return name


def _drop(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

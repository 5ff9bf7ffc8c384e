"""The one place that picks the database dialect's INSERT (the one with ``ON CONFLICT`` support).

SQLAlchemy's generic ``insert`` has no ``on_conflict_do_nothing``/``on_conflict_do_update``; both
PostgreSQL and SQLite have them under their own constructs. Every idempotent write (submissions,
photos, upload rights, login failures) goes through :func:`upsertable_insert`.
"""
from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from server.extensions import db


def upsertable_insert(table):
    """The dialect's INSERT for ``table`` (with ON CONFLICT support)."""
    name = db.engine.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {name}")

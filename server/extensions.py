"""Unbound extension singletons, bound to the app in create_app()."""
from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from server.schemas.errors import ErrorEnvelopeSchema


class Base(DeclarativeBase):
    """Declarative base for every SIKK table."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


class SikkApi(Api):
    """flask-smorest's Api, documenting our error envelope instead of its default error payload."""

    ERROR_SCHEMA = ErrorEnvelopeSchema


api = SikkApi()
login_manager = LoginManager()
csrf = CSRFProtect()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Make the embedded SQLite safe for a web and a worker process side by side."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def init_sqlite_pragmas() -> None:
    """Register the SQLite connect hook once per process."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)

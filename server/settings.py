"""The settings the code reads at run time, read once per app into one typed object.

``server/config.py`` maps the environment onto ``app.config``; :func:`settings` turns the keys the
scoring pipeline and the clocks need into a frozen :class:`Settings` (cached on the app), so the
timezone default, the Redis timeouts and the broker's kind each have one home. The broker's kind
is decided from its URL here and nowhere else.

The timeouts are independent of each other: the Celery ``visibility_timeout`` (how soon a killed
worker's task is delivered again) and the queued-mark TTL (how long a lost recompute can hide a
pair from new kicks) happen to be equal today, but neither is derived from the other.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from domain.clock import DEFAULT_TIMEZONE

REDIS = "redis"
SQLALCHEMY = "sqlalchemy"
OTHER = "other"
# URL prefixes of a Redis broker as kombu spells them; redis-py itself opens only the first two.
_REDIS_PREFIXES = ("redis://", "rediss://", "redis+socket://", "unix://")
_REDIS_PY_PREFIXES = ("redis://", "rediss://")

# A kick to a dead broker must fail in well under a second (the sync never waits on it).
BROKER_CONNECT_TIMEOUT_SECONDS = 0.5
# The queued marks' Redis client: connect as fast as a kick, allow a slower answer.
MARKS_SOCKET_TIMEOUT_SECONDS = 2.0
# The health check's ping of the broker.
HEALTH_PING_TIMEOUT_SECONDS = 1.0


def broker_kind(url: str | None) -> str:
    """``"redis"``, ``"sqlalchemy"`` (kombu's ``sqla+…`` transport, the embedded default) or ``"other"``."""
    url = str(url or "")
    if url.startswith(_REDIS_PREFIXES):
        return REDIS
    if url.startswith("sqla+"):
        return SQLALCHEMY
    return OTHER


@dataclass(frozen=True)
class Settings:
    """What the clocks and the scoring pipeline read, typed."""

    timezone: str
    broker_url: str
    broker_kind: str
    database_uri: str
    redis_url: str | None  # REDIS_URL as configured (None: the embedded broker)

    @property
    def marks_redis_url(self) -> str | None:
        """The Redis the queued marks live in: the broker's, when redis-py can open it; else none."""
        return self.broker_url if self.broker_url.startswith(_REDIS_PY_PREFIXES) else None

    @classmethod
    def from_app(cls, app: Flask) -> Settings:
        celery = app.extensions.get("celery")
        broker = str(celery.conf.broker_url if celery is not None else
                     (app.config.get("CELERY") or {}).get("broker_url", ""))
        return cls(timezone=app.config.get("TIMEZONE") or DEFAULT_TIMEZONE, broker_url=broker,
                   broker_kind=broker_kind(broker), database_uri=app.config["SQLALCHEMY_DATABASE_URI"],
                   redis_url=app.config.get("REDIS_URL") or None)


def settings(app: Flask | None = None) -> Settings:
    """The settings of ``app`` (the current app by default), read once."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("sikk_settings")
    if found is None:
        found = app.extensions["sikk_settings"] = Settings.from_app(app)
    return found

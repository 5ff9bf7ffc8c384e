"""Settings read once: the broker's kind from its URL, the timezone, the Redis the marks live in."""
from __future__ import annotations

import pytest

from server.settings import OTHER, REDIS, SQLALCHEMY, broker_kind, settings


@pytest.mark.parametrize("url, kind", [("redis://h:6379/0", REDIS), ("rediss://h/0", REDIS),
                                       ("redis+socket:///tmp/r.sock", REDIS), ("unix:///tmp/r.sock", REDIS),
                                       ("sqla+sqlite:////tmp/b.sqlite", SQLALCHEMY), ("amqp://h//", OTHER),
                                       ("", OTHER), (None, OTHER)])
def test_broker_kind(url, kind):
    assert broker_kind(url) == kind


def test_settings_are_read_once_from_the_app(app):
    with app.app_context():
        first = settings()
        assert first is settings(app)
        assert first.timezone == app.config["TIMEZONE"]
        assert first.broker_kind == broker_kind(app.extensions["celery"].conf.broker_url)
        assert first.marks_redis_url == (first.broker_url if first.broker_url.startswith("redis") else None)

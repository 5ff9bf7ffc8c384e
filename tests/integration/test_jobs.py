"""server.jobs: outbox rows in the caller's transaction; a kick that never fails or slows a sync."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from server import create_app, jobs
from server.extensions import db
from server.models import ScoreOutbox
from tests.integration.harness import free_port


def test_mark_stale_writes_in_the_callers_transaction(app):
    with app.app_context():
        jobs.mark_stale(db.session, {(1, 2026), (1, 2026), (2, 2025)})
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 2
        db.session.rollback()  # the sync failed: nothing became stale
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
        jobs.mark_stale(db.session, set())
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0


def test_kick_to_a_dead_broker_fails_fast_then_backs_off(tmp_path):
    dead = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}", "TESTING": True,
                       "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    with dead.app_context():
        jobs.reset_kick_backoff()
        try:
            started = time.perf_counter()
            assert jobs.after_commit_kick() is False
            assert time.perf_counter() - started < 1.0
            started = time.perf_counter()
            assert jobs.after_commit_kick() is False  # suppressed: no second connection attempt
            assert time.perf_counter() - started < 0.01
        finally:
            jobs.reset_kick_backoff()


def test_kick_reaches_a_live_broker(app):
    with app.app_context():
        jobs.reset_kick_backoff()
        assert jobs.after_commit_kick() is True


def test_celery_config_keeps_redis_options_away_from_the_embedded_broker(app):
    config = jobs.celery_config(app)
    assert config["broker_url"] == app.config["REDIS_URL"]
    assert config["broker_transport_options"]["socket_connect_timeout"] == jobs.BROKER_CONNECT_TIMEOUT_SECONDS
    embedded = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "REDIS_URL": None, "CELERY": {
        "broker_url": "sqla+sqlite:////tmp/never-used.sqlite", "broker_transport_options": {"visibility_timeout": 300}}})
    options = embedded.extensions["celery"].conf.broker_transport_options
    assert "visibility_timeout" not in options and "socket_connect_timeout" not in options

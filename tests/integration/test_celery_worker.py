"""A real ``celery -A workers.worker worker`` on real Redis and PostgreSQL, the app writing to the same DB.

- sync → the scores are fresh within 2 s (the after-commit enqueue, no polling on the hot path);
- the broker dies mid-way → syncs still answer 200 quickly, and the scores converge once it is back,
  with no manual step (the beat's periodic relay drains the outbox);
- a worker SIGKILLed in the middle of a recompute → another worker finishes it (acks_late).
"""
from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from server import jobs
from server.extensions import db
from server.models import IndicatorResult, ScoreOutbox
from tests.conftest import make_test_app
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from tests.integration.harness import CeleryProcess, PrivateRedis, dedicated_redis_db, fresh_pg_database, wait_for

REDIS_DB = 11  # a database of the shared Redis of our own, flushed


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    """A fresh PostgreSQL database with a kecamatan and an admin, an app on it, a flushed Redis DB."""
    tmp = tmp_path_factory.mktemp("celery")
    with fresh_pg_database() as pg_url:
        redis_url = dedicated_redis_db(REDIS_DB)
        app = make_test_app("postgresql+psycopg://" + pg_url.split("://", 1)[1], REDIS_URL=redis_url)
        with app.app_context():
            w = make_wilayah(kelurahan=2, rw=2)
            _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
            ids = {"kec": w.kecamatan.id, "kel": w.kelurahan[0].id}
        env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "SIKK_INSTANCE_DIR": str(tmp),
               "SECRET_KEY": "integration", "SIKK_RELAY_EVERY_SECONDS": "1",
               # A worker killed with a task in hand: Redis hands the task to another after this long.
               "SIKK_CELERY__broker_transport_options": '{"visibility_timeout": 2}'}
        yield {"app": app, "token": token, "ids": ids, "env": env, "tmp": tmp, "pg_url": pg_url}
        dedicated_redis_db(REDIS_DB)


def _respondents(app: Flask, kecamatan_id: int) -> int:
    """Respondents behind the stored kecamatan-wide IKU1 of 2026 (0 when none is stored)."""
    with app.app_context():
        details = db.session.scalar(select(IndicatorResult.details).where(
            IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.kelurahan_id == 0,
            IndicatorResult.period == "2026", IndicatorResult.code == "IKU1"))
        db.session.rollback()
        return (details or {}).get("respondents", 0)


def _outbox(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ScoreOutbox))
        db.session.rollback()
        return count


def _sync(app: Flask, token: str, kelurahan_id: int, n: int = 1) -> float:
    """Sync n surveys through the API; return the seconds the request took."""
    started = time.perf_counter()
    resp = app.test_client().post("/api/v1/submissions", headers=auth(token), json={
        "submissions": [p.skm({"kelurahan_id": kelurahan_id}, [4, 3, 3, 4, 3, 4, 4, 3, 3]) for _ in range(n)]})
    took = time.perf_counter() - started
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert {r["status"] for r in resp.get_json()["results"]} == {"created"}
    return took


def _worker(stack: dict, name: str, env: dict | None = None) -> CeleryProcess:
    proc = CeleryProcess("worker", {**stack["env"], **(env or {})}, stack["tmp"] / f"{name}.log",
                         "--concurrency=1", "--pool=prefork", "-n", f"{name}@%h", "--without-gossip",
                         "--without-mingle")
    proc.wait_ready()
    return proc


def test_sync_to_fresh_scores_within_two_seconds(stack):
    app, token, ids = stack["app"], stack["token"], stack["ids"]
    worker = _worker(stack, "fresh")
    try:
        expected = _respondents(app, ids["kec"])
        for _ in range(5):
            _sync(app, token, ids["kel"])
            started = time.perf_counter()
            expected += 1
            wait_for(lambda: _respondents(app, ids["kec"]) == expected, 2.0)
            assert time.perf_counter() - started <= 2.0
        assert _outbox(app) == 0
        # The nightly safety net: scores lost or never computed come back from the submissions.
        with app.app_context():
            db.session.execute(delete(IndicatorResult))
            db.session.commit()
            app.extensions["celery"].send_task(jobs.RECOMPUTE_ALL_TASK)
        wait_for(lambda: _respondents(app, ids["kec"]) == expected, 10.0)
    finally:
        worker.stop()


def test_broker_outage_loses_nothing_and_converges_without_a_manual_step(stack):
    broker = PrivateRedis(stack["tmp"])
    broker.start()
    env = {"REDIS_URL": broker.url}
    app = make_test_app("postgresql+psycopg://" + stack["pg_url"].split("://", 1)[1], REDIS_URL=broker.url)
    ids, token = stack["ids"], stack["token"]
    worker = _worker(stack, "outage", env)
    beat = CeleryProcess("beat", {**stack["env"], **env}, stack["tmp"] / "beat.log")
    try:
        before = _respondents(app, ids["kec"])
        _sync(app, token, ids["kel"])
        wait_for(lambda: _respondents(app, ids["kec"]) == before + 1, 2.0)

        broker.stop()  # the broker dies
        took = [_sync(app, token, ids["kel"], 10) for _ in range(3)]
        assert max(took) < 1.5, took  # a dead broker does not slow a sync noticeably
        assert _outbox(app) >= 1  # the work is kept in the database
        time.sleep(1.5)
        assert _respondents(app, ids["kec"]) == before + 1  # nothing could be computed meanwhile

        broker.start()  # back, empty: every message sent before is gone; the outbox is not
        wait_for(lambda: _respondents(app, ids["kec"]) == before + 31, 25.0, 0.2)
        wait_for(lambda: _outbox(app) == 0, 5.0)
    finally:
        beat.stop()
        worker.stop()
        broker.stop()
        jobs.reset_kick_backoff()


def test_worker_killed_mid_task_another_worker_finishes(stack):
    app, token, ids = stack["app"], stack["token"], stack["ids"]
    first = _worker(stack, "doomed")
    blocker = psycopg.connect(stack["pg_url"], autocommit=True)
    try:
        before = _respondents(app, ids["kec"])
        # Hold the recompute's own lock so that the task stays in the middle of its work.
        blocker.execute("SELECT pg_advisory_lock(%s, %s)", (ids["kec"], 2026))
        _sync(app, token, ids["kel"])

        def recompute_waiting() -> bool:
            row = blocker.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()
            return row[0] > 0

        wait_for(recompute_waiting, 10.0, 0.05)
        # The row stays until the recompute that reads it commits ("being computed" tells the truth).
        assert _outbox(app) == 1
        first.kill(signal.SIGKILL)  # the whole worker, main process and pool child, mid-task
        # Redis gives an unacknowledged task to another consumer once it is older than the
        # visibility timeout (2 s here, 300 s in production); a starting worker checks at once.
        time.sleep(2.5)
        second = _worker(stack, "heir")
        try:
            blocker.execute("SELECT pg_advisory_unlock(%s, %s)", (ids["kec"], 2026))
            wait_for(lambda: _respondents(app, ids["kec"]) == before + 1, 30.0, 0.2)
            assert "recompute_kecamatan_year" in (stack["tmp"] / "heir.log").read_text()
            assert _outbox(app) == 0
        finally:
            second.stop()
    finally:
        first.kill(signal.SIGKILL)
        blocker.close()

"""One bad (kecamatan, year) never stops scoring for the others (issue #9, defect 6's pipeline half).

A real Celery worker on both brokers: the embedded default (SQLite + kombu's SQLAlchemy transport)
and production's (PostgreSQL + Redis). Kecamatan A is poisoned directly in the database — a trigger
that makes every write of its results fail, as a corrupt row or a bug in the scoring of one
kecamatan would — and kecamatan B, synced through the public API, must still be scored; A is retried,
then set aside with its error on /api/v1/health/ready, and healed by its next change once the poison
is gone.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from server.config import Config
from server.extensions import db
from server.models import IndicatorResult, ScoreOutbox
from tests.conftest import make_test_app
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from tests.integration.harness import CeleryProcess, dedicated_redis_db, fresh_pg_database, wait_for

REDIS_DB = 12

_POISON_PG = """
CREATE FUNCTION poison_results() RETURNS trigger AS $$
BEGIN
  IF NEW.kecamatan_id = {kec} THEN RAISE EXCEPTION 'poisoned kecamatan'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER poison BEFORE INSERT OR UPDATE ON indicator_results FOR EACH ROW EXECUTE FUNCTION poison_results();
"""
_POISON_SQLITE = ("CREATE TRIGGER poison BEFORE INSERT ON indicator_results WHEN NEW.kecamatan_id = {kec} "
                  "BEGIN SELECT RAISE(ABORT, 'poisoned kecamatan'); END")


def _two_kecamatan(app: Flask) -> dict:
    with app.app_context():
        a = make_wilayah("Andir", "32.73.01", kelurahan=1, rw=1)
        b = make_wilayah("Coblong", "32.73.02", kelurahan=1, rw=1)
        _u, token_a = make_user("camat_a", "kecamatan_admin", a.kecamatan)
        _u, token_b = make_user("camat_b", "kecamatan_admin", b.kecamatan)
        assert a.kecamatan.id < b.kecamatan.id  # A comes first in any ordered walk of the outbox
        return {"a": a.kecamatan.id, "kel_a": a.kelurahan[0].id, "token_a": token_a,
                "b": b.kecamatan.id, "kel_b": b.kelurahan[0].id, "token_b": token_b}


def _sync(app: Flask, token: str, kelurahan_id: int, n: int = 1) -> None:
    resp = app.test_client().post("/api/v1/submissions", headers=auth(token), json={
        "submissions": [p.skm({"kelurahan_id": kelurahan_id}, [4] * 9) for _ in range(n)]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert {r["status"] for r in resp.get_json()["results"]} == {"created"}


def _respondents(app: Flask, kecamatan_id: int) -> int:
    with app.app_context():
        details = db.session.scalar(select(IndicatorResult.details).where(
            IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.kelurahan_id == 0,
            IndicatorResult.period == "2026", IndicatorResult.code == "IKU1"))
        db.session.rollback()
        return (details or {}).get("respondents", 0)


def _outbox(app: Flask, kecamatan_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ScoreOutbox)
                                  .where(ScoreOutbox.kecamatan_id == kecamatan_id))
        db.session.rollback()
        return count


def _set_aside(app: Flask) -> list[dict]:
    body = app.test_client().get("/api/v1/health/ready").get_json()
    return body.get("scoring_set_aside", [])


def _poison(app: Flask, sql: str) -> None:
    with app.app_context():
        db.session.connection().exec_driver_sql(sql)
        db.session.commit()


def _unpoison(app: Flask, dialect: str) -> None:
    with app.app_context():
        db.session.execute(text("DROP TRIGGER poison" + (" ON indicator_results" if dialect == "postgresql" else "")))
        db.session.commit()


def _drive(app: Flask, ids: dict, dialect: str) -> None:
    """The scenario, once a worker (and beat) run: B is scored, A set aside with its error, then healed."""
    _sync(app, ids["token_a"], ids["kel_a"])  # A's recompute fails from now on
    _sync(app, ids["token_b"], ids["kel_b"], 2)
    wait_for(lambda: _respondents(app, ids["b"]) == 2, 10.0, 0.05)  # B is scored regardless
    assert _respondents(app, ids["a"]) == 0

    found = wait_for(lambda: [e for e in _set_aside(app) if e["kecamatan_id"] == ids["a"]], 20.0, 0.2)
    entry = found[0]
    assert entry["year"] == 2026 and entry["kecamatan"] == "Andir"
    assert "poisoned kecamatan" in entry["error"]
    assert entry["attempts"] == 2  # the first try and one retry (SIKK_SCORING_MAX_RETRIES=1)
    ready = app.test_client().get("/api/v1/health/ready").get_json()
    assert ready["scoring"] == "set_aside"
    assert _outbox(app, ids["a"]) == 0  # set aside, not retried every few seconds
    # B keeps being scored while A is set aside.
    _sync(app, ids["token_b"], ids["kel_b"])
    wait_for(lambda: _respondents(app, ids["b"]) == 3, 10.0, 0.05)

    _unpoison(app, dialect)  # the operator fixes the cause; A's next change heals it
    _sync(app, ids["token_a"], ids["kel_a"])
    wait_for(lambda: _respondents(app, ids["a"]) == 2, 10.0, 0.05)
    wait_for(lambda: _set_aside(app) == [], 5.0, 0.1)
    assert app.test_client().get("/api/v1/health/ready").get_json()["scoring"] == "ok"


def test_embedded_broker_one_poisoned_kecamatan_does_not_stop_the_others(tmp_path):
    database = f"sqlite:///{tmp_path / 'sikk.sqlite'}"
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    app = make_test_app(database, REDIS_URL=None, CELERY={**Config.CELERY, "broker_url": broker})
    ids = _two_kecamatan(app)
    _poison(app, _POISON_SQLITE.format(kec=ids["a"]))
    env = {"DATABASE_URL": database, "REDIS_URL": None, "SIKK_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "embedded",
           "SIKK_RELAY_EVERY_SECONDS": "1", "SIKK_SCORING_MAX_RETRIES": "1"}
    worker = CeleryProcess("worker", env, tmp_path / "worker.log", "--concurrency=1", "--without-gossip",
                           "--without-mingle")
    worker.wait_ready()  # before the beat: both would create the embedded broker's tables at once
    beat = CeleryProcess("beat", env, tmp_path / "beat.log")
    try:
        _drive(app, ids, "sqlite")
    finally:
        beat.stop()
        worker.stop()


@pytest.fixture
def pg_redis(tmp_path) -> Iterator[tuple[Flask, dict, dict]]:
    with fresh_pg_database() as pg_url:
        redis_url = dedicated_redis_db(REDIS_DB)
        app = make_test_app("postgresql+psycopg://" + pg_url.split("://", 1)[1], REDIS_URL=redis_url)
        env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "SIKK_INSTANCE_DIR": str(tmp_path),
               "SECRET_KEY": "integration", "SIKK_RELAY_EVERY_SECONDS": "1", "SIKK_SCORING_MAX_RETRIES": "1"}
        yield app, _two_kecamatan(app), env
        dedicated_redis_db(REDIS_DB)


def test_redis_broker_one_poisoned_kecamatan_is_set_aside_with_its_error(pg_redis, tmp_path):
    app, ids, env = pg_redis
    _poison(app, _POISON_PG.format(kec=ids["a"]))
    worker = CeleryProcess("worker", env, tmp_path / "worker.log", "--concurrency=1", "--without-gossip",
                           "--without-mingle")
    worker.wait_ready()  # before the beat: both would create the embedded broker's tables at once
    beat = CeleryProcess("beat", env, tmp_path / "beat.log")
    try:
        _drive(app, ids, "postgresql")
    finally:
        beat.stop()
        worker.stop()

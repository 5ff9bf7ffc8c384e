"""The embedded default: no REDIS_URL, SQLite, and a real Celery worker process on kombu's
SQLAlchemy transport (a broker file under the instance folder, no server): a sync still reaches the
stored scores within seconds."""
from __future__ import annotations

import time

from sqlalchemy import select

from server.config import Config
from server.extensions import db
from server.models import IndicatorResult
from tests.conftest import make_test_app
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from tests.integration.harness import CeleryProcess, wait_for


def test_embedded_broker_worker_computes_after_a_sync(tmp_path):
    database = f"sqlite:///{tmp_path / 'sikk.sqlite'}"
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    app = make_test_app(database, REDIS_URL=None, CELERY={**Config.CELERY, "broker_url": broker})
    with app.app_context():
        w = make_wilayah(kelurahan=1, rw=1)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kec_id, kel_id = w.kecamatan.id, w.kelurahan[0].id
    worker = CeleryProcess("worker", {"DATABASE_URL": database, "REDIS_URL": None, "SIKK_INSTANCE_DIR": str(tmp_path),
                                      "SECRET_KEY": "embedded"},
                           tmp_path / "worker.log", "--concurrency=1", "--without-gossip", "--without-mingle")
    try:
        worker.wait_ready()
        assert "sqla+sqlite" in worker.log.read_text()
        resp = app.test_client().post("/api/v1/submissions", headers=auth(token), json={
            "submissions": [p.skm({"kelurahan_id": kel_id}, a) for a in p.ANSWERS_B]})
        assert resp.status_code == 200
        started = time.perf_counter()

        def iku1() -> float | None:
            with app.app_context():
                value = db.session.scalar(select(IndicatorResult.value).where(
                    IndicatorResult.kecamatan_id == kec_id, IndicatorResult.kelurahan_id == 0,
                    IndicatorResult.period == "2026", IndicatorResult.code == "IKU1"))
                db.session.rollback()
                return value

        assert wait_for(iku1, 10.0, 0.05) == 81.25
        assert time.perf_counter() - started < 2.5  # one hop through a broker that polls every second
    finally:
        worker.stop()

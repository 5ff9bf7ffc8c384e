"""The relay and the recompute tasks on SQLite and PostgreSQL (task bodies run in-process here;
tests/integration runs them in a real Celery worker on Redis)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server.extensions import db
from server.models import IndicatorResult, ScoreOutbox, Target
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers import tasks
from workers.recompute import recompute_everything, recompute_kecamatan_years
from workers.relay import drain_outbox, with_following_years


def _sync(client, token, items):
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert resp.status_code == 200
    assert {r["status"] for r in resp.get_json()["results"]} == {"created"}


@pytest.fixture
def kecamatan(app, client):
    """A kecamatan of 2 kelurahan × 3 RW, a kecamatan admin's token, SPEC §2's four surveys in kelurahan 1."""
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=3)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        ids = {"kec": w.kecamatan.id, "kel": [k.id for k in w.kelurahan]}
        db.session.add(Target(code="IKU1", year=2026, kecamatan_id=0, value=80.0))
        db.session.commit()
    _sync(client, token, [p.skm({"kelurahan_id": ids["kel"][0]}, a) for a in p.ANSWERS_B])
    return {**ids, "token": token}


def _result(kec: int, kel: int, period: str, code: str) -> IndicatorResult | None:
    return db.session.scalars(select(IndicatorResult).where(
        IndicatorResult.kecamatan_id == kec, IndicatorResult.kelurahan_id == kel,
        IndicatorResult.period == period, IndicatorResult.code == code)).first()


def test_recompute_task_stores_every_period_and_scope(app, kecamatan):
    kec = kecamatan["kec"]
    with app.app_context():
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 5 * 3 * 6  # periods × (kecamatan + 2 kel) × IKU
        iku1 = _result(kec, 0, "2026", "IKU1")
        assert (iku1.value, iku1.mutu) == (81.25, "B")
        assert iku1.target == 80.0 and iku1.capaian == 101.56 and iku1.rule_version == 1
        assert len(iku1.details["record_ids"]) == 4
        assert _result(kec, kecamatan["kel"][0], "2026-Q1", "IKU1").value == 81.25
        assert _result(kec, kecamatan["kel"][1], "2026", "IKU1").value is None
        assert _result(kec, 0, "2026-Q2", "IKU1").value is None
        first_computed = iku1.computed_at
        db.session.rollback()
        # Idempotent: a second run rewrites the same rows, it does not add any.
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 90
        assert db.session.scalar(select(func.count()).select_from(IndicatorResult)) == 90
        assert _result(kec, 0, "2026", "IKU1").computed_at >= first_computed
        assert tasks.recompute_kecamatan_year.run(999_999, 2026) == 0  # unknown kecamatan: nothing, no error


def test_a_500_item_sync_becomes_one_recompute(app, client, kecamatan):
    kel = kecamatan["kel"][1]
    for batch in range(5):
        _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kel}, [3] * 9) for _ in range(100)])
    enqueued: list[tuple[int, int]] = []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 6  # 1 + 5 batches
        pairs = drain_outbox(db.session, lambda k, y: enqueued.append((k, y)), today=dt.date(2026, 6, 1))
        assert enqueued == [(kecamatan["kec"], 2026)] and pairs == {(kecamatan["kec"], 2026)}
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
        assert drain_outbox(db.session, lambda k, y: enqueued.append((k, y))) == set()


def test_a_late_recompute_absorbs_the_rows_that_piled_up(app, client, kecamatan):
    """Under load the recompute waits in the queue; when it runs it covers every row of its pair."""
    kec = kecamatan["kec"]
    _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][1]}, [4] * 9)])
    _sync(client, kecamatan["token"], [p.skm({"kecamatan_id": kec}, [4] * 9, "2025-03-01T10:00:00+07:00")])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 3
        recompute_kecamatan_years(db.session, kec, [2026], today=dt.date(2026, 6, 1))
        assert _result(kec, 0, "2026", "IKU1").details["respondents"] == 5
        # 2025's row stays for the relay (it also recomputes 2026, whose baseline 2025 feeds).
        assert set(db.session.scalars(select(ScoreOutbox.year))) == {2025}
        recompute_kecamatan_years(db.session, kec, [2025], today=dt.date(2026, 6, 1))
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1


def test_relay_keeps_rows_when_the_broker_fails(app, kecamatan):
    def broken(_kec: int, _year: int) -> None:
        raise ConnectionError("broker down")

    with app.app_context():
        with pytest.raises(ConnectionError):
            drain_outbox(db.session, broken)
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1
        # Once it is back, the next run hands the same work over.
        got: list = []
        drain_outbox(db.session, lambda k, y: got.append((k, y)), today=dt.date(2027, 1, 2))
        assert got == [(kecamatan["kec"], 2026), (kecamatan["kec"], 2027)]  # 2026 data feeds 2027's baseline


def test_later_years_up_to_the_current_one_are_stale_too():
    assert with_following_years({(1, 2025), (2, 2026)}, 2026) == {(1, 2025), (1, 2026), (2, 2026)}
    # An old inspection can still be an RW's latest: every later year reads it.
    assert with_following_years({(1, 2022)}, 2025) == {(1, 2022), (1, 2023), (1, 2024), (1, 2025)}
    assert with_following_years({(1, 2027)}, 2026) == {(1, 2027)}


def test_relay_task_enqueues_into_the_broker(app, kecamatan):
    """The task body sends real messages (the app's broker); what arrives is one recompute."""
    with app.app_context():
        sent = tasks.relay_outbox.run()
        assert sent >= 1
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0


def test_concurrent_relays_take_disjoint_rows(app, kecamatan, backend):
    """PostgreSQL: SKIP LOCKED hands a locked row to nobody else; SQLite: the second relay waits."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    other = create_engine(uri)
    try:
        with app.app_context():
            from workers.relay import _claim

            claimed = _claim(db.session, 100)  # this session now holds the row (or the write lock)
            assert len(claimed) == 1
            with Session(other) as second:
                if backend == "postgresql":
                    assert drain_outbox(second, lambda k, y: None) == set()
                else:
                    second.execute(text("PRAGMA busy_timeout=300"))
                    with pytest.raises(OperationalError, match="locked"):
                        drain_outbox(second, lambda k, y: None)
            db.session.rollback()
            with Session(other) as second:
                assert drain_outbox(second, lambda k, y: None, today=dt.date(2026, 5, 1)) == {(kecamatan["kec"], 2026)}
    finally:
        other.dispose()


def test_concurrent_recomputes_leave_one_correct_result(app, client, kecamatan):
    """Two recomputes of the same kecamatan-year at once: one row per key, reflecting every submission."""
    kec = kecamatan["kec"]
    _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][1]}, [4] * 9) for _ in range(4)])
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                recompute_kecamatan_years(db.session, kec, [2026])
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndicatorResult)) == 90
        assert _result(kec, 0, "2026", "IKU1").details["respondents"] == 8
        assert _result(kec, kecamatan["kel"][1], "2026", "IKU1").value == 100.0


def test_full_recompute_covers_every_kecamatan_and_year(app, client, kecamatan):
    _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][0]}, [4] * 9,
                                             "2025-05-01T10:00:00+07:00")])
    with app.app_context():
        lines = list(recompute_everything())
        periods = set(db.session.scalars(select(IndicatorResult.period).distinct()))
        assert {"2025", "2025-Q2", "2026", "2026-Q4"} <= periods
        assert _result(kecamatan["kec"], 0, "2025", "IKU1").value == 100.0
        assert lines[-1].startswith("recomputed 1 kecamatan")


def test_recompute_cli(app, runner, kecamatan):
    result = runner.invoke(args=["recompute", "--period", "2026-Q1"])
    assert result.exit_code == 0, result.output
    assert "kecamatan" in result.output and "results" in result.output
    with app.app_context():
        assert _result(kecamatan["kec"], 0, "2026-Q1", "IKU1").value == 81.25
    bad = runner.invoke(args=["recompute", "--period", "2026-Q5"])
    assert bad.exit_code != 0 and "--period" in bad.output


def test_inline_relay_recomputes_then_deletes(app, kecamatan):
    """The embedded broker's relay: recompute first, delete the rows read only afterwards."""
    from workers.relay import run_outbox_inline

    done: list[tuple[int, int]] = []

    def recompute(kec: int, year: int) -> None:
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1  # not deleted yet
        done.append((kec, year))

    with app.app_context():
        assert run_outbox_inline(db.session, recompute, today=dt.date(2027, 2, 1)) == {
            (kecamatan["kec"], 2026), (kecamatan["kec"], 2027)}
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
    assert done == [(kecamatan["kec"], 2026), (kecamatan["kec"], 2027)]


def test_inline_relay_keeps_rows_when_a_recompute_fails(app, kecamatan):
    from workers.relay import run_outbox_inline

    def broken(_kec: int, _year: int) -> None:
        raise RuntimeError("worker died")

    with app.app_context():
        with pytest.raises(RuntimeError):
            run_outbox_inline(db.session, broken)
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1


def test_a_second_recompute_rewrites_what_changed_and_keeps_the_rest(app, client, kecamatan):
    kec, kel2 = kecamatan["kec"], kecamatan["kel"][1]
    with app.app_context():
        recompute_kecamatan_years(db.session, kec, [2026])
        unchanged_before = _result(kec, kecamatan["kel"][0], "2026", "IKU1").details
    _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kel2}, [4] * 9)])
    with app.app_context():
        recompute_kecamatan_years(db.session, kec, [2026])
        assert _result(kec, 0, "2026", "IKU1").details["respondents"] == 5
        assert _result(kec, kel2, "2026", "IKU1").details["respondents"] == 1
        assert _result(kec, kecamatan["kel"][0], "2026", "IKU1").details == unchanged_before


def test_full_recompute_in_processes_matches_one_process(app, client, kecamatan, backend):
    """Forked processes (PostgreSQL's default) store exactly what one process stores."""
    with app.app_context():
        make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=1)
        db.session.commit()
        lines = list(recompute_everything(processes=1))
        one = {(r.kecamatan_id, r.kelurahan_id, r.period, r.code): (r.value, r.details)
               for r in db.session.scalars(select(IndicatorResult))}
        db.session.rollback()
        processes = 2 if backend == "postgresql" else 1
        lines = list(recompute_everything(processes=processes))
        assert lines[-1].startswith("recomputed 2 kecamatan")
        two = {(r.kecamatan_id, r.kelurahan_id, r.period, r.code): (r.value, r.details)
               for r in db.session.scalars(select(IndicatorResult))}
        assert two == one and len(one) == 90 + 5 * 2 * 6


def test_queued_marks_allow_one_waiting_recompute_per_pair(app):
    from tests.integration.harness import dedicated_redis_db, free_port
    from workers.queued import QueuedMarks

    marks = QueuedMarks(dedicated_redis_db(11), app.config["SQLALCHEMY_DATABASE_URI"])
    assert marks.claim(1, 2026) is True
    assert marks.claim(1, 2026) is False  # one is waiting: the relay skips the enqueue
    assert marks.claim(1, 2025) is True and marks.claim(2, 2026) is True
    marks.unclaim(1, 2026)  # the recompute started
    assert marks.claim(1, 2026) is True
    other_deployment = QueuedMarks(marks.redis_url, "postgresql://elsewhere/db")
    assert other_deployment.claim(1, 2026) is True
    assert QueuedMarks(None, "x").claim(1, 2026) is True  # embedded broker: no marks
    assert QueuedMarks(f"redis://127.0.0.1:{free_port()}/0", "x").claim(1, 2026) is True  # Redis down: enqueue
    dedicated_redis_db(11)


def test_relay_skips_a_pair_whose_recompute_waits(app, client, kecamatan):
    """Relay → mark set; more syncs, relay again → rows covered, no second message; the task clears it."""
    import redis

    from workers.tasks import _marks

    kec = kecamatan["kec"]
    with app.app_context():
        marks = _marks()
        marks.unclaim(kec, 2026)
        assert tasks.relay_outbox.run() >= 1
        assert marks.claim(kec, 2026) is False  # set by the relay's enqueue
        db.session.rollback()
    _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][1]}, [4] * 9)])
    with app.app_context():
        key = marks.key(kec, 2026)
        store = redis.Redis.from_url(marks.redis_url)
        store.expire(key, 50)  # an enqueue would set it again with the full TTL
        tasks.relay_outbox.run()
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0  # covered by the waiting one
        assert 0 < store.ttl(key) <= 50  # not set again: no second message
        tasks.recompute_kecamatan_year.run(kec, 2026)
        assert store.exists(key) == 0  # the recompute cleared it
        assert _result(kec, 0, "2026", "IKU1").details["respondents"] == 5

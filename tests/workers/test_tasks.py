"""The relay and the recompute tasks on SQLite and PostgreSQL (task bodies run in-process here;
tests/integration runs them in a real Celery worker on Redis)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server import jobs
from server.extensions import db
from server.models import IndicatorResult, ScoreOutbox, ScoringSetAside, Target
from tests.admin.helpers import login
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers import tasks
from workers.recompute import recompute_everything, recompute_kecamatan_years, stale_years
from workers.relay import sweep_outbox


def _sync(client, token, items):
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert resp.status_code == 200
    assert {r["status"] for r in resp.get_json()["results"]} == {"created"}


@pytest.fixture
def kecamatan(app, client):
    """A kecamatan of 2 kelurahan × 3 RW, a kecamatan admin's token, the worked example's four surveys in kelurahan 1."""
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=3)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        ids = {"kec": w.kecamatan.id, "kel": [k.id for k in w.kelurahan]}
        db.session.add(Target(code="IKU1", year=2026, kecamatan_id=0, value=80.0))
        db.session.commit()
        _forget_marks()
    _sync(client, token, [p.skm({"kelurahan_id": ids["kel"][0]}, a) for a in p.ANSWERS_B])
    return {**ids, "token": token}


def _forget_marks() -> None:
    """Queued marks and last-run times of earlier tests (ids repeat on SQLite) must not defer this one's."""
    import redis

    marks = jobs.queued_marks()
    store = redis.Redis.from_url(marks.redis_url)
    for key in store.scan_iter(marks.prefix + "*"):
        store.delete(key)
    jobs.reset_kick_backoff()


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
        assert tasks.recompute_kecamatan_year.run(kec, 2026, force=True) == 90
        assert db.session.scalar(select(func.count()).select_from(IndicatorResult)) == 90
        assert _result(kec, 0, "2026", "IKU1").computed_at >= first_computed
        assert tasks.recompute_kecamatan_year.run(999_999, 2026, force=True) == 0  # unknown kecamatan: no error


def test_a_500_item_sync_becomes_one_recompute(app, client, kecamatan):
    kel = kecamatan["kel"][1]
    for batch in range(5):
        _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kel}, [3] * 9) for _ in range(100)])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 6  # 1 + 5 batches
        assert tasks.recompute_kecamatan_year.run(kecamatan["kec"], 2026) == 90
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
        assert _result(kecamatan["kec"], 0, "2026", "IKU1").details["respondents"] == 504
        # Another message of the same pair finds nothing left: it costs a lock and a DELETE, no recompute.
        assert tasks.recompute_kecamatan_year.run(kecamatan["kec"], 2026) == 0


def test_an_earlier_year_recomputes_the_later_years_it_feeds(app, client, kecamatan):
    """A 2025 change also makes 2026 stale (K2, the RW baseline): one message recomputes both."""
    kec = kecamatan["kec"]
    _sync(client, kecamatan["token"], [p.skm({"kecamatan_id": kec}, [4] * 9, "2025-03-01T10:00:00+07:00")])
    with app.app_context():
        assert set(db.session.scalars(select(ScoreOutbox.year))) == {2025, 2026}
        tasks.recompute_kecamatan_year.run(kec, 2025)
        assert _result(kec, 0, "2025", "IKU1").details["respondents"] == 1
        assert _result(kec, 0, "2026", "IKU1").details["respondents"] == 4
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0


def test_stale_years_stay_within_the_scorable_window(app, client, kecamatan):
    kec = kecamatan["kec"]
    _sync(client, kecamatan["token"], [p.skm({"kecamatan_id": kec}, [4] * 9, "2024-03-01T10:00:00+07:00")])
    with app.app_context():
        assert stale_years(db.session, kec, 2026, 2026) == [2026]
        assert stale_years(db.session, kec, 2022, 2026) == [2022, 2024, 2026]  # 2023, 2025: no data
        assert stale_years(db.session, kec, 0, 2026) == [2024, 2026]
        assert stale_years(db.session, kec, 1900, 2026) == [2024, 2026]
        assert stale_years(db.session, kec, 9999, 2026) == []
        assert stale_years(db.session, kec, 2027, 2026) == [2027]


def test_a_hostile_year_does_not_fan_out(app, client, kecamatan):
    """Stale marks for years 0, 1900 and 9999 (defect 6): a handful of recomputes, no results of those years."""
    kec = kecamatan["kec"]
    with app.app_context():
        tasks.recompute_kecamatan_year.run(kec, 2026)
        db.session.execute(insert(ScoreOutbox), [{"kecamatan_id": kec, "year": y} for y in (0, 1900, 9999)])
        db.session.commit()
        sent: list[tuple[int, int]] = []
        assert sweep_outbox(db.session, lambda k, y: sent.append((k, y)), grace_seconds=0) == {
            (kec, 0), (kec, 1900), (kec, 9999)}
        for kec_id, year in sent:
            tasks.recompute_kecamatan_year.run(kec_id, year)
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
        assert set(db.session.scalars(select(IndicatorResult.period).distinct())) == {
            "2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}


def test_the_sweep_leaves_fresh_rows_to_their_kick_and_deletes_nothing(app, kecamatan):
    with app.app_context():
        assert sweep_outbox(db.session, lambda k, y: None, grace_seconds=60) == set()
        got: list = []
        assert sweep_outbox(db.session, lambda k, y: got.append((k, y)), grace_seconds=0) == {(kecamatan["kec"], 2026)}
        assert got == [(kecamatan["kec"], 2026)]
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1  # the recompute deletes it


def test_a_broker_failure_stops_the_sweep_and_keeps_the_rows(app, kecamatan):
    def broken(_kec: int, _year: int) -> None:
        raise ConnectionError("broker down")

    with app.app_context():
        with pytest.raises(ConnectionError):
            sweep_outbox(db.session, broken, grace_seconds=0)
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1


def test_relay_task_enqueues_into_the_broker(app, kecamatan):
    """The task body sends real messages (the app's broker) for leftover rows."""
    with app.app_context():
        jobs.reset_kick_backoff()
        db.session.execute(update(ScoreOutbox).values(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)))
        db.session.commit()
        jobs.queued_marks().unclaim(kecamatan["kec"], 2026)
        assert tasks.relay_outbox.run() == 1
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1


def test_a_failing_recompute_is_set_aside_and_shown(app, client, kecamatan, monkeypatch):
    """A recompute that raises (not a database error) is set aside at once: its rows leave the
    outbox, its error is on /api/v1/health/ready and the dashboard, and other pairs are unaffected."""
    import workers.recompute as recompute

    kec = kecamatan["kec"]
    real = recompute.load_kecamatan

    def poisoned(session, kecamatan_id, years, *args, **kwargs):
        if kecamatan_id == kec:
            raise OverflowError("date value out of range")
        return real(session, kecamatan_id, years, *args, **kwargs)

    monkeypatch.setattr(recompute, "load_kecamatan", poisoned)
    with app.app_context():
        other = make_wilayah("Sukasari", "32.73.01", kelurahan=1, rw=1)
        db.session.commit()
        other_id = other.kecamatan.id
        jobs.mark_stale(db.session, {(other_id, 2026)})
        db.session.commit()
        with pytest.raises(OverflowError):
            tasks.recompute_kecamatan_year.run(kec, 2026)
        assert tasks.recompute_kecamatan_year.run(other_id, 2026) == 5 * 2 * 6
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
        failed = db.session.get(ScoringSetAside, (kec, 2026))
        assert failed.attempts == 1 and "OverflowError: date value out of range" in failed.error
    ready = client.get("/api/v1/health/ready").get_json()
    assert ready["scoring"] == "set_aside"
    assert [(e["kecamatan_id"], e["year"], e["kecamatan"]) for e in ready["scoring_set_aside"]] == [
        (kec, 2026, "Coblong")]
    login(client, "camat", "rahasia123")
    page = client.get("/admin/?period=2026").get_data(as_text=True)
    assert "Perhitungan skor gagal dan disisihkan" in page and "date value out of range" in page
    monkeypatch.setattr(recompute, "load_kecamatan", real)
    with app.app_context():
        tasks.recompute_kecamatan_year.run(kec, 2026, force=True)  # the nightly run, or the next change
        assert db.session.get(ScoringSetAside, (kec, 2026)) is None
    assert client.get("/api/v1/health/ready").get_json()["scoring"] == "ok"
    assert "Perhitungan skor gagal" not in client.get("/admin/?period=2026").get_data(as_text=True)


def test_being_computed_is_true_until_the_recompute_commits(app, client, kecamatan):
    """Defect 4c: the hint reads outbox rows, which now live until the recompute that read them commits."""
    from server.admin.dashboard import recompute_pending

    kec = kecamatan["kec"]
    with app.app_context():
        assert recompute_pending(kec, 2026) is True
        tasks.relay_outbox.run()  # a sweep hands work over but removes nothing
        assert recompute_pending(kec, 2026) is True
        tasks.recompute_kecamatan_year.run(kec, 2026)
        assert recompute_pending(kec, 2026) is False
    _sync(client, kecamatan["token"], [p.skm({"kecamatan_id": kec}, [4] * 9, "2025-03-01T10:00:00+07:00")])
    with app.app_context():
        assert recompute_pending(kec, 2026) is True  # 2025's data feeds 2026 too


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
    from server.scoring_queue import QueuedMarks

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


def test_a_hot_pair_is_deferred_to_bound_the_workers_share(app, client, kecamatan, monkeypatch):
    """After a recompute that took d seconds, the pair's next one waits until d after it ended
    (SCORING_MAX_SHARE 0.5): the message is sent again for then, its mark moved to that time."""
    import time

    kec = kecamatan["kec"]
    sent: list[tuple] = []
    with app.app_context():
        marks = jobs.queued_marks()
        marks.record_run(kec, 2026, time.time(), 30.0)  # a 30 s recompute just ended
        monkeypatch.setattr(tasks.recompute_kecamatan_year, "apply_async",
                            lambda args, countdown=None, **kw: sent.append((args, countdown)))
        marks.unclaim(kec, 2026)
        assert marks.claim(kec, 2026) is True  # the message below was sent with this mark
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 0
        assert sent and sent[0][0] == (kec, 2026) and 29 < sent[0][1] <= 30
        claimed, due = marks.claim_or_eta(kec, 2026)
        assert claimed is False and due > time.time() + 29  # the web's throttle now waits for it
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 1  # nothing read yet
        assert tasks.recompute_kecamatan_year.run(kec, 2026, force=True) == 90  # the nightly run is never deferred
        marks.record_run(kec, 2026, time.time() - 60, 30.0)  # long ago: no deferral
        _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][1]}, [4] * 9)])
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 90


def test_a_pair_recomputes_at_most_once_per_min_interval(app, client, kecamatan, monkeypatch):
    """SCORING_MIN_INTERVAL_SECONDS: however cheap the previous recompute was (here 0 s of CPU, so
    the share bound alone would let the next one run at once), the next one of the pair starts no
    sooner than the interval after it ended; the later of the two bounds wins."""
    import time

    kec = kecamatan["kec"]
    sent: list[tuple] = []
    monkeypatch.setitem(app.config, "SCORING_MIN_INTERVAL_SECONDS", 20)
    with app.app_context():
        marks = jobs.queued_marks()
        monkeypatch.setattr(tasks.recompute_kecamatan_year, "apply_async",
                            lambda args, countdown=None, **kw: sent.append((args, countdown)))
        marks.record_run(kec, 2026, time.time(), 0.0)  # a recompute that cost nothing just ended
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 0
        assert sent[-1][0] == (kec, 2026) and 19 < sent[-1][1] <= 20
        assert marks.claim_or_eta(kec, 2026)[1] > time.time() + 19  # the web's throttle waits for it
        marks.record_run(kec, 2026, time.time(), 30.0)  # the share bound is the later one: 30 s
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 0 and 29 < sent[-1][1] <= 30
        marks.record_run(kec, 2026, time.time() - 21, 0.0)  # the interval has passed: it runs
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 90 and len(sent) == 2
        monkeypatch.setitem(app.config, "SCORING_MIN_INTERVAL_SECONDS", 0)  # off: the share bound alone
        marks.record_run(kec, 2026, time.time(), 0.0)
        _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][1]}, [4] * 9)])
        assert tasks.recompute_kecamatan_year.run(kec, 2026) == 90 and len(sent) == 2
    monkeypatch.delitem(app.config, "SCORING_MIN_INTERVAL_SECONDS")
    with app.app_context():
        assert tasks._min_interval() == tasks.DEFAULT_MIN_INTERVAL_SECONDS  # unset: the default


def test_relay_skips_a_pair_whose_recompute_waits(app, client, kecamatan):
    """Enqueue → mark set; the sweep finds the pair waiting and sends no second message; the task clears it."""
    import redis

    kec = kecamatan["kec"]
    with app.app_context():
        jobs.reset_kick_backoff()
        marks = jobs.queued_marks()
        marks.unclaim(kec, 2026)
        assert jobs.enqueue_recompute(kec, 2026, throttle=False) is True
        assert marks.claim(kec, 2026) is False  # set by the enqueue
        key = marks.key(kec, 2026)
        store = redis.Redis.from_url(marks.redis_url)
        store.expire(key, 50)  # an enqueue would set it again with the full TTL
        assert jobs.enqueue_recompute(kec, 2026, throttle=False) is False
        assert 0 < store.ttl(key) <= 50  # not set again: no second message
        tasks.recompute_kecamatan_year.run(kec, 2026)
        assert store.exists(key) == 0  # the recompute cleared it
        assert _result(kec, 0, "2026", "IKU1").details["respondents"] == 4


def test_the_kick_throttle_sends_one_message_per_pair_and_interval(app, client, kecamatan, monkeypatch):
    """Per web process: the first sync of an interval sends the recompute (due one interval later);
    the syncs after it send nothing until then — that recompute will read them."""
    sent: list[tuple] = []
    with app.app_context():
        celery_app = app.extensions["celery"]
        monkeypatch.setattr(celery_app, "send_task", lambda name, args=None, **kw: sent.append((name, args, kw)))
        jobs.reset_kick_backoff()
        jobs.queued_marks().unclaim(kecamatan["kec"], 2026)
        monkeypatch.setitem(app.config, "SCORING_COALESCE_SECONDS", 30)
    for _ in range(5):
        _sync(client, kecamatan["token"], [p.skm({"kelurahan_id": kecamatan["kel"][1]}, [4] * 9)])
    assert [(name, args, kw.get("countdown")) for name, args, kw in sent] == [
        (jobs.RECOMPUTE_TASK, (kecamatan["kec"], 2026), 30)]
    with app.app_context():
        jobs.queued_marks().unclaim(kecamatan["kec"], 2026)
        jobs.reset_kick_backoff()

"""Fault drills on real processes: gunicorn, Celery, our own PostgreSQL cluster and our own Redis.

Each drill ends by checking that every submission a client got acknowledged is stored exactly
once, that nothing sent was lost, and (where workers run) that every stored score equals a fresh
full recompute from the submissions.

1. the web SIGKILLed (master and workers) mid-batch, twice, while clients retry;
2. a proxy that loses the response after the server committed: the retry gets `duplicate`;
3. Redis killed and restarted during syncs (syncs never fail; scores converge afterwards);
4. PostgreSQL restarted during syncs (clients retry through the outage);
5. two web and two worker processes on one database, every batch sent to both at once.

A worker killed mid-task is drilled in tests/integration/test_celery_worker.py. Longer and larger
variants: bench/drills.py.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from server import jobs
from server.extensions import db
from server.models import IndicatorResult, ScoreOutbox
from tests.conftest import make_test_app
from tests.factories import make_wilayah
from tests.hardening.drill_harness import (
    Gunicorn, LossyProxy, PgCluster, SyncClient, assert_each_acknowledged_stored_once, inspeksi_batch,
)
from tests.hardening.world import make_user
from tests.integration.harness import CeleryProcess, PrivateRedis, wait_for

BATCH = 20


@pytest.fixture(scope="module")
def cluster() -> Iterator[PgCluster]:
    """Our own PostgreSQL: the drills may restart it."""
    pg = PgCluster()
    pg.start()
    yield pg
    pg.destroy()


@pytest.fixture(scope="module")
def broker(tmp_path_factory) -> Iterator[PrivateRedis]:
    """Our own Redis: the drills may kill it."""
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@dataclass
class Drill:
    """A fresh database with a kecamatan, an officer, and the environment of every process."""

    app: Flask
    pg_url: str
    token: str
    rw_ids: list[int]
    env: dict[str, str]
    tmp: Path


@pytest.fixture
def drill(cluster: PgCluster, broker: PrivateRedis, tmp_path: Path) -> Iterator[Drill]:
    pg_url = cluster.create_database()
    app = make_test_app("postgresql+psycopg://" + pg_url.split("://", 1)[1], REDIS_URL=broker.url)
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=5)
        _, token = make_user("petugas", "officer", w.kecamatan)
        rw_ids = [r.id for rws in w.rw.values() for r in rws]
    env = {"DATABASE_URL": pg_url, "REDIS_URL": broker.url, "SECRET_KEY": "drill", "SIKK_INSTANCE_DIR": str(tmp_path),
           "SIKK_RELAY_EVERY_SECONDS": "1"}
    yield Drill(app, pg_url, token, rw_ids, env, tmp_path)
    jobs.reset_kick_backoff()


def _run_clients(clients: list[SyncClient], batches_each: int, rw_ids: list[int], sent: set[str],
                 pause: float = 0.0) -> None:
    """Each client sends `batches_each` batches one after the other, in its own thread."""
    lock = threading.Lock()
    failures: list[BaseException] = []

    def device(n: int, client: SyncClient) -> None:
        try:
            for b in range(batches_each):
                items = inspeksi_batch(rw_ids, BATCH, seed=n * 1000 + b)
                with lock:
                    sent.update(i["id"] for i in items)
                client.send(items, target=n)
                time.sleep(pause)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=device, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not failures, failures
    assert all(not c.errors for c in clients), [c.errors for c in clients]


def _acks(clients: list[SyncClient]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for c in clients:
        merged.update(c.acknowledged)
    return merged


# -- scores == a fresh full recompute ---------------------------------------------------------------------

_COMPARED = ("value", "numerator", "denominator", "target", "capaian", "mutu", "rule_version")


def stored_scores(app: Flask) -> dict[tuple, tuple]:
    with app.app_context():
        rows = db.session.execute(select(IndicatorResult)).scalars().all()
        out = {(r.kecamatan_id, r.kelurahan_id, r.period, r.code): tuple(getattr(r, c) for c in _COMPARED) for r in rows}
        db.session.rollback()
        return out


def fresh_scores(app: Flask) -> dict[tuple, tuple]:
    """Every score computed now from the submissions, without storing anything."""
    import datetime as dt

    from workers.loader import load_kecamatan
    from workers.recompute import load_catalogue, result_rows, years_with_data

    with app.app_context():
        session = db.session
        catalogue = load_catalogue(session)
        out: dict[tuple, tuple] = {}
        for kecamatan_id, years in years_with_data(session).items():
            loaded = load_kecamatan(session, kecamatan_id, sorted(years), app.config["TIMEZONE"], **catalogue)
            for row in result_rows(loaded, years, dt.datetime.now(dt.timezone.utc)):
                out[(row["kecamatan_id"], row["kelurahan_id"], row["period"], row["code"])] = tuple(row[c] for c in _COMPARED)
        session.rollback()
        return out


def outbox_rows(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(ScoreOutbox))
        db.session.rollback()
        return count


def assert_scores_converge(app: Flask, timeout: float = 40) -> None:
    """The outbox drains and the stored scores equal a fresh full recompute (polled: workers may be mid-task)."""
    wait_for(lambda: outbox_rows(app) == 0, timeout, 0.2)

    def equal() -> bool:
        fresh = fresh_scores(app)
        stored = stored_scores(app)
        return bool(fresh) and all(stored.get(key) == value for key, value in fresh.items())

    wait_for(equal, timeout, 0.5)


def _workers(drill: Drill, count: int, beat: bool = True) -> list[CeleryProcess]:
    procs = []
    for n in range(count):
        extra = ["--concurrency=1", "--pool=prefork", "-n", f"drill{n}@%h", "--without-gossip", "--without-mingle"]
        if beat and n == 0:
            extra += ["-B", "--schedule", str(drill.tmp / "beat-schedule")]
        proc = CeleryProcess("worker", drill.env, drill.tmp / f"worker{n}.log", *extra)
        procs.append(proc)
    for proc in procs:
        proc.wait_ready()
    return procs


# -- the drills ------------------------------------------------------------------------------------------

def test_web_sigkilled_mid_batch_while_clients_retry(drill: Drill):
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    clients = [SyncClient([web.address], drill.token) for _ in range(4)]
    sent: set[str] = set()
    kills = 0

    def killer() -> None:
        nonlocal kills
        for delay in (0.6, 1.2):
            time.sleep(delay)
            web.kill()  # SIGKILL: master and workers, whatever they were doing
            kills += 1
            time.sleep(0.3)
            web.start()

    chaos = threading.Thread(target=killer)
    try:
        chaos.start()
        _run_clients(clients, 12, drill.rw_ids, sent)
        chaos.join(60)
    finally:
        web.stop()
    assert kills == 2
    assert sum(c.retries for c in clients) > 0, "the kills hit no request: the drill proved nothing"
    assert_each_acknowledged_stored_once(drill.pg_url, sent, _acks(clients))


def test_response_lost_after_commit_retry_gets_duplicate(drill: Drill):
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    proxy = LossyProxy(web.address, drop_every=2)  # every other connection loses its answer
    client = SyncClient([proxy.address], drill.token)
    sent: set[str] = set()
    try:
        _run_clients([client], 8, drill.rw_ids, sent)
    finally:
        proxy.close()
        web.stop()
    assert proxy.dropped >= 8
    assert client.retried_answers, "no answer was lost: the drill proved nothing"
    # The first try was committed (its answer lost): every retry is answered `duplicate`, never a second copy.
    assert all(set(statuses) == {"duplicate"} for statuses in client.retried_answers), client.retried_answers
    assert_each_acknowledged_stored_once(drill.pg_url, sent, client.acknowledged)


def test_redis_killed_and_restarted_during_syncs(drill: Drill, broker: PrivateRedis):
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    workers = _workers(drill, 1)
    clients = [SyncClient([web.address], drill.token) for _ in range(2)]
    sent: set[str] = set()
    outage: dict[str, float] = {}

    def chaos() -> None:
        time.sleep(0.5)
        broker.stop()  # SIGKILL: the broker and every message in it are gone
        outage["down"] = time.perf_counter()
        time.sleep(2.0)
        broker.start()
        outage["up"] = time.perf_counter()

    thread = threading.Thread(target=chaos)
    try:
        thread.start()
        _run_clients(clients, 10, drill.rw_ids, sent, pause=0.1)
        thread.join(30)
        assert "up" in outage
        during = [t for c in clients for t in c.answered_at if outage["down"] <= t <= outage["up"]]
        assert len(during) >= 4, "too few syncs while the broker was down: the drill proved nothing"
        assert_each_acknowledged_stored_once(drill.pg_url, sent, _acks(clients))
        assert max(max(c.latencies) for c in clients) < 2.0  # a dead broker never stalls a sync
        assert all(c.retries == 0 for c in clients)  # … nor fails one
        assert_scores_converge(drill.app)
    finally:
        for w in workers:
            w.stop()
        web.stop()


def test_postgres_restarted_during_syncs(drill: Drill, cluster: PgCluster):
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    clients = [SyncClient([web.address], drill.token) for _ in range(3)]
    sent: set[str] = set()
    restarted = threading.Event()

    def chaos() -> None:
        time.sleep(0.5)
        cluster.restart("fast")  # every connection is cut; the pool must recover by itself
        restarted.set()

    thread = threading.Thread(target=chaos)
    try:
        thread.start()
        _run_clients(clients, 25, drill.rw_ids, sent, pause=0.05)
        thread.join(60)
    finally:
        web.stop()
    assert restarted.is_set()
    assert sum(c.retries for c in clients) > 0, "the restart hit no request: the drill proved nothing"
    assert_each_acknowledged_stored_once(drill.pg_url, sent, _acks(clients))
    assert all(not c.errors for c in clients)


def test_two_webs_two_workers_one_database(drill: Drill):
    webs = [Gunicorn(drill.env, drill.tmp / f"web{n}.log") for n in range(2)]
    for web in webs:
        web.start()
    workers = _workers(drill, 2)
    addresses = [w.address for w in webs]
    sent: set[str] = set()
    clients: list[SyncClient] = []
    try:
        # Each batch goes to both webs at the same moment (a phone retrying on another host).
        pairs = [(SyncClient([addresses[0]], drill.token), SyncClient([addresses[1]], drill.token)) for _ in range(3)]
        barrier_batches = 6
        failures: list[BaseException] = []

        def twin(n: int, pair: tuple[SyncClient, SyncClient]) -> None:
            try:
                for b in range(barrier_batches):
                    items = inspeksi_batch(drill.rw_ids, BATCH, seed=n * 1000 + b)
                    sent.update(i["id"] for i in items)
                    gate = threading.Barrier(2)

                    def go(c: SyncClient) -> None:
                        gate.wait()
                        c.send(items)

                    ts = [threading.Thread(target=go, args=(c,)) for c in pair]
                    for t in ts:
                        t.start()
                    for t in ts:
                        t.join(60)
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)

        threads = [threading.Thread(target=twin, args=(n, p)) for n, p in enumerate(pairs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not failures, failures
        clients = [c for pair in pairs for c in pair]
        # Per item: one `created` between the two answers, the other `duplicate`.
        for a, b in pairs:
            for sid, status in a.acknowledged.items():
                assert {status, b.acknowledged[sid]} == {"created", "duplicate"}, (sid, status, b.acknowledged[sid])
        assert_each_acknowledged_stored_once(drill.pg_url, sent, _acks(clients))
        assert_scores_converge(drill.app)
    finally:
        for w in workers:
            w.stop()
        for web in webs:
            web.stop()

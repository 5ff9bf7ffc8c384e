"""The fault drills as parameterised scenarios: tests/hardening/test_drills.py runs them small (in
make test), bench/drills.py runs them long. Each scenario asserts its own promises — every
acknowledged submission stored exactly once, nothing sent lost, and where workers run the stored
scores equal a fresh full recompute — and returns its figures.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

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


@dataclass
class Drill:
    """A fresh database with a kecamatan, an officer, and the environment of every process."""

    app: Flask
    pg_url: str
    token: str
    rw_ids: list[int]
    env: dict[str, str]
    tmp: Path


def make_drill(cluster: PgCluster, broker: PrivateRedis, tmp: Path) -> Drill:
    """A new database in the cluster, migrated, with 2 kelurahan × 5 RW and an officer."""
    pg_url = cluster.create_database()
    # The same SECRET_KEY as the processes: a device token's anchor is keyed by it (server/security.py).
    app = make_test_app("postgresql+psycopg://" + pg_url.split("://", 1)[1], REDIS_URL=broker.url, SECRET_KEY="drill")
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=5)
        _, token = make_user("petugas", "officer", w.kecamatan)
        rw_ids = [r.id for rws in w.rw.values() for r in rws]
    env = {"DATABASE_URL": pg_url, "REDIS_URL": broker.url, "SECRET_KEY": "drill", "SIKK_INSTANCE_DIR": str(tmp),
           "SIKK_RELAY_EVERY_SECONDS": "1"}
    return Drill(app, pg_url, token, rw_ids, env, tmp)


def run_clients(clients: list[SyncClient], batches_each: int, rw_ids: list[int], sent: set[str],
                pause: float = 0.0, until: threading.Event | None = None) -> None:
    """Each client sends `batches_each` batches one after the other, in its own thread, and goes on
    sending until `until` is set when one is given (so a fault always meets requests in flight)."""
    lock = threading.Lock()
    failures: list[BaseException] = []

    def batches():
        b = 0
        while b < batches_each or (until is not None and not until.is_set()):
            yield b
            b += 1

    def device(n: int, client: SyncClient) -> None:
        try:
            for b in batches():
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
        t.join(600)
    assert not failures, failures
    assert all(not c.errors for c in clients), [c.errors for c in clients]


def acks(clients: list[SyncClient]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for c in clients:
        merged.update(c.acknowledged)
    return merged


def figures(clients: list[SyncClient], sent: set[str], **extra) -> dict:
    latencies = sorted(t for c in clients for t in c.latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    return {"submissions": len(sent), "retries": sum(c.retries for c in clients),
            "p95_ms": round(p95 * 1000), "max_ms": round(max(latencies, default=0) * 1000), **extra}


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


def assert_scores_converge(app: Flask, timeout: float = 60) -> float:
    """The outbox drains and the stored scores equal a fresh full recompute; return the seconds it took."""
    started = time.perf_counter()
    wait_for(lambda: outbox_rows(app) == 0, timeout, 0.2)

    def equal() -> bool:
        fresh = fresh_scores(app)
        stored = stored_scores(app)
        return bool(fresh) and all(stored.get(key) == value for key, value in fresh.items())

    wait_for(equal, timeout, 0.5)
    return time.perf_counter() - started


def start_workers(drill: Drill, count: int, beat: bool = True) -> list[CeleryProcess]:
    procs = []
    for n in range(count):
        extra = ["--concurrency=1", "--pool=prefork", "-n", f"drill{n}@%h", "--without-gossip", "--without-mingle"]
        if beat and n == 0:
            extra += ["-B", "--schedule", str(drill.tmp / "beat-schedule")]
        procs.append(CeleryProcess("worker", drill.env, drill.tmp / f"worker{n}.log", *extra))
    for proc in procs:
        proc.wait_ready()
    return procs


# -- the scenarios ---------------------------------------------------------------------------------------

def web_sigkilled(drill: Drill, clients_count: int = 4, batches_each: int = 12,
                  kill_after: tuple[float, ...] = (0.6, 1.2)) -> dict:
    """The web (master and workers) SIGKILLed at the given moments and restarted, while clients retry."""
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    clients = [SyncClient([web.address], drill.token) for _ in range(clients_count)]
    sent: set[str] = set()
    kills = 0
    chaos_done = threading.Event()

    def killer() -> None:
        nonlocal kills
        try:
            # Start the clock once traffic flows; the clients keep sending until the last kill is over.
            wait_for(lambda: any(c.answered_at for c in clients), 60, 0.01)
            for delay in kill_after:
                time.sleep(delay)
                web.kill()  # SIGKILL: whatever it was doing
                kills += 1
                time.sleep(0.3)
                web.start()
            time.sleep(0.5)  # let the retries of the last kill land
        finally:
            chaos_done.set()

    chaos = threading.Thread(target=killer)
    try:
        chaos.start()
        run_clients(clients, batches_each, drill.rw_ids, sent, until=chaos_done)
        chaos.join(120)
    finally:
        web.stop()
    assert kills == len(kill_after)
    assert sum(c.retries for c in clients) > 0, "the kills hit no request: the drill proved nothing"
    assert_each_acknowledged_stored_once(drill.pg_url, sent, acks(clients))
    return figures(clients, sent, kills=kills)


def response_lost(drill: Drill, batches: int = 8, drop_every: int = 2) -> dict:
    """A proxy loses every `drop_every`-th response after the server committed: retries get `duplicate`."""
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    proxy = LossyProxy(web.address, drop_every=drop_every)
    client = SyncClient([proxy.address], drill.token)
    sent: set[str] = set()
    try:
        run_clients([client], batches, drill.rw_ids, sent)
    finally:
        proxy.close()
        web.stop()
    assert client.retried_answers, "no answer was lost: the drill proved nothing"
    # The lost try was committed: every retry is answered `duplicate`, never a second copy.
    assert all(set(statuses) == {"duplicate"} for statuses in client.retried_answers), client.retried_answers
    assert_each_acknowledged_stored_once(drill.pg_url, sent, client.acknowledged)
    return figures([client], sent, responses_lost=proxy.dropped)


def broker_outage(drill: Drill, broker: PrivateRedis, outage_seconds: float = 2.0, clients_count: int = 2,
                  batches_each: int = 10) -> dict:
    """Redis killed (with every message in it) and restarted during syncs; syncs never fail or stall."""
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    workers = start_workers(drill, 1)
    clients = [SyncClient([web.address], drill.token) for _ in range(clients_count)]
    sent: set[str] = set()
    outage: dict[str, float] = {}
    over = threading.Event()

    def chaos() -> None:
        try:
            time.sleep(0.5)
            broker.stop()
            outage["down"] = time.perf_counter()
            time.sleep(outage_seconds)
            broker.start()
            outage["up"] = time.perf_counter()
        finally:
            over.set()

    thread = threading.Thread(target=chaos)
    try:
        thread.start()
        run_clients(clients, batches_each, drill.rw_ids, sent, pause=outage_seconds / batches_each, until=over)
        thread.join(outage_seconds + 30)
        assert "up" in outage
        during = [t for c in clients for t in c.answered_at if outage["down"] <= t <= outage["up"]]
        assert len(during) >= 4, "too few syncs while the broker was down: the drill proved nothing"
        assert_each_acknowledged_stored_once(drill.pg_url, sent, acks(clients))
        assert max(max(c.latencies) for c in clients) < 2.0  # a dead broker never stalls a sync
        assert all(c.retries == 0 for c in clients)  # … nor fails one
        converge = assert_scores_converge(drill.app)
    finally:
        for w in workers:
            w.stop()
        web.stop()
    return figures(clients, sent, synced_while_down=len(during), scores_converged_s=round(converge, 1))


def database_restart(drill: Drill, cluster: PgCluster, restarts: int = 1, mode: str = "fast",
                     clients_count: int = 3, batches_each: int = 25) -> dict:
    """PostgreSQL restarted during syncs (`immediate` mode is a crash); clients retry through it."""
    web = Gunicorn(drill.env, drill.tmp / "web.log")
    web.start()
    clients = [SyncClient([web.address], drill.token) for _ in range(clients_count)]
    sent: set[str] = set()
    done = []
    over = threading.Event()

    def chaos() -> None:
        try:
            for _ in range(restarts):
                time.sleep(0.5)
                cluster.restart(mode)  # every connection is cut; the pool must recover by itself
                done.append(time.perf_counter())
            time.sleep(0.5)  # requests after the last restart meet the recovered pool
        finally:
            over.set()

    thread = threading.Thread(target=chaos)
    try:
        thread.start()
        run_clients(clients, batches_each, drill.rw_ids, sent, pause=0.05, until=over)
        thread.join(120)
    finally:
        web.stop()
    assert len(done) == restarts
    assert sum(c.retries for c in clients) > 0, "the restart hit no request: the drill proved nothing"
    assert_each_acknowledged_stored_once(drill.pg_url, sent, acks(clients))
    return figures(clients, sent, restarts=restarts)


def scaled_out(drill: Drill, pairs_count: int = 3, batches_each: int = 6) -> dict:
    """Two web and two worker processes on one database; each batch goes to both webs at once."""
    webs = [Gunicorn(drill.env, drill.tmp / f"web{n}.log") for n in range(2)]
    for web in webs:
        web.start()
    workers = start_workers(drill, 2)
    sent: set[str] = set()
    lock = threading.Lock()
    try:
        pairs = [(SyncClient([webs[0].address], drill.token), SyncClient([webs[1].address], drill.token))
                 for _ in range(pairs_count)]
        failures: list[BaseException] = []

        def twin(n: int, pair: tuple[SyncClient, SyncClient]) -> None:
            try:
                for b in range(batches_each):
                    items = inspeksi_batch(drill.rw_ids, BATCH, seed=n * 1000 + b)
                    with lock:
                        sent.update(i["id"] for i in items)
                    gate = threading.Barrier(2)

                    def go(c: SyncClient) -> None:
                        gate.wait()
                        c.send(items)

                    ts = [threading.Thread(target=go, args=(c,)) for c in pair]
                    for t in ts:
                        t.start()
                    for t in ts:
                        t.join(120)
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)

        threads = [threading.Thread(target=twin, args=(n, p)) for n, p in enumerate(pairs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        assert not failures, failures
        for a, b in pairs:  # per item: one `created` between the two answers, the other `duplicate`
            for sid, status in a.acknowledged.items():
                assert {status, b.acknowledged[sid]} == {"created", "duplicate"}, (sid, status, b.acknowledged[sid])
        clients = [c for pair in pairs for c in pair]
        assert_each_acknowledged_stored_once(drill.pg_url, sent, acks(clients))
        converge = assert_scores_converge(drill.app)
    finally:
        for w in workers:
            w.stop()
        for web in webs:
            web.stop()
    return figures(clients, sent, scores_converged_s=round(converge, 1))

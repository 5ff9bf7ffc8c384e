"""Ingest benchmark: POST /api/v1/submissions with the Procfile's processes, beside raw INSERT ceilings.

One run, one fresh PostgreSQL database (dropped at the end), optionally pre-filled with the city
dataset of ``bench/scoring.py`` (``--city-rows``, 300,000 submissions of every scored form over
two years, COPYed in). Then ``web``, ``worker`` and ``beat`` are started exactly as the Procfile
says (its lines, through ``sh -c``, with ``PORT``, ``DATABASE_URL`` and ``REDIS_URL`` set; Redis
is ``BENCH_REDIS_URL``, database 13, flushed), and an officer of one kecamatan sends realistic
``inspeksi-rw`` items over keep-alive connections, in three phases:

1. one submission per request, 1 client;
2. one submission per request, 8 clients;
3. batches of 100, 4 clients.

For each phase: accepted submissions/s (every item must come back ``created``; the database is
checked afterwards: nothing lost or doubled), CPU seconds of the web and of the worker (its whole
process group, from /proc), of every PostgreSQL process and the share of the machine's cores busy
during the phase, and the catch-up: the time from the phase's last
response until the scores are current — no outbox row left, no message in the queue, none held
by a worker (Redis ``celery`` list and ``unacked`` hash empty).

In the same run, the ceilings of the same PostgreSQL, into a plain logged table (uuid primary
key, jsonb, timestamptz) from one psycopg connection: single-row INSERT + commit, and multi-row
INSERT of 100 rows + commit, measured after the load; and, because a shared machine's load drifts
within a run, the ceiling each phase is compared with measured again just before that phase
(600 single rows or 60 batches of 100). Prints every figure and both ratios.

    .venv/bin/python bench/ingest.py [--city-rows 300000] [--single 1500] [--eight 4000] [--batches 150]
        [--only-batches]

Beside each phase's figures: per 10,000 items created, the worker's CPU and the CPU of its own
PostgreSQL backends (``application_name`` ``sikk-worker``) and of the web's, catch-up included; each
worker process's CPU and how many recomputes (that wrote results) each pool process ran.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.scoring import copy_rows, fresh_database, generate, load_city, make_app  # noqa: E402

REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
TZ = dt.timezone(dt.timedelta(hours=7))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- setup -------------------------------------------------------------------------------------------

def setup(db_url: str, city_rows: int) -> tuple[str, list[int], int]:
    """Migrate, optionally load the city dataset, make an officer of the first kecamatan.

    :return: (bearer token, RW ids of the officer's kecamatan, kecamatan id)
    """
    from server.extensions import db
    from server.models import RW, Kecamatan, Kelurahan, User
    from server.security import hash_password, issue_token

    app = make_app(db_url, migrate=True)
    rng = random.Random(7)
    if city_rows:
        city = load_city(db_url, rng)
        today = dt.date.today()
        copy_rows(db_url, generate(city, city_rows, rng, (today.year - 1, today.year)))
    with app.app_context():
        kec = db.session.query(Kecamatan).order_by(Kecamatan.id).first()
        if kec is None:
            kec = Kecamatan(nama="Coblong", kode="32.73.02")
            db.session.add(kec)
            db.session.flush()
            for k in range(1, 7):
                kel = Kelurahan(kecamatan_id=kec.id, kode=f"32.73.02.{1000 + k}", nama=f"Kelurahan {k}")
                db.session.add(kel)
                db.session.flush()
                db.session.add_all([RW(kelurahan_id=kel.id, nomor=f"{n:02d}") for n in range(1, 11)])
            db.session.flush()
        rw_ids = [rw.id for rw in db.session.query(RW).join(Kelurahan).filter(Kelurahan.kecamatan_id == kec.id)]
        user = User(username="petugas", name="Petugas", role="officer", kecamatan_id=kec.id,
                    password_hash=hash_password("bench"))
        db.session.add(user)
        db.session.flush()
        token = issue_token(user, "bench")
        kec_id = kec.id
        db.session.commit()
    return token, rw_ids, kec_id


def item(rng: random.Random, rw_ids: list[int]) -> dict:
    """One realistic inspeksi-rw submission of this year (before today)."""
    start = dt.datetime(dt.date.today().year, 1, 1, 8, tzinfo=TZ)
    span = max(60, int((dt.datetime.now(TZ) - start).total_seconds() // 60) - 60)
    observed = start + dt.timedelta(minutes=rng.randrange(0, span))
    data = {
        "kebun_toga": rng.random() < 0.6, "pengelolaan_sampah": rng.choice(["baik", "cukup", "buruk"]),
        "status_kumuh": rng.choice(["kumuh", "tidak_kumuh", "tidak_kumuh"]), "lembaga_aktif": rng.random() < 0.8,
        "kejadian_kriminal": rng.choice([0, 0, 0, 1, 2]), "konflik_sosial": rng.choice([0, 0, 1]),
        "lokasi": {"lat": round(-6.88 + rng.random() / 50, 6), "lon": round(107.6 + rng.random() / 50, 6),
                   "accuracy": rng.randrange(3, 30)},
    }
    if rng.random() < 0.5:
        data["catatan"] = rng.choice(["Lingkungan bersih", "Saluran air tersumbat di RT 03",
                                      "Bank sampah berjalan baik", "Perlu penyuluhan PHBS"])
    return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "form": "inspeksi-rw", "form_version": 1,
            "subject": {"rw_id": rng.choice(rw_ids)}, "observed_at": observed.isoformat(), "data": data}


# -- the Procfile's processes -----------------------------------------------------------------------

def _process_stats():
    """(pid, command name, stat fields after it) of every running process, from /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        yield int(entry), stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()


def _cpu(fields: list[str]) -> float:
    """User + system CPU seconds of a process from its stat fields (14 and 15: utime, stime)."""
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def postgres_cpu_seconds() -> float:
    """User + system CPU of every running PostgreSQL process (backends, WAL writer, ...), from /proc."""
    return sum(_cpu(fields) for _pid, name, fields in _process_stats() if name == "postgres")


def machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine since boot (/proc/stat: all but idle and iowait are busy)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


def backend_cpu_by_app(db_url: str, process: str) -> dict[int, float]:
    """CPU seconds (user + system) of each PostgreSQL backend serving one Procfile process, by pid.

    Each process is started with ``PGAPPNAME=sikk-<name>`` (libpq reads it), so its connections carry
    that ``application_name`` and its backends can be told from the others' (and the lead's).
    """
    with psycopg.connect(db_url) as conn:
        pids = {pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
            (f"sikk-{process}",))}
    return {pid: _cpu(fields) for pid, _name, fields in _process_stats() if pid in pids}


def backends_used(before: dict[int, float], after: dict[int, float]) -> float:
    """The CPU the backends alive at the end used since ``before`` (a backend new since: all of it)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


class Processes:
    """web, worker and beat as the Procfile runs them, each in its own process group."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        log = (self.logdir / f"{name}.log").open("ab")
        env = {**self.env, "PGAPPNAME": f"sikk-{name}"}  # its PostgreSQL backends, by application_name
        self.procs[name] = subprocess.Popen(["sh", "-c", "exec " + procfile()[name]], cwd=ROOT, env=env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def cpu_seconds(self, name: str) -> float:
        """User + system CPU of every process in the group (children included), from /proc."""
        return sum(self.cpu_by_process(name).values())

    def cpu_by_process(self, name: str) -> dict[int, float]:
        """User + system CPU of each process of the group, by pid (the worker's pool processes apart)."""
        pgid = self.procs[name].pid
        # field 5 of stat: the process group
        return {pid: _cpu(fields) for pid, _name, fields in _process_stats() if int(fields[2]) == pgid}

    def task_counts(self, name: str) -> dict[str, int]:
        """Recomputes that wrote results so far (not the deferred or covered ones, which return 0), by
        the pool process that ran them (its log)."""
        counts: dict[str, int] = {}
        for line in (self.logdir / f"{name}.log").read_text(errors="replace").splitlines():
            if ("recompute_kecamatan_year[" in line and "succeeded" in line and not line.endswith(": 0")
                    and "/" in line.split("]", 1)[0]):
                who = line.split("]", 1)[0].rsplit("/", 1)[1]
                counts[who] = counts.get(who, 0) + 1
        return counts

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


# -- load ---------------------------------------------------------------------------------------------

def client(port: int, token: str, bodies: list[bytes], start, out) -> None:
    """Send the bodies over one keep-alive connection; report (items created, problems)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    created = problems = 0
    start.wait()
    for body in bodies:
        conn.request("POST", "/api/v1/submissions", body=body, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        if resp.status != 200:
            problems += 1
            continue
        for r in json.loads(payload)["results"]:
            if r["status"] == "created":
                created += 1
            else:
                problems += 1
    conn.close()
    out.put((created, problems))


def caught_up(db_url: str, store: redis.Redis) -> bool:
    with psycopg.connect(db_url) as conn:
        pending = conn.execute("SELECT count(*) FROM score_outbox").fetchone()[0]
    return pending == 0 and store.llen("celery") == 0 and store.hlen("unacked") == 0


def phase(label: str, port: int, token: str, items: list[dict], per_request: int, clients: int,
          procs: Processes, db_url: str, store: redis.Redis) -> dict:
    bodies = [json.dumps({"submissions": items[i:i + per_request]}).encode()
              for i in range(0, len(items), per_request)]
    start, out = mp.Event(), mp.Queue()
    workers = [mp.Process(target=client, args=(port, token, bodies[i::clients], start, out)) for i in range(clients)]
    for w in workers:
        w.start()
    time.sleep(0.5)
    cpu = {name: procs.cpu_seconds(name) for name in ("web", "worker", "beat")}
    pool, tasks = procs.cpu_by_process("worker"), procs.task_counts("worker")
    backends = {name: backend_cpu_by_app(db_url, name) for name in ("web", "worker")}
    db_cpu, (busy, ticks) = postgres_cpu_seconds(), machine_ticks()
    began = time.perf_counter()
    start.set()
    totals = [out.get() for _ in workers]
    elapsed = time.perf_counter() - began
    used = {name: procs.cpu_seconds(name) - cpu[name] for name in cpu}
    db_used, (busy_after, ticks_after) = postgres_cpu_seconds() - db_cpu, machine_ticks()
    ended = time.perf_counter()
    while not caught_up(db_url, store):
        if time.perf_counter() - ended > 120:
            raise SystemExit(f"{label}: scores not caught up within 120 s")
        time.sleep(0.02)
    catch_up = time.perf_counter() - ended
    after = {name: procs.cpu_seconds(name) - cpu[name] for name in cpu}
    backends_after = {name: backends_used(backends[name], backend_cpu_by_app(db_url, name)) for name in backends}
    main_pid = procs.procs["worker"].pid
    pool_after = {"main" if pid == main_pid else pid: round(cpu_s - pool.get(pid, 0.0), 2)
                  for pid, cpu_s in procs.cpu_by_process("worker").items()}
    tasks_after = {who: n - tasks.get(who, 0) for who, n in procs.task_counts("worker").items()}
    for w in workers:
        w.join()
    created = sum(t[0] for t in totals)
    return {"label": label, "items": len(items), "created": created, "problems": sum(t[1] for t in totals),
            "seconds": elapsed, "rate": created / elapsed, "catch_up_s": catch_up,
            "web_cpu_s": used["web"], "worker_cpu_s": used["worker"], "beat_cpu_s": used["beat"],
            "worker_cpu_s_with_catch_up": after["worker"], "db_cpu_s": db_used,
            "machine_busy": (busy_after - busy) / max(1, ticks_after - ticks),
            # with the catch-up: the worker's and the web's PostgreSQL backends, each worker process, recomputes run
            "worker_db_cpu_s": backends_after["worker"], "web_db_cpu_s": backends_after["web"],
            "worker_cpu_by_process": pool_after, "recomputes_by_process": tasks_after}


# -- ceilings -----------------------------------------------------------------------------------------

def ceilings(db_url: str, single_rows: int, batches: int) -> tuple[float, float]:
    """(single-row INSERT + commit rows/s, 100-row INSERT + commit rows/s) into a plain logged table."""
    payload = json.dumps({"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                          "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0,
                          "lokasi": {"lat": -6.88, "lon": 107.6, "accuracy": 10}, "catatan": "Lingkungan bersih"})
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_plain (id uuid PRIMARY KEY, data jsonb NOT NULL, "
                     "at timestamptz NOT NULL)")
        conn.commit()
        began = time.perf_counter()
        for _ in range(single_rows):
            conn.execute("INSERT INTO bench_plain VALUES (%s, %s, now())", (uuid.uuid4(), payload))
            conn.commit()
        single = single_rows / (time.perf_counter() - began) if single_rows else float("nan")
        values = ",".join(["(%s, %s, now())"] * 100)
        began = time.perf_counter()
        for _ in range(batches):
            params = [v for _ in range(100) for v in (uuid.uuid4(), payload)]
            conn.execute(f"INSERT INTO bench_plain VALUES {values}", params)
            conn.commit()
        multi = batches * 100 / (time.perf_counter() - began) if batches else float("nan")
    return single, multi


def adjacent_ceiling(db_url: str, per_request: int) -> float:
    """The ceiling a phase is compared with, measured just before it (a shared machine's load drifts)."""
    single, multi = ceilings(db_url, 600 if per_request == 1 else 0, 0 if per_request == 1 else 60)
    return single if per_request == 1 else multi


# -- main ---------------------------------------------------------------------------------------------

def _wait_for_web(port: int) -> None:
    """Wait until the web answers its health check (30 s at most)."""
    for _ in range(150):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("web did not come up")


def _warm(port: int, token: str, items: list[dict], pause: float = 0.0) -> list[dict]:
    """Send each item alone (``pause`` seconds apart: each its own recompute) before the clock starts."""
    for w in items:
        c = http.client.HTTPConnection("127.0.0.1", port)
        c.request("POST", "/api/v1/submissions", body=json.dumps({"submissions": [w]}),
                  headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        c.getresponse().read()
        c.close()
        time.sleep(pause)
    return items


def _print_figures(before: int, single: float, multi: float, results: list[dict], sent: int, stored: int,
                   distinct: int) -> None:
    """The figures of a run: the two ceilings, each phase against its ceiling, and the item count check."""
    print(f"\nPostgreSQL on loopback; {before} submissions before the load; Procfile: web, worker, beat "
          f"(WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', 'default')}, "
          f"WORKER_CONCURRENCY={os.environ.get('WORKER_CONCURRENCY', 'default')})")
    print(f"ceiling, single-row INSERT + commit:     {single:8.0f} rows/s")
    print(f"ceiling, 100-row INSERT + commit:        {multi:8.0f} rows/s")
    print(f"{'phase':30} {'accepted/s':>10} {'% ceiling':>9} {'adjacent':>8} {'% adj':>6} {'web cpu s':>9} "
          f"{'worker cpu s':>12} {'worker/web':>10} {'catch-up s':>10} {'db cpu s':>8} {'busy':>5}")
    for r in results:
        ceiling = single if r["label"].startswith("one") else multi
        adjacent = r.get("adjacent_ceiling", float("nan"))
        share = r["worker_cpu_s"] / r["web_cpu_s"] if r["web_cpu_s"] else float("nan")
        print(f"{r['label']:30} {r['rate']:10.0f} {100 * r['rate'] / ceiling:8.1f}% {adjacent:8.0f} "
              f"{100 * r['rate'] / adjacent:5.1f}% {r['web_cpu_s']:9.1f} "
              f"{r['worker_cpu_s']:12.1f} {share:10.2f} {r['catch_up_s']:10.2f} {r['db_cpu_s']:8.1f} "
              f"{100 * r['machine_busy']:4.0f}%"
              + (f"  ({r['problems']} not created)" if r["problems"] else ""))
    print("% ceiling: against the ceilings above (measured after the load); % adj: against the same ceiling "
          "measured just before the phase (600 single rows or 60 batches of 100); db cpu s: every PostgreSQL "
          "process; busy: the share of all cores busy during the phase (the bench's own clients included)")
    print(f"{'phase':30} {'worker cpu s/10k':>16} {'its db cpu s/10k':>16} {'web db cpu s/10k':>16}  "
          "(with the catch-up) worker cpu s by process; recomputes by process")
    for r in results:
        per = 10_000 / max(1, r["created"])
        print(f"{r['label']:30} {r['worker_cpu_s_with_catch_up'] * per:16.3f} {r['worker_db_cpu_s'] * per:16.3f} "
              f"{r['web_db_cpu_s'] * per:16.3f}  {r['worker_cpu_by_process']}; "
              f"{r['recomputes_by_process']}")
    print(f"items sent {sent}, stored {stored}, distinct {distinct}: "
          + ("nothing lost or doubled" if stored == distinct == sent else "MISMATCH"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city-rows", type=int, default=300_000, help="pre-filled submissions (0: none)")
    parser.add_argument("--single", type=int, default=1500, help="items sent one per request by 1 client")
    parser.add_argument("--eight", type=int, default=4000, help="items sent one per request by 8 clients")
    parser.add_argument("--batches", type=int, default=150, help="batches of 100 sent by 4 clients")
    parser.add_argument("--only-batches", action="store_true", help="run the batches phase alone")
    parser.add_argument("--logs", type=Path, default=None, help="copy the processes' logs into this directory")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    redis_url = f"{REDIS_BASE.rstrip('/')}/{REDIS_DB}"
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    with fresh_database("ingest") as db_url, tempfile.TemporaryDirectory(prefix="sikk-ingest-") as tmp:
        began = time.perf_counter()
        token, rw_ids, kec_id = setup(db_url, args.city_rows)
        with psycopg.connect(db_url) as conn:
            before = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
        print(f"setup: {before} submissions in the database ({time.perf_counter() - began:.0f} s)", flush=True)
        # The pre-filled scores exist before the load (as in production): one full recompute.
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench",
               "SIKK_INSTANCE_DIR": tmp, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        port = free_port()
        env["PORT"] = str(port)
        subprocess.run(["sh", "-c", "exec " + procfile()["release"]], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        if before:
            subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "server", "recompute"], cwd=ROOT,
                           env={k: v for k, v in env.items() if k != "REDIS_URL"}, check=True, capture_output=True)
        procs = Processes(env, Path(tmp))
        procs.start("worker")
        time.sleep(3)
        procs.start("beat")
        procs.start("web")
        _wait_for_web(port)
        try:
            rng = random.Random(20261124)
            warm = _warm(port, token, [item(rng, rw_ids) for _ in range(20)])  # every web worker's caches
            if args.only_batches:  # the earlier phases warm every pool process's caches; do it here
                warm += _warm(port, token, [item(rng, rw_ids) for _ in range(8)], pause=1.0)
            time.sleep(2)
            results = []
            phases = (("one per request, 1 client", args.single, 1, 1),
                      ("one per request, 8 clients", args.eight, 1, 8),
                      ("batches of 100, 4 clients", args.batches * 100, 100, 4))
            for label, count, per_request, clients in phases[2:] if args.only_batches else phases:
                items = [item(rng, rw_ids) for _ in range(count)]
                adjacent = adjacent_ceiling(db_url, per_request)
                results.append(phase(label, port, token, items, per_request, clients, procs, db_url, store))
                results[-1]["adjacent_ceiling"] = adjacent
                print(f"  {label}: {results[-1]['rate']:.0f}/s, catch-up {results[-1]['catch_up_s']:.2f} s",
                      flush=True)
        finally:
            procs.stop()
            if args.logs:
                args.logs.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    (args.logs / log.name).write_bytes(log.read_bytes())
        sent = len(warm) + sum(r["items"] for r in results)
        with psycopg.connect(db_url) as conn:
            stored = conn.execute("SELECT count(*) FROM submissions").fetchone()[0] - before
            distinct = conn.execute("SELECT count(DISTINCT id) FROM submissions").fetchone()[0] - before
        single, multi = ceilings(db_url, 3000, 300)

    _print_figures(before, single, multi, results, sent, stored, distinct)
    if args.json:
        args.json.write_text(json.dumps({"before": before, "single_ceiling": single, "multi_ceiling": multi,
                                         "phases": results, "sent": sent, "stored": stored}, indent=2))


if __name__ == "__main__":
    main()

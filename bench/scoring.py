"""Scoring benchmark: (a) freshness of the scores after a sync, (b) a full recompute at city scale.

(a) Freshness. The Procfile's processes on a fresh PostgreSQL database and a flushed Redis database:
    ``gunicorn -w 2 'server:create_app()'`` and ``celery -A workers.worker worker --concurrency=2``.
    One kecamatan (6 kelurahan × 10 RW); ``--syncs`` times, one SKM survey is POSTed and the clock
    runs from the response until the stored kecamatan-wide IKU1 counts it. Prints p50/p95/max.

(b) City scale. All of Kota Bandung (server/data/ or ../shared/data/kota-bandung-kelurahan.csv):
    30 kecamatan, 151 kelurahan, ~1,500 RW, and ``--rows`` (300,000) submissions of every scored
    form over two years, COPYed straight into ``submissions``. Then, in the same run: a plain SQL
    scan of the same rows (``SELECT * FROM submissions``, every row fetched by psycopg — the
    ceiling) and the full recompute (``flask --app server recompute --processes 1`` and ``N``,
    kecamatan handed to forked processes as the Celery prefork pool runs them), interleaved and
    repeated, best of each. Prints both times and the ratios. Budgets: freshness p95 ≤ 2 s; full
    recompute ≤ 60 s and ≤ 5× the scan.

The databases are dropped at the end.

    .venv/bin/python bench/scoring.py [--part freshness|city|both] [--syncs 120] [--rows 300000] [--repeat 2]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = 12
TZ = dt.timezone(dt.timedelta(hours=7))  # Asia/Jakarta has no DST
SERVICE_CODES = ["pengantar-ktp", "pengantar-kk", "pengantar-akta", "pindah-datang", "sktm", "keterangan-usaha",
                 "izin-keramaian", "domisili", "legalisasi"]


# -- shared helpers ----------------------------------------------------------------------------------

@contextmanager
def fresh_database(label: str):
    name = f"sikk_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield BASE_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(BASE_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(db_url: str) -> str:
    return "postgresql+psycopg://" + db_url.split("://", 1)[1]


def make_app(db_url: str, migrate: bool = False):
    """The Flask app on the bench database (migrated and with the catalogue when ``migrate``)."""
    os.environ["DATABASE_URL"] = db_url
    from server import create_app
    from server.extensions import db

    # SECRET_KEY as the bench processes have it: device tokens are anchored by the key.
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlalchemy_url(db_url), "SECRET_KEY": "bench"})
    if migrate:
        from flask_migrate import upgrade

        from server.forms.catalogue import ensure_default_catalogue

        with app.app_context():
            upgrade()
            ensure_default_catalogue()
            db.session.commit()
    return app


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- (a) freshness -----------------------------------------------------------------------------------

def _setup_freshness(db_url: str) -> tuple[str, int, int]:
    from server.extensions import db
    from server.models import Kecamatan, Kelurahan, RW, User
    from server.security import hash_password, issue_token

    app = make_app(db_url, migrate=True)
    with app.app_context():
        kec = Kecamatan(nama="Coblong", kode="32.73.02")
        db.session.add(kec)
        db.session.flush()
        kel_ids = []
        for k in range(1, 7):
            kel = Kelurahan(kecamatan_id=kec.id, kode=f"32.73.02.{1000 + k}", nama=f"Kelurahan {k}")
            db.session.add(kel)
            db.session.flush()
            db.session.add_all([RW(kelurahan_id=kel.id, nomor=f"{n:02d}") for n in range(1, 11)])
            kel_ids.append(kel.id)
        user = User(username="camat", name="Camat", role="kecamatan_admin", kecamatan_id=kec.id,
                    password_hash=hash_password("bench"))
        db.session.add(user)
        db.session.flush()
        token = issue_token(user, "bench")
        db.session.commit()
        return token, kec.id, kel_ids[0]


def _respondents(conn: psycopg.Connection, kecamatan_id: int, period: str) -> int:
    row = conn.execute(
        "SELECT details->>'respondents' FROM indicator_results WHERE kecamatan_id = %s AND kelurahan_id = 0 "
        "AND period = %s AND code = 'IKU1'", (kecamatan_id, period)).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def freshness(syncs: int) -> dict:
    """Time from a sync's response to the stored indicator counting it, ``syncs`` times."""
    with fresh_database("fresh") as db_url:
        token, kec_id, kel_id = _setup_freshness(db_url)
        redis_url = f"{REDIS_BASE}/{REDIS_DB}"
        redis.Redis.from_url(redis_url).flushdb()
        port = free_port()
        instance = Path(f"/tmp/sikk-bench-{uuid.uuid4().hex[:6]}")
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "PORT": str(port),
               "SIKK_INSTANCE_DIR": str(instance), "SECRET_KEY": "bench"}
        bin_dir = Path(sys.executable).parent
        web = subprocess.Popen([str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "server:create_app()"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
        worker = subprocess.Popen([str(bin_dir / "celery"), "-A", "workers.worker", "worker", "--loglevel=warning",
                                   "--concurrency=2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        lags: list[float] = []
        try:
            conn = psycopg.connect(db_url, autocommit=True)
            http_conn = _wait_http(port)
            now = dt.datetime.now(TZ)
            period = str(now.year)
            # Warm-up: the first sync also waits for the worker to come up.
            _post(http_conn, token, kel_id, now)
            deadline = time.monotonic() + 60
            while _respondents(conn, kec_id, period) < 1:
                if time.monotonic() > deadline:
                    raise SystemExit("the worker did not compute anything within 60 s")
                time.sleep(0.05)
            for n in range(2, syncs + 2):
                _post(http_conn, token, kel_id, now)
                answered = time.perf_counter()
                while _respondents(conn, kec_id, period) < n:
                    if time.perf_counter() - answered > 30:
                        raise SystemExit(f"sync {n} not reflected within 30 s")
                    time.sleep(0.005)
                lags.append(time.perf_counter() - answered)
            conn.close()
        finally:
            for proc in (web, worker):
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in (web, worker):
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            redis.Redis.from_url(redis_url).flushdb()
    return {"syncs": len(lags), "p50": statistics.median(lags), "p95": percentile(lags, 0.95), "max": max(lags)}


def _wait_http(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/health")
            conn.getresponse().read()
            return conn
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not come up")
            time.sleep(0.2)


def _post(conn: http.client.HTTPConnection, token: str, kel_id: int, when: dt.datetime) -> None:
    item = {"id": str(uuid.uuid4()), "form": "skm", "form_version": 1, "subject": {"kelurahan_id": kel_id},
            "observed_at": when.isoformat(timespec="seconds"), "data": {f"u{i}": 3 for i in range(1, 10)}}
    conn.request("POST", "/api/v1/submissions", body=json.dumps({"submissions": [item]}),
                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or json.loads(body)["results"][0]["status"] != "created":
        raise SystemExit(f"sync failed: {resp.status} {body[:300]!r}")


# -- (b) city scale ----------------------------------------------------------------------------------

def wilayah_csv() -> Path:
    own = ROOT / "server" / "data" / "kota-bandung-kelurahan.csv"
    return own if own.exists() else ROOT.parent / "shared" / "data" / "kota-bandung-kelurahan.csv"


def load_city(db_url: str, rng: random.Random) -> dict:
    """Kecamatan, kelurahan (with service populations) and 7–13 RW each; return the ids."""
    with psycopg.connect(db_url) as conn, open(wilayah_csv(), newline="", encoding="utf-8") as fh:
        kecamatan: dict[str, int] = {}
        city: dict[int, dict[int, list[int]]] = {}
        for row in csv.DictReader(fh):
            if row["kode_kecamatan"] not in kecamatan:
                kec_id = conn.execute("INSERT INTO kecamatan (kode, nama, service_population) VALUES (%s, %s, %s) "
                                      "RETURNING id", (row["kode_kecamatan"], row["kecamatan"],
                                                       rng.randint(2000, 20000))).fetchone()[0]
                kecamatan[row["kode_kecamatan"]] = kec_id
                city[kec_id] = {}
            kec_id = kecamatan[row["kode_kecamatan"]]
            kel_id = conn.execute("INSERT INTO kelurahan (kecamatan_id, kode, nama, service_population) "
                                  "VALUES (%s, %s, %s, %s) RETURNING id",
                                  (kec_id, row["kode_kelurahan"], row["kelurahan"], rng.randint(500, 5000))).fetchone()[0]
            rws = []
            for n in range(1, rng.randint(7, 13) + 1):
                rws.append(conn.execute("INSERT INTO rw (kelurahan_id, nomor) VALUES (%s, %s) RETURNING id",
                                        (kel_id, f"{n:02d}")).fetchone()[0])
            city[kec_id][kel_id] = rws
        conn.commit()
    return city


_COLUMNS = ("id", "form_code", "form_version", "subject_type", "kecamatan_id", "kelurahan_id", "rw_id", "ref",
            "observed_at", "period_year", "period_quarter", "received_at", "data", "content_hash", "review_status")


class _Rows:
    """Makes synthetic submission rows (tuples in ``_COLUMNS`` order) over two years."""

    def __init__(self, rng: random.Random, first_year: int, last_day: dt.date) -> None:
        self.rng = rng
        self.start = dt.datetime(first_year, 1, 1, 7, 0, tzinfo=TZ)
        self.span = int((dt.datetime.combine(last_day, dt.time(17), TZ) - self.start).total_seconds())
        self.received = dt.datetime.now(dt.timezone.utc)
        self.rows: list[tuple] = []

    def when(self) -> dt.datetime:
        moment = self.start + dt.timedelta(seconds=self.rng.randrange(self.span))
        return moment.replace(hour=self.rng.randint(7, 15))

    def add(self, form: str, subject: str, kec: int, kel: int | None, rw: int | None, observed: dt.datetime,
            data: dict, ref: str | None = None, year: int | None = None, quarter: int | None = None) -> str:
        sid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.rows.append((sid, form, 1, subject, kec, kel, rw, ref, observed.isoformat(),
                          year or observed.year, quarter or (observed.month - 1) // 3 + 1, self.received,
                          json.dumps(data), sid.replace("-", "") * 2, "accepted"))
        return sid


def generate(city: dict, total: int, rng: random.Random, years: tuple[int, int]) -> list[tuple]:
    """``total`` submissions of every scored form, spread over the city and ``years``."""
    last_day = min(dt.date(years[1], 12, 31), dt.date.today() - dt.timedelta(days=1))
    rows = _Rows(rng, years[0], last_day)
    units = [(kec, kel) for kec, kels in city.items() for kel in [*kels, None]]
    kel_list = [(kec, kel) for kec, kels in city.items() for kel in kels]
    # Quarterly kelurahan reports and RW inspections.
    for kec, kel in kel_list:
        for year in range(years[0], years[1] + 1):
            for quarter in range(1, 5):
                end = dt.date(year, 3 * quarter, 28)
                if end > last_day:
                    continue
                lapor = end + dt.timedelta(days=rng.randint(3, 16))
                rows.add("laporan-kelurahan", "kelurahan", kec, kel, None,
                         dt.datetime.combine(lapor, dt.time(9), TZ),
                         {"periode": f"{year}-Q{quarter}", "lembaga_aktif": rng.random() < 0.85,
                          "kejadian_kriminal": rng.randint(0, 4), "konflik_sosial": rng.randint(0, 2),
                          **{f"tgl_lapor_{k}": lapor.isoformat() for k in ("kependudukan", "ekobang", "kessos",
                                                                            "kepegawaian", "keuangan")}},
                         year=year, quarter=quarter)
                for rw in city[kec][kel]:
                    good = rng.random() < 0.5 + 0.1 * quarter
                    rows.add("inspeksi-rw", "rw", kec, kel, rw,
                             dt.datetime.combine(end - dt.timedelta(days=rng.randint(0, 60)), dt.time(10), TZ),
                             {"kebun_toga": good or rng.random() < 0.5, "pengelolaan_sampah": "baik" if good else "cukup",
                              "status_kumuh": "tidak_kumuh" if good or rng.random() < 0.7 else "kumuh",
                              "lembaga_aktif": True, "kejadian_kriminal": rng.randint(0, 2),
                              "konflik_sosial": rng.randint(0, 1)})
    remaining = total - len(rows.rows)
    complaints = remaining // 10
    services = remaining * 3 // 10
    for _ in range(complaints):
        kec, kel = rng.choice(units)
        observed = rows.when()
        sid = rows.add("pengaduan", "kelurahan" if kel else "kecamatan", kec, kel, None, observed,
                       {"tanggal_terima": observed.date().isoformat(), "saluran": "kotak", "kategori": "pelayanan"})
        if rng.random() < 0.8:
            done = observed + dt.timedelta(days=rng.randint(0, 40))
            rows.add("tindak-lanjut", "kelurahan" if kel else "kecamatan", kec, kel, None, done,
                     {"tanggal": done.date().isoformat()}, ref=sid)
    for _ in range(services):
        kec, kel = rng.choice(units)
        observed = rows.when()
        finish = observed + (dt.timedelta(minutes=rng.randint(5, 90)) if rng.random() < 0.7
                             else dt.timedelta(days=rng.randint(0, 6)))
        data = {"jenis_layanan": rng.choice(SERVICE_CODES), "waktu_terima": observed.isoformat()}
        own = rng.random()
        if own < 0.6:
            data["waktu_selesai"] = finish.isoformat()
        sid = rows.add("layanan", "kelurahan" if kel else "kecamatan", kec, kel, None, observed, data)
        if 0.6 <= own < 0.9:
            rows.add("layanan-selesai", "kelurahan" if kel else "kecamatan", kec, kel, None, finish,
                     {"waktu_selesai": finish.isoformat()}, ref=sid)
    while len(rows.rows) < total:
        kec, kel = rng.choice(units)
        rows.add("skm", "kelurahan" if kel else "kecamatan", kec, kel, None, rows.when(),
                 {f"u{i}": rng.choices((1, 2, 3, 4), (1, 3, 10, 6))[0] for i in range(1, 10)})
    return rows.rows[:total]


def copy_rows(db_url: str, rows: list[tuple]) -> float:
    started = time.perf_counter()
    with psycopg.connect(db_url) as conn:
        with conn.cursor().copy(f"COPY submissions ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.commit()
        conn.execute("ANALYZE submissions")
        conn.commit()
    return time.perf_counter() - started


def plain_scan(db_url: str) -> tuple[float, int]:
    """The ceiling: every column of every submission, fetched by psycopg (JSONB parsed, as the loader needs)."""
    started = time.perf_counter()
    with psycopg.connect(db_url) as conn:
        count = 0
        with conn.cursor(name="scan") as cur:
            cur.itersize = 5000
            cur.execute("SELECT * FROM submissions")
            for _row in cur:
                count += 1
    return time.perf_counter() - started, count


def full_recompute(db_url: str, processes: int) -> tuple[float, int]:
    """``flask --app server recompute --processes N`` on the bench database; return (seconds, results).

    The clock includes the command's start (imports, app), as an operator would see it.
    """
    flask = str(Path(sys.executable).parent / "flask")
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench"}
    env.pop("REDIS_URL", None)
    started = time.perf_counter()
    done = subprocess.run([flask, "--app", "server", "recompute", "--processes", str(processes)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    last = done.stdout.strip().splitlines()[-1]  # "recomputed 30 kecamatan, 12900 results in 12.3 s"
    return seconds, int(last.split(", ")[1].split()[0])


def city(total: int, processes: int, repeat: int = 2, seed: int = 7) -> dict:
    rng = random.Random(seed)
    today = dt.date.today()
    years = (today.year - 1, today.year)
    with fresh_database("city") as db_url:
        make_app(db_url, migrate=True)
        wilayah = load_city(db_url, rng)
        started = time.perf_counter()
        rows = generate(wilayah, total, rng, years)
        generated = time.perf_counter() - started
        copied = copy_rows(db_url, rows)
        del rows
        # Interleaved and repeated: the best of each, so that load from elsewhere on the machine
        # hits both sides alike.
        scans, sequential, parallel = [], [], []
        for _round in range(repeat):
            seconds, scanned = plain_scan(db_url)
            scans.append(seconds)
            seconds, written = full_recompute(db_url, 1)
            sequential.append(seconds)
            parallel.append(full_recompute(db_url, processes)[0])
        scans.append(plain_scan(db_url)[0])
    return {"kecamatan": len(wilayah), "kelurahan": sum(len(k) for k in wilayah.values()),
            "rw": sum(len(r) for k in wilayah.values() for r in k.values()), "rows": scanned,
            "generate_s": generated, "copy_s": copied, "scan_s": min(scans), "scans": scans,
            "recompute_1_s": min(sequential), "recompute_n_s": min(parallel), "runs_1": sequential,
            "runs_n": parallel, "processes": processes, "results": written}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("freshness", "city", "both"), default="both")
    parser.add_argument("--syncs", type=int, default=120)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="rounds of scan + recomputes (the best is reported)")
    args = parser.parse_args()
    if args.part in ("freshness", "both"):
        f = freshness(args.syncs)
        print(f"(a) freshness over {f['syncs']} syncs (gunicorn -w 2 + celery worker --concurrency=2, Redis, "
              f"PostgreSQL): p50 {f['p50'] * 1000:.0f} ms, p95 {f['p95'] * 1000:.0f} ms, max {f['max'] * 1000:.0f} ms "
              f"(budget p95 ≤ 2000 ms: {'ok' if f['p95'] <= 2 else 'OVER'})")
    if args.part in ("city", "both"):
        c = city(args.rows, args.processes, args.repeat)
        best = min(c["recompute_1_s"], c["recompute_n_s"])
        print(f"(b) city: {c['kecamatan']} kecamatan, {c['kelurahan']} kelurahan, {c['rw']} RW, {c['rows']} "
              f"submissions (generated in {c['generate_s']:.1f} s, COPY {c['copy_s']:.1f} s)")
        runs = lambda values: ", ".join(f"{v:.1f}" for v in values)  # noqa: E731
        print(f"    plain scan (SELECT * FROM submissions, fetched): {c['scan_s']:.2f} s (runs: {runs(c['scans'])})")
        print(f"    full recompute, 1 process:  {c['recompute_1_s']:.2f} s = {c['recompute_1_s'] / c['scan_s']:.2f}× the scan "
              f"(runs: {runs(c['runs_1'])})")
        print(f"    full recompute, {c['processes']} processes: {c['recompute_n_s']:.2f} s = "
              f"{c['recompute_n_s'] / c['scan_s']:.2f}× the scan (runs: {runs(c['runs_n'])}; {c['results']} results)")
        print(f"    budget ≤ 60 s and ≤ 5× the scan: {'ok' if best <= 60 and best <= 5 * c['scan_s'] else 'OVER'}")


if __name__ == "__main__":
    main()

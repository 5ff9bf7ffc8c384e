"""Ingest benchmark: submissions/s through POST /api/v1/submissions versus the raw INSERT ceiling.

Brings the app up as the Procfile does (gunicorn, 2 workers) on a fresh PostgreSQL database,
creates a kecamatan (6 kelurahan × 10 RW) and an officer, then several client processes fire
batches of 100 realistic `inspeksi-rw` items over keep-alive HTTP connections. In the same run,
the same rows go into the same table by multi-row INSERTs through psycopg (the ceiling): once from
one connection, once from as many connections as there are web workers (the API itself runs that
parallel). Prints the figures and the ratios. The database is dropped at the end.

    .venv/bin/python bench/ingest.py [--batches 200] [--clients 4] [--workers 2]
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
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
BATCH = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(db_url: str) -> tuple[str, list[int]]:
    """Migrate, load the catalogue, create the wilayah and an officer; return (token, rw ids)."""
    os.environ["DATABASE_URL"] = db_url
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.forms.catalogue import ensure_default_catalogue
    from server.models import RW, Kecamatan, Kelurahan, User
    from server.security import hash_password, issue_token

    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://" + db_url.split("://", 1)[1]})
    with app.app_context():
        upgrade()
        ensure_default_catalogue()
        kec = Kecamatan(nama="Coblong", kode="32.73.02")
        db.session.add(kec)
        db.session.flush()
        rw_ids = []
        for k in range(1, 7):
            kel = Kelurahan(kecamatan_id=kec.id, kode=f"32.73.02.{1000 + k}", nama=f"Kelurahan {k}")
            db.session.add(kel)
            db.session.flush()
            rws = [RW(kelurahan_id=kel.id, nomor=f"{n:02d}") for n in range(1, 11)]
            db.session.add_all(rws)
            db.session.flush()
            rw_ids += [r.id for r in rws]
        user = User(username="petugas", name="Petugas", role="officer", kecamatan_id=kec.id,
                    password_hash=hash_password("bench"))
        db.session.add(user)
        db.session.flush()
        token = issue_token(user, "bench")
        db.session.commit()
    return token, rw_ids


def item(rng: random.Random, rw_ids: list[int]) -> dict:
    """One realistic inspeksi-rw submission."""
    observed = dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone(dt.timedelta(hours=7))) + dt.timedelta(
        minutes=rng.randrange(0, 60 * 24 * 300))
    data = {
        "kebun_toga": rng.random() < 0.6, "pengelolaan_sampah": rng.choice(["baik", "cukup", "buruk"]),
        "status_kumuh": rng.choice(["kumuh", "tidak_kumuh", "tidak_kumuh"]), "lembaga_aktif": rng.random() < 0.8,
        "kejadian_kriminal": rng.choice([0, 0, 0, 1, 2]), "konflik_sosial": rng.choice([0, 0, 1]),
        "lokasi": {"lat": round(-6.88 + rng.random() / 50, 6), "lon": round(107.6 + rng.random() / 50, 6),
                   "accuracy": rng.randrange(3, 30)},
    }
    if rng.random() < 0.3:
        data["foto"] = [hashlib.sha256(rng.randbytes(16)).hexdigest()]
    if rng.random() < 0.5:
        data["catatan"] = rng.choice(["Lingkungan bersih", "Saluran air tersumbat di RT 03",
                                      "Bank sampah berjalan baik", "Perlu penyuluhan PHBS"])
    return {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "form": "inspeksi-rw", "form_version": 1,
            "subject": {"rw_id": rng.choice(rw_ids)}, "observed_at": observed.isoformat(), "data": data}


def client(port: int, token: str, bodies: list[bytes], start, out) -> None:
    """Send the bodies over one keep-alive connection; report (items created, errors)."""
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


COLS = ("id", "form_code", "form_version", "subject_type", "kecamatan_id", "kelurahan_id", "rw_id",
        "observed_at", "period_year", "period_quarter", "received_at", "data", "content_hash", "user_id",
        "review_status")


def raw_rows(db_url: str, items: list[dict], user_id: int) -> list[tuple]:
    """The items as submissions rows (fresh ids, so they do not collide with the API's)."""
    with psycopg.connect(db_url) as conn:
        places = dict(conn.execute("SELECT rw.id, rw.kelurahan_id FROM rw").fetchall())
        kec = conn.execute("SELECT id FROM kecamatan").fetchone()[0]
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for it in items:
        observed = dt.datetime.fromisoformat(it["observed_at"])
        rw = it["subject"]["rw_id"]
        rows.append((uuid.uuid4(), "inspeksi-rw", 1, "rw", kec, places[rw], rw, observed, observed.year,
                     (observed.month - 1) // 3 + 1, now, json.dumps(it["data"]),
                     hashlib.sha256(json.dumps(it).encode()).hexdigest(), user_id, "accepted"))
    return rows


def insert_rows(db_url: str, rows: list[tuple]) -> None:
    """Multi-row INSERTs (as many rows per statement as PostgreSQL's 65,535 parameters allow), one commit."""
    chunk = 65535 // len(COLS)
    with psycopg.connect(db_url) as conn, conn.cursor() as cur:
        for i in range(0, len(rows), chunk):
            part = rows[i:i + chunk]
            values = ",".join(["(" + ",".join(["%s"] * len(COLS)) + ")"] * len(part))
            cur.execute(f"INSERT INTO submissions ({','.join(COLS)}) VALUES {values}", [v for row in part for v in row])
        conn.commit()


def _ceiling_worker(db_url: str, items: list[dict], user_id: int, start, out) -> None:
    rows = raw_rows(db_url, items, user_id)
    start.wait()
    insert_rows(db_url, rows)
    out.put(len(rows))


def raw_ceiling(db_url: str, items: list[dict], user_id: int, parallel: int = 1) -> float:
    """Insert the same rows through psycopg from `parallel` connections at once; return rows/s."""
    start, out = mp.Event(), mp.Queue()
    procs = [mp.Process(target=_ceiling_worker, args=(db_url, items[i::parallel], user_id, start, out))
             for i in range(parallel)]
    for p in procs:
        p.start()
    time.sleep(1.0 + len(items) / 20000)  # let every process build its rows before the clock starts
    began = time.perf_counter()
    start.set()
    done = sum(out.get() for _ in procs)
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200, help="batches of 100 items in all")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the Procfile's default: 2)")
    args = parser.parse_args()

    name = f"sikk_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(BASE_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db_url = BASE_URL.rsplit("/", 1)[0] + "/" + name
    server = None
    try:
        token, rw_ids = setup(db_url)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": db_url}
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        server = subprocess.Popen([gunicorn, "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                                   "--log-level", "warning", "server:create_app()"], cwd=ROOT, env=env)
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/api/v1/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not come up")

        rng = random.Random(20261124)
        items = [item(rng, rw_ids) for _ in range(args.batches * BATCH)]
        bodies = [json.dumps({"submissions": items[i:i + BATCH]}).encode() for i in range(0, len(items), BATCH)]
        # Warm-up: every worker loads its caches (definitions, wilayah) before the clock starts.
        warm = [item(rng, rw_ids) for _ in range(args.workers * 4)]
        for w in warm:
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("POST", "/api/v1/submissions", body=json.dumps({"submissions": [w]}),
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            c.getresponse().read()
            c.close()

        start, out = mp.Event(), mp.Queue()
        share = [bodies[i::args.clients] for i in range(args.clients)]
        procs = [mp.Process(target=client, args=(port, token, share[i], start, out)) for i in range(args.clients)]
        for p in procs:
            p.start()
        time.sleep(0.5)
        began = time.perf_counter()
        start.set()
        totals = [out.get() for _ in procs]
        elapsed = time.perf_counter() - began
        for p in procs:
            p.join()
        created = sum(t[0] for t in totals)
        problems = sum(t[1] for t in totals)
        api_rate = created / elapsed

        with psycopg.connect(db_url) as conn:
            user_id = conn.execute("SELECT id FROM users").fetchone()[0]
        server.terminate()
        server.wait(timeout=30)
        server = None
        ceiling = raw_ceiling(db_url, items, user_id)
        ceiling_parallel = raw_ceiling(db_url, items, user_id, parallel=args.workers)

        print(f"items: {len(items)} in batches of {BATCH}, {args.clients} clients, gunicorn -w {args.workers}")
        print(f"API:                      {api_rate:8.0f} submissions/s  ({created} created, "
              f"{problems} not created, {elapsed:.2f} s)")
        print(f"raw ceiling, 1 connection: {ceiling:8.0f} rows/s  (psycopg, multi-row INSERT … VALUES)")
        print(f"raw ceiling, {args.workers} connections: {ceiling_parallel:7.0f} rows/s")
        print(f"ratio: {100 * api_rate / ceiling:.1f}% of the 1-connection ceiling, "
              f"{100 * api_rate / ceiling_parallel:.1f}% of the {args.workers}-connection one")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(BASE_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

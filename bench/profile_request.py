"""Where a one-item POST /api/v1/submissions spends its time: a py-spy flame graph of the web.

Sets up like ``bench/ingest.py`` (fresh PostgreSQL database, the Procfile's web, worker and beat,
Redis database 13 of ``BENCH_REDIS_URL``), then records the gunicorn processes with py-spy while
one client sends ``--requests`` one-item requests, and writes the SVG (default
``docs/performance/one-item-post.svg``).

    .venv/bin/python bench/profile_request.py [--requests 1500] [--city-rows 0] [--out FILE.svg]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.ingest import REDIS_BASE, REDIS_DB, Processes, free_port, item, procfile, setup  # noqa: E402
from bench.scoring import fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--city-rows", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance" / "one-item-post.svg")
    parser.add_argument("--format", default="flamegraph", help="py-spy output format (flamegraph, raw)")
    parser.add_argument("--per-request", type=int, default=1, help="items per request (100: a batch)")
    args = parser.parse_args()
    redis_url = f"{REDIS_BASE.rstrip('/')}/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    with fresh_database("profile") as db_url, tempfile.TemporaryDirectory(prefix="sikk-profile-") as tmp:
        token, rw_ids, _kec = setup(db_url, args.city_rows)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench",
               "SIKK_INSTANCE_DIR": tmp, "PORT": str(port),
               "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        subprocess.run(["sh", "-c", "exec " + procfile()["release"]], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        procs = Processes(env, Path(tmp))
        procs.start("worker")
        time.sleep(3)
        procs.start("beat")
        procs.start("web")
        time.sleep(4)
        rng = random.Random(1)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(20):  # warm-up
            conn.request("POST", "/api/v1/submissions", body=json.dumps({"submissions": [item(rng, rw_ids)]}),
                         headers=headers)
            conn.getresponse().read()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--subprocesses", "--nonblocking", "--format", args.format,
                                "-r", "200", "-o", str(args.out), "--pid", str(procs.procs["web"].pid)])
        time.sleep(2)
        began = time.perf_counter()
        for _ in range(args.requests):
            conn.request("POST", "/api/v1/submissions", body=json.dumps({"submissions": [item(rng, rw_ids) for _ in range(args.per_request)]}),
                         headers=headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status == 200
        elapsed = time.perf_counter() - began
        spy.send_signal(2)  # SIGINT: py-spy writes the SVG
        spy.wait(60)
        procs.stop()
        print(f"{args.requests} requests of {args.per_request} item(s) from 1 client: {args.requests / elapsed:.0f}/s; "
              f"flame graph: {args.out}")


if __name__ == "__main__":
    main()

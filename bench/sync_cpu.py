"""CPU of one sync, in-process: the web's Python per step and PostgreSQL's backends, per request.

No gunicorn, no worker, no clients on the same cores: the Flask test client sends batches of
``--per-request`` realistic ``inspeksi-rw`` items (those of ``bench/ingest.py``) from ``--threads``
threads to a fresh PostgreSQL database, and prints, per request, the best of three rounds of
``time.process_time()`` (this process) split by the sync's steps, and the CPU seconds of the
database's backend processes (from /proc). Steadier than the end-to-end bench on a shared machine:
use it to compare two versions of the sync path.

    .venv/bin/python bench/sync_cpu.py [--requests 300] [--per-request 100] [--threads 1]
"""
from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379") + "/12")
from bench.ingest import CLK_TCK, item, setup  # noqa: E402
from bench.scoring import fresh_database, make_app  # noqa: E402

STEPS = ("_parse_item", "_locate_subjects", "_resolve_links", "_insert_new", "_pg_insert_with_outbox",
         "_settle_created", "_missing_photos")
spent: collections.Counter = collections.Counter()


def _timed(module, name: str) -> None:
    step = getattr(module, name)

    @functools.wraps(step)
    def wrapper(*args, **kwargs):
        began = time.process_time()
        try:
            return step(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - began
    setattr(module, name, wrapper)


def backend_cpu(dbname: str) -> float:
    """CPU seconds of every PostgreSQL backend connected to ``dbname``."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if f" {dbname} " not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="ignore"):
                continue
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--per-request", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import server.api.submissions as api
    import server.sync as sync

    for name in STEPS:
        _timed(sync, name)
    _timed(api, "_load_batch")
    with fresh_database("synccpu") as db_url:
        token, rw_ids, _kec = setup(db_url, 0)
        app = make_app(db_url)
        rng = random.Random(1)
        headers = {"Authorization": f"Bearer {token}"}
        bodies = [json.dumps({"submissions": [item(rng, rw_ids) for _ in range(args.per_request)]}).encode()
                  for _ in range(args.requests + 20)]

        def send(chunk: list[bytes]) -> None:
            client = app.test_client()
            for body in chunk:
                response = client.post("/api/v1/submissions", data=body, headers=headers,
                                       content_type="application/json")
                assert response.status_code == 200, response.data

        def round_of(chunk: list[bytes]) -> tuple[float, float, dict]:
            spent.clear()
            cpu, db = time.process_time(), backend_cpu(db_url.rsplit("/", 1)[1])
            threads = [threading.Thread(target=send, args=(chunk[k::args.threads],)) for k in range(args.threads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return (time.process_time() - cpu, backend_cpu(db_url.rsplit("/", 1)[1]) - db, dict(spent))

        send(bodies[:20])  # warm: caches, prepared statements
        per = args.requests // 3
        rounds = [round_of(bodies[20 + r * per:20 + (r + 1) * per]) for r in range(3)]
        cpu, db, steps = min(rounds, key=lambda r: r[0])
        print(f"{args.per_request} item(s) per request, {args.threads} thread(s), best of 3 rounds of {per}:")
        print(f"  web (this process) {cpu / per * 1000:.2f} ms/request, PostgreSQL backends "
              f"{db / per * 1000:.2f} ms/request (that round)")
        for name, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
            print(f"    {name:26s} {seconds / per * 1000:.2f} ms")


if __name__ == "__main__":
    main()

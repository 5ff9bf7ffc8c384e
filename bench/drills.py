"""Fault drills, longer and larger than the ones in make test (tests/hardening/test_drills.py).

Same scenarios (tests/hardening/drill_scenarios.py), each asserting that every acknowledged
submission is stored exactly once and, where workers run, that the scores equal a fresh full
recompute; here with more clients, more batches, repeated kills, crash-restarts of PostgreSQL
(`immediate`) and a longer broker outage. Runs on a throwaway PostgreSQL cluster and a private
Redis, never the shared ones. Prints the figures of each drill.

    .venv/bin/python bench/drills.py [--scale 3]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=3, help="multiplies clients and batches")
    args = parser.parse_args()
    s = args.scale

    from server import jobs
    from tests.hardening import drill_scenarios as scenarios
    from tests.hardening.drill_harness import PgCluster
    from tests.integration.harness import PrivateRedis

    tmp = Path(tempfile.mkdtemp(prefix="sikk-drills-"))
    cluster = PgCluster()
    cluster.start()
    broker = PrivateRedis(tmp)
    broker.start()
    runs = [
        ("web SIGKILLed 5 times", lambda d: scenarios.web_sigkilled(
            d, clients_count=4 * s, batches_each=12 * s, kill_after=(0.7, 1.5, 1.0, 2.0, 1.2))),
        ("responses lost after commit (1 in 3)", lambda d: scenarios.response_lost(d, batches=20 * s, drop_every=3)),
        ("Redis killed for 10 s", lambda d: scenarios.broker_outage(
            d, broker, outage_seconds=10.0, clients_count=2 * s, batches_each=30)),
        ("PostgreSQL crash-restarted 3 times", lambda d: scenarios.database_restart(
            d, cluster, restarts=3, mode="immediate", clients_count=3 * s, batches_each=25 * s)),
        ("PostgreSQL restarted (fast) 3 times", lambda d: scenarios.database_restart(
            d, cluster, restarts=3, mode="fast", clients_count=3 * s, batches_each=25 * s)),
        ("2 webs + 2 workers, twin batches", lambda d: scenarios.scaled_out(d, pairs_count=3 * s, batches_each=6 * s)),
    ]
    failed = 0
    try:
        for n, (name, run) in enumerate(runs):
            workdir = tmp / f"drill{n}"
            workdir.mkdir()
            drill = scenarios.make_drill(cluster, broker, workdir)
            started = time.perf_counter()
            try:
                result = run(drill)
                status = "PASS"
            except AssertionError as exc:
                result, status = {"error": str(exc)[:300]}, "FAIL"
                failed += 1
            finally:
                jobs.reset_kick_backoff()
            took = time.perf_counter() - started
            print(f"{status}  {name:40} {took:6.1f} s  " + "  ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    finally:
        broker.stop()
        cluster.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

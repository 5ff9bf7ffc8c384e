"""Fault drills on real processes: gunicorn, Celery, our own PostgreSQL cluster and our own Redis.

Each drill ends by checking that every submission a client got acknowledged is stored exactly
once, that nothing sent was lost, and (where workers run) that every stored score equals a fresh
full recompute from the submissions. The scenarios live in tests/hardening/drill_scenarios.py;
bench/drills.py runs them longer and larger.

1. the web SIGKILLed (master and workers) mid-batch, twice, while clients retry;
2. a proxy that loses the response after the server committed: the retry gets `duplicate`;
3. Redis killed and restarted during syncs (syncs never fail; scores converge afterwards);
4. PostgreSQL restarted during syncs (clients retry through the outage);
5. two web and two worker processes on one database, every batch sent to both at once.

A worker killed mid-task is drilled in tests/integration/test_celery_worker.py.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server import jobs
from tests.hardening import drill_scenarios as scenarios
from tests.hardening.drill_harness import PgCluster
from tests.hardening.drill_scenarios import Drill, make_drill
from tests.integration.harness import PrivateRedis


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


@pytest.fixture
def drill(cluster: PgCluster, broker: PrivateRedis, tmp_path: Path) -> Iterator[Drill]:
    yield make_drill(cluster, broker, tmp_path)
    jobs.reset_kick_backoff()


def test_web_sigkilled_mid_batch_while_clients_retry(drill: Drill):
    result = scenarios.web_sigkilled(drill, clients_count=4, batches_each=12, kill_after=(0.6, 1.2))
    assert result["kills"] == 2 and result["retries"] > 0


def test_response_lost_after_commit_retry_gets_duplicate(drill: Drill):
    result = scenarios.response_lost(drill, batches=8, drop_every=2)
    assert result["responses_lost"] >= 8


def test_redis_killed_and_restarted_during_syncs(drill: Drill, broker: PrivateRedis):
    scenarios.broker_outage(drill, broker, outage_seconds=2.0, clients_count=2, batches_each=10)


def test_postgres_restarted_during_syncs(drill: Drill, cluster: PgCluster):
    scenarios.database_restart(drill, cluster, restarts=1, mode="fast", clients_count=3, batches_each=25)


def test_two_webs_two_workers_one_database(drill: Drill):
    scenarios.scaled_out(drill, pairs_count=3, batches_each=6)

"""Real processes for the integration tests: a fresh PostgreSQL database, a private Redis, Celery.

Everything started here is stopped here, by its own process id (never by name). The machine's
shared Redis on 6379 is only ever used through a dedicated database number, never stopped.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis

from tests.parallel import redis_db

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # the venv running pytest
PG_BASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test").replace(
    "postgresql+psycopg://", "postgresql://", 1)
SHARED_REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.02) -> object:
    """Poll until ``predicate()`` is truthy and return it; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        time.sleep(interval)


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new PostgreSQL database (plain libpq URL), dropped afterwards."""
    name = f"sikk_it_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_BASE_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_BASE_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dedicated_redis_db(number: int) -> str:
    """A URL of the shared Redis with another database number (this xdist worker's: tests/parallel.py), flushed."""
    base = SHARED_REDIS.rsplit("/", 1)[0] if SHARED_REDIS.count("/") >= 3 else SHARED_REDIS.rstrip("/")
    url = f"{base}/{redis_db(number)}"
    redis.Redis.from_url(url).flushdb()
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence: stop() is a broker outage."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._pong, 10)

    def _pong(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None


class CeleryProcess:
    """``celery -A workers.worker worker|beat`` as its own process group, logging to a file."""

    def __init__(self, kind: str, env: dict[str, str | None], log: Path, *extra: str) -> None:
        self.log = log
        args = [str(VENV_BIN / "celery"), "-A", "workers.worker", kind, "--loglevel=INFO", *extra]
        if kind == "beat":
            args += ["--schedule", str(log.with_suffix(".schedule"))]
        merged = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        full_env = {key: value for key, value in merged.items() if value is not None}  # None: unset
        self.handle = log.open("ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env=full_env, stdout=self.handle, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, marker: str = "ready.", timeout: float = 30) -> None:
        def ready() -> bool:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            return marker in self.log.read_text(errors="replace")

        wait_for(ready, timeout, 0.1)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group (the main process and its pool children)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.handle.close()

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), SIGKILL when it takes too long."""
        self.kill(signal.SIGTERM)

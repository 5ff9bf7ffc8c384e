"""Real processes and real faults for the drills: a throwaway PostgreSQL cluster, gunicorn, a TCP
proxy that loses responses, and a device-like sync client that retries until it is acknowledged.

Everything is started on free loopback ports in temporary directories and stopped by its own
process id or process group (never by name); the machine's shared PostgreSQL and Redis are never
touched. Used by tests/hardening/test_drills.py and bench/drills.py.
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.integration.harness import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def _pg_bin() -> Path:
    """Where initdb and pg_ctl are: SIKK_PG_BIN, else the newest /usr/lib/postgresql/*/bin (Debian)."""
    if os.environ.get("SIKK_PG_BIN"):
        return Path(os.environ["SIKK_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class PgCluster:
    """A PostgreSQL cluster of our own (initdb in a temp dir, trust auth, fsync off, free port)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="sikk-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                                     "-o", options, *args]),
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-m", mode)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new database; returns its plain libpq URL."""
        name = f"drill_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Gunicorn:
    """The `web` process of the Procfile on a free port, in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 2, port: int | None = None) -> None:
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.log = log
        self.workers = workers
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    def start(self) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-k", "gthread", "-w", str(self.workers), "--threads", "4", "-b",
             f"127.0.0.1:{self.port}", "--timeout", "60", "server:create_app()"], cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True)
        handle.close()
        wait_for(self._healthy, 30, 0.1)

    def _healthy(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            conn = http.client.HTTPConnection(*self.address, timeout=2)
            conn.request("GET", "/api/v1/health")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the master and its workers (the whole process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


class LossyProxy:
    """A TCP proxy in front of the web that, for chosen connections, swallows the server's response.

    The request reaches the server whole and the server answers (so it has committed), but the
    client sees its connection closed without a byte: exactly a phone losing signal after sending.
    Connections are numbered from 0; `drop(n)` decides which ones lose their response.
    """

    def __init__(self, upstream: tuple[str, int], drop_every: int = 2) -> None:
        self.upstream = upstream
        self.drop_every = drop_every
        self.dropped = 0
        self._count = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = self._listener.getsockname()[:2]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                number = self._count
                self._count += 1
            drop = self.drop_every > 0 and number % self.drop_every == 0
            threading.Thread(target=self._handle, args=(client, drop), daemon=True).start()

    def _handle(self, client: socket.socket, drop: bool) -> None:
        server = socket.create_connection(self.upstream)
        done = threading.Event()

        def upstream_pump() -> None:
            try:
                while chunk := client.recv(65536):
                    server.sendall(chunk)
            except OSError:
                pass

        threading.Thread(target=upstream_pump, daemon=True).start()
        try:
            while chunk := server.recv(65536):
                if drop:  # the server has answered: lose the answer, cut the client off
                    with self._lock:
                        self.dropped += 1
                    break
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            done.set()
            for sock in (client, server):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()
        self._thread.join(5)


@dataclass
class SyncClient:
    """A device: sends each batch until it gets an answer, like the PWA's outbox (one connection per try)."""

    addresses: list[tuple[str, int]]
    token: str
    acknowledged: dict[str, str] = field(default_factory=dict)  # id -> status of the answer that acknowledged it
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    answered_at: list[float] = field(default_factory=list)  # perf_counter() of each acknowledged answer
    first_answers: list[list[str]] = field(default_factory=list)  # statuses of each batch's acknowledged answer
    retried_answers: list[list[str]] = field(default_factory=list)  # … of batches that needed a retry

    def send(self, items: list[dict], deadline_seconds: float = 90, target: int = 0) -> list[dict]:
        body = json.dumps({"submissions": items}).encode()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json", "Connection": "close"}
        deadline = time.monotonic() + deadline_seconds
        attempt = 0
        while True:
            address = self.addresses[(target + attempt) % len(self.addresses)]
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(*address, timeout=30)
                conn.request("POST", "/api/v1/submissions", body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                conn.close()
                if resp.status == 200:
                    self.latencies.append(time.perf_counter() - started)
                    self.answered_at.append(time.perf_counter())
                    results = json.loads(payload)["results"]
                    statuses = [r["status"] for r in results]
                    for result in results:
                        self.acknowledged[result["id"]] = result["status"]
                    (self.retried_answers if attempt else self.first_answers).append(statuses)
                    return results
                if resp.status < 500:
                    self.errors.append(f"{resp.status} {payload[:200]!r}")
                    return []
            except (OSError, http.client.HTTPException):
                pass
            attempt += 1
            self.retries += 1
            if time.monotonic() > deadline:
                raise AssertionError(f"batch not acknowledged within {deadline_seconds} s")
            time.sleep(0.05)


def inspeksi_batch(rw_ids: list[int], size: int, seed: int) -> list[dict]:
    """`size` valid inspections spread over the RW (observed yesterday, Jakarta time)."""
    observed = (dt.datetime.now(dt.timezone(dt.timedelta(hours=7))) - dt.timedelta(days=1)).replace(microsecond=0)
    return [{"id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1,
             "subject": {"rw_id": rw_ids[(seed + i) % len(rw_ids)]}, "observed_at": observed.isoformat(),
             "data": {"kebun_toga": (seed + i) % 3 != 0, "pengelolaan_sampah": ("baik", "cukup", "buruk")[(seed + i) % 3],
                      "status_kumuh": "tidak_kumuh", "lembaga_aktif": True, "kejadian_kriminal": i % 4,
                      "konflik_sosial": 0}} for i in range(size)]


def stored_ids(pg_url: str, ids: Iterable[str]) -> dict[str, int]:
    """How many rows each id has in `submissions` (the primary key makes > 1 impossible; we count anyway)."""
    wanted = list(ids)
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT id::text, count(*) FROM submissions WHERE id = ANY(%s::uuid[]) GROUP BY id",
                            (wanted,)).fetchall()
        total = conn.execute("SELECT count(*) FROM submissions").fetchone()[0]
    counts = {sid: n for sid, n in rows}
    counts["__total__"] = total
    return counts


def assert_each_acknowledged_stored_once(pg_url: str, sent: set[str], client_acks: dict[str, str]) -> None:
    """Every acknowledged id is stored exactly once, nothing unsent is stored, nothing sent is lost."""
    assert set(client_acks) == sent, f"{len(sent - set(client_acks))} sent items never acknowledged"
    assert set(client_acks.values()) <= {"created", "duplicate"}, set(client_acks.values())
    counts = stored_ids(pg_url, sent)
    total = counts.pop("__total__")
    missing = sent - set(counts)
    assert not missing, f"{len(missing)} acknowledged submissions are not stored"
    assert all(n == 1 for n in counts.values())
    assert total == len(sent), f"{total} rows stored for {len(sent)} distinct submissions"

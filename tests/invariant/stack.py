"""The running system the invariant test drives: PostgreSQL, the app, a Celery worker and beat on Redis.

Everything here goes through what an outside user has: the device API (bearer tokens), the admin
pages (cookie session and CSRF), the ``flask --app server recompute`` command, and for waiting
only, the broker's queues and the ``score_outbox`` table. Processes started here are stopped here,
by their own process id.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from flask import Flask
from flask.testing import FlaskClient

from server.extensions import db
from tests.conftest import make_test_app
from tests.factories import auth, make_user, make_wilayah
from tests.integration.harness import CeleryProcess, dedicated_redis_db, fresh_pg_database
from tests.invariant import naive

PASSWORD = "rahasia123"
READERS = 6  # threads reading the indicators
PERIODS = tuple(p.label for year in (2025, 2026) for p in naive.periods_of(year))
FIELDS = ("value", "numerator", "denominator", "target", "capaian", "mutu")
# The targets set once for the session (deployment-wide, through the CLI), by year.
TARGETS = {"IKU1": 80.0, "IKU2": 90.0, "IKU3": 85.0, "IKU4": 85.0, "IKU5": 50.0, "IKU6": 30.0}
# How long the pipeline may take to settle after one step (the freshness budget is 2 s; the
# machine is shared, so the bound is generous — a stuck pipeline still fails well inside it).
CATCH_UP_SECONDS = 30.0
# The admin's service-type page: what an SOP edit posts besides the catalogue fields. Reference data is
# versioned: an edit carries the date it applies from; a closed period needs a confirmation.
EFFECTIVE_FROM_FIELD = "effective_from"
CONFIRM_FIELD = "confirm_past"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
_counter = itertools.count(1)


def jakarta_now() -> dt.datetime:
    return dt.datetime.now(naive.TZ)


@dataclass
class Kecamatan:
    """One kecamatan made for one example: 2 kelurahan × 3 RW, an officer, a kiosk and a camat."""

    id: int
    nama: str
    kelurahan: list[int]
    kelurahan_names: dict[int, str]
    rw: dict[int, list[int]]
    officer: str  # bearer tokens
    kiosk: str
    camat: str
    camat_username: str
    admin: FlaskClient | None = None

    def scope_name(self, scope: int | None) -> str:
        return "kecamatan" if scope is None else self.kelurahan_names[scope]


@dataclass
class Stack:
    app: Flask
    pg_url: str  # plain libpq URL of the fresh database
    redis_url: str
    tmp: Path
    conn: psycopg.Connection
    broker: redis.Redis
    catalogue: dict[str, list[naive.Sop]] = field(default_factory=naive.default_catalogue)
    worker: CeleryProcess | None = None
    beat: CeleryProcess | None = None

    # -- processes -------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.pg_url, "REDIS_URL": self.redis_url, "SIKK_INSTANCE_DIR": str(self.tmp),
                "SECRET_KEY": "invariant", "SIKK_RELAY_EVERY_SECONDS": "1"}

    def start(self) -> None:
        """A worker as production runs it (prefork, two processes) and the beat (the periodic relay)."""
        self.worker = CeleryProcess("worker", self.env(), self.tmp / "worker.log", "--concurrency=2", "--pool=prefork",
                                    "-n", "invariant@%h", "--without-gossip", "--without-mingle")
        self.worker.wait_ready(timeout=60)
        self.beat = CeleryProcess("beat", self.env(), self.tmp / "beat.log")

    def stop(self) -> None:
        for process in (self.beat, self.worker):
            if process is not None:
                process.stop()

    def worker_log_tail(self, chars: int = 4000) -> str:
        path = self.tmp / "worker.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # -- setup through the CLI -------------------------------------------------------------------
    def cli(self, *args: str) -> str:
        from tests.conftest import PluginCliRunner  # `flask --app server …`: the app's and the plugins' commands

        result = PluginCliRunner(self.app).invoke(args=list(args))
        assert result.exit_code == 0, f"flask {' '.join(args)} → exit {result.exit_code}:\n{result.output}\n" + (
            repr(result.exception) if result.exception else "")
        return result.output

    def set_targets(self) -> None:
        for year in (2025, 2026):
            for code, value in TARGETS.items():
                self.cli("set-target", code, str(year), str(value))

    def new_kecamatan(self) -> Kecamatan:
        n = next(_counter)
        with self.app.app_context():
            w = make_wilayah(f"Invarian {n}", f"32.79.{n:02d}", kelurahan=2, rw=3)
            _, officer = make_user(f"petugas{n}", "officer", w.kecamatan)
            _, kiosk = make_user(f"kios{n}", "kiosk", w.kecamatan)
            _, camat = make_user(f"camat{n}", "kecamatan_admin", w.kecamatan)
            kec = Kecamatan(w.kecamatan.id, w.kecamatan.nama, [k.id for k in w.kelurahan],
                            {k.id: k.nama for k in w.kelurahan}, {k: [r.id for r in rws] for k, rws in w.rw.items()},
                            officer, kiosk, camat, f"camat{n}")
            db.session.commit()
        kec.admin = self.app.test_client()
        page = kec.admin.get("/admin/login")
        resp = kec.admin.post("/admin/login", data={"username": kec.camat_username, "password": PASSWORD,
                                                    "csrf_token": csrf_of(page.get_data(as_text=True))})
        assert resp.status_code in (302, 303), resp.status_code
        return kec

    # -- the device API --------------------------------------------------------------------------
    def sync(self, token: str, items: list[dict]) -> list[dict]:
        resp = self.app.test_client().post("/api/v1/submissions", headers=auth(token), json={"submissions": items})
        assert resp.status_code == 200, f"sync → {resp.status_code}: {resp.get_data(as_text=True)[:2000]}"
        return resp.get_json()["results"]

    def stored(self, submission_id: str) -> tuple[str, str | None] | None:
        """(review_status, superseded_by) of a stored submission, None when it is not stored."""
        row = self.conn.execute("SELECT review_status, superseded_by::text FROM submissions WHERE id = %s",
                                (submission_id,)).fetchone()
        return None if row is None else (row[0], row[1])

    # -- the admin pages -------------------------------------------------------------------------
    def review(self, kec: Kecamatan, submission_id: str, decision: str) -> int:
        """Press Terima / Tolak / Kembalikan on the record's page; return the HTTP status of the POST."""
        page = kec.admin.get(f"/admin/pengajuan/{submission_id}")
        if page.status_code != 200:
            return page.status_code
        resp = kec.admin.post(f"/admin/pengajuan/{submission_id}/tinjau",
                              data={"decision": decision, "reason": "Uji invarian: data perlu diperiksa.",
                                    "csrf_token": csrf_of(page.get_data(as_text=True))})
        return resp.status_code

    def edit_sop(self, kec: Kecamatan, code: str, value: int, effective_from: dt.date) -> None:
        """Save one service type's SOP on the admin page, effective from ``effective_from``."""
        page = kec.admin.get("/admin/kelola/layanan")
        assert page.status_code == 200, page.status_code
        current = [v for v in self.catalogue[code]][-1]
        name, section = SERVICE_NAMES[code]
        resp = kec.admin.post("/admin/kelola/layanan", data={
            "code": code, "name": name, "group": current.group, "section": section, "sop_value": str(value),
            "sop_unit": current.unit, "active": "on", EFFECTIVE_FROM_FIELD: effective_from.isoformat(),
            CONFIRM_FIELD: "on", "csrf_token": csrf_of(page.get_data(as_text=True))})
        assert resp.status_code in (302, 303), (
            f"the SOP edit of {code} was refused ({resp.status_code}); the test posts "
            f"{EFFECTIVE_FROM_FIELD}={effective_from} and {CONFIRM_FIELD}=on:\n{resp.get_data(as_text=True)[:3000]}")
        self.catalogue[code].append(naive.Sop(effective_from, current.group, value, current.unit))

    # -- reading the numbers ---------------------------------------------------------------------
    def read_indicators(self, kec: Kecamatan, pages: list[tuple[str, int | None]] | None = None
                        ) -> dict[tuple[str, int | None, str], dict]:
        """Every stored result of the kecamatan, through GET /api/v1/indicators: (period, scope, code) → fields."""
        def one(period: str, scope: int | None) -> tuple[str, int | None, list[dict]]:
            query = {"period": period} if scope is None else {"period": period, "kelurahan_id": scope}
            resp = self.app.test_client().get("/api/v1/indicators", query_string=query, headers=auth(kec.camat))
            assert resp.status_code == 200, resp.get_data(as_text=True)
            assert resp.get_json()["period"] == period
            return period, scope, resp.get_json()["indicators"]

        out = {}
        # Requests side by side, as several browsers would: each waits mostly on the database.
        wanted = pages or [(p, s) for p in PERIODS for s in (None, *kec.kelurahan)]
        with ThreadPoolExecutor(READERS) as pool:
            answers = list(pool.map(lambda args: one(*args), wanted))
        for period, scope, indicators in answers:
            assert [i["code"] for i in indicators] == list(naive.CODES)
            for item in indicators:
                out[(period, scope, item["code"])] = {f: item.get(f) for f in FIELDS}
        return out

    def read_recomputed(self, kec: Kecamatan) -> dict[tuple[str, int | None, str], dict]:
        """The rows a recompute just wrote (one query); a scope and period it wrote nothing for is read
        through the API, which answers it as it answers any result never computed."""
        rows = self.conn.execute(
            "SELECT period, kelurahan_id, code, value, numerator, denominator, target, capaian, mutu "
            "FROM indicator_results WHERE kecamatan_id = %s AND period = ANY(%s)", (kec.id, list(PERIODS))).fetchall()
        out = {(period, kel or None, code): dict(zip(FIELDS, values)) for period, kel, code, *values in rows}
        missing = {(p, s) for p in PERIODS for s in (None, *kec.kelurahan)
                   if any((p, s, code) not in out for code in naive.CODES)}
        if missing:
            api = self.read_indicators(kec, sorted(missing, key=lambda k: (k[0], k[1] or 0)))
            out.update({key: value for key, value in api.items() if key not in out})
        return out

    def read_criteria(self, kec: Kecamatan) -> dict[tuple[str, int, str], bool]:
        """K1–K7 behind IKU5 as stored, through GET /api/v1/indicators/criteria: (period, kelurahan, K) → held."""
        def one(period: str) -> tuple[str, list[dict]]:
            resp = self.app.test_client().get("/api/v1/indicators/criteria", query_string={"period": period},
                                              headers=auth(kec.camat))
            assert resp.status_code == 200, resp.get_data(as_text=True)
            return period, resp.get_json()["kelurahan"]

        with ThreadPoolExecutor(READERS) as pool:
            answers = list(pool.map(one, PERIODS))
        return {(period, k["id"], name): c["held"] for period, kelurahan in answers for k in kelurahan
                for name, c in k["criteria"].items()}

    def read_recomputed_criteria(self, kec: Kecamatan) -> dict[tuple[str, int, str], bool]:
        """K1–K7 as the recompute just stored them (the kecamatan-wide IKU5 drill-down)."""
        rows = self.conn.execute(
            "SELECT period, details FROM indicator_results WHERE kecamatan_id = %s AND kelurahan_id = 0 "
            "AND code = 'IKU5' AND period = ANY(%s)", (kec.id, list(PERIODS))).fetchall()
        return {(period, k["id"], name): c["held"] for period, details in rows
                for k in (details or {}).get("kelurahan", []) for name, c in k.get("criteria", {}).items()}

    def recompute(self) -> str:
        """``flask --app server recompute`` (one process: no fork of the test process)."""
        return self.cli("recompute", "--processes", "1")

    def naive_results(self, kec: Kecamatan) -> dict[tuple[str, int | None, str], naive.Result]:
        world = naive.load_world(self.conn, kec.id, jakarta_now().date(), self.catalogue)
        calc = naive.Calculator(world, naive.load_rows(self.conn, kec.id))
        out = {}
        for label in PERIODS:
            period = naive.Period.parse(label)
            for scope in (None, *kec.kelurahan):
                for code, result in calc.compute(period, scope).items():
                    out[(label, scope, code)] = result
        return out

    # -- waiting for the pipeline ----------------------------------------------------------------
    def busy(self) -> str | None:
        """What is still pending — outbox rows, tasks waiting in a queue or taken and not yet
        acknowledged (the worker acknowledges late, so a running task counts) — or None."""
        outbox = self.conn.execute("SELECT count(*) FROM score_outbox").fetchone()[0]
        queued = sum(self.broker.llen(q) for q in self.broker.scan_iter(match="celery*", _type="list"))
        unacked = self.broker.hlen("unacked")
        if outbox or queued or unacked:
            return f"outbox={outbox} queued={queued} unacked={unacked}"
        return None

    def wait_caught_up(self, timeout: float = CATCH_UP_SECONDS) -> float:
        """Poll until nothing is pending three times in a row; return the seconds it took."""
        started = time.monotonic()
        quiet = 0
        last = None
        while quiet < 3:
            last = self.busy()
            quiet = quiet + 1 if last is None else 0
            if time.monotonic() - started > timeout:
                raise AssertionError(f"the worker did not catch up within {timeout:.0f} s ({last}).\n"
                                     f"worker log (tail):\n{self.worker_log_tail()}")
            time.sleep(0.05)
        return time.monotonic() - started


def csrf_of(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


SERVICE_NAMES = {
    "pengantar-ktp": ("Surat pengantar KTP-el", "Seksi Pemerintahan"),
    "pengantar-kk": ("Surat pengantar Kartu Keluarga", "Seksi Pemerintahan"),
    "pengantar-akta": ("Pengantar akta kelahiran/kematian", "Seksi Pemerintahan"),
    "pindah-datang": ("Surat keterangan pindah/datang", "Seksi Pemerintahan"),
    "sktm": ("Surat keterangan tidak mampu", "Seksi Kessos"),
    "keterangan-usaha": ("Surat keterangan usaha", "Seksi Ekobang"),
    "izin-keramaian": ("Rekomendasi izin keramaian", "Seksi Trantib"),
    "domisili": ("Surat keterangan domisili", "Subbag Umum & Kepegawaian"),
    "legalisasi": ("Legalisasi dokumen", "Subbag Perencanaan & Keuangan"),
}


@contextlib.contextmanager
def running_stack(tmp: Path, redis_db: int, stack_class: type[Stack] = Stack, targets: bool = False):
    """A started stack on a fresh PostgreSQL database and its own Redis database (flushed before and
    after); stopped, and both let go, when the block ends."""
    with fresh_pg_database() as pg_url:
        redis_url = dedicated_redis_db(redis_db)
        app = make_test_app("postgresql+psycopg://" + pg_url.split("://", 1)[1], REDIS_URL=redis_url)
        with psycopg.connect(pg_url, autocommit=True) as conn:
            stack = stack_class(app, pg_url, redis_url, tmp, conn, redis.Redis.from_url(redis_url))
            if targets:
                stack.set_targets()
            stack.start()
            try:
                yield stack
            finally:
                stack.stop()
                dedicated_redis_db(redis_db)

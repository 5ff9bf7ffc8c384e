"""Run the real app for browser tests and benchmarks: fresh SQLite database, `flask release`,
wilayah and users seeded through the test factories, gunicorn on a free port."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "pwa" / "dist"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "demo123"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    """The running app and a way to look at its database from the test."""

    url: str
    database_url: str
    kelurahan: list[dict] = field(default_factory=list)  # [{id, nama, kode, rw: [{id, nomor}]}]
    users: dict[str, int] = field(default_factory=dict)
    dist: Path = DIST  # what the server serves at /app/

    def sql(self, statement: str, **params) -> list:
        """Run one SQL statement against the server's database and return the rows."""
        engine = create_engine(self.database_url)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()

    def submissions(self, form: str) -> list:
        return self.sql("SELECT id, data, subject_type, rw_id, kelurahan_id, kecamatan_id, supersedes "
                        "FROM submissions WHERE form_code = :form", form=form)


def _seed(database_url: str) -> tuple[list[dict], dict[str, int]]:
    """Wilayah and users through the test factories (the same code the server tests use)."""
    from server import create_app
    from server.extensions import db
    from tests.factories import make_user, make_wilayah

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        wilayah = make_wilayah(nama="Coblong", kode="32.73.02", kelurahan=2, rw=3)
        db.session.commit()
        kelurahan = [{"id": k.id, "nama": k.nama, "kode": k.kode,
                      "rw": [{"id": r.id, "nomor": r.nomor} for r in wilayah.rw[k.id]]} for k in wilayah.kelurahan]
        users = {}
        for username, role, scope in (("petugas", "officer", wilayah.kelurahan),
                                      ("petugas2", "officer", wilayah.kelurahan),
                                      ("kiosk", "kiosk", wilayah.kelurahan[:1]),
                                      ("camat", "kecamatan_admin", None)):
            user, _ = make_user(username, role, wilayah.kecamatan, scope, password=PASSWORD)
            users[username] = user.id
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    return kelurahan, users


@contextlib.contextmanager
def run_live_server(workdir: Path, workers: int = 2, dist: Path = DIST) -> Iterator[LiveServer]:
    """Fresh database in `workdir`, `release`, seed, then gunicorn on a free port serving the PWA
    from `dist`; stopped on exit."""
    assert (dist / "index.html").is_file() and (dist / "sw.js").is_file(), \
        "pwa/dist is missing: run `cd pwa && npm ci && npm run build` (make test does)"
    database_url = f"sqlite:///{workdir / 'sikk.sqlite'}"
    env = {**os.environ, "DATABASE_URL": database_url, "SIKK_INSTANCE_DIR": str(workdir / "instance"),
           "SECRET_KEY": "e2e-secret", "SIKK_RATELIMIT_ENABLED": "false", "SIKK_PWA_DIST": str(dist),
           "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    env.pop("REDIS_URL", None)  # the embedded default: a broker that needs no server
    subprocess.run([str(VENV_BIN / "flask"), "--app", "server", "release"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    kelurahan, users = _seed(database_url)
    with serve_gunicorn(env, workdir, workers) as url:
        yield LiveServer(url=url, database_url=database_url, kelurahan=kelurahan, users=users, dist=dist)


@contextlib.contextmanager
def serve_gunicorn(env: dict, workdir: Path, workers: int = 2) -> Iterator[str]:
    """gunicorn as in the Procfile on a free port (log in `workdir`); yields its URL once /api/v1/health
    answers with SIKK's signature, and stops it on exit."""
    port = _free_port()
    log_path = workdir / "gunicorn.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 "server:create_app()"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/v1/health", timeout=1) as resp:
                        if resp.headers.get("X-SIKK") == "1":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def publish_form(server: LiveServer, definition: dict) -> None:
    """Publish one more form definition on the running server (as an admin would)."""
    from server import create_app
    from server.extensions import db
    from server.models import FormDefinition

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.database_url, "TESTING": True})
    with app.app_context():
        db.session.add(FormDefinition(code=definition["code"], version=definition["version"],
                                      title=definition["title"], definition=definition, published=True))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def decide(server: LiveServer, submission_id, decision: str, reason: str = "", reviewer: str = "camat") -> None:
    """Review a submission on the running server through the admin's use case
    (server.admin.review.review_submission: accept / reject / return, audited, scores marked stale)."""
    import uuid

    from server import create_app
    from server.admin.review import review_submission
    from server.extensions import db
    from server.models import Submission

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.database_url, "TESTING": True})
    with app.test_request_context("/admin/"):  # the audit row records the request's address
        submission = db.session.get(Submission, uuid.UUID(str(submission_id)))
        review_submission(submission, decision, reason, server.users[reviewer])
        db.session.remove()
        db.engine.dispose()


def new_area(server: LiveServer, nama: str, kode: str, users: dict[str, str]) -> list[dict]:
    """A kecamatan of its own (two kelurahan × three RW) with `users` ({username: role}) scoped to
    it, so a test's due work is not changed by what other tests sent. Returns its kelurahan as
    `LiveServer.kelurahan` does; the users are added to `server.users`."""
    from server import create_app
    from server.extensions import db
    from tests.factories import make_user, make_wilayah

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.database_url, "TESTING": True})
    with app.app_context():
        wilayah = make_wilayah(nama=nama, kode=kode, kelurahan=2, rw=3)
        db.session.commit()
        kelurahan = [{"id": k.id, "nama": k.nama, "kode": k.kode,
                      "rw": [{"id": r.id, "nomor": r.nomor} for r in wilayah.rw[k.id]]} for k in wilayah.kelurahan]
        for username, role in users.items():
            scope = None if role == "kecamatan_admin" else wilayah.kelurahan
            user, _ = make_user(username, role, wilayah.kecamatan, scope, password=PASSWORD)
            server.users[username] = user.id
        db.session.remove()
        db.engine.dispose()
    return kelurahan

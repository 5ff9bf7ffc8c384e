"""docs/operations.md's backup procedure, run for real: dump, restore into a scratch database, compare."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import psycopg

from tests.conftest import PG_BASE_URL, _plain_pg, make_test_app
from tests.factories import auth, make_user, make_wilayah, new_id

ROOT = Path(__file__).resolve().parents[2]


def test_backup_restores_every_submission_and_photo(tmp_path):
    base = _plain_pg(PG_BASE_URL)
    name = f"sikk_backup_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        app = make_test_app("postgresql+psycopg://" + url.split("://", 1)[1])
        with app.app_context():
            w = make_wilayah()
            _, token = make_user("petugas", "officer", w.kecamatan)
            rw_id = w.rw[w.kelurahan[0].id][0].id
        items = [{"id": new_id(), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw_id},
                  "observed_at": "2026-03-14T09:30:00+07:00",
                  "data": {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                           "lembaga_aktif": True, "kejadian_kriminal": i, "konflik_sosial": 0}} for i in range(5)]
        resp = app.test_client().post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
        assert [r["status"] for r in resp.json["results"]] == ["created"] * 5
        with app.app_context():
            from server.extensions import db
            db.engine.dispose()

        run = subprocess.run([str(ROOT / "scripts/backup-restore-check.sh"), str(tmp_path / "sikk.dump")],
                             env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        assert "backup-restore-check: ok (submissions|5|" in run.stdout
        assert (tmp_path / "sikk.dump").stat().st_size > 0
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

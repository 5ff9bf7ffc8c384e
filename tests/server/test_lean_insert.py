"""Migration 0010: what a sync's INSERT no longer pays for, and what it still guarantees.

``changed_xid`` (PostgreSQL) is the transaction that last wrote a row however the row was written;
``ref``/``supersedes`` are indexed where set, and the queries that look rows up by them still use
those indexes on both databases.
"""
from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import text

from server.extensions import db
from tests.conftest import make_test_app
from tests.factories import auth, make_user, make_wilayah
from tests.integration.harness import fresh_pg_database
from tests.server.test_submissions import inspeksi


def _index_sql(backend: str, name: str) -> str:
    if backend == "postgresql":
        query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    else:
        query = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"
    return db.session.execute(text(query), {"name": name}).scalar_one()


def _plan(backend: str, sql: str) -> str:
    if backend == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask what it COULD use
        rows = db.session.execute(text("EXPLAIN " + sql)).scalars()
    else:
        rows = (r[-1] for r in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    return "\n".join(rows)


@pytest.mark.parametrize("column", ["ref", "supersedes"])
def test_ref_and_supersedes_are_indexed_where_set_and_the_lookups_use_it(app, backend, column):
    with app.app_context():
        definition = _index_sql(backend, f"ix_submissions_{column}")
        assert "WHERE" in definition.upper() and "IS NOT NULL" in definition.upper()
        wanted = ", ".join(f"'{uuid.uuid4()}'" for _ in range(3))
        if backend == "sqlite":  # SQLite stores these UUIDs as 32 hex digits
            wanted = ", ".join(f"'{uuid.uuid4().hex}'" for _ in range(3))
        plan = _plan(backend, f"SELECT id FROM submissions WHERE {column} IN ({wanted})")
        assert f"ix_submissions_{column}" in plan, plan
        db.session.rollback()


@pytest.fixture
def pg_app():
    with fresh_pg_database() as url:
        app = make_test_app("postgresql+psycopg://" + url.split("://", 1)[1])
        yield app, url
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_changed_xid_is_the_last_writer_whatever_the_statement(pg_app):
    """The column default stamps a plain INSERT; the trigger stamps an UPDATE and an INSERT or COPY
    that names the column (a row never claims another transaction's id)."""
    app, url = pg_app
    with app.app_context():
        w = make_wilayah()
        rw = w.rw[w.kelurahan[0].id][0].id
        token = make_user("petugas", "officer", w.kecamatan)[1]
    synced = inspeksi(rw)
    assert app.test_client().post("/api/v1/submissions", json={"submissions": [synced]},
                                  headers=auth(token)).status_code == 200
    with psycopg.connect(url) as conn:
        (sync_xid,) = conn.execute("SELECT changed_xid FROM submissions WHERE id = %s", (synced["id"],)).fetchone()
        assert sync_xid is not None
        copies = [uuid.uuid4() for _ in range(3)]
        conn.execute(
            "INSERT INTO submissions (id, form_code, form_version, subject_type, kecamatan_id, observed_at, "
            "period_year, period_quarter, received_at, data, content_hash, review_status, needs_acceptance, changed_xid) "
            "SELECT %s, form_code, form_version, subject_type, kecamatan_id, observed_at, period_year, period_quarter, "
            "received_at, data, content_hash, review_status, needs_acceptance, 42 FROM submissions WHERE id = %s",
            (copies[0], synced["id"]))
        with conn.cursor().copy("COPY submissions (id, form_code, form_version, subject_type, observed_at, period_year, "
                                "period_quarter, received_at, data, content_hash, review_status, needs_acceptance, "
                                "changed_xid) FROM STDIN") as copy:
            copy.write_row((copies[1], "inspeksi-rw", 1, "rw", "2026-01-02T08:00:00+07:00", 2026, 1,
                            "2026-01-02T09:00:00+07:00", "{}", "x" * 64, "pending", False, 7))
        conn.execute("UPDATE submissions SET review_status = 'accepted' WHERE id = %s", (synced["id"],))
        (now,) = conn.execute("SELECT txid_current()").fetchone()
        stamped = dict(conn.execute("SELECT id, changed_xid FROM submissions").fetchall())
        conn.commit()
    assert now > sync_xid
    assert stamped[uuid.UUID(synced["id"])] == now  # the UPDATE
    assert stamped[copies[0]] == now and stamped[copies[1]] == now  # named the column: stamped anyway

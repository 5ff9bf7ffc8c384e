"""What a submission refers to (kecamatan, kelurahan, RW, user, device token) exists, on both databases.

SQLite checks these with foreign keys; PostgreSQL, since migration 0011, once per statement with
triggers that give the same guarantees and the foreign key's own error (SQLSTATE 23503, the same
constraint names). These tests hold both to that, including the two races a foreign key settles:
a referred row deleted while a sync names it, and a sync naming a row being deleted.
"""
from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.models import RW, DeviceToken, Kecamatan, Kelurahan, Submission, User
from tests.conftest import make_test_app
from tests.factories import auth, hashed, make_user, make_wilayah
from tests.integration.harness import fresh_pg_database
from tests.server.test_submissions import inspeksi

_table = Submission.__table__
# The column of submissions → the model of the row it names.
REFERENCES = {"kecamatan_id": Kecamatan, "kelurahan_id": Kelurahan, "rw_id": RW, "user_id": User,
              "device_token_id": DeviceToken}


def _store_one(app, client) -> dict:
    """One inspection stored by a sync (every reference set): its row."""
    with app.app_context():
        w = make_wilayah()
        rw_id = w.rw[w.kelurahan[0].id][0].id
        _user, token = make_user("petugas", "officer", w.kecamatan)
    item = inspeksi(rw_id)
    response = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(token))
    assert response.json["results"][0]["status"] == "created"
    with app.app_context():
        row = dict(db.session.execute(select(_table).where(_table.c.id == uuid.UUID(item["id"]))).mappings().one())
    assert all(row[column] is not None for column in REFERENCES)
    return row


@pytest.fixture
def stored(app, client) -> dict:
    return _store_one(app, client)


@pytest.fixture
def pg_stored():
    """A fresh migrated PostgreSQL database with one stored inspection: (app, its row)."""
    with fresh_pg_database() as url:
        app = make_test_app("postgresql+psycopg://" + url.split("://", 1)[1])
        yield app, _store_one(app, app.test_client())
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _constraint(err: IntegrityError) -> str | None:
    diag = getattr(err.orig, "diag", None)
    return diag.constraint_name if diag is not None else None


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(_table))


def _fresh_row_of(model, row: dict):
    """A new row of ``model`` that nothing but what the test adds refers to."""
    tag = uuid.uuid4().hex[:6]
    made = {
        Kecamatan: lambda: Kecamatan(nama=f"Baru {tag}", kode=f"99.{tag}"),
        Kelurahan: lambda: Kelurahan(kecamatan_id=row["kecamatan_id"], kode=f"99.{tag}", nama=f"Baru {tag}"),
        RW: lambda: RW(kelurahan_id=row["kelurahan_id"], nomor="99"),
        User: lambda: User(username=f"baru{tag}", name="Baru", role="officer", password_hash=hashed("rahasia123"),
                           kecamatan_id=row["kecamatan_id"]),
        DeviceToken: lambda: DeviceToken(user_id=row["user_id"], token_hash=uuid.uuid4().hex * 2, device="t"),
    }[model]()
    db.session.add(made)
    db.session.flush()
    return made


@pytest.mark.parametrize("column", REFERENCES)
def test_a_row_naming_a_missing_reference_is_refused(app, backend, stored, column):
    with app.app_context():
        before = _count()
        copy = {**stored, "id": uuid.uuid4(), column: 2_000_000_000}
        with pytest.raises(IntegrityError) as err:
            db.session.execute(insert(_table).values(**copy))
        db.session.rollback()
        assert _count() == before
        if backend == "postgresql":
            assert _constraint(err.value) == f"submissions_{column}_fkey"
            assert err.value.orig.sqlstate == "23503"
            assert "is not present in table" in str(err.value)


@pytest.mark.parametrize("column", REFERENCES)
def test_an_update_to_a_missing_reference_is_refused(app, backend, stored, column):
    with app.app_context():
        with pytest.raises(IntegrityError) as err:
            db.session.execute(update(_table).where(_table.c.id == stored["id"]).values({column: 2_000_000_000}))
        db.session.rollback()
        assert db.session.scalar(select(_table.c[column]).where(_table.c.id == stored["id"])) == stored[column]
        if backend == "postgresql":
            assert _constraint(err.value) == f"submissions_{column}_fkey"


@pytest.mark.parametrize("column", REFERENCES)
def test_a_row_a_submission_names_cannot_be_deleted_until_none_does(app, backend, stored, column):
    model = REFERENCES[column]
    with app.app_context():
        parent = _fresh_row_of(model, stored)
        parent_id = parent.id
        db.session.execute(update(_table).where(_table.c.id == stored["id"]).values({column: parent_id}))
        db.session.commit()
        with pytest.raises(IntegrityError) as err:
            db.session.execute(delete(model.__table__).where(model.__table__.c.id == parent_id))
        db.session.rollback()
        if backend == "postgresql":
            assert _constraint(err.value) == f"submissions_{column}_fkey"
            assert "is still referenced" in str(err.value)
        assert db.session.get(model, parent_id) is not None
        # Once no submission names it, it goes.
        db.session.execute(update(_table).where(_table.c.id == stored["id"]).values({column: stored[column]}))
        db.session.execute(delete(model.__table__).where(model.__table__.c.id == parent_id))
        db.session.commit()
        assert db.session.get(model, parent_id) is None


def test_a_batch_naming_many_rows_is_stored_whole(app, client):
    """Every reference of a 100-row batch (three RW of two kelurahan) checked at once: all stored."""
    with app.app_context():
        w = make_wilayah(rw=3)
        rws = [r.id for kel in w.kelurahan for r in w.rw[kel.id]]
        _user, token = make_user("petugas", "officer", w.kecamatan)
    items = [inspeksi(rws[i % len(rws)]) for i in range(100)]
    response = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert [r["status"] for r in response.json["results"]] == ["created"] * 100
    with app.app_context():
        assert _count() == 100


# -- PostgreSQL: the races, TRUNCATE and the isolation level -----------------------------------------

def _pg_url(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://", 1)


def _insert_copy_sql(column: str) -> str:
    names = [c.name for c in _table.columns if c.name not in ("id", column)]
    listed = ", ".join(names)
    return (f"INSERT INTO submissions (id, {column}, {listed}) "  # nosec B608 - names from the model
            f"SELECT %s, %s, {listed} FROM submissions WHERE id = %s")


def _in_thread(work) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            work()
            outcome["ok"] = True
        except psycopg.Error as err:
            outcome["error"] = err
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("first", ["writer", "deleter"])
def test_a_writer_and_a_delete_of_what_it_names_never_leave_an_orphan(pg_stored, first):
    """The two races a foreign key settles. ``writer`` first: it holds the RW it names (key-share
    lock) until it commits; the delete waits, then sees the committed submission and fails.
    ``deleter`` first: the writer waits for the delete, then finds the RW gone and fails."""
    app, stored = pg_stored
    with app.app_context():
        rw_id = _fresh_row_of(RW, stored).id
        db.session.commit()
    url, new_id = _pg_url(app), uuid.uuid4()
    with psycopg.connect(url) as writer, psycopg.connect(url) as deleter:
        def write():
            writer.execute(_insert_copy_sql("rw_id"), (new_id, rw_id, stored["id"]))

        def remove():
            deleter.execute("DELETE FROM rw WHERE id = %s", (rw_id,))
        done_first, in_thread, holder, waiter = ((write, remove, writer, deleter) if first == "writer"
                                                 else (remove, write, deleter, writer))
        done_first()  # not committed yet
        thread, outcome = _in_thread(in_thread)
        time.sleep(0.5)
        assert thread.is_alive(), f"the second must wait for the {first}'s lock"
        holder.commit()
        thread.join(10)
        waiter.rollback()
    assert isinstance(outcome.get("error"), psycopg.errors.ForeignKeyViolation), outcome
    with psycopg.connect(url) as conn:
        kept = conn.execute("SELECT count(*) FROM rw WHERE id = %s", (rw_id,)).fetchone()[0]
        stored_rows = conn.execute("SELECT count(*) FROM submissions WHERE id = %s", (new_id,)).fetchone()[0]
    assert (kept, stored_rows) == ((1, 1) if first == "writer" else (0, 0))


def test_truncate_and_non_read_committed_deletes_are_refused(pg_stored):
    app, stored = pg_stored
    url = _pg_url(app)
    with psycopg.connect(url) as conn:
        with pytest.raises(psycopg.errors.FeatureNotSupported):
            conn.execute("TRUNCATE rw CASCADE")
        conn.rollback()
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with pytest.raises(psycopg.errors.ObjectInUse):
            conn.execute("DELETE FROM rw WHERE id = %s", (stored["rw_id"],))
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM rw WHERE id = %s", (stored["rw_id"],)).fetchone()[0] == 1


def test_the_migration_goes_down_to_the_foreign_keys_and_up_again(pg_stored):
    from flask_migrate import downgrade, upgrade

    app, _stored = pg_stored
    keys = {f"submissions_{column}_fkey" for column in REFERENCES}
    query = ("SELECT conname FROM pg_constraint WHERE conrelid = 'submissions'::regclass AND contype = 'f'")
    with psycopg.connect(_pg_url(app)) as conn:
        assert not keys & {name for (name,) in conn.execute(query)}
    with app.app_context():
        db.session.remove()
        downgrade(revision="0010")
        with psycopg.connect(_pg_url(app)) as conn:
            assert keys <= {name for (name,) in conn.execute(query)}
            assert not conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%referred_on%'").fetchone()[0]
        upgrade()
    with psycopg.connect(_pg_url(app)) as conn:
        assert not keys & {name for (name,) in conn.execute(query)}
        assert conn.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%referred_on%'").fetchone()[0] == 15

"""The sync's hot path: per-process caches that stay honest, the outbox written with the insert, the item schema."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text

from server import local_cache
from server.extensions import db
from server.models import ScoreOutbox, Submission
from server.security import token_digest
from tests.factories import auth, make_user, make_wilayah
from tests.server.test_submissions import inspeksi


@pytest.fixture
def officer(app):
    with app.app_context():
        w = make_wilayah()
        kel = w.kelurahan[0]
        token = make_user("petugas", "officer", w.kecamatan, [kel])[1]
        return {"token": token, "rw": w.rw[kel.id][0].id, "kec": w.kecamatan.id}


def _post(client, token, *items):
    return client.post("/api/v1/submissions", json={"submissions": list(items)}, headers=auth(token))


def test_a_token_revoked_by_another_process_is_refused_once_the_window_passed(app, client, officer):
    """Raw SQL stands for another process: a read sees it only after TOKEN_CACHE_SECONDS (opt-in)."""
    before = app.config["TOKEN_CACHE_SECONDS"]
    app.config["TOKEN_CACHE_SECONDS"] = 0.5
    try:
        assert client.get("/api/v1/auth/me", headers=auth(officer["token"])).status_code == 200  # cached now
        with app.app_context():
            _sql("UPDATE device_tokens SET revoked_at = CURRENT_TIMESTAMP")
        assert client.get("/api/v1/auth/me", headers=auth(officer["token"])).status_code == 200  # within the window
        assert _post(client, officer["token"], inspeksi(officer["rw"])).status_code == 401  # a sync: at once
        time.sleep(0.6)
        assert client.get("/api/v1/auth/me", headers=auth(officer["token"])).status_code == 401
    finally:
        app.config["TOKEN_CACHE_SECONDS"] = before


def _sql(statement: str) -> None:
    """A change made behind the web's back (another process, an operator's psql): raw SQL, its own commit."""
    with db.engine.begin() as conn:
        conn.execute(text(statement))


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission))


# A sync's token is guarded by its own write (server.token_guard): whatever another process changes
# about the token or its user is refused by the very next sync, with nothing stored, though this
# process verified the token a moment before.
@pytest.mark.parametrize("change", [
    "UPDATE device_tokens SET revoked_at = CURRENT_TIMESTAMP",
    "DELETE FROM user_scopes",
    "INSERT INTO user_scopes (user_id, kelurahan_id) SELECT user_id, kelurahan_id + 1 FROM user_scopes",
    "UPDATE users SET active = FALSE",
    "UPDATE users SET password_hash = 'changed'",
    "UPDATE users SET role = 'kiosk'",
    "UPDATE users SET session_version = session_version + 1",
    "UPDATE users SET kecamatan_id = NULL",
])
@pytest.mark.parametrize("batch", ["valid", "all invalid"])
def test_a_sync_is_refused_at_once_whatever_another_process_changed(app, client, officer, change, batch):
    first = _post(client, officer["token"], inspeksi(officer["rw"]))
    assert first.json["results"][0]["status"] == "created"  # the token is verified and kept now
    with app.app_context():
        _sql(change)
    item = inspeksi(officer["rw"]) if batch == "valid" else {"id": "not-a-uuid"}
    refused = _post(client, officer["token"], item)
    assert refused.status_code == 401, refused.json
    assert _stored(app) == 1
    assert _post(client, officer["token"], inspeksi(officer["rw"])).status_code == 401  # and stays refused


def test_a_stale_guard_with_a_still_valid_token_verifies_again_and_stores(app, client, officer):
    """The guard fails (the cached scope is not the stored one) but the token holds: verified afresh, stored once."""
    assert _post(client, officer["token"], inspeksi(officer["rw"])).status_code == 200
    cache, digest = local_cache.cache_of(app, "guarded_tokens"), token_digest(officer["token"])
    with app.app_context():
        guarded = db.engine.dialect.name == "postgresql"
    if not guarded:
        assert digest not in cache._entries  # SQLite: no guard, every sync verifies
        return
    expires, generation, verified = cache._entries[digest]
    stale = type(verified)(verified.user_columns, verified.kelurahan_ids + (10**6,), verified.token_id)
    cache._entries[digest] = (expires, generation, stale)
    again = _post(client, officer["token"], inspeksi(officer["rw"]))
    assert again.status_code == 200 and again.json["results"][0]["status"] == "created"
    assert _stored(app) == 2
    assert cache._entries[digest][2].kelurahan_ids == verified.kelurahan_ids  # the fresh verification is kept


def test_a_token_revoked_through_this_process_is_refused_at_once(app, client, officer):
    """With the cache on (it is off by default), this process's own revocation still holds at once."""
    before = app.config["TOKEN_CACHE_SECONDS"]
    app.config["TOKEN_CACHE_SECONDS"] = 60.0
    try:
        assert _post(client, officer["token"], inspeksi(officer["rw"])).status_code == 200  # cached now
        assert client.delete("/api/v1/auth/token", headers=auth(officer["token"])).status_code == 204
        assert _post(client, officer["token"], inspeksi(officer["rw"])).status_code == 401
    finally:
        app.config["TOKEN_CACHE_SECONDS"] = before


def test_a_deleted_rw_is_unknown_at_once_though_it_was_cached(app, client, officer):
    """The wilayah cache keeps existing places only, and this process's delete empties it."""
    assert _post(client, officer["token"], inspeksi(officer["rw"])).json["results"][0]["status"] == "created"
    with app.app_context():
        from server.models import RW

        rw = db.session.get(RW, officer["rw"])
        db.session.execute(Submission.__table__.delete())
        db.session.delete(rw)
        db.session.commit()
    result = _post(client, officer["token"], inspeksi(officer["rw"])).json["results"][0]
    assert result["status"] == "invalid" and "subject" in result["errors"]


def test_the_outbox_row_comes_with_a_created_item_and_never_with_a_replay(app, client, officer):
    item = inspeksi(officer["rw"])
    assert _post(client, officer["token"], item).json["results"][0]["status"] == "created"
    with app.app_context():
        rows = db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).all()
        assert rows and {kec for kec, _ in rows} == {officer["kec"]}
        db.session.execute(ScoreOutbox.__table__.delete())
        db.session.commit()
    assert _post(client, officer["token"], item).json["results"][0]["status"] == "duplicate"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScoreOutbox)) == 0
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_an_unknown_form_is_judged_on_its_envelope_only(client, officer):
    """With a form the server does not know, nothing that depends on the form is reported."""
    item = {"id": "not-a-uuid", "form": "no-such-form", "form_version": 1, "extra": 1}
    errors = _post(client, officer["token"], item).json["results"][0]["errors"]
    assert errors == {"id": "Wajib berupa UUID.", "form": "Formulir atau versinya tidak dikenal.",
                      "extra": "Isian tidak dikenal."}


def test_a_non_object_item_and_null_fields_get_the_item_messages(client, officer):
    no_version = inspeksi(officer["rw"]) | {"observed_at": None, "data": None, "form_version": None}
    nulls = inspeksi(officer["rw"]) | {"observed_at": None, "data": None}
    results = _post(client, officer["token"], 1, no_version, nulls).json["results"]
    assert results[0]["errors"] == {"_item": "Harus berupa objek."}
    assert results[1]["errors"] == {"form": "Formulir atau versinya tidak dikenal."}
    assert results[2]["errors"] == {"observed_at": "Wajib berupa waktu ISO 8601 dengan zona waktu.",
                                    "data.data": "Harus berupa objek."}

"""Migration 0004 on a database with data: existing submissions get their photo links, photos their
uploaders, so the admins who saw a photo before the upgrade still see it, and nobody else does."""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import psycopg
import sqlalchemy as sa

from tests.conftest import PG_BASE_URL, _plain_pg
from tests.factories import auth


def _fresh_database(backend: str, tmp_path) -> tuple[str, callable]:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}", lambda: None
    base = _plain_pg(PG_BASE_URL)
    name = f"sikk_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return "postgresql+psycopg://" + base.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name, drop


def test_upgrade_links_existing_photos(backend, tmp_path):
    from flask_migrate import upgrade

    from server import create_app
    from server.extensions import db
    from server.forms.catalogue import ensure_default_catalogue, registry
    from server.security import hash_password, issue_token

    uri, drop = _fresh_database(backend, tmp_path)
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "m"})
        photo, stray = hashlib.sha256(b"photo").hexdigest(), hashlib.sha256(b"stray").hexdigest()
        sid = uuid.uuid4()
        with app.app_context():
            upgrade(revision="0006")  # the revision just before 0004 (0001 → 0002 → 0003 → 0006 → 0004 → 0007)
            ensure_default_catalogue()
            db.session.commit()
            registry.invalidate()
            meta = sa.MetaData()
            t = {n: sa.Table(n, meta, autoload_with=db.engine)
                 for n in ("kecamatan", "kelurahan", "rw", "users", "attachments", "submissions")}
            now = dt.datetime.now(dt.timezone.utc)
            with db.engine.begin() as conn:
                conn.execute(t["kecamatan"].insert().values(id=1, kode="32.73.02", nama="Coblong"))
                conn.execute(t["kelurahan"].insert().values(id=1, kecamatan_id=1, kode="32.73.02.1001", nama="A"))
                conn.execute(t["rw"].insert().values(id=1, kelurahan_id=1, nomor="01"))
                for uid, name, role in ((1, "petugas", "officer"), (2, "camat", "kecamatan_admin")):
                    conn.execute(t["users"].insert().values(id=uid, username=name, name=name, role=role, kecamatan_id=1,
                                                            password_hash=hash_password("rahasia123"), active=True,
                                                            created_at=now))
                conn.execute(t["attachments"].insert().values(sha256=photo, content_type="image/jpeg", size=1,
                                                              content=b"x", created_at=now, uploaded_by=None))
                conn.execute(t["submissions"].insert().values(
                    id=sid if backend == "postgresql" else sid.hex, form_code="inspeksi-rw", form_version=1, subject_type="rw", kecamatan_id=1, kelurahan_id=1,
                    rw_id=1, observed_at=now, period_year=now.year, period_quarter=1, received_at=now,
                    data={"foto": [photo], "catatan": stray}, content_hash="x" * 64, user_id=1,
                    review_status="accepted", needs_acceptance=False))
            upgrade()
            links = db.session.execute(sa.text("SELECT sha256, field_key FROM attachment_links")).all()
            uploads = db.session.execute(sa.text("SELECT sha256, user_id FROM attachment_uploads")).all()
            assert [tuple(r) for r in links] == [(photo, "foto")]  # the photo field, not the free text
            assert [tuple(r) for r in uploads] == [(photo, 1)]  # no recorded uploader: the sender
            from server.models import User

            camat_token = issue_token(db.session.get(User, 2), "t")
            db.session.commit()
        client = app.test_client()
        assert client.get(f"/api/v1/attachments/{photo}", headers=auth(camat_token)).status_code == 200
    finally:
        from server.extensions import db as _db

        with app.app_context():
            _db.engine.dispose()
        drop()

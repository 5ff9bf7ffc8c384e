"""workers.row_cache: a read that fetches only changed rows gives exactly what a full read gives.

After every kind of change a stale mark can follow — new rows, a review decision, a correction, a
follow-up that arrives after its record, any other UPDATE of a row, a row leaving the selection —
``load_kecamatan(reuse_rows=True)`` must return the same scoring inputs as a full read. On
PostgreSQL the rows that did not change are not parsed again (the same record objects come back);
SQLite always reads in full.
"""
from __future__ import annotations

import uuid

from sqlalchemy import update

from server.extensions import db
from server.models import Submission
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers import row_cache
from workers.loader import load_kecamatan
from workers.recompute import recompute_kecamatan_years, result_rows


def _sync(client, token, items):
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert resp.status_code == 200, resp.get_json()
    assert [r["status"] for r in resp.get_json()["results"]] == ["created"] * len(items), resp.get_json()


def _inputs(loaded) -> dict:
    """The scoring inputs, order left out (neither read promises an order)."""
    base = loaded.base
    return {"surveys": sorted(base.surveys, key=lambda r: r.id), "complaints": sorted(base.complaints, key=lambda r: r.id),
            "services": sorted(base.services, key=lambda r: r.id),
            "inspections": sorted(base.inspections, key=lambda r: r.id),
            "reports": sorted(base.reports, key=lambda r: r.id), "warnings": sorted(loaded.warnings)}


def _same_as_full(kec_id: int) -> dict:
    kept = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True)
    full = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta")
    db.session.rollback()
    assert _inputs(kept) == _inputs(full)
    return {r.id: r for r in (*kept.base.surveys, *kept.base.inspections)}


def _set(sid: str, **values) -> None:
    db.session.execute(update(Submission).where(Submission.id == uuid.UUID(sid)).values(**values))
    db.session.commit()


def test_reading_only_changed_rows_equals_a_full_read(app, client):
    row_cache.clear()
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=2)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kec_id, kel1 = w.kecamatan.id, w.kelurahan[0].id
        rw1 = w.rw[kel1][0].id
    survey, other = p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[1])
    inspection = p.inspeksi(rw1, "2026-02-01T10:00:00+07:00", baik=False)
    complaint = p.pengaduan({"kelurahan_id": kel1}, "2026-02-03T10:00:00+07:00")
    _sync(client, token, [survey, other, inspection, complaint])
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    with app.app_context():
        first = _same_as_full(kec_id)

        _sync(client, token, [p.inspeksi(rw1, "2026-03-01T10:00:00+07:00")])  # a new row
        again = _same_as_full(kec_id)
        if postgres:  # unchanged rows are reused, not fetched and parsed again
            assert again[survey["id"]] is first[survey["id"]] and again[inspection["id"]] is first[inspection["id"]]

        _set(other["id"], review_status="rejected")  # a review decision
        assert other["id"] not in _same_as_full(kec_id)
        _set(other["id"], review_status="accepted")
        assert other["id"] in _same_as_full(kec_id)

        _set(inspection["id"], data={**inspection["data"], "kebun_toga": True})  # any UPDATE of a row
        assert _same_as_full(kec_id)[inspection["id"]].kebun_toga is True

        _set(survey["id"], kecamatan_id=None)  # a row leaving the selection
        assert survey["id"] not in _same_as_full(kec_id)
        _set(survey["id"], kecamatan_id=kec_id)

    correction = p.skm({"kelurahan_id": kel1}, [4] * 9)
    correction["supersedes"] = survey["id"]
    _sync(client, token, [correction, p.tindak_lanjut(complaint["id"], "2026-02-05")])  # a correction, a follow-up
    with app.app_context():
        rows = _same_as_full(kec_id)
        assert correction["id"] in rows and survey["id"] not in rows


def test_a_stale_mark_recompute_stores_what_a_full_recompute_stores(app, client):
    """The reused read feeds the stored scores: the same rows as a full recompute, field for field."""
    row_cache.clear()
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=2)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kec_id, kel1 = w.kecamatan.id, w.kelurahan[0].id
        rw1 = w.rw[kel1][0].id
    _sync(client, token, [p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), p.inspeksi(rw1, "2026-01-10T10:00:00+07:00")])
    with app.app_context():
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
    _sync(client, token, [p.inspeksi(rw1, "2026-02-10T10:00:00+07:00", baik=False)])
    with app.app_context():
        kept = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True)
        full = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta")
        db.session.rollback()
        strip = [{k: v for k, v in row.items() if k != "computed_at"} for row in result_rows(kept, [2026], None)]
        assert strip == [{k: v for k, v in row.items() if k != "computed_at"} for row in result_rows(full, [2026], None)]

"""workers.row_cache: a read that fetches only changed rows gives exactly what a full read gives.

After every kind of change a stale mark can follow — new rows, a review decision, a correction, a
follow-up that arrives after its record, any other UPDATE of a row, a row leaving the selection —
``load_kecamatan(reuse_rows=True)`` must return the same scoring inputs as a full read. On
PostgreSQL the rows that did not change are not parsed again (the same record objects come back);
SQLite always reads in full.
"""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select, update

from server.extensions import db
from server.models import IndicatorResult, RuleSetVersion, Submission, Target
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers import result_memo, row_cache
from workers.loader import load_kecamatan
from workers.recompute import recompute_kecamatan_years, result_rows
from workers.result_memo import ScoreReuse, memo_key


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


def _camat_world(app) -> tuple[str, int, int, int]:
    """A kecamatan of two kelurahan with two RW each, and its camat: (token, kecamatan, kelurahan 1, its RW 1)."""
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=2)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kel1 = w.kelurahan[0].id
        return token, w.kecamatan.id, kel1, w.rw[kel1][0].id


def test_reading_only_changed_rows_equals_a_full_read(app, client):
    row_cache.clear()
    token, kec_id, kel1, rw1 = _camat_world(app)
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


def stored_results() -> list[tuple]:
    """Every stored indicator result, field for field (to compare a stale-mark run with a full one)."""
    rows = db.session.execute(select(IndicatorResult)).scalars().all()
    out = sorted((r.kecamatan_id, r.kelurahan_id, r.period, r.code, r.value, r.numerator, r.denominator, r.target,
                  r.capaian, r.mutu, r.rule_version, json.dumps(r.details, sort_keys=True)) for r in rows)
    db.session.rollback()
    return out


def test_a_stale_mark_recompute_stores_what_a_full_recompute_stores(app, client):
    """Reused rows and reused results feed the stored scores: field for field what a full recompute stores,
    after a change to each IKU's inputs, a target and a rule set."""
    row_cache.clear()
    result_memo.clear()
    token, kec_id, kel1, rw1 = _camat_world(app)
    complaint = p.pengaduan({"kelurahan_id": kel1}, "2026-02-03T10:00:00+07:00")
    changes = [
        lambda: _sync(client, token, [p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), complaint]),
        lambda: _sync(client, token, [p.inspeksi(rw1, "2026-02-10T10:00:00+07:00", baik=False)]),
        lambda: _sync(client, token, [p.tindak_lanjut(complaint["id"], "2026-02-05")]),
        lambda: _sync(client, token, [p.layanan({"kelurahan_id": kel1}, "domisili", "2026-01-06T09:00:00+07:00",
                                                "2026-01-06T09:05:00+07:00")]),
        lambda: _sync(client, token, [p.laporan(kel1, "2026-Q1", "2026-04-08")]),
        lambda: _commit(Target(code="IKU6", year=2026, kecamatan_id=0, value=50.0)),
        lambda: _commit(RuleSetVersion(version=2, effective_from="2026-Q2", rules={"rw_baik": {"kebun_toga": False}})),
        lambda: _sync(client, token, [p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[1])]),
    ]
    for change in changes:
        with app.app_context():
            change()
            recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
            kept = stored_results()
            recompute_kecamatan_years(db.session, kec_id, [2026])
            assert kept == stored_results()


def _commit(row) -> None:
    db.session.add(row)
    db.session.commit()


def _scored_with_reuse(kec_id: int) -> tuple[ScoreReuse, list[dict], list[dict]]:
    """The result rows of 2026 as a stale-mark recompute computes them (with its reuse), and as a full one does."""
    kept = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True)
    full = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta")
    db.session.rollback()
    reuse = ScoreReuse(memo_key("test", kec_id, [2026]), kept.base)
    return reuse, result_rows(kept, [2026], None, reuse), result_rows(full, [2026], None)


def test_only_the_iku_whose_inputs_changed_are_computed_again(app, client):
    result_memo.clear()
    token, kec_id, kel1, rw1 = _camat_world(app)
    _sync(client, token, [p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), p.inspeksi(rw1, "2026-01-10T10:00:00+07:00")])
    with app.app_context():
        first = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True)
        reuse = ScoreReuse(memo_key("test", kec_id, [2026]), first.base)
        result_rows(first, [2026], None, reuse)
        reuse.keep()
        assert reuse.reused == 0 and reuse.computed == 5 * 3 * 6  # 5 periods × (kecamatan + 2 kelurahan) × 6
    _sync(client, token, [p.inspeksi(rw1, "2026-02-10T10:00:00+07:00", baik=False)])
    with app.app_context():
        reuse, rows, full = _scored_with_reuse(kec_id)
        assert reuse.computed == 5 * 3 * 2 and reuse.reused == 5 * 3 * 4  # IKU5 and IKU6 read inspections
        assert rows == full
        reuse.keep()
    # Inspections and surveys are read up to a period's end: records dated in May change nothing of Q1.
    _sync(client, token, [p.inspeksi(rw1, "2026-05-10T10:00:00+07:00"),
                          p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[1], "2026-05-11T09:00:00+07:00")])
    with app.app_context():
        reuse, rows, full = _scored_with_reuse(kec_id)
        # Q2–Q4 and the year × 3 scopes × IKU1, IKU5, IKU6 (SQLite reads every record anew: which
        # records differ is known by identity, so there every period of them is computed again)
        postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        assert reuse.computed == (4 if postgres else 5) * 3 * 3
        assert rows == full


def test_a_write_committed_after_a_read_that_began_before_it_is_read_next_time(app, client):
    """The watermark: a transaction still open during a read, committed afterwards, is read by the
    next read (its rows carry a transaction id at or above the watermark taken before that read)."""
    row_cache.clear()
    with app.app_context():
        w = make_wilayah(kelurahan=1, rw=2)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kec_id, kel1 = w.kecamatan.id, w.kelurahan[0].id
    survey, second = p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[1])
    _sync(client, token, [survey, second])
    with app.app_context():
        assert survey["id"] in _same_as_full(kec_id)
        with db.engine.connect() as other:  # a review decision, open during the next read
            other.execute(update(Submission).where(Submission.id == uuid.UUID(survey["id"]))
                          .values(review_status="rejected"))
            if db.engine.dialect.name == "postgresql":  # SQLite has one writer at a time: no overlap
                _set(second["id"], review_reason="later")  # a younger transaction commits first
                assert survey["id"] in _same_as_full(kec_id)
            other.commit()
        assert survey["id"] not in _same_as_full(kec_id)


def _computed(kec_id: int) -> list[tuple]:
    """What a full recompute of 2026 would store now (computed here, nothing written), as ``_stored`` reads it."""
    rows = result_rows(load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta"), [2026], None)
    db.session.rollback()
    return sorted((r["kecamatan_id"], r["kelurahan_id"], r["period"], r["code"], r["value"], r["numerator"],
                   r["denominator"], r["target"], r["capaian"], r["mutu"], r["rule_version"],
                   json.dumps(r["details"], sort_keys=True)) for r in rows)


def test_a_stale_mark_recompute_writes_only_the_rows_that_changed(app, client, monkeypatch):
    """Only the result rows that differ from the stored ones are written (the others only get their
    ``computed_at``), and what is stored is still field for field what a full recompute computes —
    also when another process wrote the rows in between (here a full recompute) and the inputs went
    back to what this process saw before."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # SQLite: every row is written (no xmin to know a stored row by); the test above covers it
    import workers.recompute as recompute_module

    written: list[int] = []
    upsert = recompute_module.upsert_results
    monkeypatch.setattr(recompute_module, "upsert_results", lambda session, rows: written.append(len(rows))
                        or upsert(session, rows))
    row_cache.clear()
    result_memo.clear()
    token, kec_id, kel1, rw1 = _camat_world(app)
    later = p.inspeksi(rw1, "2026-02-10T10:00:00+07:00", baik=True)
    _sync(client, token, [p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), p.inspeksi(rw1, "2026-01-10T10:00:00+07:00")])
    with app.app_context():
        assert recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True) == 90
        assert written[-1] == 90 and stored_results() == _computed(kec_id)
        first = _computed_at(kec_id)
        assert recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True) == 90  # nothing changed
        assert written[-1] == 0 and stored_results() == _computed(kec_id)  # … so no row was written …
        assert len(set(_computed_at(kec_id))) == 1 and _computed_at(kec_id)[0] > first[0]  # … yet all computed now
    _sync(client, token, [later])
    with app.app_context():
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
        assert 0 < written[-1] < 30 and stored_results() == _computed(kec_id)  # IKU5/IKU6 of Q1 and the year
        assert len(set(_computed_at(kec_id))) == 1
        before = stored_results()
        _set(later["id"], review_status="rejected")
        recompute_kecamatan_years(db.session, kec_id, [2026])  # another process writes every row …
        _set(later["id"], review_status="accepted")  # … then the inputs are back to what this process last saw
        assert stored_results() != before
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
        assert stored_results() == before == _computed(kec_id)


def _computed_at(kec_id: int) -> list:
    """The ``computed_at`` of every stored result row of the kecamatan."""
    found = list(db.session.scalars(select(IndicatorResult.computed_at).where(IndicatorResult.kecamatan_id == kec_id)))
    db.session.rollback()
    return found


def test_same_is_equal_and_of_the_same_type_all_the_way_down():
    assert result_memo.same({"a": [1, 2.5, "x"], "b": {"c": None}}, {"a": [1, 2.5, "x"], "b": {"c": None}})
    for a, b in ((1, 1.0), (1, True), (0.0, -0.0), ([1], [1.0]), ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
                 ({"a": [0.0]}, {"a": [-0.0]}), (float("nan"), float("nan")), (None, 0), ("1", 1)):
        assert not result_memo.same(a, b), (a, b)


def test_a_collection_whose_rows_did_not_change_is_the_one_built_last_time(app, client):
    """PostgreSQL: after new inspections only the inspections are built again; the other collections
    come back as the same tuples (so the result memo finds them equal by identity)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # SQLite reads every row anew (no row cache)
    row_cache.clear()
    token, kec_id, kel1, rw1 = _camat_world(app)
    complaint = p.pengaduan({"kelurahan_id": kel1}, "2026-02-03T10:00:00+07:00")
    _sync(client, token, [p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0]), complaint,
                          p.inspeksi(rw1, "2026-02-01T10:00:00+07:00")])
    with app.app_context():
        first = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True).base
        db.session.rollback()
    _sync(client, token, [p.inspeksi(rw1, "2026-03-01T10:00:00+07:00")])
    with app.app_context():
        second = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True).base
        db.session.rollback()
        assert second.surveys is first.surveys and second.complaints is first.complaints
        assert second.services is first.services and second.reports is first.reports
        assert len(second.inspections) == 2 and second.inspections[0] is first.inspections[0]
    _sync(client, token, [p.tindak_lanjut(complaint["id"], "2026-02-05")])  # a follow-up: the complaints again
    with app.app_context():
        third = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta", reuse_rows=True).base
        db.session.rollback()
        assert third.complaints is not second.complaints and third.complaints[0].followed_up is not None
        assert third.surveys is second.surveys and third.inspections is second.inspections


def test_a_selection_far_behind_fetches_only_its_new_and_changed_rows(app, client, monkeypatch):
    """More rows written since the last read than the changed-rows limit (the pool's other process did
    the recent recomputes): every row's xmin is compared, only new or changed rows are fetched, and the
    result is still a full read's."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # SQLite reads every row anew (no row cache)
    row_cache.clear()
    monkeypatch.setattr(row_cache, "_FULL_READ_AT_LEAST", 0)
    far = []
    monkeypatch.setattr(row_cache, "_far_behind", lambda *args, _real=row_cache._far_behind: far.append(
        _real(*args)) or far[-1])
    token, kec_id, kel1, rw1 = _camat_world(app)
    first = [p.inspeksi(rw1, f"2026-01-{day:02d}T10:00:00+07:00") for day in range(1, 11)]
    _sync(client, token, first)
    with app.app_context():
        before = _same_as_full(kec_id)
    _sync(client, token, [p.inspeksi(rw1, f"2026-02-{day:02d}T10:00:00+07:00") for day in range(1, 6)])
    with app.app_context():
        _set(first[0]["id"], review_status="rejected")  # a changed row
        _set(first[1]["id"], kecamatan_id=None)  # a row leaving the selection
        after = _same_as_full(kec_id)
    assert len(far) == 1 and far[0] is not None  # compared row by row, not read in full
    assert first[0]["id"] not in after and first[1]["id"] not in after and len(after) == 13
    assert all(after[item["id"]] is before[item["id"]] for item in first[2:])  # not fetched and parsed again

"""workers.record_state: record collections kept from read to read and updated from the changed rows.

Two things must hold. The collections a stale mark's recompute updates are exactly those a full
read builds, after any sequence of changes — new records, corrections, rejections that restore an
earlier version, follow-ups before and after their records, rows that can no longer be read
(warnings) — and the scores stored from them are a full recompute's. And the work follows what
changed: after K new records a recompute fetches and parses K rows, builds K records, and
inserts them into the sorted indexes instead of sorting every record again (PostgreSQL, where
the row cache reads only what changed; SQLite reads in full and rebuilds everything each time).
"""
from __future__ import annotations

import json
import random
import uuid

from sqlalchemy import select, update

from server.extensions import db
from server.models import IndicatorResult, Submission
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from tests.workers.test_row_cache import stored_results as _stored
from workers import record_state, result_memo, row_cache
from workers.loader import load_kecamatan
from workers.recompute import recompute_kecamatan_years
from workers.scoring import rw_status

TZ = "Asia/Jakarta"


def _world(app) -> tuple[str, int, list[int], list[int]]:
    """A kecamatan of two kelurahan with three RW each: (camat's token, kecamatan, kelurahan, RW)."""
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=3)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        return token, w.kecamatan.id, [k.id for k in w.kelurahan], [r.id for k in w.kelurahan for r in w.rw[k.id]]


def _sync(client, token: str, items: list[dict]) -> list[str]:
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert resp.status_code == 200, resp.get_json()
    return [r["status"] for r in resp.get_json()["results"]]


def _set(sid: str, **values) -> None:
    db.session.execute(update(Submission).where(Submission.id == uuid.UUID(sid)).values(**values))
    db.session.commit()


def _inputs(loaded) -> dict:
    """The scoring inputs, order left out (neither read promises an order)."""
    base = loaded.base
    return {name: sorted(getattr(base, name), key=lambda r: r.id)
            for name in ("surveys", "complaints", "services", "inspections", "reports")} | {
        "warnings": sorted(loaded.warnings)}


def _kept_equals_full(kec_id: int) -> None:
    kept = load_kecamatan(db.session, kec_id, [2026], TZ, reuse_rows=True)
    full = load_kecamatan(db.session, kec_id, [2026], TZ)
    db.session.rollback()
    assert _inputs(kept) == _inputs(full)


def _day(r: random.Random) -> str:
    return f"2026-{r.randint(1, 11):02d}-{r.randint(1, 28):02d}"


def _new_record(r: random.Random, kel: list[int], rws: list[int]) -> dict:
    unit = {"kelurahan_id": r.choice(kel)}
    kind = r.choice(("skm", "pengaduan", "layanan", "inspeksi-rw", "laporan-kelurahan"))
    if kind == "skm":
        return p.skm(unit, [r.randint(1, 4) for _ in range(9)], f"{_day(r)}T09:00:00+07:00")
    if kind == "pengaduan":
        return p.pengaduan(unit, f"{_day(r)}T10:00:00+07:00")
    if kind == "layanan":
        day = _day(r)
        done = f"{day}T09:{r.randint(5, 59):02d}:00+07:00" if r.random() < 0.5 else None
        return p.layanan(unit, "domisili", f"{day}T09:00:00+07:00", done)
    if kind == "inspeksi-rw":
        return p.inspeksi(r.choice(rws), f"{_day(r)}T10:00:00+07:00", baik=r.random() < 0.5)
    quarter = r.randint(1, 3)
    return p.laporan(unit["kelurahan_id"], f"2026-Q{quarter}", f"2026-{3 * quarter + 1:02d}-0{r.randint(1, 9)}")


def _corrected(r: random.Random, item: dict) -> dict:
    new = json.loads(json.dumps(item))
    new["id"], new["supersedes"] = str(uuid.uuid4()), item["id"]
    data = new["data"]
    if item["form"] == "skm":
        data.update({f"u{i}": r.randint(1, 4) for i in range(1, 10)})
    elif item["form"] == "inspeksi-rw":
        data["kebun_toga"] = not data["kebun_toga"]
    elif item["form"] == "pengaduan":
        data["tanggal_terima"] = _day(r)
    elif item["form"] == "laporan-kelurahan":
        data["kejadian_kriminal"] = r.randint(0, 5)
    return new


def _follow_up(r: random.Random, record: dict) -> dict:
    if record["form"] == "pengaduan":
        return p.tindak_lanjut(record["id"], "2026-11-30")
    return p.layanan_selesai(record["id"], "2026-11-30T16:00:00+07:00")


def _step(r: random.Random, client, token: str, kel: list[int], rws: list[int], sent: list[dict],
          waiting: list[dict]) -> None:
    """One random change: new records, a correction, a review decision, a follow-up (before or after
    its record), the record a follow-up waited for, or a row that can no longer be read."""
    kind = r.choice(("new", "new", "correct", "correct", "reject", "accept", "follow", "first", "unreadable"))
    if kind == "new" or not sent:
        batch = [_new_record(r, kel, rws) for _ in range(r.randint(1, 6))]
        sent.extend(item for item, status in zip(batch, _sync(client, token, batch)) if status == "created")
    elif kind == "correct":
        new = _corrected(r, r.choice(sent))
        if _sync(client, token, [new]) == ["created"]:
            sent.append(new)
    elif kind in ("reject", "accept"):
        _set(r.choice(sent)["id"], review_status="rejected" if kind == "reject" else "accepted")
    elif kind == "follow":
        targets = [i for i in sent if i["form"] in ("pengaduan", "layanan") and "waktu_selesai" not in i["data"]]
        if targets:
            follow = _follow_up(r, r.choice(targets))
            if _sync(client, token, [follow]) == ["created"]:
                sent.append(follow)
    elif kind == "first" and waiting:
        record = waiting.pop()
        if _sync(client, token, [record]) == ["created"]:
            sent.append(record)
    elif kind == "first":
        record = p.pengaduan({"kelurahan_id": r.choice(kel)}, f"{_day(r)}T10:00:00+07:00")
        _sync(client, token, [p.tindak_lanjut(record["id"], "2026-11-29")])
        waiting.append(record)
    else:
        victim = r.choice(sent)
        bad = {"tanggal": "2026-13-45"} if victim["form"] == "tindak-lanjut" else [1, 2]
        _set(victim["id"], data=bad)


def _random_changes(app, client, seed: int):
    """A fresh world and its random changer: (kecamatan id, the generator, ``change()`` = one :func:`_step`)."""
    row_cache.clear()
    token, kec_id, kel, rws = _world(app)
    r = random.Random(seed)
    sent: list[dict] = []
    waiting: list[dict] = []
    return kec_id, r, lambda: _step(r, client, token, kel, rws, sent, waiting)


def test_kept_collections_equal_a_full_read_after_random_changes(app, client):
    """60 random changes, the kept collections compared with a full read's after each."""
    kec_id, _r, change = _random_changes(app, client, 20261203)
    for _ in range(60):
        with app.app_context():
            change()
            _kept_equals_full(kec_id)


def test_stale_mark_recomputes_store_a_full_recomputes_scores_after_random_changes(app, client):
    """Bursts of random changes between recomputes: what the stale-mark path stores (kept collections,
    derived indexes, reused results) is field for field what a full recompute stores."""
    result_memo.clear()
    kec_id, r, change = _random_changes(app, client, 7)
    for _ in range(8):
        with app.app_context():
            for _ in range(r.randint(1, 8)):
                change()
            recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
            kept = _stored()
            recompute_kecamatan_years(db.session, kec_id, [2026])
            assert kept == _stored()


class _Count:
    """Counts the calls of a function it stands in for."""

    def __init__(self, real) -> None:
        self.real, self.calls = real, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


def test_a_recompute_after_k_new_inspections_reads_and_builds_only_those(app, client, monkeypatch):
    """The incremental path is taken: after 300 inspections (and other records) are held, a recompute
    after 7 more fetches and parses 7 rows, builds 7 records, and inserts them into the RW's sorted
    lists (no inspection index is built from all the inspections); what it stores is a full
    recompute's."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # SQLite: every read is in full (no row cache); the tests above cover its results
    row_cache.clear()
    result_memo.clear()
    token, kec_id, kel, rws = _world(app)
    r = random.Random(3)
    for _ in range(3):
        assert set(_sync(client, token, [p.inspeksi(r.choice(rws), f"{_day(r)}T10:00:00+07:00", baik=r.random() < 0.5)
                                         for _ in range(100)])) == {"created"}
    _sync(client, token, [_new_record(r, kel, rws) for _ in range(20)])
    with app.app_context():
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)  # the first read: in full
    _sync(client, token, [p.inspeksi(rw, "2026-11-20T10:00:00+07:00") for rw in rws[:6]]
          + [p.inspeksi(rws[0], "2026-02-01T10:00:00+07:00", baik=False)])
    fetched, built = _Count(row_cache._kept), _Count(record_state.Collection._record)
    sorted_again, inserted = _Count(rw_status.InspectionIndex.__init__), _Count(rw_status.InspectionIndex.updated)
    monkeypatch.setattr(row_cache, "_kept", fetched)
    monkeypatch.setattr(record_state.Collection, "_record", lambda self, *args: built(self, *args))
    monkeypatch.setattr(rw_status.InspectionIndex, "__init__", lambda self, *args: sorted_again(self, *args))
    monkeypatch.setattr(rw_status.InspectionIndex, "updated", lambda self, *args: inserted(self, *args))
    with app.app_context():
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
        assert (fetched.calls, built.calls, sorted_again.calls, inserted.calls) == (7, 7, 0, 1)
        kept = _stored()
        recompute_kecamatan_years(db.session, kec_id, [2026])
        assert kept == _stored()


def test_a_kelurahan_whose_records_did_not_change_keeps_its_results(app, client, monkeypatch):
    """Inspections of kelurahan 1 only: kelurahan 2's IKU5 and IKU6 are not computed again (its
    results read its own RW alone); the kecamatan's and kelurahan 1's are."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # SQLite: the collections are new objects every read (compared record for record)
    row_cache.clear()
    result_memo.clear()
    token, kec_id, kel, rws = _world(app)
    _sync(client, token, [p.inspeksi(rw, "2026-03-01T10:00:00+07:00") for rw in rws])
    with app.app_context():
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
    _sync(client, token, [p.inspeksi(rws[0], "2026-11-20T10:00:00+07:00", baik=False)])
    computed: list[tuple] = []
    real = result_memo.compute_indicators

    def spy(data, period, rules, kelurahan_id=None, codes=()):
        computed.extend((period.label, kelurahan_id, code) for code in codes)
        return real(data, period, rules, kelurahan_id, codes=codes)

    monkeypatch.setattr(result_memo, "compute_indicators", spy)
    with app.app_context():
        recompute_kecamatan_years(db.session, kec_id, [2026], reuse_rows=True)
        kept = _stored()
        recompute_kecamatan_years(db.session, kec_id, [2026])
        assert kept == _stored()
    # Q4 and the year (the inspection is of November) × (the kecamatan, kelurahan 1) × IKU5, IKU6
    assert len(computed) == 8 and set(computed) == {(period, scope, code) for period in ("2026", "2026-Q4")
                                                    for scope in (None, kel[0]) for code in ("IKU5", "IKU6")}

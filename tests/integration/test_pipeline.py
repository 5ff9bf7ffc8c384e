"""Every form through the public API, out of order, with a replay and a bad item, then the six
indicators read back through GET /api/v1/indicators — numbers worked out by hand from the rules in docs/scoring.md
(both backends; the recompute runs in-process here, in a Celery worker in test_celery_worker.py)."""
from __future__ import annotations

import pytest

from server.extensions import db
from server.models import Target
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers.recompute import recompute_kecamatan_years


@pytest.fixture
def synced(app, client):
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=2)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kel1, kel2 = (k.id for k in w.kelurahan)
        rw_a, rw_b = (r.id for r in w.rw[kel1])
        rw_c, _rw_d = (r.id for r in w.rw[kel2])
        kec = w.kecamatan.id
        db.session.add_all([Target(code="IKU2", year=2026, kecamatan_id=0, value=80.0),
                            Target(code="IKU6", year=2026, kecamatan_id=kec, value=40.0)])
        db.session.commit()

    def send(items, expect="created"):
        resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
        assert resp.status_code == 200
        return [r["status"] for r in resp.get_json()["results"]]

    c1 = p.pengaduan({"kelurahan_id": kel1}, "2026-02-03T10:00:00+07:00")
    c2 = p.pengaduan({"kelurahan_id": kel2}, "2026-03-20T10:00:00+07:00")
    ktp = p.layanan({"kelurahan_id": kel1}, "pengantar-ktp", "2026-01-05T09:00:00+07:00", "2026-01-05T09:40:00+07:00")
    pindah = p.layanan({"kecamatan_id": kec}, "pindah-datang", "2026-01-09T10:00:00+07:00")  # a Friday
    akta = p.layanan({"kelurahan_id": kel2}, "pengantar-akta", "2026-01-06T09:00:00+07:00", "2026-01-06T09:30:00+07:00")
    domisili = p.layanan({"kelurahan_id": kel2}, "domisili", "2026-01-07T09:00:00+07:00", "2026-01-07T09:10:00+07:00")
    surveys = [p.skm({"kelurahan_id": kel1}, a) for a in p.ANSWERS_B]
    # Follow-ups before their records (phones sync in any order).
    assert send([p.tindak_lanjut(c1["id"], "2026-02-10"), p.layanan_selesai(pindah["id"], "2026-01-14T15:00:00+07:00")]) \
        == ["created", "created"]
    assert send([c1, c2, ktp, pindah, akta, domisili, *surveys]) == ["created"] * 10
    assert send([c1, {"id": "not-a-uuid", "form": "skm"}]) == ["duplicate", "invalid"]  # a replay and a bad item
    assert send([
        p.tindak_lanjut(c2["id"], "2026-04-02"),
        p.laporan(kel1, "2026-Q1", "2026-04-08"),
        p.inspeksi(rw_a, "2026-03-01T09:00:00+07:00"), p.inspeksi(rw_b, "2026-03-02T09:00:00+07:00"),
        p.inspeksi(rw_c, "2025-11-01T09:00:00+07:00"), p.inspeksi(rw_c, "2026-03-03T09:00:00+07:00"),
    ]) == ["created"] * 6
    with app.app_context():
        for year in (2025, 2026):
            recompute_kecamatan_years(db.session, kec, [year])
    return {"token": token, "kec": kec, "kel1": kel1}


def _indicators(client, token, period, **extra):
    resp = client.get("/api/v1/indicators", query_string={"period": period, **extra}, headers=auth(token))
    assert resp.status_code == 200
    return {i["code"]: i for i in resp.get_json()["indicators"]}


def _numbers(item):
    return item["value"], item["numerator"], item["denominator"]


def test_first_quarter(client, synced):
    iku = _indicators(client, synced["token"], "2026-Q1")
    assert (iku["IKU1"]["value"], iku["IKU1"]["mutu"]) == (81.25, "B")
    assert _numbers(iku["IKU2"]) == (50.0, 1, 2)  # c2 followed up only in April
    assert iku["IKU2"]["target"] == 80.0 and iku["IKU2"]["capaian"] == 62.5
    assert _numbers(iku["IKU3"]) == (66.67, 2, 3)  # ktp 40 min ok; pindah Fri→Wed 3 working days ok; akta 30 > 15
    assert _numbers(iku["IKU4"]) == (100.0, 1, 1)  # domisili exactly 10 minutes
    assert _numbers(iku["IKU5"]) == (50.0, 1, 2)  # kel1 holds K1–K7; kel2 has no report
    assert _numbers(iku["IKU6"]) == (50.0, 2, 4)  # rw a, b became Baik; c already was; d never inspected
    assert iku["IKU6"]["target"] == 40.0 and iku["IKU6"]["capaian"] == 125.0


def test_year_and_kelurahan(client, synced):
    year = _indicators(client, synced["token"], "2026")
    assert _numbers(year["IKU2"]) == (100.0, 2, 2)
    # A running year is judged on every quarter whose report is due; kel1 reported only Q1,
    # and by the time this runs (after 10 October 2026) Q2 and Q3 are due and missing: not Baik.
    assert _numbers(year["IKU5"]) == (0.0, 0, 2)
    assert _numbers(year["IKU6"]) == (50.0, 2, 4)
    kel1 = _indicators(client, synced["token"], "2026-Q1", kelurahan_id=synced["kel1"])
    assert (kel1["IKU1"]["value"], kel1["IKU1"]["mutu"]) == (81.25, "B")
    assert _numbers(kel1["IKU2"]) == (100.0, 1, 1)
    assert _numbers(kel1["IKU5"]) == (100.0, 1, 1)
    assert _numbers(kel1["IKU6"]) == (100.0, 2, 2)
    previous = _indicators(client, synced["token"], "2025")
    assert _numbers(previous["IKU6"]) == (25.0, 1, 4)  # rw c Baik at the end of 2025, not at the end of 2024

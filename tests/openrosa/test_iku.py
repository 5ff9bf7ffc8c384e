"""A year of the built-in forms sent through OpenRosa reads the same six indicators as through JSON."""
from __future__ import annotations

import random

import pytest

from server.extensions import db
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from tests.openrosa.helpers import instance_xml, post_instance
from workers.recompute import recompute_kecamatan_years

PERIODS = ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]


def year_of_records(kec_id: int, kels: list[int], rws: list[int], seed: int = 7) -> list[dict]:
    """Baseline inspections (2025), a year of inspections, reports, surveys, complaints and services."""
    rnd = random.Random(seed)
    items: list[dict] = []
    for i, rw in enumerate(rws):
        items.append(p.inspeksi(rw, "2025-11-10T09:00:00+07:00", baik=i % 3 == 0))
    for q, month in enumerate(("02", "05", "08", "11"), start=1):
        for i, rw in enumerate(rws):
            baik = rnd.random() < 0.3 + 0.15 * q
            items.append(p.inspeksi(rw, f"2026-{month}-{10 + i % 10:02d}T09:30:00+07:00", baik=baik,
                                    kejadian_kriminal=rnd.randint(0, 3)))
        for kel in kels:
            due = {1: "2026-04-08", 2: "2026-07-09", 3: "2026-10-12", 4: "2027-01-05"}[q]
            items.append(p.laporan(kel, f"2026-Q{q}", due, observed_at=f"2026-{month}-20T08:00:00+07:00",
                                   kejadian_kriminal=rnd.randint(0, 4)))
            for answers in p.ANSWERS_B[: 2 + q % 3]:
                items.append(p.skm({"kelurahan_id": kel}, answers, f"2026-{month}-1{q}T10:00:00+07:00"))
            complaint = p.pengaduan({"kelurahan_id": kel}, f"2026-{month}-05T10:00:00+07:00")
            items.append(complaint)
            if rnd.random() < 0.7:
                items.append(p.tindak_lanjut(complaint["id"], f"2026-{month}-07"))
            service = p.layanan({"kelurahan_id": kel}, "domisili", f"2026-{month}-06T09:00:00+07:00")
            items.append(service)
            items.append(p.layanan_selesai(service["id"], f"2026-{month}-06T09:{rnd.choice(['05', '20']):s}:00+07:00"))
    items.append(p.skm({"kecamatan_id": kec_id}, p.ANSWERS_B[0], "2026-06-01T10:00:00+07:00"))
    return items


@pytest.fixture
def two_kecamatan(app):
    with app.app_context():
        a = make_wilayah(nama="Coblong", kode="32.73.02", kelurahan=2, rw=3)
        b = make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=2, rw=3)
        out = {}
        for key, w in (("json", a), ("openrosa", b)):
            out[key] = {"kec": w.kecamatan.id, "kels": [k.id for k in w.kelurahan],
                        "rws": [r.id for k in w.kelurahan for r in w.rw[k.id]],
                        "token": make_user(f"camat_{key}", "kecamatan_admin", w.kecamatan)[1]}
        return out


def _indicators(client, token: str, period: str) -> list[dict]:
    body = client.get("/api/v1/indicators", query_string={"period": period}, headers=auth(token)).get_json()
    return [{k: i.get(k) for k in ("code", "value", "numerator", "denominator", "capaian", "mutu")}
            for i in body["indicators"]]


def test_a_year_through_openrosa_equals_the_same_year_through_json(app, client, two_kecamatan):
    json_side, or_side = two_kecamatan["json"], two_kecamatan["openrosa"]
    items_json = year_of_records(json_side["kec"], json_side["kels"], json_side["rws"])
    items_or = year_of_records(or_side["kec"], or_side["kels"], or_side["rws"])
    assert len(items_json) == len(items_or) > 90
    for start in range(0, len(items_json), 100):
        res = client.post("/api/v1/submissions", json={"submissions": items_json[start:start + 100]},
                          headers=auth(json_side["token"])).get_json()
        assert {r["status"] for r in res["results"]} == {"created"}, res
    for item in items_or:
        resp = post_instance(client, or_side["token"], instance_xml(item))
        assert resp.status_code == 201, (item["form"], resp.data)
    with app.app_context():
        recompute_kecamatan_years(db.session, json_side["kec"], [2025, 2026])
        recompute_kecamatan_years(db.session, or_side["kec"], [2025, 2026])
        db.session.commit()
    for period in PERIODS:
        via_json = _indicators(client, json_side["token"], period)
        via_openrosa = _indicators(client, or_side["token"], period)
        assert via_openrosa == via_json, period
    iku6 = next(i for i in _indicators(client, or_side["token"], "2026") if i["code"] == "IKU6")
    assert iku6["value"] is not None and iku6["denominator"] == 6  # IKU6 moved, and moved the same

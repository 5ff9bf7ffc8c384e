"""GET /api/v1/indicators and its drill-downs over stored results, with role and scope (both backends)."""
from __future__ import annotations

import pytest

from server.extensions import db
from server.models import Target, User, UserScope
from server.security import issue_token
from tests.factories import auth, make_wilayah
from tests.integration import payloads as p
from workers.recompute import recompute_kecamatan_years

CODES = ["IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"]


def _user(username: str, role: str, kecamatan, scope=()) -> str:
    """A user with a bearer token, without the slow password hash (these tests never log in)."""
    user = User(username=username, name=username, role=role, password_hash="!", kecamatan_id=kecamatan.id)
    db.session.add(user)
    db.session.flush()
    db.session.add_all([UserScope(user_id=user.id, kelurahan_id=kel.id) for kel in scope])
    token = issue_token(user, "pytest")
    db.session.commit()
    return token


@pytest.fixture
def world(app, client):
    """Two kecamatan; in the first, the worked example's four surveys, a complaint, an inspection; tokens per role."""
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=2)
        other = make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=1)
        kel1, kel2 = w.kelurahan
        tokens = {
            "camat": _user("camat", "kecamatan_admin", w.kecamatan),
            "lurah": _user("lurah", "kelurahan_admin", w.kecamatan, [kel1]),
            "petugas": _user("petugas", "officer", w.kecamatan),
            "kiosk": _user("kiosk", "kiosk", w.kecamatan),
            "camat2": _user("camat2", "kecamatan_admin", other.kecamatan),
        }
        ids = {"kec": w.kecamatan.id, "kel1": kel1.id, "kel2": kel2.id, "rw1": w.rw[kel1.id][0].id,
               "other_kel": other.kelurahan[0].id}
        db.session.add(Target(code="IKU1", year=2026, kecamatan_id=0, value=80.0))
        db.session.commit()
    surveys = [p.skm({"kelurahan_id": ids["kel1"]}, a) for a in p.ANSWERS_B]
    complaint = p.pengaduan({"kelurahan_id": ids["kel2"]})
    inspection = p.inspeksi(ids["rw1"], "2026-02-01T10:00:00+07:00")
    resp = client.post("/api/v1/submissions", json={"submissions": [*surveys, complaint, inspection]},
                       headers=auth(tokens["camat"]))
    assert {r["status"] for r in resp.get_json()["results"]} == {"created"}
    return {"ids": ids, "tokens": tokens, "surveys": surveys, "complaint": complaint, "inspection": inspection}


def _get(client, token, path, **params):
    return client.get(path, query_string=params, headers=auth(token))


def _recompute(app, kec):
    with app.app_context():
        recompute_kecamatan_years(db.session, kec, [2026])


def test_six_indicators_always_present_even_before_any_compute(client, world):
    resp = _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"period", "indicators"} and body["period"] == "2026"
    assert [i["code"] for i in body["indicators"]] == CODES
    iku1 = body["indicators"][0]
    assert iku1["value"] is None and iku1["mutu"] is None and iku1["computed_at"] is None
    assert iku1["target"] == 80.0 and iku1["name"] == "Indeks Kepuasan Masyarakat (IKM)" and iku1["unit"] == "indeks"
    assert all("mutu" not in i for i in body["indicators"][1:])
    assert {i["unit"] for i in body["indicators"][1:]} == {"%"}


def test_indicators_after_recompute(app, client, world):
    ids = world["ids"]
    _recompute(app, ids["kec"])
    body = _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026").get_json()
    iku = {i["code"]: i for i in body["indicators"]}
    assert (iku["IKU1"]["value"], iku["IKU1"]["mutu"], iku["IKU1"]["capaian"]) == (81.25, "B", 101.56)
    assert iku["IKU1"]["rule_version"] == 1 and iku["IKU1"]["computed_at"].endswith(("Z", "+00:00"))
    assert (iku["IKU2"]["value"], iku["IKU2"]["numerator"], iku["IKU2"]["denominator"]) == (0.0, 0.0, 1.0)
    assert set(iku["IKU1"]) == {"code", "name", "value", "numerator", "denominator", "target", "capaian", "unit",
                                "computed_at", "rule_version", "mutu"}
    quarter = _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026-Q1").get_json()
    assert quarter["period"] == "2026-Q1" and quarter["indicators"][0]["value"] == 81.25
    assert _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026-q1").get_json() == quarter
    kel2 = _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026",
                kelurahan_id=ids["kel2"]).get_json()
    assert kel2["indicators"][0]["value"] is None and kel2["indicators"][1]["denominator"] == 1.0


@pytest.mark.parametrize("period", ["2026-Q5", "26", "2026-q", "", "2026-Q1 "])
def test_bad_period_is_400(client, world, period):
    resp = _get(client, world["tokens"]["camat"], "/api/v1/indicators", period=period)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"


def test_period_is_required(client, world):
    resp = _get(client, world["tokens"]["camat"], "/api/v1/indicators")
    assert resp.status_code in (400, 422) and "period" in str(resp.get_json()["error"]["fields"])


@pytest.mark.parametrize("role", ["petugas", "kiosk"])
def test_officers_and_kiosks_are_refused(client, world, role):
    for path in ("/api/v1/indicators", "/api/v1/indicators/criteria", "/api/v1/indicators/rw",
                 "/api/v1/indicators/IKU1/records"):
        assert _get(client, world["tokens"][role], path, period="2026").status_code == 403


def test_anonymous_is_401(client, world):
    assert client.get("/api/v1/indicators?period=2026").status_code == 401


def test_kelurahan_admin_sees_only_its_kelurahan(app, client, world):
    ids, lurah = world["ids"], world["tokens"]["lurah"]
    _recompute(app, ids["kec"])
    own = _get(client, lurah, "/api/v1/indicators", period="2026").get_json()
    assert own == _get(client, lurah, "/api/v1/indicators", period="2026", kelurahan_id=ids["kel1"]).get_json()
    assert own["indicators"][0]["value"] == 81.25
    assert own["indicators"][1]["value"] is None  # the only complaint is kel2's
    assert _get(client, lurah, "/api/v1/indicators", period="2026", kelurahan_id=ids["kel1"]).status_code == 200
    assert _get(client, lurah, "/api/v1/indicators", period="2026", kelurahan_id=ids["kel2"]).status_code == 404
    criteria = _get(client, lurah, "/api/v1/indicators/criteria", period="2026").get_json()
    assert [k["id"] for k in criteria["kelurahan"]] == [ids["kel1"]]


def test_other_kecamatan_and_unknown_kelurahan_are_alike_404(client, world):
    ids = world["ids"]
    assert _get(client, world["tokens"]["camat2"], "/api/v1/indicators", period="2026",
                kelurahan_id=ids["kel1"]).status_code == 404
    assert _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026",
                kecamatan_id=ids["kec"] + 1000).status_code == 404
    assert _get(client, world["tokens"]["camat"], "/api/v1/indicators", period="2026",
                kelurahan_id=987654).status_code == 404


def test_criteria_and_rw_drill_downs(app, client, world):
    ids, camat = world["ids"], world["tokens"]["camat"]
    empty = _get(client, camat, "/api/v1/indicators/criteria", period="2026").get_json()
    assert empty == {"period": "2026", "computed_at": None, "kelurahan": []}
    _recompute(app, ids["kec"])
    criteria = _get(client, camat, "/api/v1/indicators/criteria", period="2026").get_json()
    assert [k["id"] for k in criteria["kelurahan"]] == [ids["kel1"], ids["kel2"]]
    first = criteria["kelurahan"][0]
    assert set(first["criteria"]) == {f"K{n}" for n in range(1, 8)}
    assert first["criteria"]["K1"]["held"] is False and first["baik"] is False  # no kelurahan report: no good news
    rw = _get(client, camat, "/api/v1/indicators/rw", period="2026").get_json()["rw"]
    assert len(rw) == 4
    inspected = next(r for r in rw if r["id"] == ids["rw1"])
    assert inspected["now"] is True and inspected["baseline"] is False and inspected["changed"] is True
    assert inspected["inspection_now"] == world["inspection"]["id"]
    only_kel2 = _get(client, camat, "/api/v1/indicators/rw", period="2026", kelurahan_id=ids["kel2"]).get_json()
    assert {r["kelurahan_id"] for r in only_kel2["rw"]} == {ids["kel2"]}


def test_records_behind_a_number(app, client, world):
    ids, camat = world["ids"], world["tokens"]["camat"]
    _recompute(app, ids["kec"])
    body = _get(client, camat, "/api/v1/indicators/IKU1/records", period="2026").get_json()
    assert body["total"] == 4
    assert {r["id"] for r in body["records"]} == {s["id"] for s in world["surveys"]}
    assert body["records"][0]["form"] == "skm" and body["records"][0]["subject"] == {"kelurahan_id": ids["kel1"]}
    pages = [_get(client, camat, "/api/v1/indicators/IKU1/records", period="2026", limit=3, offset=o).get_json()
             for o in (0, 3)]
    assert [len(page["records"]) for page in pages] == [3, 1] and {page["total"] for page in pages} == {4}
    assert [r["id"] for page in pages for r in page["records"]] == [r["id"] for r in body["records"]]
    assert _get(client, camat, "/api/v1/indicators/IKU1/records", period="2026", limit=0).status_code == 422
    complaints = _get(client, camat, "/api/v1/indicators/iku2/records", period="2026").get_json()
    assert [r["id"] for r in complaints["records"]] == [world["complaint"]["id"]]
    assert _get(client, camat, "/api/v1/indicators/IKU9/records", period="2026").status_code == 404
    lurah = _get(client, world["tokens"]["lurah"], "/api/v1/indicators/IKU2/records", period="2026").get_json()
    assert lurah["records"] == []  # the complaint is kel2's


def test_openapi_documents_the_indicator_responses(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/indicators", "/api/v1/indicators/criteria", "/api/v1/indicators/rw",
                 "/api/v1/indicators/{code}/records"):
        assert "200" in spec["paths"][path]["get"]["responses"], path
    indicator = spec["components"]["schemas"]["Indicator"]["properties"]
    assert {"code", "value", "target", "capaian", "mutu", "computed_at", "rule_version"} <= set(indicator)


def test_records_of_a_long_list_come_in_the_same_order(app, client, world, monkeypatch):
    """More ids than one query may bind: read in chunks, ordered and paged the same way."""
    from server import scores

    _recompute(app, world["ids"]["kec"])
    camat = world["tokens"]["camat"]
    whole = _get(client, camat, "/api/v1/indicators/IKU1/records", period="2026").get_json()
    monkeypatch.setattr(scores, "_IN_LIST_LIMIT", 3)
    chunked = _get(client, camat, "/api/v1/indicators/IKU1/records", period="2026").get_json()
    assert chunked == whole
    page = _get(client, camat, "/api/v1/indicators/IKU1/records", period="2026", limit=2, offset=1).get_json()
    assert [r["id"] for r in page["records"]] == [r["id"] for r in whole["records"][1:3]] and page["total"] == 4

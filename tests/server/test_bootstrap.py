"""GET /api/v1/bootstrap: shape, scope per role, forms per role, ETag revalidation."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from server.api.bootstrap import periods
from server.extensions import db
from server.models import RW, FormDefinition
from tests.factories import auth, make_user, make_wilayah


@pytest.fixture
def tokens(app):
    """One user of every role in a kecamatan of 3 kelurahan × 2 RW, plus a second kecamatan."""
    with app.app_context():
        w = make_wilayah(kelurahan=3, rw=2)
        other = make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=1)
        kel1, kel2, _ = w.kelurahan
        out = {
            "camat": make_user("camat", "kecamatan_admin", w.kecamatan)[1],
            "lurah": make_user("lurah", "kelurahan_admin", w.kecamatan, [kel1])[1],
            "petugas": make_user("petugas", "officer", w.kecamatan, [kel1, kel2])[1],
            "kiosk": make_user("kiosk", "kiosk", w.kecamatan)[1],
            "kiosk_kel": make_user("kiosk2", "kiosk", w.kecamatan, [kel2])[1],
            "ids": {"kec": w.kecamatan.id, "kel": [k.id for k in w.kelurahan], "other_kel": other.kelurahan[0].id,
                    "rw1": [r.id for r in w.rw[kel1.id]]},
        }
        return out


def test_shape_for_the_kecamatan_admin(client, tokens):
    resp = client.get("/api/v1/bootstrap", headers=auth(tokens["camat"]))
    assert resp.status_code == 200
    body = resp.json
    assert set(body) == {"user", "kecamatan", "kelurahan", "units", "forms", "service_types", "periods",
                         "report_due_days", "server_time"}
    assert body["user"]["username"] == "camat" and body["user"]["role"] == "kecamatan_admin"
    assert set(body["user"]) == {"id", "username", "name", "role"}
    assert body["kecamatan"] == {"id": tokens["ids"]["kec"], "kode": "32.73.02", "nama": "Coblong"}
    assert [k["id"] for k in body["kelurahan"]] == tokens["ids"]["kel"]
    assert body["kelurahan"][0]["kode"] == "32.73.02.1001"
    assert [r["nomor"] for r in body["kelurahan"][0]["rw"]] == ["01", "02"]
    assert [r["id"] for r in body["kelurahan"][0]["rw"]] == tokens["ids"]["rw1"]
    assert tokens["ids"]["other_kel"] not in [k["id"] for k in body["kelurahan"]]
    assert body["units"][0] == {"kind": "kecamatan", "nama": "Kantor Kecamatan Coblong",
                                "subject": {"kecamatan_id": tokens["ids"]["kec"]}}
    assert len(body["units"]) == 4
    codes = {f["code"] for f in body["forms"]}
    assert codes == {"inspeksi-rw", "laporan-kelurahan", "skm", "pengaduan", "tindak-lanjut", "layanan",
                     "layanan-selesai"}
    skm = next(f for f in body["forms"] if f["code"] == "skm")
    assert skm["version"] == 1 and [f["key"] for f in skm["fields"]][:9] == [f"u{i}" for i in range(1, 10)]
    assert {s["code"] for s in body["service_types"]} >= {"pengantar-ktp", "legalisasi"}
    assert dt.datetime.fromisoformat(body["server_time"]).tzinfo is not None
    assert resp.headers["Cache-Control"] == "private, no-cache"


def test_kelurahan_admin_and_officer_see_only_their_kelurahan(client, tokens):
    kel = tokens["ids"]["kel"]
    lurah = client.get("/api/v1/bootstrap", headers=auth(tokens["lurah"])).json
    assert [k["id"] for k in lurah["kelurahan"]] == [kel[0]]
    assert [u["subject"] for u in lurah["units"]] == [{"kelurahan_id": kel[0]}]
    petugas = client.get("/api/v1/bootstrap", headers=auth(tokens["petugas"])).json
    assert [k["id"] for k in petugas["kelurahan"]] == kel[:2]
    assert all(len(k["rw"]) == 2 for k in petugas["kelurahan"])
    assert petugas["kecamatan"]["id"] == tokens["ids"]["kec"]
    assert "inspeksi-rw" in {f["code"] for f in petugas["forms"]}


def test_kiosk_gets_the_survey_only_and_its_unit(client, tokens):
    office = client.get("/api/v1/bootstrap", headers=auth(tokens["kiosk"])).json
    assert [f["code"] for f in office["forms"]] == ["skm"]
    assert all(k["rw"] == [] for k in office["kelurahan"])  # a kiosk surveys offices, never RW
    # The whole kecamatan: its office first (the kiosk's default), then every kelurahan office.
    assert [u["subject"] for u in office["units"]] == [{"kecamatan_id": tokens["ids"]["kec"]}] + [
        {"kelurahan_id": k["id"]} for k in office["kelurahan"]]
    assert len(office["kelurahan"]) == len(tokens["ids"]["kel"])
    desk = client.get("/api/v1/bootstrap", headers=auth(tokens["kiosk_kel"])).json
    assert [u["subject"] for u in desk["units"]] == [{"kelurahan_id": tokens["ids"]["kel"][1]}]
    assert [k["rw"] for k in desk["kelurahan"]] == [[]]


def test_bootstrap_needs_a_token(client):
    resp = client.get("/api/v1/bootstrap")
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"


def test_etag_revalidation(app, client, tokens):
    first = client.get("/api/v1/bootstrap", headers=auth(tokens["petugas"]))
    etag = first.headers["ETag"]
    assert etag
    again = client.get("/api/v1/bootstrap", headers={**auth(tokens["petugas"]), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    # A proxy may hand the tag back weakened, or among others.
    weak = client.get("/api/v1/bootstrap", headers={**auth(tokens["petugas"]), "If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    # Another user has another document.
    assert client.get("/api/v1/bootstrap", headers=auth(tokens["lurah"])).headers["ETag"] != etag
    # A new RW changes the document, so the old ETag no longer matches.
    with app.app_context():
        db.session.add(RW(kelurahan_id=tokens["ids"]["kel"][0], nomor="03"))
        db.session.commit()
    changed = client.get("/api/v1/bootstrap", headers={**auth(tokens["petugas"]), "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_every_published_version_and_no_unpublished_one(app, client, tokens):
    with app.app_context():
        v1 = db.session.query(FormDefinition).filter_by(code="pengaduan", version=1).one()
        v2 = {**v1.definition, "version": 2, "title": "Pengaduan (v2)"}
        v3 = {**v1.definition, "version": 3, "title": "Pengaduan (draft)"}
        db.session.add(FormDefinition(code="pengaduan", version=2, title=v2["title"], definition=v2, published=True))
        db.session.add(FormDefinition(code="pengaduan", version=3, title=v3["title"], definition=v3, published=False))
        db.session.commit()
    try:
        forms = client.get("/api/v1/bootstrap", headers=auth(tokens["camat"])).json["forms"]
        pengaduan = [f for f in forms if f["code"] == "pengaduan"]
        assert [(f["version"], f["title"]) for f in pengaduan] == [(1, "Pengaduan"), (2, "Pengaduan (v2)")]
    finally:
        with app.app_context():
            db.session.query(FormDefinition).filter(FormDefinition.code == "pengaduan",
                                                    FormDefinition.version > 1).delete()
            db.session.commit()


def test_periods_cover_this_and_last_year():
    found = periods(dt.date(2026, 5, 17))
    assert [p["code"] for p in found] == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4",
                                          "2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    current = [p["code"] for p in found if p["current"]]
    assert current == ["2026", "2026-Q2"]
    q4 = found[4]
    assert (q4["start"], q4["end"]) == ("2026-10-01", "2026-12-31")
    q1 = found[1]
    assert (q1["start"], q1["end"]) == ("2026-01-01", "2026-03-31")


def test_openapi_documents_bootstrap(client):
    doc = client.get("/api/v1/openapi.json").json
    op = doc["paths"]["/api/v1/bootstrap"]["get"]
    assert op["security"] == [{"bearer": []}]
    assert "304" in op["responses"]


def test_city_level_admin_sees_every_kecamatan(app, client, tokens):
    with app.app_context():
        _, token = make_user("walikota", "kecamatan_admin", None)
    body = client.get("/api/v1/bootstrap", headers=auth(token)).json
    assert body["kecamatan"] is None
    assert len(body["kelurahan"]) == 4  # Coblong's three and Sukasari's one
    assert tokens["ids"]["other_kel"] in [k["id"] for k in body["kelurahan"]]
    assert all(u["kind"] == "kelurahan" for u in body["units"])


def test_each_rw_says_when_it_was_last_inspected(client, tokens):
    """The day plan of the PWA: the latest accepted inspection of each RW, by any officer."""
    rw1, rw2 = tokens["ids"]["rw1"]

    def inspection(observed_at: str) -> dict:
        return {"id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw1},
                "observed_at": observed_at,
                "data": {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                         "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0}}

    today = dt.date.today()
    older, newer = (today - dt.timedelta(days=40)).isoformat(), (today - dt.timedelta(days=3)).isoformat()
    sent = client.post("/api/v1/submissions", headers=auth(tokens["camat"]), json={"submissions": [
        inspection(f"{older}T09:00:00+07:00"), inspection(f"{newer}T10:30:00+07:00")]})
    assert [r["status"] for r in sent.json["results"]] == ["created", "created"]
    body = client.get("/api/v1/bootstrap", headers=auth(tokens["lurah"])).json
    last = {rw["id"]: rw["last_inspected_at"] for rw in body["kelurahan"][0]["rw"]}
    assert dt.datetime.fromisoformat(last[rw1]) == dt.datetime.fromisoformat(f"{newer}T10:30:00+07:00")
    assert last[rw2] is None

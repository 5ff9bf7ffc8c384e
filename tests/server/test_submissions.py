"""POST/GET /api/v1/submissions: the documented contract (docs/api.md), every bad input, scope, idempotency."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import delete, func, select

from server.extensions import db
from server.models import ScoreOutbox, Submission
from tests.factories import auth, make_user, make_wilayah, new_id

NOW = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).replace(microsecond=0)
OBSERVED = (NOW - dt.timedelta(days=1)).isoformat()


def inspeksi(rw_id: int, **data) -> dict:
    body = {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
            "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 1}
    body.update(data)
    return {"id": new_id(), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw_id},
            "observed_at": OBSERVED, "data": body}


def skm(subject: dict) -> dict:
    return {"id": new_id(), "form": "skm", "form_version": 1, "subject": subject, "observed_at": OBSERVED,
            "data": {f"u{i}": 3 for i in range(1, 10)} | {"jenis_layanan": "sktm", "jenis_kelamin": "P"}}


def pengaduan(kel_id: int) -> dict:
    return {"id": new_id(), "form": "pengaduan", "form_version": 1, "subject": {"kelurahan_id": kel_id},
            "observed_at": OBSERVED, "data": {"tanggal_terima": NOW.date().isoformat(), "saluran": "kotak",
                                              "kategori": "kebersihan", "uraian": "Sampah menumpuk"}}


def tindak_lanjut(ref: str, subject: dict | None = None) -> dict:
    item = {"id": new_id(), "form": "tindak-lanjut", "form_version": 1, "ref": ref, "observed_at": OBSERVED,
            "data": {"tanggal": NOW.date().isoformat(), "tindakan": "Diangkut"}}
    if subject is not None:
        item["subject"] = subject
    return item


@pytest.fixture
def world(app):
    """A kecamatan of two kelurahan, an officer, a kiosk and admins; returns a namespace."""
    with app.app_context():
        w = make_wilayah()
        other = make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=1)
        kel1, kel2 = w.kelurahan
        ns = {
            "kec": w.kecamatan.id, "kel1": kel1.id, "kel2": kel2.id,
            "rw1": w.rw[kel1.id][0].id, "rw2": w.rw[kel2.id][0].id,
            "other_rw": other.rw[other.kelurahan[0].id][0].id, "other_kel": other.kelurahan[0].id,
        }
        ns["officer"] = make_user("petugas", "officer", w.kecamatan, [kel1])[1]
        ns["kiosk"] = make_user("kios", "kiosk", w.kecamatan, [kel1])[1]
        ns["kel_admin"] = make_user("lurah", "kelurahan_admin", w.kecamatan, [kel1])[1]
        ns["kec_admin"] = make_user("camat", "kecamatan_admin", w.kecamatan)[1]
        return type("World", (), ns)


def post(client, token, items):
    return client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))


def test_created_then_duplicate_then_conflict(client, world, app):
    item = inspeksi(world.rw1)
    resp = post(client, world.officer, [item])
    assert resp.status_code == 200
    assert resp.json == {"results": [{"id": item["id"], "status": "created"}]}
    assert post(client, world.officer, [item]).json["results"][0]["status"] == "duplicate"
    changed = {**item, "data": {**item["data"], "kejadian_kriminal": 5}}
    assert post(client, world.officer, [changed]).json["results"][0]["status"] == "conflict"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
        outbox = db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).all()
        assert (world.kec, dt.date.fromisoformat(OBSERVED[:10]).year) in outbox


def test_results_in_order_one_bad_item_never_sinks_others(client, world):
    good1, good2 = inspeksi(world.rw1), inspeksi(world.rw1)
    bad = inspeksi(world.rw1, pengelolaan_sampah="luar biasa")
    resp = post(client, world.officer, [good1, bad, "not an object", good2, good1])
    results = resp.json["results"]
    assert [r["status"] for r in results] == ["created", "invalid", "invalid", "created", "duplicate"]
    assert [r["id"] for r in results] == [good1["id"], bad["id"], None, good2["id"], good1["id"]]
    assert "data.pengelolaan_sampah" in results[1]["errors"]


@pytest.mark.parametrize("mutate, field", [
    (lambda i: i.update(id="not-a-uuid"), "id"),
    (lambda i: i.update(form="nope"), "form"),
    (lambda i: i.update(form_version=99), "form"),
    (lambda i: i.update(form_version="1"), "form"),
    (lambda i: i.update(observed_at="2026-03-14T09:30:00"), "observed_at"),
    (lambda i: i.update(observed_at=(NOW + dt.timedelta(hours=2)).isoformat()), "observed_at"),
    (lambda i: i.update(subject={"kelurahan_id": 1}), "subject"),
    (lambda i: i.update(subject={"rw_id": "1"}), "subject"),
    (lambda i: i.update(subject=None), "subject"),
    (lambda i: i.update(extra=1), "extra"),
    (lambda i: i.update(ref=new_id()), "ref"),
    (lambda i: i.update(supersedes=new_id()), "supersedes"),
    (lambda i: i["data"].update(kejadian_kriminal=-1), "data.kejadian_kriminal"),
    (lambda i: i["data"].update(kejadian_kriminal=1.5), "data.kejadian_kriminal"),
    (lambda i: i["data"].update(kebun_toga="ya"), "data.kebun_toga"),
    (lambda i: i["data"].pop("status_kumuh"), "data.status_kumuh"),
    (lambda i: i["data"].update(foto=["abc"]), "data.foto"),
    (lambda i: i["data"].update(lokasi={"lat": 200, "lon": 0}), "data.lokasi"),
    (lambda i: i["data"].update(warna="merah"), "data.warna"),
    (lambda i: i.update(data=[1, 2]), "data.data"),
])
def test_bad_items_are_invalid_with_field_errors(client, world, mutate, field):
    item = inspeksi(world.rw1)
    mutate(item)
    result = post(client, world.officer, [item]).json["results"][0]
    assert result["status"] == "invalid"
    assert field in result["errors"], result


def test_scope_officer_cannot_write_outside(client, world):
    results = post(client, world.officer, [inspeksi(world.rw2), inspeksi(world.other_rw),
                                           inspeksi(999999)]).json["results"]
    assert [r["status"] for r in results] == ["invalid"] * 3
    assert all("subject" in r["errors"] for r in results)


def test_kecamatan_office_subject_needs_whole_kecamatan(client, world):
    assert post(client, world.officer, [skm({"kecamatan_id": world.kec})]).json["results"][0]["status"] == "invalid"
    assert post(client, world.kec_admin, [skm({"kecamatan_id": world.kec})]).json["results"][0]["status"] == "created"


def test_kiosk_may_only_send_skm(client, world):
    results = post(client, world.kiosk, [skm({"kelurahan_id": world.kel1}), inspeksi(world.rw1)]).json["results"]
    assert [r["status"] for r in results] == ["created", "invalid"]
    assert "form" in results[1]["errors"]


def test_subject_kind_must_match_form(client, world):
    item = skm({"rw_id": world.rw1})
    assert "subject" in post(client, world.officer, [item]).json["results"][0]["errors"]


def test_cross_field_waktu_selesai(client, world):
    item = {"id": new_id(), "form": "layanan", "form_version": 1, "subject": {"kelurahan_id": world.kel1},
            "observed_at": OBSERVED, "data": {"jenis_layanan": "sktm", "waktu_terima": "2026-01-05T10:00:00+07:00",
                                              "waktu_selesai": "2026-01-05T09:59:00+07:00"}}
    result = post(client, world.officer, [item]).json["results"][0]
    assert result["errors"] == {"data.waktu_selesai": result["errors"]["data.waktu_selesai"]}
    item["data"]["waktu_selesai"] = "2026-01-05T10:30:00+07:00"
    assert post(client, world.officer, [item]).json["results"][0]["status"] == "created"


def test_laporan_kelurahan_period_from_periode(client, world, app):
    item = {"id": new_id(), "form": "laporan-kelurahan", "form_version": 1, "subject": {"kelurahan_id": world.kel1},
            "observed_at": OBSERVED, "data": {"periode": "2025-Q3", "lembaga_aktif": True, "kejadian_kriminal": 1,
                                              "konflik_sosial": 0, **{f"tgl_lapor_{k}": "2025-10-05" for k in (
                                                  "kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")}}}
    assert post(client, world.officer, [item]).json["results"][0]["status"] == "created"
    with app.app_context():
        row = db.session.execute(select(Submission.period_year, Submission.period_quarter)).one()
        assert tuple(row) == (2025, 3)


def test_supersedes_marks_old_row(client, world, app):
    old = inspeksi(world.rw1)
    post(client, world.officer, [old])
    fix = inspeksi(world.rw1, kebun_toga=False)
    fix["supersedes"] = old["id"]
    assert post(client, world.officer, [fix]).json["results"][0]["status"] == "created"
    assert post(client, world.officer, [fix]).json["results"][0]["status"] == "duplicate"
    with app.app_context():
        import uuid

        row = db.session.get(Submission, uuid.UUID(old["id"]))
        assert str(row.superseded_by) == fix["id"]
    # Another form, an unknown id, or a second correction of the same row: invalid.
    other = skm({"kelurahan_id": world.kel1})
    post(client, world.officer, [other])
    for target in (other["id"], new_id(), old["id"]):
        again = inspeksi(world.rw1)
        again["supersedes"] = target
        assert post(client, world.officer, [again]).json["results"][0]["status"] == "invalid"


def test_supersedes_outside_scope_is_invalid(client, world):
    theirs = inspeksi(world.rw2)
    assert post(client, world.kec_admin, [theirs]).json["results"][0]["status"] == "created"
    fix = inspeksi(world.rw1)
    fix["supersedes"] = theirs["id"]
    assert "supersedes" in post(client, world.officer, [fix]).json["results"][0]["errors"]


def test_follow_up_before_its_record_waits_then_links(client, world, app):
    complaint = pengaduan(world.kel1)
    follow = tindak_lanjut(complaint["id"])
    result = post(client, world.officer, [follow]).json["results"][0]
    assert result == {"id": follow["id"], "status": "created", "ref_pending": True}
    assert post(client, world.officer, [follow]).json["results"][0]["status"] == "duplicate"
    assert post(client, world.officer, [complaint]).json["results"][0]["status"] == "created"
    with app.app_context():
        import uuid

        row = db.session.get(Submission, uuid.UUID(follow["id"]))
        assert (row.subject_type, row.kelurahan_id) == ("kelurahan", world.kel1)
    listed = client.get("/api/v1/submissions?form=tindak-lanjut", headers=auth(world.kel_admin)).json
    assert [s["subject"] for s in listed["submissions"]] == [{"kelurahan_id": world.kel1}]


def test_follow_up_after_record_takes_its_subject(client, world):
    complaint = pengaduan(world.kel1)
    both = post(client, world.officer, [complaint, tindak_lanjut(complaint["id"])]).json["results"]
    assert [r["status"] for r in both] == ["created", "created"]
    assert "ref_pending" not in both[1]
    wrong_subject = tindak_lanjut(complaint["id"], {"kelurahan_id": world.kel2})
    assert post(client, world.kec_admin, [wrong_subject]).json["results"][0]["status"] == "invalid"
    insp = inspeksi(world.rw1)
    post(client, world.officer, [insp])
    wrong_form = tindak_lanjut(insp["id"])
    assert "ref" in post(client, world.officer, [wrong_form]).json["results"][0]["errors"]


def test_missing_attachments_reported_and_incomplete(client, world):
    photo = hashlib.sha256(b"not yet uploaded").hexdigest()
    item = inspeksi(world.rw1, foto=[photo])
    result = post(client, world.officer, [item]).json["results"][0]
    assert result == {"id": item["id"], "status": "created", "missing_attachments": [photo]}
    listed = client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(world.kec_admin)).json
    assert listed["submissions"][0]["incomplete"] is True


# -- envelope errors: the error shape, never a 500 ---------------------------------------------------

def _error(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert set(resp.json["error"]) == {"code", "message", "fields"}
    return resp.json["error"]


def test_envelope_errors(client, world, app):
    h = auth(world.officer)
    _error(client.post("/api/v1/submissions", data="{not json", headers=h, content_type="application/json"), 400)
    _error(client.post("/api/v1/submissions", data="a=1", headers=h,
                       content_type="application/x-www-form-urlencoded"), 415)
    _error(client.post("/api/v1/submissions", json={"submissions": "x"}, headers=h), 422)
    _error(client.post("/api/v1/submissions", json={"items": []}, headers=h), 422)
    _error(client.post("/api/v1/submissions", json=[1, 2], headers=h), 422)
    _error(client.post("/api/v1/submissions", json={"submissions": []}), 401)
    _error(client.post("/api/v1/submissions", json={"submissions": []}, headers=h), 400)  # issue #10: not 200
    too_many = [inspeksi(world.rw1) for _ in range(app.config["MAX_BATCH_ITEMS"] + 1)]
    assert _error(post(client, world.officer, too_many), 413)["code"] == "payload_too_large"
    huge = b'{"submissions": [' + b" " * (app.config["MAX_CONTENT_LENGTH"] + 10) + b"]}"
    _error(client.post("/api/v1/submissions", data=huge, headers=h, content_type="application/json"), 413)


# -- GET ---------------------------------------------------------------------------------------------

def test_list_is_admin_only_and_scoped(client, world):
    post(client, world.kec_admin, [inspeksi(world.rw1), inspeksi(world.rw2)])
    for token in (world.officer, world.kiosk):
        _error(client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(token)), 403)
    _error(client.get("/api/v1/submissions?form=inspeksi-rw"), 401)
    mine = client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(world.kel_admin)).json
    assert [s["subject"] for s in mine["submissions"]] == [{"rw_id": world.rw1}]
    everything = client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(world.kec_admin)).json
    assert len(everything["submissions"]) == 2
    first = everything["submissions"][0]
    assert set(first) >= {"id", "form", "form_version", "subject", "ref", "supersedes", "observed_at",
                          "received_at", "data", "review_status", "superseded_by", "incomplete"}
    assert first["form"] == "inspeksi-rw" and first["review_status"] == "pending"


def test_list_pagination_since_and_bad_input(client, world):
    items = [inspeksi(world.rw1) for _ in range(5)]
    post(client, world.officer, items)
    seen, cursor = [], None
    while True:
        url = "/api/v1/submissions?form=inspeksi-rw&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=auth(world.kec_admin)).json
        seen += [s["id"] for s in page["submissions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(i["id"] for i in items) and len(seen) == 5
    future = (NOW + dt.timedelta(days=1)).isoformat().replace("+", "%2B")
    assert client.get(f"/api/v1/submissions?form=inspeksi-rw&since={future}",
                      headers=auth(world.kec_admin)).json["submissions"] == []
    h = auth(world.kec_admin)
    _error(client.get("/api/v1/submissions?form=inspeksi-rw&cursor=garbage!", headers=h), 400)
    _error(client.get("/api/v1/submissions?form=inspeksi-rw&cursor=WzEsMl0", headers=h), 400)
    _error(client.get("/api/v1/submissions", headers=h), 422)
    _error(client.get("/api/v1/submissions?form=inspeksi-rw&since=yesterday", headers=h), 422)
    _error(client.get("/api/v1/submissions?form=inspeksi-rw&limit=0", headers=h), 422)


def test_openapi_documents_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json
    post_op = doc["paths"]["/api/v1/submissions"]["post"]
    assert "requestBody" in post_op and "200" in post_op["responses"]
    assert "get" in doc["paths"]["/api/v1/submissions"]
    assert "put" in doc["paths"]["/api/v1/attachments/{sha256}"]


def test_record_and_its_correction_in_one_batch(client, world, app):
    old = inspeksi(world.rw1)
    fix = {**inspeksi(world.rw1), "supersedes": old["id"]}
    second = {**inspeksi(world.rw1), "supersedes": old["id"]}
    results = post(client, world.officer, [old, fix, second]).json["results"]
    assert [r["status"] for r in results] == ["created", "created", "invalid"]
    listed = client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(world.kec_admin)).json["submissions"]
    assert {s["id"]: s["superseded_by"] for s in listed}[old["id"]] == fix["id"]


def test_same_content_spelled_differently_is_duplicate(client, world):
    item = inspeksi(world.rw1)
    item["observed_at"] = "2026-01-05T10:00:00+07:00"
    post(client, world.officer, [item])
    respelled = {**item, "id": item["id"].upper(), "observed_at": "2026-01-05T03:00:00Z",
                 "data": dict(reversed(list(item["data"].items())))}
    assert post(client, world.officer, [respelled]).json["results"][0] == {"id": item["id"], "status": "duplicate"}


def test_follow_up_in_a_later_year_marks_its_records_year_stale(client, world, app):
    complaint = pengaduan(world.kel1)
    last_year = dt.date.fromisoformat(OBSERVED[:10]).year - 1
    complaint["observed_at"] = f"{last_year}-12-30T10:00:00+07:00"
    complaint["data"]["tanggal_terima"] = f"{last_year}-12-30"
    assert post(client, world.officer, [complaint]).json["results"][0]["status"] == "created"
    with app.app_context():
        db.session.execute(delete(ScoreOutbox))
        db.session.commit()
    follow_up = tindak_lanjut(complaint["id"])
    assert post(client, world.officer, [follow_up]).json["results"][0]["status"] == "created"
    with app.app_context():
        outbox = set(db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).tuples())
    assert {(world.kec, last_year), (world.kec, last_year + 1)} <= outbox

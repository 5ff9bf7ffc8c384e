"""The review loop's API (issue #11): the officer's feed of decisions, the open items, the new
records' initial state from the form's review setting, and the bootstrap additions."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from server.admin.review import review_submission
from server.api import reviews as reviews_api
from server.extensions import db
from server.models import ReviewSetting, RuleSetVersion, Submission
from tests.factories import auth, make_user, make_wilayah, new_id
from tests.server.test_submissions import NOW, OBSERVED, inspeksi, pengaduan, post, tindak_lanjut


@pytest.fixture
def world(app):
    """Kelurahan 1 and 2; two officers of kelurahan 1, one of kelurahan 2, a kiosk and the camat."""
    with app.app_context():
        w = make_wilayah()
        kel1, kel2 = w.kelurahan
        ns = {"kec": w.kecamatan.id, "kel1": kel1.id, "kel2": kel2.id,
              "rw1": w.rw[kel1.id][0].id, "rw2": w.rw[kel2.id][0].id}
        ns["camat_user"] = make_user("camat", "kecamatan_admin", w.kecamatan)[0].id
        ns["officer"] = make_user("petugas", "officer", w.kecamatan, [kel1])[1]
        ns["officer2"] = make_user("petugas2", "officer", w.kecamatan, [kel1])[1]
        ns["officer_kel2"] = make_user("petugas3", "officer", w.kecamatan, [kel2])[1]
        ns["kiosk"] = make_user("kios", "kiosk", w.kecamatan, [kel1])[1]
        ns["camat"] = make_user("camat2", "kecamatan_admin", w.kecamatan)[1]
        return type("World", (), ns)


def decide(app, world, sid: str, decision: str, reason: str = "") -> None:
    """What the admin's review form does, without the browser."""
    with app.test_request_context():
        review_submission(db.session.get(Submission, uuid.UUID(sid)), decision, reason, world.camat_user)


def stored(app, sid: str) -> Submission:
    with app.app_context():
        row = db.session.get(Submission, uuid.UUID(sid))
        db.session.expunge(row)
        return row


def send(client, token, items) -> list[str]:
    resp = post(client, token, items)
    assert [r["status"] for r in resp.json["results"]] == ["created"] * len(items), resp.json
    return [item["id"] for item in items]


def feed(client, token, since: str | None = None):
    return client.get("/api/v1/reviews" + (f"?since={since}" if since is not None else ""), headers=auth(token))


# -- initial state ----------------------------------------------------------------------------------

def test_new_records_are_pending_and_count_at_once_by_default(client, app, world):
    (sid,) = send(client, world.officer, [inspeksi(world.rw1)])
    row = stored(app, sid)
    assert (row.review_status, row.needs_acceptance) == ("pending", False)


def test_a_form_that_waits_for_review_marks_its_new_records(client, app, world):
    with app.app_context():
        db.session.add(ReviewSetting(kecamatan_id=world.kec, form_code="inspeksi-rw", wait_for_review=True))
        db.session.commit()
    waiting, at_once = send(client, world.officer, [inspeksi(world.rw1), pengaduan(world.kel1)])
    assert (stored(app, waiting).review_status, stored(app, waiting).needs_acceptance) == ("pending", True)
    assert stored(app, at_once).needs_acceptance is False


# -- GET /api/v1/reviews ----------------------------------------------------------------------------

def test_feed_lists_the_callers_decisions_after_the_cursor(client, app, world):
    mine, kept = send(client, world.officer, [inspeksi(world.rw1), inspeksi(world.rw1)])
    (theirs,) = send(client, world.officer2, [inspeksi(world.rw1)])
    empty = feed(client, world.officer)
    assert empty.status_code == 200 and empty.json["reviews"] == [] and empty.json["next_cursor"]
    assert feed(client, world.officer, empty.json["next_cursor"]).json == empty.json  # same cursor, nothing new

    decide(app, world, mine, "return", "Foto buram, ulangi")
    decide(app, world, theirs, "reject", "Bukan RW ini")
    first = feed(client, world.officer, empty.json["next_cursor"]).json
    assert [r["id"] for r in first["reviews"]] == [mine]
    item = first["reviews"][0]
    assert item["status"] == "returned" and item["reason"] == "Foto buram, ulangi"
    assert item["form"] == "inspeksi-rw" and item["form_version"] == 1 and item["subject"] == {"rw_id": world.rw1}
    assert item["ref"] is None and item["supersedes"] is None and item["superseded_by"] is None
    assert item["data"]["pengelolaan_sampah"] == "baik"
    assert dt.datetime.fromisoformat(item["reviewed_at"]).tzinfo is not None
    assert dt.datetime.fromisoformat(item["observed_at"]) == dt.datetime.fromisoformat(OBSERVED)
    again = feed(client, world.officer, first["next_cursor"]).json
    assert again == {"reviews": [], "next_cursor": first["next_cursor"]}

    # The officer corrects it; the camat accepts the correction and rejects nothing else.
    correction = inspeksi(world.rw1, pengelolaan_sampah="cukup") | {"supersedes": mine}
    send(client, world.officer, [correction])
    decide(app, world, correction["id"], "accept")
    decide(app, world, kept, "accept")
    later = feed(client, world.officer, first["next_cursor"]).json
    assert [(r["id"], r["status"]) for r in later["reviews"]] == [(correction["id"], "accepted"), (kept, "accepted")]
    assert later["reviews"][0]["supersedes"] == mine
    # Without a cursor: the last 90 days, oldest decision first; the returned one now says it was corrected.
    whole = feed(client, world.officer).json["reviews"]
    assert [r["id"] for r in whole] == [mine, correction["id"], kept]
    assert whole[0]["superseded_by"] == correction["id"]
    assert [r["id"] for r in feed(client, world.officer2).json["reviews"]] == [theirs]


def test_feed_pages_and_refuses_bad_cursors(client, app, world, monkeypatch):
    sids = send(client, world.officer, [inspeksi(world.rw1) for _ in range(5)])
    for sid in sids:
        decide(app, world, sid, "accept")
    monkeypatch.setattr(reviews_api, "PAGE_SIZE", 2)
    seen, cursor = [], None
    for _ in range(4):
        page = feed(client, world.officer, cursor).json
        seen += [r["id"] for r in page["reviews"]]
        cursor = page["next_cursor"]
    assert seen == sids
    for bad in ("nope", "W10", "WyJ4IiwgInkiXQ", "%00"):
        resp = feed(client, world.officer, bad)
        assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_request", bad
    assert client.get("/api/v1/reviews").status_code == 401


def test_decisions_need_reasons_where_the_officer_reads_them(app, world, client):
    from server.admin.review import ReviewError

    (sid,) = send(client, world.officer, [inspeksi(world.rw1)])
    for decision in ("reject", "return"):
        with pytest.raises(ReviewError):
            decide(app, world, sid, decision, "  ")
    with pytest.raises(ReviewError):
        decide(app, world, sid, "delete", "x")
    assert stored(app, sid).review_status == "pending"


# -- GET /api/v1/open-items -------------------------------------------------------------------------

def layanan(kel_id: int, selesai: str | None = None) -> dict:
    data = {"jenis_layanan": "sktm", "waktu_terima": (NOW - dt.timedelta(days=1)).isoformat()}
    if selesai:
        data["waktu_selesai"] = selesai
    return {"id": new_id(), "form": "layanan", "form_version": 1, "subject": {"kelurahan_id": kel_id},
            "observed_at": OBSERVED, "data": data}


def layanan_selesai(ref: str) -> dict:
    return {"id": new_id(), "form": "layanan-selesai", "form_version": 1, "ref": ref, "observed_at": OBSERVED,
            "data": {"waktu_selesai": NOW.isoformat()}}


def open_items(client, token, **headers):
    return client.get("/api/v1/open-items", headers={**auth(token), **headers})


def test_open_items_are_the_scopes_open_records_from_any_phone(client, app, world):
    mine, colleagues, followed, rejected, corrected = (pengaduan(world.kel1) for _ in range(5))
    send(client, world.officer, [mine, followed, rejected, corrected])
    send(client, world.officer2, [colleagues])
    (elsewhere,) = send(client, world.officer_kel2, [pengaduan(world.kel2)])
    correction = pengaduan(world.kel1) | {"supersedes": corrected["id"]}
    correction["data"]["uraian"] = "Sampah menumpuk di RW 03"
    send(client, world.officer, [correction, tindak_lanjut(followed["id"])])
    decide(app, world, rejected["id"], "reject", "Ganda")
    body = open_items(client, world.officer).json
    ids = [c["id"] for c in body["complaints"]]
    assert set(ids) == {mine["id"], colleagues["id"], correction["id"]}
    assert elsewhere not in ids
    item = next(c for c in body["complaints"] if c["id"] == correction["id"])
    assert item == {"id": correction["id"], "subject": {"kelurahan_id": world.kel1}, "kelurahan": "Coblong Kel 1",
                    "tanggal_terima": NOW.date().isoformat(), "kategori": "kebersihan",
                    "uraian": "Sampah menumpuk di RW 03", "observed_at": item["observed_at"]}
    # A follow-up of the old version closes the chain; a rejected follow-up does not.
    (late,) = send(client, world.officer2, [tindak_lanjut(corrected["id"])])
    (refused,) = send(client, world.officer2, [tindak_lanjut(mine["id"])])
    decide(app, world, refused, "reject", "Belum ditindak")
    ids = {c["id"] for c in open_items(client, world.officer).json["complaints"]}
    assert ids == {mine["id"], colleagues["id"]}
    # Rejecting a correction restores the version before it (still followed up: stays closed).
    decide(app, world, late, "reject", "Salah")
    ids = {c["id"] for c in open_items(client, world.officer).json["complaints"]}
    assert ids == {mine["id"], colleagues["id"], correction["id"]}
    decide(app, world, correction["id"], "reject", "Salah isi")
    ids = {c["id"] for c in open_items(client, world.officer).json["complaints"]}
    assert ids == {mine["id"], colleagues["id"], corrected["id"]}
    # The camat sees every kelurahan; a kiosk nothing.
    assert elsewhere in {c["id"] for c in open_items(client, world.camat).json["complaints"]}
    assert open_items(client, world.kiosk).json == {"complaints": [], "services": []}


def test_open_services_and_etag(client, app, world):
    waiting, finished, closed = layanan(world.kel1), layanan(world.kel1, NOW.isoformat()), layanan(world.kel1)
    send(client, world.officer2, [waiting, finished, closed])
    send(client, world.officer, [layanan_selesai(closed["id"])])
    first = open_items(client, world.officer)
    assert first.status_code == 200
    assert first.json["services"] == [{"id": waiting["id"], "subject": {"kelurahan_id": world.kel1},
                                       "kelurahan": "Coblong Kel 1", "jenis_layanan": "sktm",
                                       "waktu_terima": waiting["data"]["waktu_terima"]}]
    etag = first.headers["ETag"]
    assert open_items(client, world.officer, **{"If-None-Match": etag}).status_code == 304
    send(client, world.officer, [layanan_selesai(waiting["id"])])
    changed = open_items(client, world.officer, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["services"] == []
    assert client.get("/api/v1/open-items").status_code == 401


# -- bootstrap additions ----------------------------------------------------------------------------

def test_bootstrap_has_report_due_days_and_form_descriptions(client, app, world):
    body = client.get("/api/v1/bootstrap", headers=auth(world.officer)).json
    assert body["report_due_days"] == 10
    assert all(isinstance(f.get("description"), str) and f["description"] for f in body["forms"])
    with app.app_context():
        db.session.add(RuleSetVersion(version=2, effective_from="2000", rules={"report_due_days": 14}))
        db.session.add(RuleSetVersion(version=3, effective_from="2999", rules={"report_due_days": 20}))
        db.session.commit()
    assert client.get("/api/v1/bootstrap", headers=auth(world.officer)).json["report_due_days"] == 14

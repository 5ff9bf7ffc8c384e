"""The life of a record (docs/scoring.md), driven through the public API: sync → review → recompute → read.

Each test is one defect of issue #9 (or one rule of a record's life): corrections keep their follow-ups,
rejecting a correction restores the version before it, a resent quarter replaces the first, one
clock decides the period, follow-ups keep time, hostile dates are refused (and a stored one does
not stop scoring), missing reports are not zero, names not ids, a follow-up never attaches itself
to another kelurahan's record, and SOP edits never silently rewrite a closed period.
Years used are closed (2025) unless the rule is about a running year, so "today" does not matter.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import delete, select

from server.extensions import db
from server.models import IndicatorResult, ScoreOutbox, ServiceType, Submission, Target
from tests.admin.helpers import login, post_form
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers.recompute import recompute_kecamatan_years


@pytest.fixture
def life(app, client):
    """One kecamatan (2 kelurahan × 3 RW) and another; a camat, officers of kelurahan 1 and 2."""
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=3)
        other = make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=1)
        kel1, kel2 = w.kelurahan
        _, camat = make_user("camat", "kecamatan_admin", w.kecamatan)
        _, petugas1 = make_user("petugas1", "officer", w.kecamatan, scope=[kel1])
        _, petugas2 = make_user("petugas2", "officer", w.kecamatan, scope=[kel2])
        ids = {"kec": w.kecamatan.id, "kel1": kel1.id, "kel2": kel2.id, "kel1_nama": kel1.nama,
               "rw1": [r.id for r in w.rw[kel1.id]], "rw2": [r.id for r in w.rw[kel2.id]],
               "other_kec": other.kecamatan.id}
    return {"ids": ids, "camat": camat, "petugas1": petugas1, "petugas2": petugas2}


def send(client, token: str, *items: dict) -> list[dict]:
    resp = client.post("/api/v1/submissions", json={"submissions": list(items)}, headers=auth(token))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["results"]


def created(client, token: str, *items: dict) -> None:
    results = send(client, token, *items)
    assert [r["status"] for r in results] == ["created"] * len(items), results


def recompute(app, kecamatan_id: int, *years: int) -> None:
    with app.app_context():
        recompute_kecamatan_years(db.session, kecamatan_id, list(years))


def indicators(client, token: str, period: str, **scope) -> dict[str, dict]:
    resp = client.get("/api/v1/indicators", query_string={"period": period, **scope}, headers=auth(token))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {row["code"]: row for row in resp.get_json()["indicators"]}


def criteria(client, token: str, period: str, kelurahan_id: int) -> dict[str, dict]:
    resp = client.get("/api/v1/indicators/criteria", query_string={"period": period, "kelurahan_id": kelurahan_id},
                      headers=auth(token))
    assert resp.status_code == 200
    return resp.get_json()["kelurahan"][0]["criteria"]


def review(client, submission_id: str, decision: str, reason: str = "") -> None:
    if client.get("/admin/login").status_code == 200:  # not logged in yet
        login(client, "camat")
    page = f"/admin/pengajuan/{submission_id}"
    resp = post_form(client, page, f"{page}/tinjau", {"decision": decision, "reason": reason})
    assert resp.status_code == 303


def correction(item: dict, **data) -> dict:
    """A new version of ``item``: a new id that supersedes it, with some data changed."""
    return {**item, "id": str(uuid.uuid4()), "supersedes": item["id"], "data": {**item["data"], **data}}


def outbox(app) -> set[tuple[int, int]]:
    with app.app_context():
        return set(db.session.execute(select(ScoreOutbox.kecamatan_id, ScoreOutbox.year)).tuples())


def clear_outbox(app) -> None:
    with app.app_context():
        db.session.execute(delete(ScoreOutbox))
        db.session.commit()


# -- chains ------------------------------------------------------------------------------------------

def test_a_corrected_complaint_keeps_its_follow_up(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2025-02-03T10:00:00+07:00")
    created(client, token, complaint, p.tindak_lanjut(complaint["id"], "2025-02-05"))
    created(client, token, correction(complaint, kategori="kebersihan"))
    recompute(app, ids["kec"], 2025)
    iku2 = indicators(client, life["camat"], "2025")["IKU2"]
    assert (iku2["numerator"], iku2["denominator"], iku2["value"]) == (1, 1, 100.0)


def test_a_follow_up_of_the_correction_applies_too(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2025-02-03T10:00:00+07:00")
    fixed = correction(complaint, kategori="sosial")
    created(client, token, complaint, fixed)
    created(client, token, p.tindak_lanjut(fixed["id"], "2025-02-04"))
    recompute(app, ids["kec"], 2025)
    iku2 = indicators(client, life["camat"], "2025")["IKU2"]
    assert (iku2["numerator"], iku2["denominator"]) == (1, 1)


def test_a_corrected_service_keeps_its_completion(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    service = p.layanan({"kelurahan_id": ids["kel1"]}, "pengantar-ktp", "2025-03-03T09:00:00+07:00")
    created(client, token, service, p.layanan_selesai(service["id"], "2025-03-03T09:30:00+07:00"))
    created(client, token, correction(service, waktu_terima="2025-03-03T09:05:00+07:00"))
    recompute(app, ids["kec"], 2025)
    iku3 = indicators(client, life["camat"], "2025")["IKU3"]
    assert (iku3["numerator"], iku3["denominator"], iku3["value"]) == (1, 1, 100.0)


def test_rejecting_a_correction_restores_the_version_before_it(app, client, life):
    ids, token = life["ids"], life["camat"]
    survey = p.skm({"kelurahan_id": ids["kel1"]}, [4] * 9, "2025-05-05T10:00:00+07:00")
    fixed = correction(survey, **{f"u{i}": 3 for i in range(1, 10)})
    created(client, token, survey, fixed)
    recompute(app, ids["kec"], 2025)
    assert indicators(client, token, "2025")["IKU1"]["value"] == 75.0  # the correction counts
    review(client, fixed["id"], "reject", "Salah isi")
    recompute(app, ids["kec"], 2025)
    assert indicators(client, token, "2025")["IKU1"]["value"] == 100.0  # the original is back
    review(client, fixed["id"], "accept")
    recompute(app, ids["kec"], 2025)
    assert indicators(client, token, "2025")["IKU1"]["value"] == 75.0


def test_a_rejected_correction_of_a_complaint_keeps_the_follow_up_on_the_original(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2025-02-03T10:00:00+07:00")
    fixed = correction(complaint, kategori="keamanan")
    created(client, token, complaint, p.tindak_lanjut(complaint["id"], "2025-02-05"), fixed)
    review(client, fixed["id"], "reject", "Bukan koreksi")
    recompute(app, ids["kec"], 2025)
    iku2 = indicators(client, life["camat"], "2025")["IKU2"]
    assert (iku2["numerator"], iku2["denominator"]) == (1, 1)


# -- one report per kelurahan and quarter ------------------------------------------------------------

def test_a_resent_quarter_report_replaces_the_first(app, client, life):
    ids, token = life["ids"], life["camat"]
    kel = ids["kel1"]
    previous = p.laporan(kel, "2024-Q4", "2025-01-05", kejadian_kriminal=3)
    first = p.laporan(kel, "2025-Q1", "2025-04-03", kejadian_kriminal=2)
    resent = p.laporan(kel, "2025-Q1", "2025-04-05", kejadian_kriminal=2)  # the same quarter, sent again
    created(client, token, previous, first, resent)
    recompute(app, ids["kec"], 2025)
    k2 = criteria(client, token, "2025-Q1", kel)["K2"]
    assert k2["held"] is True, k2["reason"]  # 2 ≤ 3, not 4 > 3
    assert first["id"] not in k2["record_ids"] and resent["id"] in k2["record_ids"]


# -- one clock ---------------------------------------------------------------------------------------

def test_a_survey_near_midnight_belongs_to_the_local_year(app, client, life):
    ids, token = life["ids"], life["camat"]
    clear_outbox(app)
    survey = p.skm({"kelurahan_id": ids["kel1"]}, [4] * 9, "2026-01-01T00:30:00+09:00")  # 22:30 WIB, 31 Dec
    created(client, token, survey)
    assert (ids["kec"], 2025) in outbox(app)
    with app.app_context():
        stored = db.session.get(Submission, uuid.UUID(survey["id"]))
        assert (stored.period_year, stored.period_quarter) == (2025, 4)
    recompute(app, ids["kec"], 2025, 2026)
    assert indicators(client, token, "2025-Q4")["IKU1"]["denominator"] == 1
    assert indicators(client, token, "2026")["IKU1"]["value"] is None


def test_a_complaint_belongs_to_the_day_it_was_received(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2026-01-04T10:00:00+07:00")
    complaint["data"]["tanggal_terima"] = "2025-12-30"  # entered from the box after New Year
    clear_outbox(app)
    created(client, token, complaint)
    assert (ids["kec"], 2025) in outbox(app)
    recompute(app, ids["kec"], 2025, 2026)
    assert indicators(client, life["camat"], "2025")["IKU2"]["denominator"] == 1
    assert indicators(client, life["camat"], "2026")["IKU2"]["denominator"] == 0


def test_reviewing_a_follow_up_marks_its_complaints_year(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2025-12-20T10:00:00+07:00")
    follow_up = p.tindak_lanjut(complaint["id"], "2025-12-28", observed_at="2026-01-05T09:00:00+07:00")
    created(client, token, complaint, follow_up)
    recompute(app, ids["kec"], 2025)
    assert indicators(client, life["camat"], "2025")["IKU2"]["numerator"] == 1
    clear_outbox(app)
    review(client, follow_up["id"], "reject", "Tidak ada bukti")
    assert (ids["kec"], 2025) in outbox(app)
    recompute(app, ids["kec"], 2025)
    assert indicators(client, life["camat"], "2025")["IKU2"]["numerator"] == 0


def test_a_follow_up_marks_the_year_of_its_records_current_version(app, client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2024-12-20T10:00:00+07:00")
    moved = correction(complaint, tanggal_terima="2025-01-02")  # the date was wrong
    created(client, token, complaint, moved)
    clear_outbox(app)
    # Refers to the first version, dated (and sent) in 2024: only the chain names 2025.
    created(client, token, p.tindak_lanjut(complaint["id"], "2024-12-22"))
    assert (ids["kec"], 2025) in outbox(app)
    recompute(app, ids["kec"], 2025)
    iku2 = indicators(client, life["camat"], "2025")["IKU2"]
    assert (iku2["numerator"], iku2["denominator"]) == (1, 1)


# -- follow-ups keep time ----------------------------------------------------------------------------

def test_a_follow_up_dated_before_its_record_is_invalid(client, life):
    ids, token = life["ids"], life["petugas1"]
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2025-02-03T10:00:00+07:00")
    service = p.layanan({"kelurahan_id": ids["kel1"]}, "pengantar-ktp", "2025-03-03T09:00:00+07:00")
    created(client, token, complaint, service)
    early = p.tindak_lanjut(complaint["id"], "2025-02-01", observed_at="2025-02-04T10:00:00+07:00")
    done_early = p.layanan_selesai(service["id"], "2025-03-03T08:00:00+07:00")
    results = send(client, token, early, done_early)
    assert [r["status"] for r in results] == ["invalid", "invalid"]
    assert "sebelum tanggal pengaduan diterima" in results[0]["errors"]["data.tanggal"]
    assert "sebelum waktu terima" in results[1]["errors"]["data.waktu_selesai"]


# -- defect 6: hostile dates -------------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [
    ("waktu_terima", "9999-12-31T23:00:00-14:00"),
    ("waktu_terima", "1999-12-31T23:00:00+07:00"),
])
def test_a_hostile_datetime_is_invalid(client, life, field, value):
    item = p.layanan({"kelurahan_id": life["ids"]["kel1"]}, "pengantar-ktp", "2025-03-03T09:00:00+07:00")
    item["data"][field] = value
    result = send(client, life["petugas1"], item)[0]
    assert result["status"] == "invalid"
    assert "Tanggal harus antara 01/01/2000" in result["errors"][f"data.{field}"]


@pytest.mark.parametrize("periode", ["0000-Q1", "9999-Q4", "1900-Q1"])
def test_a_hostile_periode_is_invalid(client, life, periode):
    item = p.laporan(life["ids"]["kel1"], "2025-Q1", "2025-04-03")
    item["data"]["periode"] = periode
    result = send(client, life["camat"], item)[0]
    assert result["status"] == "invalid"
    assert "Periode harus antara" in result["errors"]["data.periode"]


def test_a_hostile_date_is_invalid(client, life):
    item = p.pengaduan({"kelurahan_id": life["ids"]["kel1"]}, "2025-02-03T10:00:00+07:00")
    item["data"]["tanggal_terima"] = "0001-01-01"
    result = send(client, life["petugas1"], item)[0]
    assert result["status"] == "invalid" and "Tanggal harus antara" in result["errors"]["data.tanggal_terima"]


def test_a_stored_hostile_row_does_not_stop_scoring(app, client, life):
    ids = life["ids"]
    created(client, life["camat"], p.skm({"kelurahan_id": ids["kel1"]}, [4] * 9, "2025-05-05T10:00:00+07:00"))
    with app.app_context():  # rows stored before the validator knew the window
        observed = dt.datetime(2025, 5, 5, 3, tzinfo=dt.timezone.utc)
        for form, data in (("layanan", {"jenis_layanan": "pengantar-ktp", "waktu_terima": "9999-12-31T23:00:00-14:00"}),
                           ("laporan-kelurahan", {"periode": "0000-Q1"})):
            db.session.add(Submission(
                id=uuid.uuid4(), form_code=form, form_version=1, subject_type="kelurahan", kecamatan_id=ids["kec"],
                kelurahan_id=ids["kel1"], observed_at=observed, period_year=2025, period_quarter=2,
                received_at=observed, data=data, content_hash="0" * 64, review_status="accepted"))
        db.session.commit()
    recompute(app, ids["kec"], 2025)
    assert indicators(client, life["camat"], "2025")["IKU1"]["value"] == 100.0


def test_the_openapi_document_shows_the_date_window(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    item = doc["components"]["schemas"]["SubmissionItem"]
    assert "2000-01-01" in item["properties"]["observed_at"]["description"]
    assert "2000-01-01" in item["properties"]["data"]["description"]


# -- missing is not zero -----------------------------------------------------------------------------

def test_a_closed_year_missing_a_quarterly_report_fails_k1_k2_k7(app, client, life):
    ids, token = life["ids"], life["camat"]
    kel = ids["kel1"]
    created(client, token, *(p.laporan(kel, f"2025-Q{q}", f"2025-{3 * q + 1:02d}-02") for q in (1, 2, 3)))
    recompute(app, ids["kec"], 2025)
    found = criteria(client, token, "2025", kel)
    for code in ("K1", "K2", "K7"):
        assert found[code]["held"] is False, code
        assert "2025-Q4" in found[code]["reason"], found[code]["reason"]


def test_k2_of_a_closed_year_and_of_a_quarter(app, client, life):
    # (Like with like within a running year is tested on the pure function in tests/workers.)
    ids, token = life["ids"], life["camat"]
    kel = ids["kel1"]
    before = [p.laporan(kel, f"2024-Q{q}", f"{2024 + (q == 4)}-{(3 * q) % 12 + 1:02d}-02", kejadian_kriminal=1)
              for q in (1, 2, 3, 4)]  # 4 incidents over 2024, 1 per quarter
    now = [p.laporan(kel, f"2025-Q{q}", f"{2025 + (q == 4)}-{(3 * q) % 12 + 1:02d}-02",
                     kejadian_kriminal=2 if q == 1 else 0) for q in (1, 2, 3, 4)]
    created(client, token, *before, *now)
    recompute(app, ids["kec"], 2025)
    assert criteria(client, token, "2025", kel)["K2"]["held"] is True  # 2 ≤ 4
    assert criteria(client, token, "2025-Q1", kel)["K2"]["held"] is False  # 2 > 1 (2024-Q4)


def test_an_empty_period_is_no_data_not_zero(app, client, life):
    ids, token = life["ids"], life["camat"]
    with app.app_context():
        db.session.add_all([Target(code=code, year=2025, kecamatan_id=0, value=50.0) for code in ("IKU5", "IKU6")])
        db.session.commit()
    created(client, token, p.inspeksi(ids["rw1"][0], "2025-06-01T10:00:00+07:00"))
    recompute(app, ids["kec"], 2025)
    q1 = indicators(client, token, "2025-Q1")
    for code in ("IKU5", "IKU6"):  # nothing at all by the end of Q1: never "0,00 — target missed"
        assert q1[code]["value"] is None and q1[code]["capaian"] is None, code
    q3 = indicators(client, token, "2025-Q3")
    assert q3["IKU6"]["value"] == pytest.approx(100 / 6, abs=0.01)  # one of six RW changed
    assert q3["IKU5"]["value"] is None  # no report, inspection or survey within Q3


def test_rw_are_named_by_number_and_baseline_gaps_are_counted(app, client, life):
    ids, token = life["ids"], life["camat"]
    created(client, token, p.inspeksi(ids["rw1"][0], "2025-02-01T10:00:00+07:00"),
            p.inspeksi(ids["rw1"][1], "2025-02-01T10:00:00+07:00", baik=False))
    recompute(app, ids["kec"], 2025)
    found = criteria(client, token, "2025", ids["kel1"])
    assert "RW tanpa kebun TOGA: 02" in found["K3"]["reason"]
    assert "RW belum diinspeksi: 03" in found["K3"]["reason"]
    assert "3 RW tanpa data awal" in found["K5"]["reason"]
    rows = client.get("/api/v1/indicators/rw", query_string={"period": "2025"}, headers=auth(token)).get_json()["rw"]
    assert {row["nomor"] for row in rows} == {"01", "02", "03"}
    assert ids["kel1_nama"] in {row["kelurahan"] for row in rows}


# -- issue #10 item 5: a follow-up never attaches itself to another kelurahan's record ---------------

def test_a_pending_follow_up_does_not_attach_to_another_kelurahans_record(app, client, life):
    ids = life["ids"]
    record_id = str(uuid.uuid4())
    early = send(client, life["petugas1"], p.tindak_lanjut(record_id, "2025-02-05"))[0]
    assert early["status"] == "created" and early["ref_pending"] is True
    complaint = p.pengaduan({"kelurahan_id": ids["kel2"]}, "2025-02-03T10:00:00+07:00")
    complaint["id"] = record_id
    created(client, life["petugas2"], complaint)
    recompute(app, ids["kec"], 2025)
    iku2 = indicators(client, life["camat"], "2025")["IKU2"]
    assert (iku2["numerator"], iku2["denominator"]) == (0, 1)


def test_a_pending_follow_up_attaches_to_a_record_of_its_senders_scope(app, client, life):
    ids = life["ids"]
    record_id = str(uuid.uuid4())
    created(client, life["petugas1"], p.tindak_lanjut(record_id, "2025-02-05"))
    complaint = p.pengaduan({"kelurahan_id": ids["kel1"]}, "2025-02-03T10:00:00+07:00")
    complaint["id"] = record_id
    created(client, life["petugas1"], complaint)
    recompute(app, ids["kec"], 2025)
    iku2 = indicators(client, life["camat"], "2025")["IKU2"]
    assert (iku2["numerator"], iku2["denominator"]) == (1, 1)


# -- reference data is versioned ---------------------------------------------------------------------

def _edit_sop(client, minutes: int, **extra):
    if client.get("/admin/login").status_code == 200:
        login(client, "camat")
    form = {"code": "pengantar-ktp", "name": "Surat pengantar KTP-el", "group": "adminduk",
            "section": "Seksi Pemerintahan", "sop_value": str(minutes), "sop_unit": "minutes", "active": "on", **extra}
    return post_form(client, "/admin/kelola/layanan", "/admin/kelola/layanan", form)


def test_an_sop_edit_never_silently_rewrites_a_closed_period(app, client, life):
    ids = life["ids"]
    created(client, life["petugas1"], p.layanan({"kelurahan_id": ids["kel1"]}, "pengantar-ktp",
                                               "2025-03-03T09:00:00+07:00", "2025-03-03T09:40:00+07:00"))
    try:
        assert _edit_sop(client, 15).status_code == 303  # from today on: no closed period touched
        recompute(app, ids["kec"], 2025)
        iku3 = indicators(client, life["camat"], "2025")["IKU3"]
        assert (iku3["numerator"], iku3["denominator"]) == (1, 1)  # judged by the SOP of March 2025
        asked = _edit_sop(client, 20, effective_from="2025-01-01")
        assert asked.status_code == 422
        page = asked.get_data(as_text=True)
        assert "2025-Q1" in page and "Centang konfirmasi" in page
        assert _edit_sop(client, 20, effective_from="2025-01-01", confirm_past="on").status_code == 303
        recompute(app, ids["kec"], 2025)
        iku3 = indicators(client, life["camat"], "2025")["IKU3"]
        assert (iku3["numerator"], iku3["denominator"]) == (0, 1)  # 40 minutes > 20: asked, confirmed
        with app.app_context():
            details = db.session.scalar(select(IndicatorResult.details).where(
                IndicatorResult.code == "IKU3", IndicatorResult.period == "2025",
                IndicatorResult.kecamatan_id == ids["kec"], IndicatorResult.kelurahan_id == 0))
            assert set(details["service_type_versions"]) == {"pengantar-ktp"}  # the version that judged it
    finally:
        with app.app_context():  # the catalogue is kept between tests
            row = db.session.get(ServiceType, "pengantar-ktp")
            row.sop_value = 60
            db.session.commit()

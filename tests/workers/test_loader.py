"""workers.loader on SQLite and PostgreSQL: DB rows → scoring inputs, what counts and what does not."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update

from server.extensions import db
from server.models import Holiday, RuleSetVersion, Submission, Target
from tests.factories import auth, make_user, make_wilayah
from tests.integration import payloads as p
from workers.loader import load_kecamatan


def _sync(client, token, items):
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert resp.status_code == 200, resp.get_json()
    statuses = [r["status"] for r in resp.get_json()["results"]]
    assert statuses == ["created"] * len(items), resp.get_json()
    return resp.get_json()["results"]


def test_loader_builds_clean_scoring_inputs(app, client):
    with app.app_context():
        w = make_wilayah(kelurahan=2, rw=3)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kec_id, kel1, kel2 = w.kecamatan.id, w.kelurahan[0].id, w.kelurahan[1].id
        rw1 = w.rw[kel1][0].id
        kel1_rw_ids = tuple(r.id for r in w.rw[kel1])
        db.session.add_all([
            Target(code="IKU1", year=2026, kecamatan_id=0, value=80.0),
            Target(code="IKU1", year=2026, kecamatan_id=kec_id, value=85.0),
            Target(code="IKU2", year=2026, kecamatan_id=0, value=90.0),
            Holiday(date=dt.date(2026, 3, 19), name="Nyepi"),
            RuleSetVersion(version=2, effective_from="2026-Q2", rules={"mutu_b": 77.0}),
        ])
        db.session.commit()

    complaint = p.pengaduan({"kelurahan_id": kel1}, "2026-02-03T10:00:00+07:00")
    # Follow-ups arrive before their complaint (phones sync in any order): they must wait, not fail.
    late_follow_up = p.tindak_lanjut(complaint["id"], "2026-02-10")
    early_follow_up = p.tindak_lanjut(complaint["id"], "2026-02-05")
    _sync(client, token, [late_follow_up])
    _sync(client, token, [complaint, early_follow_up])

    open_service = p.layanan({"kelurahan_id": kel2}, "pengantar-ktp", "2026-01-05T09:00:00+07:00")
    closed_service = p.layanan({"kecamatan_id": kec_id}, "domisili", "2026-01-06T09:00:00+07:00",
                               "2026-01-06T09:05:00+07:00")
    survey = p.skm({"kelurahan_id": kel1}, p.ANSWERS_B[0])
    office_survey = p.skm({"kecamatan_id": kec_id}, p.ANSWERS_B[1])
    wrong_survey = p.skm({"kelurahan_id": kel1}, [1] * 9)
    rejected_survey = p.skm({"kelurahan_id": kel2}, [1] * 9)
    # 20:00 UTC on 31 March is 03:00 on 1 April in Jakarta: the local date counts.
    inspection = p.inspeksi(rw1, "2026-03-31T20:00:00Z")
    report = p.laporan(kel1, "2026-Q1", "2026-04-08", kejadian_kriminal=2, konflik_sosial=1)
    old_year = p.skm({"kelurahan_id": kel1}, [2] * 9, "2023-05-01T10:00:00+07:00")
    _sync(client, token, [open_service, closed_service, survey, office_survey, wrong_survey, rejected_survey,
                          inspection, report, old_year])
    correction = p.skm({"kelurahan_id": kel1}, [4] * 9)
    correction["supersedes"] = wrong_survey["id"]
    done = p.layanan_selesai(open_service["id"], "2026-01-05T09:40:00+07:00")
    _sync(client, token, [correction, done])

    with app.app_context():
        db.session.execute(update(Submission).where(Submission.id == uuid.UUID(rejected_survey["id"]))
                           .values(review_status="rejected"))
        db.session.commit()
        loaded = load_kecamatan(db.session, kec_id, [2026], "Asia/Jakarta")
        data = loaded.data_for(2026)

    assert [k.id for k in data.kelurahan] == [kel1, kel2]
    assert data.kelurahan[0].rw_ids == kel1_rw_ids
    surveys = {s.id: s for s in data.surveys}
    # Accepted and not superseded only; 2023 is outside the years read.
    assert set(surveys) == {survey["id"], office_survey["id"], correction["id"]}
    assert surveys[office_survey["id"]].kelurahan_id is None
    assert dict(surveys[survey["id"]].answers) == {f"u{i}": a for i, a in enumerate(p.ANSWERS_B[0], 1)}
    assert surveys[survey["id"]].observed == dt.date(2026, 3, 14)

    (loaded_complaint,) = data.complaints
    assert loaded_complaint.id == complaint["id"] and loaded_complaint.kelurahan_id == kel1
    assert loaded_complaint.received == dt.date(2026, 2, 3)
    assert loaded_complaint.followed_up == dt.date(2026, 2, 5)  # the earliest follow-up
    assert loaded_complaint.follow_up_ids == (early_follow_up["id"], late_follow_up["id"])

    services = {s.id: s for s in data.services}
    assert services[open_service["id"]].completed == dt.datetime(2026, 1, 5, 9, 40)  # from layanan-selesai
    assert services[open_service["id"]].received == dt.datetime(2026, 1, 5, 9, 0)
    assert services[closed_service["id"]].kelurahan_id is None
    assert services[closed_service["id"]].completed == dt.datetime(2026, 1, 6, 9, 5)
    assert data.service_types["pindah-datang"].sop_unit == "working_days"

    (loaded_inspection,) = data.inspections
    assert loaded_inspection.rw_id == rw1 and loaded_inspection.observed == dt.date(2026, 4, 1)
    assert loaded_inspection.kebun_toga is True and loaded_inspection.status_kumuh == "tidak_kumuh"

    (loaded_report,) = data.reports
    assert loaded_report.period.label == "2026-Q1" and loaded_report.kejadian_kriminal == 2
    assert loaded_report.report_dates["keuangan"] == dt.date(2026, 4, 8)
    assert set(loaded_report.report_dates) == {"kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan"}

    assert data.targets == {"IKU1": 85.0, "IKU2": 90.0}  # the kecamatan's own target wins over kecamatan_id 0
    assert loaded.data_for(2027).targets == {}
    assert data.holidays == frozenset({dt.date(2026, 3, 19)})
    assert [(r.version, r.effective_from, r.mutu_b) for r in loaded.rule_sets] == [(2, "2026-Q2", 77.0)]


def test_loader_reads_old_inspections_for_the_baseline(app, client):
    with app.app_context():
        w = make_wilayah(kelurahan=1, rw=2)
        _user, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        kec_id, rw1 = w.kecamatan.id, w.rw[w.kelurahan[0].id][0].id
    old = p.inspeksi(rw1, "2022-06-01T10:00:00+07:00", baik=False)
    future = p.inspeksi(rw1, "2025-06-01T10:00:00+07:00")
    _sync(client, token, [old, future])
    with app.app_context():
        loaded = load_kecamatan(db.session, kec_id, [2023], "Asia/Jakarta")
    # Every earlier inspection (the latest before a baseline may be years old), none beyond Y+1.
    assert [i.id for i in loaded.base.inspections] == [old["id"]]

"""The admin pages over results the real scoring wrote: sync through the API, recompute with the
workers' code, read the dashboard and drill-downs, reject a record and see the score move."""
from __future__ import annotations

import io
import uuid

from openpyxl import load_workbook

from server.extensions import db
from server.models import Target
from tests.admin.helpers import login, post_form
from tests.factories import auth, make_user
from workers.recompute import recompute_kecamatan_years

# The worked IKM example: four respondents give IKM 81.25, mutu B.
ANSWERS = [[4, 4, 3, 4, 3, 4, 4, 3, 3], [3, 3, 3, 4, 3, 3, 4, 3, 2], [3, 2, 2, 4, 3, 3, 3, 3, 2],
           [4, 3, 3, 4, 4, 4, 4, 3, 3]]


def _item(form: str, subject: dict, observed_at: str, data: dict) -> dict:
    return {"id": str(uuid.uuid4()), "form": form, "form_version": 1, "subject": subject,
            "observed_at": observed_at, "data": data}


def _sync_and_score(app, client, world) -> list[dict]:
    with app.app_context():
        _, token = make_user("petugas2", "officer", db.session.get(type(world.wilayah.kecamatan), world.kec_id))
        db.session.add(Target(code="IKU1", year=2026, kecamatan_id=world.kec_id, value=80.0))
        db.session.commit()
    rw = world.wilayah.rw[world.kel1.id][0]
    items = [_item("skm", {"kelurahan_id": world.kel1.id}, "2026-03-14T09:30:00+07:00",
                   {f"u{i}": a for i, a in enumerate(answers, 1)}) for answers in ANSWERS]
    items.append(_item("inspeksi-rw", {"rw_id": rw.id}, "2026-02-01T10:00:00+07:00",
                       {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
                        "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0}))
    items.append(_item("pengaduan", {"kelurahan_id": world.kel2.id}, "2026-02-03T10:00:00+07:00",
                       {"tanggal_terima": "2026-02-03", "saluran": "kotak", "kategori": "pelayanan"}))
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert {r["status"] for r in resp.get_json()["results"]} == {"created"}
    _recompute(app, world)
    return items


def _recompute(app, world) -> None:
    with app.app_context():
        recompute_kecamatan_years(db.session, world.kec_id, [2026])


def test_dashboard_drilldowns_and_excel_over_real_scores(client, world, app):
    items = _sync_and_score(app, client, world)
    login(client, "camat")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    iku1 = html.split('data-code="IKU1"', 1)[1].split("</tr>", 1)[0]
    assert "81,25" in iku1 and "mutu-B" in iku1 and "101,56" in iku1  # capaian 81.25 / 80
    ws = load_workbook(io.BytesIO(client.get("/admin/kinerja.xlsx?period=2026").data)).active
    values = {ws.cell(r, 2).value: ws.cell(r, 10).value for r in range(1, ws.max_row + 1)}
    assert values["IKU1"] == 81.25 and values["IKU2"] == 0.0
    # IKU1: the units, with the kecamatan office and the minimum-sample warning as the workers wrote them.
    page = client.get("/admin/iku/IKU1?period=2026").get_data(as_text=True)
    assert "Kantor kecamatan" in page and world.kel1.nama in page and "True" not in page
    for survey in items[:4]:
        assert survey["id"] in page
    # IKU5: the criteria matrix of both kelurahan; IKU6: the RW table with the inspection.
    page = client.get("/admin/iku/IKU5?period=2026").get_data(as_text=True)
    matrix = page.split('id="criteria"', 1)[1].split("</table>", 1)[0]
    assert world.kel1.nama in matrix and world.kel2.nama in matrix and "✗" in matrix
    page = client.get("/admin/iku/IKU6?period=2026").get_data(as_text=True)
    assert items[4]["id"] in page and f"RW 01 · {world.kel1.nama}" in page
    # IKU2: the complaint, not followed up.
    assert items[5]["id"] in client.get("/admin/iku/IKU2?period=2026").get_data(as_text=True)


def test_rejecting_a_survey_moves_the_score_after_recompute(client, world, app):
    items = _sync_and_score(app, client, world)
    login(client, "camat")
    first = items[0]["id"]
    resp = post_form(client, f"/admin/pengajuan/{first}", f"/admin/pengajuan/{first}/tinjau",
                     {"decision": "reject", "reason": "Responden ganda"})
    assert resp.status_code == 303
    _recompute(app, world)  # what the relay's task does with the outbox row the review wrote
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    iku1 = html.split('data-code="IKU1"', 1)[1].split("</tr>", 1)[0]
    assert "81,25" not in iku1
    page = client.get("/admin/iku/IKU1?period=2026").get_data(as_text=True)
    assert first not in page  # the rejected record left the score


def test_lurah_sees_real_scores_of_their_kelurahan_only(client, world, app):
    items = _sync_and_score(app, client, world)
    login(client, "lurah")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    assert "81,25" in html  # kelurahan 1's own IKM (all four surveys are theirs)
    page = client.get("/admin/iku/IKU5?period=2026").get_data(as_text=True)
    assert world.kel1.nama in page and world.kel2.nama not in page
    assert items[5]["id"] not in client.get("/admin/iku/IKU2?period=2026").get_data(as_text=True)

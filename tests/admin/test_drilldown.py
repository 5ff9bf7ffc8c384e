"""Drill-down pages: what stands behind each number, filtered to the admin's scope everywhere."""
from __future__ import annotations

from server.extensions import db
from tests.admin.helpers import login, result, submission


def _crit(held: bool, reason: str, ids=()) -> dict:
    return {"held": held, "reason": reason, "record_ids": [str(i) for i in ids]}


def test_iku5_shows_the_criteria_matrix(client, world, app):
    with app.app_context():
        report = submission("laporan-kelurahan", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id,
                            data={"periode": "2026-Q1"})
        db.session.flush()
        kel_rows = [
            {"id": world.kel1.id, "kode": world.kel1.kode, "nama": world.kel1.nama, "baik": False,
             "criteria": {**{k: _crit(True, "ok") for k in ("K1", "K2", "K3", "K4", "K5", "K6")},
                          "K7": _crit(False, "Laporan keuangan terlambat 3 hari", [report.id])}},
            {"id": world.kel2.id, "kode": world.kel2.kode, "nama": world.kel2.nama, "baik": True,
             "criteria": {k: _crit(True, "rahasia-kel2") for k in ("K1", "K2", "K3", "K4", "K5", "K6", "K7")}},
        ]
        result(world.kec_id, "IKU5", "2026", 50.0, numerator=1, denominator=2, details={"kelurahan": kel_rows})
        result(world.kec_id, "IKU5", "2026", 0.0, kelurahan_id=world.kel1.id, numerator=0, denominator=1,
               details={"kelurahan": kel_rows[:1], "record_ids": [str(report.id)]})
        db.session.commit()
        report_id = str(report.id)
    login(client, "camat")
    html = client.get("/admin/iku/IKU5?period=2026").get_data(as_text=True)
    matrix = html.split('id="criteria"', 1)[1].split("</table>", 1)[0]
    assert world.kel1.nama in matrix and world.kel2.nama in matrix
    assert "Laporan keuangan terlambat 3 hari" in matrix
    assert f"/admin/pengajuan/{report_id}" in matrix
    assert matrix.count("✗") == 1
    client.post("/admin/logout")  # no token: refused, still logged in — use a fresh client for the lurah
    lurah = app.test_client()
    login(lurah, "lurah")
    html = lurah.get("/admin/iku/IKU5?period=2026").get_data(as_text=True)
    assert world.kel1.nama in html and "Laporan keuangan terlambat 3 hari" in html
    assert world.kel2.nama not in html and "rahasia-kel2" not in html


def test_iku6_shows_the_rw_table(client, world, app):
    rws = world.wilayah.rw
    r1, r2 = rws[world.kel1.id][0], rws[world.kel2.id][0]
    with app.app_context():
        insp = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=r1.id,
                          data={"kebun_toga": True})
        db.session.flush()
        rows = [{"id": r1.id, "kelurahan_id": world.kel1.id, "now": True, "baseline": False, "changed": True,
                 "inspection_now": str(insp.id), "inspection_baseline": None},
                {"id": r2.id, "kelurahan_id": world.kel2.id, "now": False, "baseline": False, "changed": False,
                 "inspection_now": None, "inspection_baseline": None}]
        result(world.kec_id, "IKU6", "2026", 50.0, numerator=1, denominator=2, details={"rw": rows})
        result(world.kec_id, "IKU6", "2026", 100.0, kelurahan_id=world.kel1.id, details={"rw": rows[:1]})
        db.session.commit()
        insp_id = str(insp.id)
    login(client, "camat")
    html = client.get("/admin/iku/IKU6?period=2026").get_data(as_text=True)
    table = html.split('id="rw-table"', 1)[1].split("</table>", 1)[0]
    assert f"RW 01 · {world.kel1.nama}" in table and f"RW 01 · {world.kel2.nama}" in table
    assert table.count('class="changed"') == 1
    assert f"/admin/pengajuan/{insp_id}" in table
    lurah = app.test_client()
    login(lurah, "lurah")
    table = lurah.get("/admin/iku/IKU6?period=2026").get_data(as_text=True).split('id="rw-table"', 1)[1]
    assert world.kel1.nama in table and world.kel2.nama not in table


def test_iku1_units_and_minimum_sample(client, world, app):
    with app.app_context():
        units = [{"kelurahan_id": 0, "value": 81.25, "mutu": "B", "respondents": 4, "min_sample": 80,
                  "warning": "Responden kurang dari sampel minimum (4 < 80)"},
                 {"kelurahan_id": world.kel1.id, "value": 90.5, "mutu": "A", "respondents": 300, "min_sample": 278,
                  "warning": None},
                 {"kelurahan_id": world.kel2.id, "value": 70.11, "mutu": "C", "respondents": 12, "min_sample": 80,
                  "warning": True}]
        nrr = {f"u{i}": 3.25 for i in range(1, 10)}
        result(world.kec_id, "IKU1", "2026", 81.25, mutu="B", numerator=3.25, denominator=1,
               details={"units": units, "nrr": nrr, "ikm_raw": 3.25, "respondents": 316, "min_sample": 80})
        result(world.kec_id, "IKU1", "2026", 90.5, kelurahan_id=world.kel1.id, mutu="A",
               details={"units": units[1:2], "nrr": nrr, "ikm_raw": 3.62})
        db.session.commit()
    login(client, "camat")
    html = client.get("/admin/iku/IKU1?period=2026").get_data(as_text=True)
    units_table = html.split('id="units"', 1)[1].split("</table>", 1)[0]
    assert "Kantor kecamatan" in units_table and "70,11" in units_table and "Sangat Baik" not in units_table
    assert "4 &lt; 80" in units_table or "4 < 80" in units_table
    assert "U1" in html and "3,250" in html
    assert "Responden kurang dari sampel minimum" in units_table and "True" not in units_table
    lurah = app.test_client()
    login(lurah, "lurah")
    html = lurah.get("/admin/iku/IKU1?period=2026").get_data(as_text=True)
    assert "90,50" in html and "70,11" not in html and "Kantor kecamatan" not in html


def test_iku2_lists_the_complaints_and_their_follow_up(client, world, app):
    with app.app_context():
        a = submission("pengaduan", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id,
                       data={"tanggal_terima": "2026-03-01", "saluran": "kotak", "kategori": "pelayanan"})
        b = submission("pengaduan", kecamatan_id=world.kec_id, kelurahan_id=world.kel2.id,
                       data={"tanggal_terima": "2026-03-02", "saluran": "kotak", "kategori": "kebersihan"})
        db.session.flush()
        result(world.kec_id, "IKU2", "2026", 50.0, numerator=1, denominator=2,
               details={"record_ids": [str(a.id), str(b.id)], "followed_up_ids": [str(a.id)]})
        db.session.commit()
        ids = str(a.id), str(b.id)
    login(client, "camat")
    html = client.get("/admin/iku/IKU2?period=2026").get_data(as_text=True)
    assert ids[0] in html and ids[1] in html
    assert "Ditindaklanjuti" in html


def test_iku4_by_section_and_on_time(client, world, app):
    with app.app_context():
        a = submission("layanan", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id,
                       data={"jenis_layanan": "sktm"})
        b = submission("layanan", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id,
                       data={"jenis_layanan": "domisili"})
        db.session.flush()
        result(world.kec_id, "IKU4", "2026", 50.0, numerator=1, denominator=2,
               details={"record_ids": [str(a.id), str(b.id)], "on_time_ids": [str(a.id)], "late_ids": [str(b.id)],
                        "sections": {"Seksi Kessos": {"numerator": 1, "denominator": 1, "value": 100.0},
                                     "Subbag Umum & Kepegawaian": {"numerator": 0, "denominator": 1, "value": 0.0}}})
        db.session.commit()
        ids = str(a.id), str(b.id)
    login(client, "camat")
    html = client.get("/admin/iku/IKU4?period=2026").get_data(as_text=True)
    assert "Seksi Kessos" in html and "Tepat waktu" in html and "Terlambat" in html and "100,00" in html
    assert ids[0] in html and ids[1] in html and "sktm" in html
    kessos = client.get("/admin/iku/IKU4?period=2026&section=Seksi+Kessos").get_data(as_text=True)
    records = kessos.split('id="records"', 1)[1]
    assert ids[0] in records and ids[1] not in records


def test_drilldown_of_an_unknown_code_is_404(client, world):
    login(client, "camat")
    assert client.get("/admin/iku/IKU9?period=2026").status_code == 404


def test_drilldown_without_results_says_so(client, world):
    login(client, "camat")
    html = client.get("/admin/iku/IKU3?period=2026").get_data(as_text=True)
    assert "Belum ada data" in html


def test_iku6_lists_changed_rw_first(client, world, app):
    r1, r2 = world.wilayah.rw[world.kel1.id][0], world.wilayah.rw[world.kel2.id][2]
    with app.app_context():
        rows = [{"id": r1.id, "kelurahan_id": world.kel1.id, "now": False, "baseline": False, "changed": False},
                {"id": r2.id, "kelurahan_id": world.kel2.id, "now": True, "baseline": False, "changed": True}]
        result(world.kec_id, "IKU6", "2026", 50.0, details={"rw": rows})
        db.session.commit()
    login(client, "camat")
    table = client.get("/admin/iku/IKU6?period=2026").get_data(as_text=True).split('id="rw-table"', 1)[1]
    assert table.index(f"RW 03 · {world.kel2.nama}") < table.index(f"RW 01 · {world.kel1.nama}")

"""`flask --app server import-form FILE.xlsx`: publish, versions, bootstrap visibility, refusals with rows."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import db
from server.models import FormDefinition
from tests.factories import auth, make_user, make_wilayah
from tests.xlsform.helpers import posyandu, write_xlsform


@pytest.fixture
def people(app):
    with app.app_context():
        w = make_wilayah()
        kel1, kel2 = w.kelurahan
        return {"officer": make_user("petugas", "officer", w.kecamatan, [kel1])[1],
                "officer2": make_user("petugas2", "officer", w.kecamatan, [kel2])[1],
                "kiosk": make_user("kios", "kiosk", w.kecamatan)[1],
                "kel1": kel1.kode, "kel1_id": kel1.id, "rw1": w.rw[kel1.id][0].id}


def bootstrap_forms(client, token: str) -> dict[str, list[int]]:
    body = client.get("/api/v1/bootstrap", headers=auth(token)).get_json()
    out: dict[str, list[int]] = {}
    for form in body["forms"]:
        out.setdefault(form["code"], []).append(form["version"])
    return out


def test_import_publishes_one_line_and_appears_in_bootstrap_for_officers(app, runner, client, people, tmp_path):
    result = runner.invoke(args=["import-form", str(posyandu(tmp_path / "posyandu.xlsx", version="3"))])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "posyandu" in lines[0] and "3" in lines[0]
    forms = bootstrap_forms(client, people["officer"])
    assert forms["posyandu"] == [3]
    assert "posyandu" not in bootstrap_forms(client, people["kiosk"])  # default: officers only
    body = client.get("/api/v1/bootstrap", headers=auth(people["officer"])).get_json()
    form = next(f for f in body["forms"] if f["code"] == "posyandu")
    assert form["title"] == "Kunjungan Posyandu" and form["subject"] == "kelurahan"
    keys = [f["key"] for f in form["fields"]]
    assert keys[:3] == ["nama_anak", "umur_bulan", "berat"] and "imunisasi_other" in keys


def test_a_new_version_adds_to_the_code_and_the_same_file_twice_changes_nothing(app, runner, client, people, tmp_path):
    for version in ("1", "2", "2"):
        result = runner.invoke(args=["import-form", str(posyandu(tmp_path / f"p{version}.xlsx", version=version))])
        assert result.exit_code == 0, result.output
    assert bootstrap_forms(client, people["officer"])["posyandu"] == [1, 2]
    assert "tidak berubah" in result.output


def test_same_version_with_other_content_is_refused(app, runner, people, tmp_path):
    assert runner.invoke(args=["import-form", str(posyandu(tmp_path / "a.xlsx", version="5"))]).exit_code == 0
    other = write_xlsform(tmp_path / "b.xlsx", [["text", "nama", "Nama"]],
                          settings={"form_id": "posyandu", "version": "5", "form_title": "Lain"})
    result = runner.invoke(args=["import-form", str(other)])
    assert result.exit_code != 0 and "versi 5 sudah ada" in result.output


def test_missing_version_takes_the_next_one(app, runner, people, tmp_path):
    path = write_xlsform(tmp_path / "a.xlsx", [["text", "nama", "Nama"]],
                         settings={"form_id": "catatan-rt", "form_title": "Catatan RT"})
    assert "versi 1" in runner.invoke(args=["import-form", str(path)]).output
    path2 = write_xlsform(tmp_path / "b.xlsx", [["text", "nama", "Nama"], ["integer", "jumlah", "Jumlah"]],
                          settings={"form_id": "catatan-rt", "form_title": "Catatan RT"})
    assert "versi 2" in runner.invoke(args=["import-form", str(path2)]).output


def test_a_field_named_rw_id_makes_the_subject_an_rw(app, runner, client, people, tmp_path):
    path = write_xlsform(tmp_path / "rw.xlsx", [["integer", "rw_id", "RW"], ["integer", "jumlah_kk", "Jumlah KK", None, None, "yes"]],
                         settings={"form_id": "data-rw", "version": "1", "form_title": "Data RW"})
    assert runner.invoke(args=["import-form", str(path)]).exit_code == 0
    body = client.get("/api/v1/bootstrap", headers=auth(people["officer"])).get_json()
    form = next(f for f in body["forms"] if f["code"] == "data-rw")
    assert form["subject"] == "rw"
    item = {"id": "7b0d3f6e-1c52-4d8f-9a51-0c2f3f1c0a11", "form": "data-rw", "form_version": 1,
            "subject": {"rw_id": people["rw1"]}, "observed_at": "2026-01-05T09:00:00+07:00", "data": {"jumlah_kk": 41}}
    res = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(people["officer"])).get_json()
    assert res["results"][0]["status"] == "created", res


def test_roles_and_kelurahan_assignment(app, runner, client, people, tmp_path):
    path = posyandu(tmp_path / "p.xlsx", sikk_roles="officer kiosk", sikk_kelurahan=people["kel1"])
    assert runner.invoke(args=["import-form", str(path)]).exit_code == 0
    assert "posyandu" in bootstrap_forms(client, people["officer"])  # kelurahan 1
    assert "posyandu" not in bootstrap_forms(client, people["officer2"])  # kelurahan 2
    assert "posyandu" in bootstrap_forms(client, people["kiosk"])  # whole kecamatan
    path = posyandu(tmp_path / "q.xlsx", version="2")
    assert runner.invoke(args=["import-form", str(path), "--role", "kiosk"]).exit_code == 0
    assert bootstrap_forms(client, people["kiosk"])["posyandu"] == [1, 2]


@pytest.mark.parametrize("rows, choices, expected", [
    ([["text", "nama", "Nama"], ["begin repeat", "anak", "Anak"], ["text", "nama_anak", "Nama anak"], ["end repeat", "anak"]],
     [], ["baris 3", "repeat"]),
    ([["text", "nama", "Nama"], ["calculate", "harga", None, None, None, None, None, None, None, None,
                                 "pulldata('harga', 'nilai', 'kode', ${nama})"]],
     [], ["baris 3", "pulldata"]),
    ([["select_one_from_file desa.csv", "desa", "Desa"]], [], ["baris 2", "eksternal"]),
    ([["geotrace", "jalan", "Jalan"]], [], ["baris 2", "geotrace"]),
    ([["audio", "suara", "Suara"]], [], ["baris 2", "audio"]),
    ([["integer", "a", "A"], ["integer", "b", "B", None, None, None, None, None, "${zzz} > 1"]], [],
     ["baris 3", "zzz"]),
    ([["text", "a", "A"], ["text", "b", "B", None, None, None, ". = instance('x')/root/item"]], [],
     ["baris 3", "constraint"]),
])
def test_unsupported_is_refused_with_rows_and_nothing_is_stored(app, runner, people, tmp_path, rows, choices, expected):
    path = write_xlsform(tmp_path / "bad.xlsx", rows, choices,
                         settings={"form_id": "tolak", "version": "1", "form_title": "Ditolak"})
    result = runner.invoke(args=["import-form", str(path)])
    assert result.exit_code != 0
    for text in expected:
        assert text in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(FormDefinition.id).where(FormDefinition.code == "tolak")) is None


def test_pyxform_errors_are_reported_not_raised(app, runner, people, tmp_path):
    path = write_xlsform(tmp_path / "bad.xlsx", [["select_one nolist", "x", "X"]],
                         settings={"form_id": "tolak", "version": "1", "form_title": "Ditolak"})
    result = runner.invoke(args=["import-form", str(path)])
    assert result.exit_code != 0 and "XLSForm tidak valid" in result.output and "Traceback" not in result.output
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    result = runner.invoke(args=["import-form", str(garbage)])
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_a_builtin_form_keeps_the_fields_the_scores_read(app, runner, people, tmp_path):
    path = write_xlsform(tmp_path / "i.xlsx", [["text", "catatan", "Catatan"]],
                         settings={"form_id": "inspeksi-rw", "version": "2", "form_title": "Inspeksi RW",
                                   "sikk_subject": "rw"})
    result = runner.invoke(args=["import-form", str(path)])
    assert result.exit_code != 0 and "kebun_toga" in result.output

"""Every supported XLSForm feature is enforced on JSON submissions of an imported form."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests.factories import auth, make_user, make_wilayah
from tests.xlsform.helpers import posyandu

OBSERVED = "2026-01-05T09:00:00+07:00"
GOOD = {"nama_anak": "Ani", "umur_bulan": 12, "berat": 8.5, "jenis_kelamin": "P", "imunisasi": ["bcg", "polio"],
        "gizi_buruk": "tidak", "tanggal": "2026-01-05", "waktu": "2026-01-05T08:00:00+07:00", "jam_buka": "08:00",
        "lokasi": {"lat": -6.89, "lon": 107.61}, "setuju": True, "berat_gram": 8500, "kunjungan": 2}
# In the future but inside the date window every record's dates must lie in (server.periods: up to 366 days
# ahead), so the form's own constraint `. <= today()` is what refuses it, not the window.
NEXT_MONTH = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def officer(app, runner, tmp_path):
    with app.app_context():
        w = make_wilayah()
        token = make_user("petugas", "officer", w.kecamatan, [w.kelurahan[0]])[1]
        kel = w.kelurahan[0].id
    result = runner.invoke(args=["import-form", str(posyandu(tmp_path / "p.xlsx"))])
    assert result.exit_code == 0, result.output
    return token, kel


def send(client, officer, data: dict) -> dict:
    token, kel = officer
    item = {"id": str(uuid.uuid4()), "form": "posyandu", "form_version": 1, "subject": {"kelurahan_id": kel},
            "observed_at": OBSERVED, "data": data}
    res = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(token))
    assert res.status_code == 200, res.get_json()
    return res.get_json()["results"][0]


def test_a_complete_record_is_created(client, officer):
    assert send(client, officer, GOOD)["status"] == "created"


@pytest.mark.parametrize("change, field, message", [
    ({"nama_anak": None}, "nama_anak", "Wajib diisi"),                        # required
    ({"umur_bulan": 61}, "umur_bulan", "Umur 0–60 bulan"),                    # constraint + message
    ({"berat": 0}, "berat", "Berat tidak wajar"),                             # decimal constraint (strict >)
    ({"berat": "berat"}, "berat", "angka"),                                   # decimal type
    ({"umur_bulan": 2.5}, "umur_bulan", "bulat"),                             # integer type
    ({"jenis_kelamin": "X"}, "jenis_kelamin", "Pilihan"),                     # select_one choices
    ({"imunisasi": ["bcg", "flu"]}, "imunisasi", "Pilihan"),                  # select_multiple choices
    ({"gizi_buruk": "ya"}, "rujukan", "Wajib diisi"),                         # relevant → required
    ({"tanggal": NEXT_MONTH}, "tanggal", "masa depan"),                       # constraint with today()
    ({"tanggal": "05/01/2026"}, "tanggal", "tanggal"),                        # date type
    ({"waktu": "2026-01-05 08:00"}, "waktu", "ISO"),                          # datetime type
    ({"jam_buka": "25:00"}, "jam_buka", "jam"),                               # time type
    ({"lokasi": {"lat": 95, "lon": 0}}, "lokasi", "Koordinat"),               # geopoint
    ({"setuju": False}, "setuju", "true"),                                    # acknowledge
    ({"setuju": None}, "setuju", "Wajib diisi"),                              # acknowledge required
    ({"catatan_petugas": "x"}, "catatan_petugas", "Catatan"),                 # note carries no answer
    ({"foto": ["abc"]}, "foto", "SHA-256"),                                   # image → photo hashes
    ({"tidak_ada": 1}, "tidak_ada", "tidak dikenal"),                         # unknown key
])
def test_each_rule_is_enforced(client, officer, change, field, message):
    result = send(client, officer, {**GOOD, **change})
    assert result["status"] == "invalid", result
    assert message in result["errors"][f"data.{field}"], result["errors"]


def test_relevant_hides_questions_from_required_and_checks(client, officer):
    # imunisasi is relevant only when umur_bulan > 2: a young baby's wrong answer there is not checked.
    young = {**GOOD, "umur_bulan": 1, "imunisasi": ["flu"]}
    assert send(client, officer, young)["status"] == "created"
    # rujukan (required) is relevant only when gizi_buruk = ya.
    assert send(client, officer, {**GOOD, "gizi_buruk": "ya", "rujukan": "Puskesmas"})["status"] == "created"


def test_or_other_adds_a_text_question_shown_when_other_is_chosen(client, officer):
    result = send(client, officer, {**GOOD, "imunisasi": ["other"], "imunisasi_other": "Hepatitis B"})
    assert result["status"] == "created"


def test_optional_questions_may_be_left_out(client, officer):
    minimal = {k: GOOD[k] for k in ("nama_anak", "umur_bulan", "berat", "jenis_kelamin", "gizi_buruk", "tanggal", "setuju")}
    assert send(client, officer, minimal)["status"] == "created"


def test_labels_hints_groups_defaults_in_the_definition(app, client, officer):
    token, _ = officer
    body = client.get("/api/v1/bootstrap", headers=auth(token)).get_json()
    form = next(f for f in body["forms"] if f["code"] == "posyandu")
    by = {f["key"]: f for f in form["fields"]}
    assert by["nama_anak"]["label"] == "Nama anak" and by["nama_anak"]["label_en"] == "Child's name"
    assert by["nama_anak"]["hint"] == "nama lengkap" and by["nama_anak"]["group"] == "balita"
    assert form["groups"] == [{"name": "balita", "label": "Data balita", "label_en": "Toddler"}]
    assert by["kunjungan"]["default"] == "1"
    assert by["berat_gram"]["calculation"] == "${berat} * 1000"
    assert by["umur_bulan"]["min"] == 0 and by["umur_bulan"]["max"] == 60
    assert by["jenis_kelamin"]["choices"][0] == {"value": "L", "label": "Laki-laki", "label_en": "Male"}
    assert dt.date.today()  # the rules above ran against the server's today()


def test_a_form_assigned_to_some_kelurahan_is_refused_elsewhere(app, client, runner, tmp_path):
    """`sikk_kelurahan` is enforced at sync, not only in what bootstrap offers."""
    from tests.xlsform.helpers import posyandu as workbook

    with app.app_context():
        w = make_wilayah()
        kel1, kel2 = w.kelurahan[0], w.kelurahan[1]
        token = make_user("camat-x", "kecamatan_admin", w.kecamatan)[1]
        kel1_id, kel2_id, kel1_kode = kel1.id, kel2.id, kel1.kode
    path = workbook(tmp_path / "a.xlsx", sikk_roles="kecamatan_admin", sikk_kelurahan=kel1_kode)
    assert runner.invoke(args=["import-form", str(path)]).exit_code == 0
    items = [{"id": str(uuid.uuid4()), "form": "posyandu", "form_version": 1, "subject": {"kelurahan_id": kel},
              "observed_at": OBSERVED, "data": GOOD} for kel in (kel1_id, kel2_id)]
    results = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token)).get_json()["results"]
    assert results[0]["status"] == "created", results[0]
    assert results[1]["status"] == "invalid" and "tidak ditugaskan" in results[1]["errors"]["subject"]

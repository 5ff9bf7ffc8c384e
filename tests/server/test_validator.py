"""The pure validator: every field type, show_if, cross-field rules; never raises on any JSON."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.forms.catalogue import default_forms, default_service_types
from server.forms.validate import REQUIRED, UNKNOWN, validate

FORMS = {f["code"]: f for f in default_forms()}
SERVICE_TYPES = {s["code"] for s in default_service_types()}
SHA = "a" * 64

VALID = {
    "inspeksi-rw": {"kebun_toga": True, "pengelolaan_sampah": "cukup", "status_kumuh": "kumuh", "lembaga_aktif": False,
                    "kejadian_kriminal": 0, "konflik_sosial": 3, "foto": [SHA], "lokasi": {"lat": -6.89, "lon": 107.61},
                    "catatan": "RW bersih"},
    "skm": {**{f"u{i}": 1 + i % 4 for i in range(1, 10)}, "jenis_layanan": "domisili", "usia": 30,
            "pendidikan": "S1", "pekerjaan": "Lainnya", "jenis_kelamin": "L", "saran": ""},
    "pengaduan": {"tanggal_terima": "2026-02-28", "saluran": "daring", "kategori": "lainnya",
                  "kategori_lainnya": "Parkir"},
    "tindak-lanjut": {"tanggal": "2026-03-01"},
    "layanan": {"jenis_layanan": "pindah-datang", "waktu_terima": "2026-03-02T08:00:00+07:00"},
    "layanan-selesai": {"waktu_selesai": "2026-03-02T08:30:00Z"},
    "laporan-kelurahan": {"periode": "2026-Q1", "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0,
                          **{f"tgl_lapor_{k}": "2026-04-10" for k in
                             ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")}},
}


def test_catalogue_examples_are_valid():
    for code, data in VALID.items():
        assert validate(FORMS[code], data, SERVICE_TYPES) == {}, code


def test_required_fields_per_spec():
    required = {code: {f["key"] for f in form["fields"] if f["required"]} for code, form in FORMS.items()}
    assert required["inspeksi-rw"] == {"kebun_toga", "pengelolaan_sampah", "status_kumuh", "lembaga_aktif",
                                       "kejadian_kriminal", "konflik_sosial"}
    assert required["skm"] == {f"u{i}" for i in range(1, 10)}
    assert required["laporan-kelurahan"] == {f["key"] for f in FORMS["laporan-kelurahan"]["fields"]}
    assert required["layanan"] == {"jenis_layanan", "waktu_terima"}
    errors = validate(FORMS["inspeksi-rw"], {}, SERVICE_TYPES)
    assert errors == {k: REQUIRED for k in required["inspeksi-rw"]}


def test_type_errors():
    form = FORMS["inspeksi-rw"]
    cases = {
        "kebun_toga": 1, "pengelolaan_sampah": "bagus", "kejadian_kriminal": -1, "konflik_sosial": "2",
        "foto": SHA, "lokasi": [1, 2], "catatan": "x" * 2001, "tak_dikenal": 1,
    }
    errors = validate(form, {**VALID["inspeksi-rw"], **cases}, SERVICE_TYPES)
    assert set(errors) == set(cases)
    assert errors["tak_dikenal"] == UNKNOWN
    assert validate(form, {**VALID["inspeksi-rw"], "foto": [SHA.upper()]})["foto"]
    assert validate(form, {**VALID["inspeksi-rw"], "kejadian_kriminal": True})["kejadian_kriminal"]
    assert validate(form, {**VALID["inspeksi-rw"], "foto": [SHA] * 6})["foto"]


def test_likert_dates_datetimes():
    skm = FORMS["skm"]
    for bad in (0, 5, 2.0, "3", True, None):
        assert "u1" in validate(skm, {**VALID["skm"], "u1": bad}, SERVICE_TYPES)
    lap = FORMS["laporan-kelurahan"]
    for bad in ("2026-02-30", "2026-2-1", "01-02-2026", 20260101):
        assert "tgl_lapor_kessos" in validate(lap, {**VALID["laporan-kelurahan"], "tgl_lapor_kessos": bad})
    assert "periode" in validate(lap, {**VALID["laporan-kelurahan"], "periode": "2026-Q5"})
    lay = FORMS["layanan"]
    for bad in ("2026-03-02T08:00:00", "2026-03-02", "2026-13-02T08:00:00+07:00"):
        assert "waktu_terima" in validate(lay, {**VALID["layanan"], "waktu_terima": bad}, SERVICE_TYPES)


def test_service_types_come_from_the_catalogue():
    lay = FORMS["layanan"]
    assert validate(lay, {**VALID["layanan"], "jenis_layanan": "baru"}, SERVICE_TYPES)
    assert validate(lay, {**VALID["layanan"], "jenis_layanan": "baru"}, SERVICE_TYPES | {"baru"}) == {}


def test_waktu_selesai_not_before_waktu_terima():
    lay = FORMS["layanan"]
    same = {**VALID["layanan"], "waktu_selesai": "2026-03-02T01:00:00Z"}  # 08:00 WIB: equal is fine
    assert validate(lay, same, SERVICE_TYPES) == {}
    early = {**VALID["layanan"], "waktu_selesai": "2026-03-02T00:59:00Z"}
    assert set(validate(lay, early, SERVICE_TYPES)) == {"waktu_selesai"}


def test_show_if_hidden_field_not_required():
    form = {"fields": [
        {"key": "a", "type": "select_one", "required": True, "choices": [{"value": "x"}, {"value": "y"}]},
        {"key": "b", "type": "text", "required": True, "show_if": {"field": "a", "equals": "y"}},
        {"key": "c", "type": "integer", "required": True, "show_if": {"field": "a", "in": ["x"]}},
        {"key": "d", "type": "decimal", "min": 0, "max": 1.5},
        {"key": "e", "type": "select_multiple", "choices": [{"value": "p"}, {"value": "q"}], "max": 1},
    ]}
    assert validate(form, {"a": "x", "c": 1}) == {}
    assert validate(form, {"a": "y"}) == {"b": REQUIRED}
    assert validate(form, {"a": "x"}) == {"c": REQUIRED}
    assert set(validate(form, {"a": "x", "c": 1, "d": 2, "e": ["p", "q"]})) == {"d", "e"}
    assert set(validate(form, {"a": "x", "c": 1, "d": float("nan"), "e": ["r"]})) == {"d", "e"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(sorted(FORMS)), data=json_values)
def test_never_raises_on_arbitrary_json(code, data):
    result = validate(FORMS[code], data, SERVICE_TYPES)
    assert isinstance(result, dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())


keys_and_values = st.dictionaries(
    st.sampled_from(sorted({f["key"] for form in FORMS.values() for f in form["fields"]}) + ["x"]),
    json_values, max_size=12)


@settings(max_examples=300, deadline=None)
@given(code=st.sampled_from(sorted(FORMS)), data=keys_and_values)
def test_never_raises_on_plausible_keys(code, data):
    assert isinstance(validate(FORMS[code], data, SERVICE_TYPES), dict)

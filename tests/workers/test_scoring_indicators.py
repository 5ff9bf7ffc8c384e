"""compute_indicators: six results in order, scopes, targets and capaian, and the drill-down details."""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from workers.scoring import (
    DEFAULT_RULES,
    Complaint,
    Inspection,
    KecamatanData,
    Kelurahan,
    KelurahanReport,
    Period,
    RuleSet,
    ServiceEntry,
    ServiceType,
    Survey,
    capaian,
    compute_indicators,
)

WORKED_EXAMPLE = [
    [4, 4, 3, 4, 3, 4, 4, 3, 3],
    [3, 3, 3, 4, 3, 3, 4, 3, 2],
    [3, 2, 2, 4, 3, 3, 3, 3, 2],
    [4, 3, 3, 4, 4, 4, 4, 3, 3],
]
SERVICE_TYPES = {
    "pengantar-ktp": ServiceType("pengantar-ktp", "Surat pengantar KTP-el", "adminduk", "Seksi Pemerintahan", 60, "minutes"),
    "pindah-datang": ServiceType("pindah-datang", "Surat keterangan pindah/datang", "adminduk", "Seksi Pemerintahan", 3, "working_days"),
    "sktm": ServiceType("sktm", "Surat keterangan tidak mampu", "umum", "Seksi Kessos", 60, "minutes"),
    "keterangan-usaha": ServiceType("keterangan-usaha", "Surat keterangan usaha", "umum", "Seksi Ekobang", 1, "working_days"),
}
REPORT_KEYS = ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")
NAMES = {
    "IKU1": "Indeks Kepuasan Masyarakat (IKM)",
    "IKU2": "Persentase pengaduan masyarakat yang ditindaklanjuti",
    "IKU3": "Persentase pelayanan administrasi kependudukan yang diselesaikan tepat waktu",
    "IKU4": "Persentase pelayanan administrasi umum lainnya yang diselesaikan tepat waktu",
    "IKU5": "Persentase kelurahan dengan kriteria Baik",
    "IKU6": "Persentase RW berubah",
}


def answers(scores: list[int]) -> dict[str, int]:
    return {f"u{i + 1}": s for i, s in enumerate(scores)}


def good(iid: str, rw_id: int, observed: date, **overrides) -> Inspection:
    values = dict(kebun_toga=True, pengelolaan_sampah="baik", status_kumuh="tidak_kumuh", lembaga_aktif=True,
                  kejadian_kriminal=0, konflik_sosial=0)
    values.update(overrides)
    return Inspection(iid, rw_id, observed, **values)


def report(rid: str, kelurahan_id: int, quarter: str, **overrides) -> KelurahanReport:
    period = Period.parse(quarter)
    values = dict(lembaga_aktif=True, kejadian_kriminal=0, konflik_sosial=0,
                  report_dates={k: period.end for k in REPORT_KEYS})
    values.update(overrides)
    return KelurahanReport(rid, kelurahan_id, period, **values)


def kecamatan(targets: dict[str, float] | None = None) -> KecamatanData:
    """Two kelurahan, four RW, a handful of every record in 2026-Q1."""
    q1 = date(2026, 2, 10)
    return KecamatanData(
        kecamatan_id=1, nama="Coblong", service_population=1000,
        kelurahan=(Kelurahan(1, "32.73.02.1001", "Sekeloa", (11, 12), 100),
                   Kelurahan(2, "32.73.02.1002", "Dago", (21, 22), None)),
        surveys=(
            *(Survey(f"k1-{i}", 1, q1, answers(row)) for i, row in enumerate(WORKED_EXAMPLE)),  # 81.25 B
            Survey("office-1", None, q1, answers([2] * 9)),  # 50.00 D
            Survey("k2-1", 2, q1, answers([4] * 9)),  # 100.00 A
            Survey("k2-old", 2, date(2025, 12, 31), answers([1] * 9)),  # 2025: out of 2026
        ),
        complaints=(
            Complaint("c1", 1, date(2026, 1, 5), date(2026, 1, 6), ("t1",)),
            Complaint("c2", 1, date(2026, 3, 30), date(2026, 4, 2), ("t2",)),
            Complaint("c3", 2, date(2026, 2, 5), None),
            Complaint("c4", None, date(2026, 2, 5), date(2026, 2, 5), ("t4",)),
        ),
        services=(
            ServiceEntry("s1", 1, "pengantar-ktp", datetime(2026, 2, 2, 9), datetime(2026, 2, 2, 9, 45)),
            ServiceEntry("s2", 1, "pindah-datang", datetime(2026, 2, 2, 9), datetime(2026, 2, 6, 9)),  # 4 days: late
            ServiceEntry("s3", 2, "pengantar-ktp", datetime(2026, 2, 2, 9), datetime(2026, 2, 2, 10)),
            ServiceEntry("s4", None, "sktm", datetime(2026, 2, 2, 9), datetime(2026, 2, 2, 9, 30)),
            ServiceEntry("s5", 2, "keterangan-usaha", datetime(2026, 2, 6, 9), datetime(2026, 2, 9, 9)),  # Fri→Mon
            ServiceEntry("s6", 2, "sktm", datetime(2026, 2, 2, 9), datetime(2026, 2, 2, 11)),  # late
        ),
        service_types=SERVICE_TYPES,
        inspections=(
            good("i11a", 11, date(2025, 6, 1), kebun_toga=False),
            good("i11b", 11, date(2026, 1, 20)),
            good("i12a", 12, date(2026, 1, 21)),
            good("i21a", 21, date(2025, 6, 1)),
            good("i21b", 21, date(2026, 1, 22)),
            good("i22a", 22, date(2026, 1, 23), status_kumuh="kumuh"),
        ),
        reports=(
            report("r1", 1, "2026-Q1"),
            report("r2", 2, "2026-Q1", report_dates={**{k: date(2026, 4, 1) for k in REPORT_KEYS},
                                                     "keuangan": date(2026, 4, 11)}),
        ),
        holidays=frozenset(),
        targets=targets or {},
    )


def by_code(results):
    return {r.code: r for r in results}


def test_six_results_in_order_with_names_units_and_rule_version() -> None:
    results = compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES)
    assert [r.code for r in results] == ["IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"]
    assert {r.code: r.name for r in results} == NAMES
    assert [r.unit for r in results] == ["indeks", "%", "%", "%", "%", "%"]
    assert {r.rule_version for r in results} == {1}
    rules = RuleSet(version=4, effective_from="2026")
    assert {r.rule_version for r in compute_indicators(kecamatan(), Period(2026, 1), rules)} == {4}


def test_kecamatan_values() -> None:
    r = by_code(compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES))
    # IKU1 pooled: 4 respondents of kelurahan 1, 1 office, 1 kelurahan 2
    assert r["IKU1"].denominator == 6
    assert r["IKU1"].value == 79.17 and r["IKU1"].mutu == "B"  # Σ answers 117 + 18 + 36 = 171; 171/6/9·25 = 79.1666…
    assert (r["IKU2"].numerator, r["IKU2"].denominator, r["IKU2"].value) == (2, 4, 50.0)
    assert (r["IKU3"].numerator, r["IKU3"].denominator, r["IKU3"].value) == (2, 3, 66.67)
    assert (r["IKU4"].numerator, r["IKU4"].denominator, r["IKU4"].value) == (2, 3, 66.67)
    # IKU5: kelurahan 1 Baik; kelurahan 2 reported keuangan late (K7)
    assert (r["IKU5"].numerator, r["IKU5"].denominator, r["IKU5"].value) == (1, 2, 50.0)
    # IKU6: RW 11 changed (no TOGA in 2025), RW 12 changed (no baseline), 21 was Baik, 22 is kumuh
    assert (r["IKU6"].numerator, r["IKU6"].denominator, r["IKU6"].value) == (2, 4, 50.0)


def test_iku1_details() -> None:
    iku1 = by_code(compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES))["IKU1"]
    d = iku1.details
    assert d["respondents"] == 6 and d["mutu"] == "B"
    assert d["record_ids"] == sorted(["k1-0", "k1-1", "k1-2", "k1-3", "office-1", "k2-1"])
    assert list(d["nrr"]) == [f"u{i}" for i in range(1, 10)]
    assert d["ikm_raw"] == 3.1667 and iku1.numerator == 3.1667
    assert d["min_sample"] == 278
    units = {u["kelurahan_id"]: u for u in d["units"]}
    assert units[None] == {"kelurahan_id": None, "value": 50.0, "mutu": "D", "respondents": 1, "min_sample": 278, "warning": True}
    assert units[1] == {"kelurahan_id": 1, "value": 81.25, "mutu": "B", "respondents": 4, "min_sample": 80, "warning": True}
    assert units[2] == {"kelurahan_id": 2, "value": 100.0, "mutu": "A", "respondents": 1, "min_sample": None, "warning": False}
    assert any("278" in w for w in d["warnings"])


def test_iku1_for_a_kelurahan_is_its_unit() -> None:
    r = by_code(compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES, kelurahan_id=1))
    assert (r["IKU1"].value, r["IKU1"].mutu, r["IKU1"].denominator) == (81.25, "B", 4)
    assert [u["kelurahan_id"] for u in r["IKU1"].details["units"]] == [1]
    assert r["IKU1"].details["min_sample"] == 80


def test_iku2_to_4_details_and_sections() -> None:
    r = by_code(compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES))
    assert r["IKU2"].details["followed_up_ids"] == ["c1", "c4"]
    assert r["IKU2"].details["record_ids"] == ["c1", "c2", "c3", "c4"]
    assert (r["IKU3"].details["on_time_ids"], r["IKU3"].details["late_ids"]) == (["s1", "s3"], ["s2"])
    assert r["IKU4"].details["sections"] == {
        "Seksi Ekobang": {"numerator": 1, "denominator": 1, "value": 100.0},
        "Seksi Kessos": {"numerator": 1, "denominator": 2, "value": 50.0},
    }


def test_iku5_details_and_kelurahan_scope() -> None:
    data = kecamatan()
    r = by_code(compute_indicators(data, Period(2026, 1), DEFAULT_RULES))
    rows = {row["id"]: row for row in r["IKU5"].details["kelurahan"]}
    assert rows[1]["baik"] is True
    assert rows[2]["baik"] is False
    assert [k for k, c in rows[2]["criteria"].items() if not c["held"]] == ["K7"]
    assert rows[2]["criteria"]["K5"]["held"] is True  # RW 22 is kumuh now, but was not at the baseline
    assert (r["IKU5"].numerator, r["IKU5"].value) == (1, 50.0)
    k1 = by_code(compute_indicators(data, Period(2026, 1), DEFAULT_RULES, kelurahan_id=1))["IKU5"]
    k2 = by_code(compute_indicators(data, Period(2026, 1), DEFAULT_RULES, kelurahan_id=2))["IKU5"]
    assert (k1.value, k1.numerator, k1.denominator) == (100.0, 1, 1)
    assert (k2.value, k2.numerator, k2.denominator) == (0.0, 0, 1)


def test_iku6_details() -> None:
    iku6 = by_code(compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES))["IKU6"]
    rows = {row["id"]: row for row in iku6.details["rw"]}
    assert rows[11] == {"id": 11, "kelurahan_id": 1, "now": True, "baseline": False, "changed": True,
                        "inspection_now": "i11b", "inspection_baseline": "i11a",
                        "nomor": None, "kelurahan": rows[11]["kelurahan"]}  # names
    assert rows[21]["changed"] is False and rows[21]["baseline"] is True
    assert rows[22]["now"] is False
    assert iku6.details["record_ids"] == ["i11a", "i11b", "i12a", "i21a", "i21b", "i22a"]
    mine = by_code(compute_indicators(kecamatan(), Period(2026, 1), DEFAULT_RULES, kelurahan_id=2))["IKU6"]
    assert (mine.numerator, mine.denominator) == (0, 2)


def test_everything_is_json_able() -> None:
    for kelurahan_id in (None, 1, 2):
        for result in compute_indicators(kecamatan(), Period(2026), DEFAULT_RULES, kelurahan_id):
            assert json.loads(json.dumps(result.to_dict()))["code"] == result.code
            assert "record_ids" in result.details and "warnings" in result.details


def test_empty_period_gives_no_values_but_denominators() -> None:
    r = by_code(compute_indicators(kecamatan(), Period(2024, 3), DEFAULT_RULES))
    for code in ("IKU1", "IKU2", "IKU3", "IKU4"):
        assert r[code].value is None and r[code].denominator == 0, code
    # A period with no source record is "no data", never 0 %.
    assert r["IKU5"].value is None and r["IKU5"].capaian is None and r["IKU5"].details["reason"]
    assert r["IKU6"].value is None and r["IKU6"].details["reason"].startswith("Tidak ada data")


def test_kecamatan_without_kelurahan() -> None:
    data = KecamatanData(kecamatan_id=9, nama="Kosong", service_population=None, kelurahan=())
    r = by_code(compute_indicators(data, Period(2026), DEFAULT_RULES))
    assert r["IKU5"].value is None and r["IKU6"].value is None


def test_unknown_kelurahan_is_an_error() -> None:
    with pytest.raises(ValueError):
        compute_indicators(kecamatan(), Period(2026), DEFAULT_RULES, kelurahan_id=99)


def test_targets_and_capaian() -> None:
    data = kecamatan({"IKU1": 80.0, "IKU2": 80.0, "IKU3": 0.0, "IKU6": 40.0})
    r = by_code(compute_indicators(data, Period(2026, 1), DEFAULT_RULES))
    assert (r["IKU1"].target, r["IKU1"].capaian) == (80.0, 98.96)  # 79.17 / 80 = 98.9625
    assert (r["IKU2"].target, r["IKU2"].capaian) == (80.0, 62.5)
    assert (r["IKU3"].target, r["IKU3"].capaian) == (0.0, None)  # no capaian against a zero target
    assert (r["IKU4"].target, r["IKU4"].capaian) == (None, None)
    assert r["IKU6"].capaian == 125.0
    lower = RuleSet(version=2, effective_from="2026", lower_is_better=frozenset({"IKU2"}))
    r = by_code(compute_indicators(data, Period(2026, 1), lower))
    assert r["IKU2"].capaian == 137.5  # (2·80 − 50) / 80 · 100
    assert r["IKU1"].capaian == 98.96  # other codes keep the plain formula


LOWER = RuleSet(version=2, effective_from="2026", lower_is_better=frozenset({"IKU2"}))


@pytest.mark.parametrize(
    ("code", "value", "target", "rules", "expected"),
    [
        ("IKU2", 50.0, 80.0, DEFAULT_RULES, 62.5),
        ("IKU2", 66.67, 75.0, DEFAULT_RULES, 88.89),  # 88.8933…
        ("IKU2", 0.1, 0.8, DEFAULT_RULES, 12.5),
        ("IKU2", 100.0, 80.0, DEFAULT_RULES, 125.0),
        ("IKU2", 1.0, 3.0, DEFAULT_RULES, 33.33),
        ("IKU2", 2.0, 3.0, DEFAULT_RULES, 66.67),
        ("IKU2", 50.0, 80.0, LOWER, 137.5),
        ("IKU2", 160.0, 80.0, LOWER, 0.0),
        ("IKU2", 200.0, 80.0, LOWER, 0.0),  # floored at 0
        ("IKU2", 80.0, 80.0, LOWER, 100.0),
        ("IKU3", 50.0, 80.0, LOWER, 62.5),
        ("IKU2", None, 80.0, DEFAULT_RULES, None),
        ("IKU2", 50.0, None, DEFAULT_RULES, None),
        ("IKU2", 50.0, 0.0, DEFAULT_RULES, None),
        ("IKU2", 0.0, 80.0, DEFAULT_RULES, 0.0),
        ("IKU1", 81.25, 76.61, DEFAULT_RULES, 106.06),  # 106.0566…
        ("IKU1", 0.125, 100.0, DEFAULT_RULES, 0.13),  # half-up on the exact value, not on a float product
    ],
)
def test_capaian(code: str, value: float | None, target: float | None, rules: RuleSet, expected: float | None) -> None:
    assert capaian(code, value, target, rules) == expected


def test_same_data_graded_under_two_rule_sets() -> None:
    """The per-data cache must not carry one rule set's grades into another's results."""
    data = kecamatan()
    strict = RuleSet(version=2, effective_from="2026", mutu_a=99.0, mutu_b=95.0, mutu_c=90.0, k6_min_ikm=95.0)
    default = by_code(compute_indicators(data, Period(2026, 1), DEFAULT_RULES, kelurahan_id=1))
    graded = by_code(compute_indicators(data, Period(2026, 1), strict, kelurahan_id=1))
    again = by_code(compute_indicators(data, Period(2026, 1), DEFAULT_RULES, kelurahan_id=1))
    assert (default["IKU1"].mutu, graded["IKU1"].mutu, again["IKU1"].mutu) == ("B", "D", "B")
    assert default["IKU5"].value == 100.0 and graded["IKU5"].value == 0.0 and again["IKU5"].value == 100.0

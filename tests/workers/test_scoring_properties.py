"""Property tests over random kecamatan: invariants every result must keep, whatever the data."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workers.scoring import (
    DEFAULT_RULES,
    Complaint,
    Inspection,
    KecamatanData,
    Kelurahan,
    KelurahanReport,
    Period,
    ServiceEntry,
    ServiceType,
    Survey,
    compute_indicators,
)
from workers.scoring.indicators import READ_UNTIL_PERIOD_END
from workers.scoring.rounding import percentage

KELURAHAN = (
    Kelurahan(1, "32.73.02.1001", "Satu", (11, 12, 13), 150),
    Kelurahan(2, "32.73.02.1002", "Dua", (21,), None),
    Kelurahan(3, "32.73.02.1003", "Tiga", (31, 32), 40),
)
RW_IDS = [rw for k in KELURAHAN for rw in k.rw_ids]
UNIT_IDS = [None, 1, 2, 3]
SERVICE_TYPES = {
    "ktp": ServiceType("ktp", "KTP", "adminduk", "Seksi Pemerintahan", 60, "minutes"),
    "pindah": ServiceType("pindah", "Pindah", "adminduk", "Seksi Pemerintahan", 3, "working_days"),
    "sktm": ServiceType("sktm", "SKTM", "umum", "Seksi Kessos", 30, "minutes"),
    "usaha": ServiceType("usaha", "Usaha", "umum", "Seksi Ekobang", 1, "working_days"),
    "ramai": ServiceType("ramai", "Keramaian", "umum", "Seksi Trantib", 3, "working_days"),
}
REPORT_KEYS = ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")
PERIODS = [Period(2026), *Period(2026).quarters()]

days = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))
units = st.sampled_from(UNIT_IDS)
ids = st.uuids().map(str)

surveys = st.builds(
    Survey, ids, units, days,
    st.dictionaries(st.sampled_from([f"u{i}" for i in range(1, 10)]), st.integers(1, 4), min_size=1),
)


@st.composite
def complaints(draw) -> Complaint:
    received = draw(days)
    followed = draw(st.none() | st.integers(0, 60).map(lambda n: received + timedelta(days=n)))
    return Complaint(draw(ids), draw(units), received, followed, ("tl",) if followed else ())


@st.composite
def services(draw) -> ServiceEntry:
    received = datetime.combine(draw(days), datetime.min.time()) + timedelta(minutes=draw(st.integers(7 * 60, 16 * 60)))
    completed = draw(st.none() | st.integers(0, 8 * 24 * 60).map(lambda m: received + timedelta(minutes=m)))
    return ServiceEntry(draw(ids), draw(units), draw(st.sampled_from(sorted(SERVICE_TYPES))), received, completed)


inspections = st.builds(
    Inspection, ids, st.sampled_from(RW_IDS), days, st.booleans(), st.sampled_from(["baik", "cukup", "buruk"]),
    st.sampled_from(["kumuh", "tidak_kumuh"]), st.booleans(), st.integers(0, 3), st.integers(0, 3),
)


@st.composite
def reports(draw) -> KelurahanReport:
    period = Period(draw(st.sampled_from([2025, 2026])), draw(st.integers(1, 4)))
    dates = {key: period.end + timedelta(days=draw(st.integers(-20, 15))) for key in REPORT_KEYS}
    return KelurahanReport(draw(ids), draw(st.sampled_from([1, 2, 3])), period, draw(st.booleans()),
                           draw(st.integers(0, 4)), draw(st.integers(0, 4)), dates)


kecamatan_data = st.builds(
    KecamatanData,
    kecamatan_id=st.just(1), nama=st.just("Uji"), service_population=st.sampled_from([None, 500, 5000]),
    kelurahan=st.just(KELURAHAN),
    surveys=st.lists(surveys, max_size=25).map(tuple),
    complaints=st.lists(complaints(), max_size=25).map(tuple),
    services=st.lists(services(), max_size=25).map(tuple),
    service_types=st.just(SERVICE_TYPES),
    inspections=st.lists(inspections, max_size=20).map(tuple),
    reports=st.lists(reports(), max_size=15).map(tuple),
    holidays=st.frozensets(days, max_size=5),
    targets=st.dictionaries(st.sampled_from([f"IKU{n}" for n in range(1, 7)]), st.floats(1, 100)),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def by_code(results) -> dict:
    return {r.code: r for r in results}


@SETTINGS
@given(kecamatan_data, st.sampled_from(PERIODS), st.sampled_from([None, 1, 2, 3]))
def test_percentages_are_bounded_and_follow_their_counts(data: KecamatanData, period: Period, kelurahan_id) -> None:
    for result in compute_indicators(data, period, DEFAULT_RULES, kelurahan_id):
        if result.code == "IKU1":
            assert result.value is None or 25 <= result.value <= 100
            assert (result.value is None) == (result.denominator == 0)
            continue
        assert 0 <= result.numerator <= result.denominator
        if result.value is None and result.code in ("IKU5", "IKU6"):  # "no data" has a reason
            assert result.details["reason"].startswith("Tidak ada data")
        else:
            assert result.value == percentage(result.numerator, result.denominator)
        assert result.value is None or 0 <= result.value <= 100
        assert len(result.details["record_ids"]) == len(set(result.details["record_ids"]))
        if result.code in ("IKU2", "IKU3", "IKU4"):
            assert len(result.details["record_ids"]) == result.denominator


@SETTINGS
@given(kecamatan_data, st.sampled_from(PERIODS))
def test_kelurahan_results_add_up_to_the_kecamatan(data: KecamatanData, period: Period) -> None:
    whole = by_code(compute_indicators(data, period, DEFAULT_RULES))
    parts = [by_code(compute_indicators(data, period, DEFAULT_RULES, k.id)) for k in KELURAHAN]
    office_complaints = [c.id for c in data.complaints if c.kelurahan_id is None and period.contains(c.received)]
    office_services = {
        s.id for s in data.services
        if s.kelurahan_id is None and s.completed is not None and period.contains(s.completed.date())
    }
    for code in ("IKU2", "IKU3", "IKU4"):
        kelurahan_ids = [rid for part in parts for rid in part[code].details["record_ids"]]
        office = [rid for rid in whole[code].details["record_ids"] if rid not in set(kelurahan_ids)]
        assert sorted(kelurahan_ids + office) == whole[code].details["record_ids"]
        if code == "IKU2":
            assert sorted(office) == sorted(office_complaints)
        else:
            assert set(office) <= office_services
        office_numerator = whole[code].numerator - sum(part[code].numerator for part in parts)
        assert 0 <= office_numerator <= len(office)
    for code in ("IKU5", "IKU6"):
        assert whole[code].numerator == sum(part[code].numerator for part in parts)
        assert whole[code].denominator == sum(part[code].denominator for part in parts)
    units = {u["kelurahan_id"]: u for u in whole["IKU1"].details["units"]}
    for k, part in zip(KELURAHAN, parts):
        assert (units[k.id]["value"], units[k.id]["mutu"]) == (part["IKU1"].value, part["IKU1"].mutu)
    assert whole["IKU1"].denominator == sum(u["respondents"] for u in units.values())


@SETTINGS
@given(kecamatan_data, st.sampled_from(PERIODS), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(data: KecamatanData, period: Period, rng: random.Random) -> None:
    def shuffled(items: tuple) -> tuple:
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    mixed = replace(
        data, surveys=shuffled(data.surveys), complaints=shuffled(data.complaints),
        services=shuffled(data.services), inspections=shuffled(data.inspections), reports=shuffled(data.reports),
    )
    before = [r.to_dict() for r in compute_indicators(data, period, DEFAULT_RULES)]
    after = [r.to_dict() for r in compute_indicators(mixed, period, DEFAULT_RULES)]
    assert before == after


@SETTINGS
@given(kecamatan_data)
def test_year_counts_are_the_sum_of_its_quarters(data: KecamatanData) -> None:
    year = by_code(compute_indicators(data, Period(2026), DEFAULT_RULES))
    quarters = [by_code(compute_indicators(data, q, DEFAULT_RULES)) for q in Period(2026).quarters()]
    for code in ("IKU2", "IKU3", "IKU4"):
        assert year[code].denominator == sum(q[code].denominator for q in quarters)
    assert year["IKU1"].denominator == sum(q["IKU1"].denominator for q in quarters)
    # IKU3/4: on time does not depend on the period; IKU2: a follow-up after the quarter counts for the year
    for code in ("IKU3", "IKU4"):
        assert year[code].numerator == sum(q[code].numerator for q in quarters)
    assert year["IKU2"].numerator >= sum(q["IKU2"].numerator for q in quarters)
    # IKU6 "now" for the year is the end of Q4
    assert year["IKU6"].details["rw"] == quarters[3]["IKU6"].details["rw"]


@SETTINGS
@given(kecamatan_data, st.sampled_from(PERIODS), st.lists(inspections, max_size=6), st.lists(surveys, max_size=6))
def test_records_dated_after_a_period_change_none_of_its_results(data: KecamatanData, period: Period,
                                                                 more_inspections, more_surveys) -> None:
    """READ_UNTIL_PERIOD_END, which workers.result_memo relies on: inspections and surveys observed after
    a period's end (any day, any RW or unit) leave every result of the period as it was."""
    assert set(READ_UNTIL_PERIOD_END) == {"inspections", "surveys"}

    def after(record):
        return replace(record, observed=period.end + timedelta(days=1 + record.observed.toordinal() % 500))

    later = replace(data, inspections=(*data.inspections, *map(after, more_inspections)),
                    surveys=(*data.surveys, *map(after, more_surveys)))
    for kelurahan_id in UNIT_IDS:
        assert (compute_indicators(later, period, DEFAULT_RULES, kelurahan_id)
                == compute_indicators(data, period, DEFAULT_RULES, kelurahan_id))


@SETTINGS
@given(kecamatan_data, st.sampled_from(PERIODS), st.sampled_from([1, 2, 3]), st.lists(inspections, max_size=6),
       st.lists(surveys, max_size=6), st.lists(complaints(), max_size=4), st.lists(services(), max_size=4),
       st.lists(reports(), max_size=4))
def test_a_kelurahan_reads_only_its_own_records(data: KecamatanData, period: Period, kelurahan_id: int,
                                                more_inspections, more_surveys, more_complaints, more_services,
                                                more_reports) -> None:
    """What workers.result_memo relies on to keep a kelurahan's results when only other units changed:
    records of every other unit (another kelurahan, its RW, the kecamatan office) change none of them."""
    own_rw = set(next(k for k in KELURAHAN if k.id == kelurahan_id).rw_ids)
    others = [rw for rw in RW_IDS if rw not in own_rw]
    elsewhere = [unit for unit in UNIT_IDS if unit != kelurahan_id]

    def moved(record, field: str, choices: list):
        return replace(record, **{field: choices[hash(record.id) % len(choices)]})

    changed = replace(
        data,
        inspections=(*data.inspections, *(moved(i, "rw_id", others) for i in more_inspections)),
        surveys=(*data.surveys, *(moved(s, "kelurahan_id", elsewhere) for s in more_surveys)),
        complaints=(*data.complaints, *(moved(c, "kelurahan_id", elsewhere) for c in more_complaints)),
        services=(*data.services, *(moved(s, "kelurahan_id", elsewhere) for s in more_services)),
        reports=(*data.reports, *(moved(r, "kelurahan_id", [k for k in (1, 2, 3) if k != kelurahan_id])
                                  for r in more_reports)),
    )
    assert (compute_indicators(changed, period, DEFAULT_RULES, kelurahan_id)
            == compute_indicators(data, period, DEFAULT_RULES, kelurahan_id))

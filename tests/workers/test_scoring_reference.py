"""compute_indicators against a deliberately naive reference written straight from the rules (docs/scoring.md).

The reference scans every record with plain loops, counts working days one day at a time and
rounds with ``decimal`` on exact ratios; it shares no code with ``workers.scoring`` beyond the
input dataclasses. Hypothesis feeds both the same random kecamatan (see test_scoring_properties).
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from tests.workers.test_scoring_properties import KELURAHAN, PERIODS, SERVICE_TYPES, SETTINGS, kecamatan_data
from workers.scoring import (
    DEFAULT_RULES,
    Inspection,
    KecamatanData,
    KelurahanReport,
    Period,
    Survey,
    compute_indicators,
)

REPORT_KEYS = ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")


def rounded(fraction: Fraction) -> float:
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def pct(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else rounded(Fraction(100 * numerator, denominator))


def in_period(day: date, period: Period) -> bool:
    return period.start <= day <= period.end


def in_scope(unit: int | None, kelurahan_id: int | None) -> bool:
    return kelurahan_id is None or unit == kelurahan_id


def ref_ikm(data: KecamatanData, period: Period, kelurahan_id: int | None) -> float | None:
    surveys = [s for s in data.surveys if in_period(s.observed, period) and in_scope(s.kelurahan_id, kelurahan_id)]
    nrr = []
    for element in (f"u{i}" for i in range(1, 10)):
        scores = [s.answers[element] for s in surveys if element in s.answers]
        if scores:
            nrr.append(Fraction(sum(scores), len(scores)))
    if not nrr:
        return None
    return rounded(sum(nrr) / len(nrr) * 25)


def ref_iku2(data: KecamatanData, period: Period, kelurahan_id: int | None) -> tuple[int, int]:
    received = [c for c in data.complaints if in_period(c.received, period) and in_scope(c.kelurahan_id, kelurahan_id)]
    done = [c for c in received if c.followed_up is not None and c.followed_up <= period.end]
    return len(done), len(received)


def ref_working_days(start: date, end: date, holidays: frozenset[date]) -> int:
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            count += 1
    return count


def ref_on_time(data: KecamatanData, period: Period, kelurahan_id: int | None, group: str) -> tuple[int, int]:
    on_time = total = 0
    for s in data.services:
        if s.completed is None or not in_period(s.completed.date(), period) or not in_scope(s.kelurahan_id, kelurahan_id):
            continue
        kind = data.service_types[s.service_code]
        if kind.group != group:
            continue
        total += 1
        if kind.sop_unit == "minutes":
            taken = (s.completed - s.received).total_seconds() / 60
        else:
            taken = ref_working_days(s.received.date(), s.completed.date(), data.holidays)
        on_time += taken <= kind.sop_value
    return on_time, total


def status_at(data: KecamatanData, rw_id: int, day: date) -> Inspection | None:
    candidates = [i for i in data.inspections if i.rw_id == rw_id and i.observed <= day]
    return max(candidates, key=lambda i: (i.observed, i.id), default=None)


def baik(inspection: Inspection | None) -> bool:
    return (inspection is not None and inspection.kebun_toga and inspection.pengelolaan_sampah == "baik"
            and inspection.status_kumuh == "tidak_kumuh" and inspection.lembaga_aktif)


def ref_iku6(data: KecamatanData, period: Period, kelurahan_id: int | None) -> tuple[int, int]:
    baseline = date(period.year - 1, 12, 31)
    rws = [rw for k in data.kelurahan if in_scope(k.id, kelurahan_id) for rw in k.rw_ids]
    changed = sum(1 for rw in rws if baik(status_at(data, rw, period.end)) and not baik(status_at(data, rw, baseline)))
    return changed, len(rws)


def ref_criteria(data: KecamatanData, period: Period, kelurahan_id: int) -> dict[str, bool]:
    kelurahan = next(k for k in data.kelurahan if k.id == kelurahan_id)
    # One report per kelurahan and quarter (these have no observed/received: the larger id).
    latest: dict = {}
    for r in data.reports:
        if r.kelurahan_id == kelurahan_id and (r.period not in latest or r.id > latest[r.period].id):
            latest[r.period] = r
    mine = list(latest.values())
    covering = [r for r in mine if in_period(r.period.start, period) and in_period(r.period.end, period)]
    # Like with like — a year against the same quarters a year earlier.
    if period.quarter is None:
        wanted = {Period(r.period.year - 1, r.period.quarter) for r in covering}
    else:
        wanted = {period.previous()}
    previous = [r for r in mine if r.period in wanted]
    k1 = bool(covering) and all(r.lembaga_aktif for r in covering)
    k2 = bool(covering) and (sum(r.kejadian_kriminal + r.konflik_sosial for r in covering)
                             <= sum(r.kejadian_kriminal + r.konflik_sosial for r in previous))
    now = [status_at(data, rw, period.end) for rw in kelurahan.rw_ids]
    then = [status_at(data, rw, date(period.year - 1, 12, 31)) for rw in kelurahan.rw_ids]
    k3 = bool(now) and all(i is not None and i.kebun_toga for i in now)
    k4 = bool(now) and all(i is not None and i.pengelolaan_sampah == "baik" for i in now)
    k5 = all(n is not None and n.status_kumuh == "tidak_kumuh"
             for n, t in zip(now, then) if t is not None and t.status_kumuh == "kumuh")
    ikm = ref_ikm(data, period, kelurahan_id)
    k6 = ikm is not None and ikm >= 76.61
    k7 = bool(covering) and all(
        r.report_dates.get(key) is not None and r.report_dates[key] <= r.period.end + timedelta(days=10)
        for r in covering for key in REPORT_KEYS
    )
    return {"K1": k1, "K2": k2, "K3": k3, "K4": k4, "K5": k5, "K6": k6, "K7": k7}


def mostly(good, bad) -> st.SearchStrategy:
    """``good`` five times out of six."""
    return st.sampled_from([good] * 5 + [bad])


day_2025_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def well_run_kecamatan(draw) -> KecamatanData:
    """A kecamatan that mostly does well, so that every criterion is seen both held and not held."""
    reports = []
    for kelurahan in KELURAHAN:
        for year in (2025, 2026):
            for quarter in (1, 2, 3, 4):
                if draw(mostly(True, False)):
                    period = Period(year, quarter)
                    late = draw(mostly(0, 11))
                    reports.append(KelurahanReport(
                        f"r{kelurahan.id}-{period.label}", kelurahan.id, period, draw(mostly(True, False)),
                        draw(st.integers(0, 2)), draw(st.integers(0, 1)),
                        {key: period.end + timedelta(days=draw(st.sampled_from([1, 5, 10, late]))) for key in REPORT_KEYS},
                    ))
    inspections = [
        Inspection(f"i{rw}-{n}", rw, draw(day_2025_2026), draw(mostly(True, False)), draw(mostly("baik", "cukup")),
                   draw(mostly("tidak_kumuh", "kumuh")), draw(mostly(True, False)), 0, 0)
        for kelurahan in KELURAHAN for rw in kelurahan.rw_ids for n in range(draw(st.integers(0, 3)))
    ]
    surveys = [
        Survey(f"s{n}", draw(st.sampled_from([None, 1, 2, 3])), draw(day_2025_2026),
               {f"u{i}": draw(mostly(4, draw(st.integers(1, 3)))) for i in range(1, 10)})
        for n in range(draw(st.integers(0, 30)))
    ]
    return KecamatanData(1, "Baik", 500, KELURAHAN, surveys=tuple(surveys), service_types=SERVICE_TYPES,
                         inspections=tuple(inspections), reports=tuple(reports))


@SETTINGS
@given(st.one_of(kecamatan_data, well_run_kecamatan()), st.sampled_from(PERIODS), st.sampled_from([None, *(k.id for k in KELURAHAN)]))
def test_matches_the_naive_reference(data: KecamatanData, period: Period, kelurahan_id: int | None) -> None:
    results = {r.code: r for r in compute_indicators(data, period, DEFAULT_RULES, kelurahan_id)}
    assert results["IKU1"].value == ref_ikm(data, period, kelurahan_id)
    for code, (numerator, denominator) in {
        "IKU2": ref_iku2(data, period, kelurahan_id),
        "IKU3": ref_on_time(data, period, kelurahan_id, "adminduk"),
        "IKU4": ref_on_time(data, period, kelurahan_id, "umum"),
        "IKU6": ref_iku6(data, period, kelurahan_id),
    }.items():
        assert (results[code].numerator, results[code].denominator) == (numerator, denominator), code
        if code == "IKU6" and not any(status_at(data, rw, period.end) for k in data.kelurahan
                                      if in_scope(k.id, kelurahan_id) for rw in k.rw_ids):
            assert results[code].value is None, code  # no inspection yet is "no data"
        else:
            assert results[code].value == pct(numerator, denominator), code
    ids = [k.id for k in data.kelurahan if in_scope(k.id, kelurahan_id)]
    criteria = {k: ref_criteria(data, period, k) for k in ids}
    for row in results["IKU5"].details["kelurahan"]:
        assert {code: c["held"] for code, c in row["criteria"].items()} == criteria[row["id"]], row["id"]
        assert row["baik"] is all(criteria[row["id"]].values())
    baik_count = sum(all(c.values()) for c in criteria.values())
    assert (results["IKU5"].numerator, results["IKU5"].denominator) == (baik_count, len(ids))
    target = data.targets.get("IKU2")
    value = results["IKU2"].value
    expected = None if value is None or target is None else rounded(Fraction(Decimal(repr(value))) / Fraction(Decimal(repr(target))) * 100)
    assert results["IKU2"].capaian == expected

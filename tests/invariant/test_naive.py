"""The naive second implementation against the rules' own worked examples and the life of a record.

If these fail, the invariant test compares the workers with a wrong yardstick: fix naive.py first.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest

from tests.invariant import naive
from tests.invariant.naive import Calculator, Period, Row, Sop, World

D = Decimal
KEL1, KEL2 = 1, 2
RWS = {KEL1: (11, 12), KEL2: (21,)}
TODAY = dt.date(2026, 12, 3)
ANSWERS_B = [[4, 4, 3, 4, 3, 4, 4, 3, 3], [3, 3, 3, 4, 3, 3, 4, 3, 2], [3, 2, 2, 4, 3, 3, 3, 3, 2],
             [4, 3, 3, 4, 4, 4, 4, 3, 3]]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


_clock = [dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)]


def row(form: str, data: dict, observed: str = "2026-03-14T09:30:00+07:00", *, kel: int | None = KEL1,
        rw: int | None = None, ref: str | None = None, supersedes: str | None = None, status: str = "accepted",
        needs_acceptance: bool = False, rid: str | None = None) -> Row:
    _clock[0] += dt.timedelta(seconds=1)  # received in the order the test builds them
    return Row(rid or str(uuid.uuid4()), form, kel, rw, ref, supersedes, at(observed), _clock[0], data, status,
               needs_acceptance)


def skm(answers: list[int], observed: str = "2026-03-14T09:30:00+07:00", **kw) -> Row:
    return row("skm", {f"u{i}": a for i, a in enumerate(answers, 1)}, observed, **kw)


def complaint(tanggal: str, observed: str | None = None, **kw) -> Row:
    return row("pengaduan", {"tanggal_terima": tanggal, "saluran": "kotak", "kategori": "pelayanan"},
               observed or f"{tanggal}T10:00:00+07:00", **kw)


def follow_up(ref: str, tanggal: str, **kw) -> Row:
    return row("tindak-lanjut", {"tanggal": tanggal}, f"{tanggal}T12:00:00+07:00", kel=None, ref=ref, **kw)


def report(kel: int, periode: str, observed: str, *, incidents: int = 0, aktif: bool = True,
           lapor: str | None = None) -> Row:
    q = Period.parse(periode)
    lapor = lapor or (q.end + dt.timedelta(days=5)).isoformat()
    return row("laporan-kelurahan", {"periode": periode, "lembaga_aktif": aktif, "kejadian_kriminal": incidents,
                                     "konflik_sosial": 0, **{k: lapor for k in naive.REPORT_DATES}}, observed, kel=kel)


def inspection(rw: int, observed: str, baik: bool = True) -> Row:
    return row("inspeksi-rw", {"kebun_toga": baik, "pengelolaan_sampah": "baik" if baik else "buruk",
                               "status_kumuh": "tidak_kumuh" if baik else "kumuh", "lembaga_aktif": baik,
                               "kejadian_kriminal": 0, "konflik_sosial": 0}, observed, kel=None, rw=rw)


def service(code: str, terima: str, selesai: str | None = None, **kw) -> Row:
    data = {"jenis_layanan": code, "waktu_terima": terima, **({"waktu_selesai": selesai} if selesai else {})}
    return row("layanan", data, terima, **kw)


def calc(*rows: Row, today: dt.date = TODAY, **world) -> Calculator:
    return Calculator(World(dict(RWS), today, **world), rows)


# -- the worked examples of the six IKU ---------------------------------------------------------------

def test_ikm_example_is_81_25_b():
    result = calc(*(skm(a) for a in ANSWERS_B)).iku1(Period(2026), None)
    assert (result.value, result.mutu, result.denominator) == (D("81.25"), "B", 4)
    assert result.numerator == D("3.2500")


def test_capaian_is_computed_from_the_published_realisasi():
    assert naive.capaian(D("42.86"), D("30")) == D("142.87")  # not 142.86 from the exact 3/7
    assert naive.capaian(None, D("30")) is None
    assert naive.capaian(D("42.86"), None) is None


def test_capaian_lower_is_better_is_sakip_and_floored_at_zero():
    assert naive.capaian(D("40"), D("30"), lower_is_better=True) == D("66.67")
    assert naive.capaian(D("70"), D("30"), lower_is_better=True) == D("0.00")


@pytest.mark.parametrize("population, sample", [(100, 80), (1000, 278)])
def test_krejcie_morgan(population, sample):
    assert naive.krejcie_morgan(population) == sample


@pytest.mark.parametrize("value, grade", [("88.31", "A"), ("88.30", "B"), ("76.61", "B"), ("76.60", "C"),
                                          ("65.00", "C"), ("64.99", "D"), ("100.00", "A"), ("25.00", "D")])
def test_grading_boundaries(value, grade):
    assert naive.mutu(D(value)) == grade


def test_rounding_is_half_up_on_the_exact_value_and_before_grading():
    assert naive.half_up(Fraction(1, 8)) == D("0.13")
    assert naive.half_up(Fraction(78125, 1000)) == D("78.13")
    assert naive.half_up(Fraction(2675, 1000)) == D("2.68")
    assert naive.mutu(naive.half_up(Fraction(88305, 1000))) == "A"  # 88.305 → 88.31 → A
    assert naive.percent(1, 3) == D("33.33") and naive.percent(2, 3) == D("66.67")


# -- the life of a record, one rule at a time ---------------------------------------------------------

def test_a_corrected_complaint_keeps_its_follow_up():
    original = complaint("2026-02-03")
    corrected = row("pengaduan", {**original.data, "kategori": "sosial"}, supersedes=original.id)
    result = calc(original, corrected, follow_up(original.id, "2026-02-05")).iku2(Period(2026), None)
    assert (result.numerator, result.denominator, result.value) == (1, 1, D("100.00"))


def test_rejecting_a_correction_restores_the_version_before_it():
    original = skm(ANSWERS_B[0])
    corrected = skm([1] * 9, supersedes=original.id, status="rejected")
    result = calc(original, corrected).iku1(Period(2026), None)
    assert result.denominator == 1 and result.value == naive.ikm_of([original.data]).value
    accepted_again = calc(original, Row(**{**corrected.__dict__, "review_status": "accepted"}))
    assert accepted_again.iku1(Period(2026), None).value == D("25.00")


def test_a_version_waiting_for_acceptance_does_not_count_and_does_not_revive_its_predecessor():
    original = skm(ANSWERS_B[0])
    waiting = skm([1] * 9, supersedes=original.id, status="pending", needs_acceptance=True)
    assert calc(original, waiting).iku1(Period(2026), None).value is None
    returned = skm([1] * 9, supersedes=original.id, status="returned")
    assert calc(original, returned).iku1(Period(2026), None).value == D("25.00")


def test_only_the_latest_report_of_a_kelurahan_quarter_counts():
    previous = report(KEL1, "2025-Q2", "2025-07-05T08:00:00+07:00", incidents=3)
    first = report(KEL1, "2025-Q3", "2025-10-03T08:00:00+07:00", incidents=2)
    resent = report(KEL1, "2025-Q3", "2025-10-04T08:00:00+07:00", incidents=2)
    assert calc(previous, first, resent).criteria(KEL1, Period(2025, 3))["K2"] is True  # 2 ≤ 3, not 4 > 3
    later_but_observed_earlier = report(KEL1, "2025-Q3", "2025-10-02T08:00:00+07:00", incidents=9)
    assert calc(previous, first, later_but_observed_earlier).criteria(KEL1, Period(2025, 3))["K2"] is True


def test_one_clock_is_jakarta_whatever_offset_the_device_wrote():
    late_evening = skm(ANSWERS_B[0], "2026-01-01T00:30:00+09:00")  # 22:30 WIB on 31 December 2025
    c = calc(late_evening)
    assert c.iku1(Period(2025, 4), None).denominator == 1
    assert c.iku1(Period(2026), None).denominator == 0
    after_midnight = skm(ANSWERS_B[0], "2025-12-31T17:30:00Z")  # 00:30 WIB on 1 January 2026
    assert calc(after_midnight).iku1(Period(2026, 1), None).denominator == 1


def test_a_complaint_belongs_to_its_tanggal_terima_not_its_observed_at():
    c = calc(complaint("2025-12-30", observed="2026-01-02T09:00:00+07:00"))
    assert c.iku2(Period(2025), None).denominator == 1
    assert c.iku2(Period(2026), None).denominator == 0


def test_a_follow_up_counts_from_its_own_date_on():
    received = complaint("2026-03-20")
    c = calc(received, follow_up(received.id, "2026-04-02"))
    assert (c.iku2(Period(2026, 1), None).numerator, c.iku2(Period(2026, 1), None).denominator) == (0, 1)
    assert c.iku2(Period(2026), None).value == D("100.00")


def test_a_follow_up_that_arrives_first_waits_for_its_record():
    complaint_id = str(uuid.uuid4())
    early = follow_up(complaint_id, "2026-02-05")
    assert calc(early).iku2(Period(2026), None).denominator == 0
    late = complaint("2026-02-03", rid=complaint_id)
    assert calc(early, late).iku2(Period(2026), None).value == D("100.00")


def test_a_missing_due_report_is_not_held_and_a_report_not_yet_due_is_not_required():
    reports = [report(KEL1, f"2025-Q{q}", f"2025-{3 * q:02d}-28T08:00:00+07:00") for q in (1, 2, 3)]
    verdict = calc(*reports).criteria(KEL1, Period(2025))
    assert (verdict["K1"], verdict["K2"], verdict["K7"]) == (False, False, False)
    full = calc(*reports, report(KEL1, "2025-Q4", "2025-12-28T08:00:00+07:00")).criteria(KEL1, Period(2025))
    assert (full["K1"], full["K2"], full["K7"]) == (True, True, True)
    running = [report(KEL1, f"2026-Q{q}", f"2026-{3 * q:02d}-28T08:00:00+07:00") for q in (1, 2, 3)]
    assert calc(*running).criteria(KEL1, Period(2026))["K1"] is True  # Q4 2026 is due on 10 January 2027
    assert calc(*running[:2]).criteria(KEL1, Period(2026))["K1"] is False  # Q3 was due on 10 October


def test_k2_compares_like_with_like():
    before = [report(KEL1, f"2025-Q{q}", f"2025-{3 * q:02d}-28T08:00:00+07:00", incidents=5 if q == 4 else 0)
              for q in (1, 2, 3, 4)]
    now = [report(KEL1, f"2026-Q{q}", f"2026-{3 * q:02d}-28T08:00:00+07:00", incidents=1) for q in (1, 2, 3)]
    assert calc(*before, *now).criteria(KEL1, Period(2026))["K2"] is False  # 3 > 0 (Q1–Q3 2025), not 3 ≤ 5
    lone = report(KEL1, "2026-Q2", "2026-06-28T08:00:00+07:00", incidents=1)
    assert calc(lone).criteria(KEL1, Period(2026, 2))["K2"] is False  # the quarter before counts 0: 1 > 0
    quiet = report(KEL1, "2026-Q2", "2026-06-28T08:00:00+07:00", incidents=0)
    assert calc(quiet).criteria(KEL1, Period(2026, 2))["K2"] is True  # 0 ≤ 0


def test_k7_reads_every_report_date_against_the_due_date():
    on_time = report(KEL1, "2025-Q3", "2025-10-09T08:00:00+07:00", lapor="2025-10-10")
    late = report(KEL1, "2025-Q3", "2025-10-12T08:00:00+07:00", lapor="2025-10-11")
    assert calc(on_time).criteria(KEL1, Period(2025, 3))["K7"] is True
    assert calc(late).criteria(KEL1, Period(2025, 3))["K7"] is False


def test_no_data_is_null_not_zero():
    results = calc().compute(Period(2026, 2), None)
    for code, result in results.items():
        assert result.value is None and result.capaian is None, code
    assert results["IKU5"].no_data and results["IKU6"].no_data


def test_iku5_with_data_but_no_baik_kelurahan_is_zero():
    c = calc(inspection(11, "2026-05-01T09:00:00+07:00"), targets={(2026, "IKU5"): D("50")})
    result = c.iku5(Period(2026, 2), None)
    assert (result.value, result.numerator, result.denominator, result.capaian) == (D("0.00"), 0, 2, D("0.00"))
    assert c.iku5(Period(2026, 2), KEL1).value == D("0.00")  # RW 12 has no inspection yet
    assert c.iku5(Period(2026, 2), KEL2).no_data  # nothing at all in this kelurahan…
    assert c.iku5(Period(2026, 1), None).no_data  # …nor in Q1


def test_rw_status_at_a_date_and_the_baseline():
    rows = [inspection(11, "2025-06-01T09:00:00+07:00", baik=False), inspection(11, "2026-02-01T09:00:00+07:00"),
            inspection(12, "2025-06-01T09:00:00+07:00"), inspection(21, "2026-08-01T09:00:00+07:00")]
    c = calc(*rows)
    q1 = c.iku6(Period(2026, 1), None)
    assert (q1.numerator, q1.denominator) == (1, 3)  # RW 11 changed; RW 12 was Baik already; RW 21 not yet
    assert c.iku6(Period(2026), None).numerator == 2
    assert c.iku6(Period(2025, 1), None).no_data
    assert c.iku6(Period(2025, 2), KEL1).value == D("50.00")  # RW 12 Baik now, not at the end of 2024


def test_k5_needs_every_rw_kumuh_at_the_baseline_clean_now():
    rows = [inspection(11, "2025-06-01T09:00:00+07:00", baik=False), inspection(12, "2025-06-01T09:00:00+07:00")]
    assert calc(*rows).criteria(KEL1, Period(2026))["K5"] is False
    assert calc(*rows, inspection(11, "2026-03-01T09:00:00+07:00")).criteria(KEL1, Period(2026))["K5"] is True
    assert calc().criteria(KEL1, Period(2026))["K5"] is True  # none was kumuh


def test_services_are_judged_by_the_sop_in_force_when_received():
    catalogue = naive.default_catalogue()
    catalogue["pengantar-akta"].append(Sop(dt.date(2026, 7, 1), "adminduk", 45, "minutes"))
    before = service("pengantar-akta", "2026-06-30T09:00:00+07:00", "2026-06-30T09:30:00+07:00")
    after = service("pengantar-akta", "2026-07-01T09:00:00+07:00", "2026-07-01T09:30:00+07:00")
    result = calc(before, after, catalogue=catalogue).iku34("IKU3", Period(2026), None)
    assert (result.numerator, result.denominator) == (1, 2)


def test_service_on_time_boundaries():
    c = calc()
    sop = Sop(dt.date.min, "adminduk", 60, "minutes")
    assert c.on_time(sop, at("2026-03-02T09:00:00+07:00"), at("2026-03-02T10:00:00+07:00"))
    assert not c.on_time(sop, at("2026-03-02T09:00:00+07:00"), at("2026-03-02T10:00:01+07:00"))
    days = Sop(dt.date.min, "umum", 1, "working_days")
    assert c.on_time(days, at("2026-03-06T15:00:00+07:00"), at("2026-03-09T09:00:00+07:00"))  # Fri → Mon: 1
    assert not c.on_time(days, at("2026-03-06T15:00:00+07:00"), at("2026-03-10T09:00:00+07:00"))
    holiday = calc(holidays=frozenset({dt.date(2026, 3, 9)}))
    assert holiday.on_time(days, at("2026-03-06T15:00:00+07:00"), at("2026-03-10T09:00:00+07:00"))


def test_a_service_counts_in_the_period_it_was_completed_through_a_follow_up_on_any_version():
    line = service("sktm", "2026-03-31T16:30:00+07:00")
    corrected = row("layanan", {**line.data, "jenis_layanan": "domisili"}, "2026-03-31T16:30:00+07:00",
                    supersedes=line.id)
    done = row("layanan-selesai", {"waktu_selesai": "2026-04-01T08:00:00+08:00"}, "2026-04-01T08:00:00+08:00",
               kel=None, ref=line.id)
    c = calc(line, corrected, done)
    assert c.iku34("IKU4", Period(2026, 1), None).denominator == 0
    q2 = c.iku34("IKU4", Period(2026, 2), None)
    assert (q2.numerator, q2.denominator) == (0, 1)  # 14.5 hours against domisili's 10 minutes

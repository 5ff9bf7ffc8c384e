"""IKU5: the kelurahan criteria K1–K7, one rule and boundary at a time."""
from __future__ import annotations

from datetime import date

import pytest

from workers.scoring.criteria import (
    k1_lembaga_aktif,
    k2_incidents_decreasing,
    k3_kebun_toga,
    k4_pengelolaan_sampah,
    k5_kumuh_berkurang,
    k6_ikm,
    k7_tepat_waktu,
    kelurahan_status,
    report_due_date,
    reports_covering,
)
from workers.scoring.ikm import compute_ikm
from workers.scoring.model import Inspection, Kelurahan, KelurahanReport, Period, Survey
from workers.scoring.rules import CRITERIA, DEFAULT_RULES, RuleSet, RwBaikRule
from workers.scoring.rw_status import InspectionIndex

KEL = Kelurahan(7, "32.73.02.1001", "Sekeloa", (71, 72), 500)
REPORT_KEYS = ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")


def report(rid: str, quarter: str, *, aktif: bool = True, kriminal: int = 0, konflik: int = 0,
           dates: dict[str, date] | None = None, kelurahan_id: int = 7) -> KelurahanReport:
    period = Period.parse(quarter)
    on_time = {key: period.end for key in REPORT_KEYS}
    return KelurahanReport(rid, kelurahan_id, period, aktif, kriminal, konflik, dates if dates is not None else on_time)


def inspection(iid: str, rw_id: int, observed: date, **overrides) -> Inspection:
    values = dict(kebun_toga=True, pengelolaan_sampah="baik", status_kumuh="tidak_kumuh", lembaga_aktif=True,
                  kejadian_kriminal=0, konflik_sosial=0)
    values.update(overrides)
    return Inspection(iid, rw_id, observed, **values)


def good_surveys(kelurahan_id: int = 7, observed: date = date(2026, 2, 1)) -> list[Survey]:
    return [Survey("skm1", kelurahan_id, observed, {f"u{i}": 4 for i in range(1, 10)})]


def status_of(period: Period, rules: RuleSet, reports: list[KelurahanReport], index: InspectionIndex,
              surveys: list[Survey]):
    """K1–K7 of the test kelurahan ``KEL``, its IKM computed from ``surveys``."""
    return kelurahan_status(KEL, period, rules, reports, index, compute_ikm(surveys, rules))


# reports covering a period -------------------------------------------------------------------------
def test_reports_covering_selects_quarters_within_the_period() -> None:
    reports = [report("q4", "2025-Q4"), report("q1", "2026-Q1"), report("q3", "2026-Q3"),
               report("other", "2026-Q1", kelurahan_id=8)]
    assert [r.id for r in reports_covering(reports, 7, Period(2026))] == ["q1", "q3"]
    assert [r.id for r in reports_covering(reports, 7, Period(2026, 1))] == ["q1"]
    assert [r.id for r in reports_covering(reports, 7, Period(2026, 2))] == []


# K1 ----------------------------------------------------------------------------------------------
def test_k1_quarter() -> None:
    q1 = Period(2026, 1)
    assert k1_lembaga_aktif([report("a", "2026-Q1")], q1).held
    assert not k1_lembaga_aktif([report("a", "2026-Q1", aktif=False)], q1).held
    none = k1_lembaga_aktif([], q1)
    assert not none.held and "Tidak ada laporan" in none.reason


def test_k1_year_reads_every_report_covering_it() -> None:
    year = Period(2026)
    all_four = [report(f"q{q}", f"2026-Q{q}") for q in range(1, 5)]
    assert k1_lembaga_aktif(all_four, year).held
    three = k1_lembaga_aktif(all_four[:3], year)  # every report covering the period says so
    assert three.held and "2026-Q4" in three.reason  # the unreported quarter is named, not hidden
    one_inactive = [*all_four[:3], report("q4", "2026-Q4", aktif=False)]
    assert not k1_lembaga_aktif(one_inactive, year).held


def test_k1_every_report_of_a_quarter_must_say_so() -> None:
    reports = [report("a", "2026-Q1"), report("b", "2026-Q1", aktif=False)]
    result = k1_lembaga_aktif(reports, Period(2026, 1))
    assert not result.held and result.record_ids == ("a", "b")


# K2 ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "before", "held"),
    [((2, 1), (2, 2), True), ((2, 2), (3, 1), True), ((3, 2), (2, 2), False), ((0, 0), (0, 0), True)],
)
def test_k2_sum_now_at_most_sum_before(now: tuple[int, int], before: tuple[int, int], held: bool) -> None:
    current = [report("n", "2026-Q2", kriminal=now[0], konflik=now[1])]
    previous = [report("p", "2026-Q1", kriminal=before[0], konflik=before[1])]
    result = k2_incidents_decreasing(current, previous, Period(2026, 2))
    assert result.held is held
    assert result.record_ids == ("n", "p")


def test_k2_without_current_report_is_not_held() -> None:
    assert not k2_incidents_decreasing([], [report("p", "2026-Q1")], Period(2026, 2)).held


def test_k2_without_previous_report_compares_with_zero() -> None:
    assert k2_incidents_decreasing([report("n", "2026-Q1")], [], Period(2026, 1)).held
    result = k2_incidents_decreasing([report("n", "2026-Q1", kriminal=1)], [], Period(2026, 1))
    assert not result.held and "2025-Q4" in result.reason


def test_k2_year_compares_the_same_quarters_of_the_previous_year() -> None:
    # K2 compares like with like. A year with Q1 and Q2 reported
    # is compared with Q1 and Q2 of the previous year, not with the whole previous year.
    reports = [report("a", "2025-Q1", kriminal=3), report("b", "2025-Q3", konflik=2),
               report("c", "2026-Q1", kriminal=2), report("d", "2026-Q2", kriminal=2, konflik=1)]
    status = status_of(Period(2026), DEFAULT_RULES, reports, InspectionIndex([]), [])
    assert not status.criteria["K2"].held  # 5 > 3 (2025-Q1 + 2025-Q2, the latter missing = 0)
    assert "2025-Q1, 2025-Q2" in status.criteria["K2"].reason
    fewer = [*reports[:3], report("d", "2026-Q2", kriminal=1)]
    status = status_of(Period(2026), DEFAULT_RULES, fewer, InspectionIndex([]), [])
    assert status.criteria["K2"].held  # 3 ≤ 3


# K3 / K4 -----------------------------------------------------------------------------------------
def test_k3_every_rw_has_toga_from_latest_inspection() -> None:
    latest = {71: inspection("a", 71, date(2026, 1, 1)), 72: inspection("b", 72, date(2026, 1, 1))}
    assert k3_kebun_toga(latest).held
    latest[72] = inspection("c", 72, date(2026, 2, 1), kebun_toga=False)
    result = k3_kebun_toga(latest)
    assert not result.held and "72" in result.reason and result.record_ids == ("a", "c")


def test_k3_k4_uninspected_rw_or_no_rw_is_not_held() -> None:
    latest = {71: inspection("a", 71, date(2026, 1, 1)), 72: None}
    assert not k3_kebun_toga(latest).held
    assert not k4_pengelolaan_sampah(latest, DEFAULT_RULES).held
    assert not k3_kebun_toga({}).held


@pytest.mark.parametrize(("value", "held"), [("baik", True), ("cukup", False), ("buruk", False)])
def test_k4_waste_management(value: str, held: bool) -> None:
    latest = {71: inspection("a", 71, date(2026, 1, 1), pengelolaan_sampah=value)}
    assert k4_pengelolaan_sampah(latest, DEFAULT_RULES).held is held


def test_k4_follows_the_rule_set() -> None:
    lenient = RuleSet(version=2, effective_from="2026", rw_baik=RwBaikRule(pengelolaan_sampah=frozenset({"baik", "cukup"})))
    latest = {71: inspection("a", 71, date(2026, 1, 1), pengelolaan_sampah="cukup")}
    assert k4_pengelolaan_sampah(latest, lenient).held


def test_k3_reads_status_at_period_end_not_later() -> None:
    rows = [inspection("old", 71, date(2026, 1, 5)), inspection("new", 71, date(2026, 4, 5), kebun_toga=False),
            inspection("r72", 72, date(2026, 1, 5))]
    index = InspectionIndex(rows)
    q1 = status_of(Period(2026, 1), DEFAULT_RULES, [], index, [])
    q2 = status_of(Period(2026, 2), DEFAULT_RULES, [], index, [])
    assert q1.criteria["K3"].held and not q2.criteria["K3"].held


# K5 ----------------------------------------------------------------------------------------------
def test_k5() -> None:
    baseline = date(2025, 12, 31)
    kumuh = inspection("k", 71, date(2025, 5, 1), status_kumuh="kumuh")
    clean = inspection("c", 71, date(2026, 2, 1))
    other = inspection("o", 72, date(2025, 5, 1))
    assert k5_kumuh_berkurang({71: clean, 72: other}, {71: kumuh, 72: other}, baseline).held
    still = k5_kumuh_berkurang({71: kumuh, 72: other}, {71: kumuh, 72: other}, baseline)
    assert not still.held and "71" in still.reason
    assert k5_kumuh_berkurang({71: None, 72: None}, {71: None, 72: None}, baseline).held  # none was kumuh


def test_k5_kumuh_only_after_baseline_does_not_count() -> None:
    rows = [inspection("a", 71, date(2026, 2, 1), status_kumuh="kumuh")]
    status = status_of(Period(2026, 1), DEFAULT_RULES, [], InspectionIndex(rows), [])
    assert status.criteria["K5"].held


# K6 ----------------------------------------------------------------------------------------------
def test_k6_threshold_on_rounded_ikm() -> None:
    # 8 respondents with element totals 25 → 78.125 → 78.13 ≥ 76.61
    rows = [{f"u{i}": (4 if r == 0 else 3) for i in range(1, 10)} for r in range(8)]
    surveys = [Survey(f"s{r}", 7, date(2026, 1, 2), row) for r, row in enumerate(rows)]
    assert k6_ikm(compute_ikm(surveys, DEFAULT_RULES), DEFAULT_RULES).held
    strict = RuleSet(version=2, effective_from="2026", k6_min_ikm=78.13)
    assert k6_ikm(compute_ikm(surveys, strict), strict).held
    stricter = RuleSet(version=3, effective_from="2026", k6_min_ikm=78.14)
    assert not k6_ikm(compute_ikm(surveys, stricter), stricter).held
    assert not k6_ikm(compute_ikm([], DEFAULT_RULES), DEFAULT_RULES).held


@pytest.mark.parametrize(("grand_total", "held"), [(137889, True), (137888, False)])
def test_k6_boundary_from_answers(grand_total: int, held: bool) -> None:
    # 5000 full questionnaires: IKM = grand_total / 1800; 137889 → 76.605 → 76.61 (held), 137888 → 76.60
    per_element = [grand_total // 9] * 9
    per_element[0] += grand_total - sum(per_element)
    rows: list[dict[str, int]] = [{} for _ in range(5000)]
    for index, total in enumerate(per_element):
        base, extra = divmod(total, 5000)
        for r, row in enumerate(rows):
            row[f"u{index + 1}"] = base + (1 if r < extra else 0)
    surveys = [Survey(f"s{r}", 7, date(2026, 1, 2), row) for r, row in enumerate(rows)]
    assert k6_ikm(compute_ikm(surveys, DEFAULT_RULES), DEFAULT_RULES).held is held


# K7 ----------------------------------------------------------------------------------------------
def test_k7_due_date_is_quarter_end_plus_due_days() -> None:
    assert report_due_date(report("a", "2026-Q1"), DEFAULT_RULES) == date(2026, 4, 10)
    assert report_due_date(report("a", "2026-Q4"), DEFAULT_RULES) == date(2027, 1, 10)
    short = RuleSet(version=2, effective_from="2026", report_due_days=0)
    assert report_due_date(report("a", "2026-Q2"), short) == date(2026, 6, 30)


@pytest.mark.parametrize(("day", "held"), [(date(2026, 4, 10), True), (date(2026, 4, 11), False), (date(2026, 1, 3), True)])
def test_k7_each_date_on_or_before_due(day: date, held: bool) -> None:
    dates = {key: date(2026, 4, 1) for key in REPORT_KEYS}
    dates["keuangan"] = day
    result = k7_tepat_waktu([report("a", "2026-Q1", dates=dates)], Period(2026, 1), DEFAULT_RULES)
    assert result.held is held
    if not held:
        assert "keuangan" in result.reason


def test_k7_missing_date_or_report_is_not_held() -> None:
    dates = {key: date(2026, 4, 1) for key in REPORT_KEYS[:4]}
    assert not k7_tepat_waktu([report("a", "2026-Q1", dates=dates)], Period(2026, 1), DEFAULT_RULES).held
    assert not k7_tepat_waktu([], Period(2026, 1), DEFAULT_RULES).held


def test_k7_year_checks_every_covering_report() -> None:
    late = {key: date(2026, 7, 11) for key in REPORT_KEYS}
    reports = [report("a", "2026-Q1"), report("b", "2026-Q2", dates=late)]
    assert not k7_tepat_waktu(reports_covering(reports, 7, Period(2026)), Period(2026), DEFAULT_RULES).held
    q1 = reports_covering(reports, 7, Period(2026, 1))
    assert k7_tepat_waktu(q1, Period(2026, 1), DEFAULT_RULES).held


# the whole kelurahan -----------------------------------------------------------------------------
def full_kelurahan_data() -> tuple[list[KelurahanReport], InspectionIndex]:
    reports = [report("r1", "2026-Q1"), report("r0", "2025-Q4", kriminal=1)]
    rows = [inspection("a", 71, date(2026, 1, 10)), inspection("b", 72, date(2026, 1, 11))]
    return reports, InspectionIndex(rows)


def test_kelurahan_baik_when_all_seven_hold() -> None:
    reports, index = full_kelurahan_data()
    status = status_of(Period(2026, 1), DEFAULT_RULES, reports, index, good_surveys())
    assert {code: c.held for code, c in status.criteria.items()} == {code: True for code in CRITERIA}
    assert status.baik
    as_dict = status.to_dict()
    assert list(as_dict["criteria"]) == list(CRITERIA)
    assert set(as_dict["criteria"]["K1"]) == {"held", "reason", "record_ids"}
    assert (as_dict["id"], as_dict["kode"], as_dict["nama"]) == (7, "32.73.02.1001", "Sekeloa")
    assert status.record_ids == ["a", "b", "r0", "r1", "skm1"]


@pytest.mark.parametrize("failing", CRITERIA)
def test_one_failing_criterion_is_enough_unless_the_rule_set_drops_it(failing: str) -> None:
    reports, index = full_kelurahan_data()
    surveys = good_surveys()
    rows = [inspection("a", 71, date(2026, 1, 10)), inspection("b", 72, date(2026, 1, 11))]
    if failing == "K1":
        reports = [report("r1", "2026-Q1", aktif=False), reports[1]]
    elif failing == "K2":
        reports = [report("r1", "2026-Q1", kriminal=2), reports[1]]
    elif failing == "K3":
        rows[0] = inspection("a", 71, date(2026, 1, 10), kebun_toga=False)
    elif failing == "K4":
        rows[1] = inspection("b", 72, date(2026, 1, 11), pengelolaan_sampah="cukup")
    elif failing == "K5":
        rows += [inspection("k", 71, date(2025, 3, 1), status_kumuh="kumuh"),
                 inspection("a2", 71, date(2026, 2, 1), status_kumuh="kumuh")]
    elif failing == "K6":
        surveys = [Survey("low", 7, date(2026, 2, 1), {f"u{i}": 2 for i in range(1, 10)})]
    elif failing == "K7":
        reports = [report("r1", "2026-Q1", dates={k: date(2026, 5, 1) for k in REPORT_KEYS}), reports[1]]
    status = status_of(Period(2026, 1), DEFAULT_RULES, reports, InspectionIndex(rows), surveys)
    assert [code for code, c in status.criteria.items() if not c.held] == [failing]
    assert not status.baik
    relaxed = RuleSet(version=2, effective_from="2026", baik_criteria=frozenset(CRITERIA) - {failing})
    assert status_of(Period(2026, 1), relaxed, reports, InspectionIndex(rows), surveys).baik


def test_k1_k2_k7_not_held_without_any_report() -> None:
    _, index = full_kelurahan_data()
    status = status_of(Period(2026, 1), DEFAULT_RULES, [], index, good_surveys())
    assert [code for code, c in status.criteria.items() if not c.held] == ["K1", "K2", "K7"]

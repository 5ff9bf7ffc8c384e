"""IKU5: the seven "Baik" criteria K1–K7 of one kelurahan for one period (docs/scoring.md).

Kelurahan reports "covering" a period are those whose reported quarter lies within it; of several
reports of the same kelurahan and quarter only the latest counts (``latest_reports``: by observed,
then received). Missing is not zero: K1, K2 and K7 judge every quarter of the period whose report
is DUE (the end of the quarter + the rule set's due days is on or before ``today``; a closed year:
all four) plus any quarter reported early; a due report that is missing makes them not held, and
the reason names the quarter. With nothing due and nothing reported they are not held either.
K2 compares like with like: the quarters judged against the same quarters of the previous year
(a year), or the previous quarter (a quarter); a previous quarter without a report counts as 0.
Each criterion carries an Indonesian reason (RW by number) and the ids of the records it read.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .ikm import IkmScore
from .model import Inspection, Kelurahan, KelurahanReport, Period
from .rounding import to_fraction
from .rules import CRITERIA, REPORT_KEYS, RuleSet
from .rw_status import InspectionIndex, baseline_date

REPORT_LABELS = {
    "kependudukan": "kependudukan",
    "ekobang": "ekonomi & pembangunan",
    "kessos": "kesejahteraan sosial",
    "kepegawaian": "kepegawaian",
    "keuangan": "keuangan",
}
NO_REPORT = "Tidak ada laporan kelurahan untuk periode {period}"
MISSING = "Laporan kelurahan belum ada untuk {quarters}"
NO_BASELINE = "{count} RW tanpa data awal"


@dataclass(frozen=True, slots=True)
class Criterion:
    """Whether one criterion holds, why (Indonesian), and the records read."""

    held: bool
    reason: str
    record_ids: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able drill-down entry."""
        return {"held": self.held, "reason": self.reason, "record_ids": list(self.record_ids)}


@dataclass(frozen=True, slots=True)
class KelurahanStatus:
    """The criteria of one kelurahan and whether it is *Baik* under the rule set."""

    kelurahan: Kelurahan
    criteria: dict[str, Criterion]
    baik: bool

    @property
    def record_ids(self) -> list[str]:
        """Every record any criterion read, sorted."""
        return sorted({rid for criterion in self.criteria.values() for rid in criterion.record_ids})

    def to_dict(self) -> dict[str, Any]:
        """The ``details.kelurahan`` entry of IKU5."""
        return {
            "id": self.kelurahan.id,
            "kode": self.kelurahan.kode,
            "nama": self.kelurahan.nama,
            "baik": self.baik,
            "criteria": {code: self.criteria[code].to_dict() for code in CRITERIA},
        }


def _report_order(report: KelurahanReport) -> tuple:
    observed = report.observed.timestamp() if report.observed is not None else float("-inf")
    received = report.received.timestamp() if report.received is not None else float("-inf")
    return (observed, received, report.id)


def latest_reports(reports: Iterable[KelurahanReport]) -> list[KelurahanReport]:
    """One report per kelurahan and quarter: the latest by observed, then received (then id).

    A quarter resent (a second ``laporan-kelurahan`` for the same ``periode``) replaces the
    earlier one; the two are never summed.
    """
    latest: dict[tuple[int, Period], KelurahanReport] = {}
    for report in reports:
        key = (report.kelurahan_id, report.period)
        held = latest.get(key)
        if held is None or _report_order(report) > _report_order(held):
            latest[key] = report
    return list(latest.values())


def due_quarters(period: Period, rules: RuleSet, today: date | None) -> list[Period]:
    """The quarters of ``period`` whose report is due by ``today`` (None: none known to be due)."""
    if today is None:
        return []
    return [q for q in period.quarters() if q.end + timedelta(days=rules.report_due_days) <= today]


@dataclass(frozen=True, slots=True)
class ReportsJudged:
    """The reports K1, K2 and K7 read for one kelurahan and period, and the due ones missing."""

    covering: list[KelurahanReport]
    missing: list[Period]
    quarters: list[Period]  # judged: due or reported

    def problem(self, period: Period) -> str | None:
        """Why K1/K2/K7 cannot hold whatever the reports say (None: they can be judged)."""
        if not self.quarters:
            return NO_REPORT.format(period=period.label)
        if self.missing:
            return MISSING.format(quarters=", ".join(q.label for q in self.missing))
        return None


def judge_reports(reports: Sequence[KelurahanReport], kelurahan_id: int, period: Period, rules: RuleSet,
                  today: date | None) -> ReportsJudged:
    """The (latest) reports covering the period, and the due quarters without one."""
    covering = reports_covering(reports, kelurahan_id, period)
    reported = {r.period for r in covering}
    due = due_quarters(period, rules, today)
    quarters = sorted(set(due) | reported, key=lambda q: q.start)
    return ReportsJudged(covering, [q for q in due if q not in reported], quarters)


def reports_covering(reports: Iterable[KelurahanReport], kelurahan_id: int, period: Period) -> list[KelurahanReport]:
    """The kelurahan's reports whose reported period lies within ``period``, sorted by quarter and id."""
    found = [
        r for r in reports
        if r.kelurahan_id == kelurahan_id and period.start <= r.period.start and r.period.end <= period.end
    ]
    return sorted(found, key=lambda r: (r.period.start, r.id))


def _ids(records: Iterable[KelurahanReport | Inspection | None]) -> tuple[str, ...]:
    return tuple(sorted({r.id for r in records if r is not None}))


def k1_lembaga_aktif(covering: Sequence[KelurahanReport], period: Period, problem: str | None = None) -> Criterion:
    """K1: every report covering the period says community institutions are active (all due ones present)."""
    if not covering:
        return Criterion(False, problem or NO_REPORT.format(period=period.label))
    ids = _ids(covering)
    if problem:
        return Criterion(False, problem, ids)
    inactive = [r for r in covering if not r.lembaga_aktif]
    if inactive:
        quarters = ", ".join(sorted({r.period.label for r in inactive}))
        return Criterion(False, f"Lembaga kemasyarakatan tidak aktif menurut laporan {quarters}", ids)
    reported = {r.period.label for r in covering}
    missing = [q.label for q in period.quarters() if q.label not in reported]
    note = f"; laporan belum ada untuk {', '.join(missing)}" if missing else ""
    return Criterion(True, f"Lembaga kemasyarakatan aktif di semua laporan ({len(covering)}){note}", ids)


def _incidents(reports: Iterable[KelurahanReport]) -> int:
    return sum(r.kejadian_kriminal + r.konflik_sosial for r in reports)


def comparable_quarters(period: Period, quarters: Iterable[Period]) -> list[Period]:
    """What K2 compares the judged quarters with: a year → the same quarters a year earlier;
    a quarter → the previous quarter."""
    if period.is_year:
        return [Period(q.year - 1, q.quarter) for q in quarters]
    return [period.previous()]


def k2_incidents_decreasing(
    covering: Sequence[KelurahanReport], previous: Sequence[KelurahanReport], period: Period,
    problem: str | None = None, compared: Sequence[Period] | None = None,
) -> Criterion:
    """K2: incidents over the period ≤ incidents over the comparable earlier quarters (missing: 0)."""
    if not covering:
        return Criterion(False, problem or NO_REPORT.format(period=period.label))
    now, before = _incidents(covering), _incidents(previous)
    ids = _ids([*covering, *previous])
    if problem:
        return Criterion(False, problem, ids)
    if compared is None or not period.is_year or len(compared) == 4:
        prev_label = period.previous().label
    else:
        prev_label = ", ".join(q.label for q in compared)
    note = "" if previous else f" (tidak ada laporan {prev_label}, dihitung 0)"
    if now <= before:
        return Criterion(True, f"Kejadian kriminal + konflik sosial {now} ≤ {before} pada {prev_label}{note}", ids)
    return Criterion(False, f"Kejadian kriminal + konflik sosial naik: {now} > {before} pada {prev_label}{note}", ids)


def _rw_latest(index: InspectionIndex, rw_ids: Sequence[int], day: date) -> dict[int, Inspection | None]:
    return {rw_id: index.latest(rw_id, day) for rw_id in rw_ids}


def _numbers(rws: Iterable[int], label: Callable[[int], str] | None) -> str:
    """RW named by number (``"01, 03"``); ids only when no names are known."""
    if label is None:
        return ", ".join(map(str, rws))
    return ", ".join(label(rw).removeprefix("RW ") for rw in rws)


def _every_rw(latest: dict[int, Inspection | None], condition: Callable[[Inspection], bool], what: str,
              label: Callable[[int], str] | None = None) -> Criterion:
    """Held when every RW has an inspection meeting ``condition``; the reason names the RW that fail."""
    if not latest:
        return Criterion(False, "Tidak ada RW terdaftar")
    ids = _ids(latest.values())
    uninspected = [rw for rw, inspection in latest.items() if inspection is None]
    failing = [rw for rw, inspection in latest.items() if inspection is not None and not condition(inspection)]
    if uninspected or failing:
        parts = []
        if failing:
            parts.append(f"RW tanpa {what}: {_numbers(failing, label)}")
        if uninspected:
            parts.append(f"RW belum diinspeksi: {_numbers(uninspected, label)}")
        return Criterion(False, "; ".join(parts), ids)
    return Criterion(True, f"Semua RW ({len(latest)}) memiliki {what}", ids)


def k3_kebun_toga(latest: dict[int, Inspection | None], label: Callable[[int], str] | None = None) -> Criterion:
    """K3: every RW has a TOGA garden, per its latest inspection by the period's end."""
    return _every_rw(latest, lambda i: i.kebun_toga, "kebun TOGA", label)


def k4_pengelolaan_sampah(latest: dict[int, Inspection | None], rules: RuleSet,
                          label: Callable[[int], str] | None = None) -> Criterion:
    """K4: every RW manages waste well (a value the rule set accepts, default ``baik``)."""
    accepted = rules.rw_baik.pengelolaan_sampah
    return _every_rw(latest, lambda i: i.pengelolaan_sampah in accepted, "pengelolaan sampah baik", label)


def k5_kumuh_berkurang(
    latest_now: dict[int, Inspection | None], latest_baseline: dict[int, Inspection | None], baseline: date,
    label: Callable[[int], str] | None = None,
) -> Criterion:
    """K5: every RW that was *kumuh* at the baseline is *tidak kumuh* now (held when none was kumuh).

    RW without an inspection at the baseline are counted in the reason ("N RW tanpa data awal").
    """
    kumuh_then = [rw for rw, i in latest_baseline.items() if i is not None and i.status_kumuh == "kumuh"]
    ids = _ids([*(latest_baseline[rw] for rw in kumuh_then), *(latest_now[rw] for rw in kumuh_then)])
    no_baseline = sum(1 for i in latest_baseline.values() if i is None)
    note = f"; {NO_BASELINE.format(count=no_baseline)}" if no_baseline else ""
    day = baseline.strftime("%d/%m/%Y")
    if not kumuh_then:
        return Criterion(True, f"Tidak ada RW kumuh pada {day}{note}", ids)
    still = [rw for rw in kumuh_then if latest_now[rw] is None or latest_now[rw].status_kumuh != "tidak_kumuh"]
    if still:
        return Criterion(False, f"RW masih kumuh: {_numbers(still, label)}{note}", ids)
    return Criterion(True, f"Semua RW kumuh pada {day} ({len(kumuh_then)}) kini tidak kumuh{note}", ids)


def k6_ikm(score: IkmScore, rules: RuleSet) -> Criterion:
    """K6: the kelurahan's IKM (rounded) is at least the rule set's minimum (default 76.61, mutu B)."""
    ids = tuple(sorted(score.record_ids))
    if score.converted is None:
        return Criterion(False, "Belum ada responden SKM pada periode ini", ids)
    held = to_fraction(score.converted) >= to_fraction(rules.k6_min_ikm)
    sign = "≥" if held else "<"
    return Criterion(held, f"IKM {score.converted} {sign} {rules.k6_min_ikm:.2f}", ids)


def report_due_date(report: KelurahanReport, rules: RuleSet) -> date:
    """The due date of a report: the end of the quarter reported on + ``report_due_days``."""
    return report.period.end + timedelta(days=rules.report_due_days)


def k7_tepat_waktu(covering: Sequence[KelurahanReport], period: Period, rules: RuleSet,
                   problem: str | None = None) -> Criterion:
    """K7: in every report covering the period, all five report dates are on or before the due date
    (and every due report is there)."""
    if not covering:
        return Criterion(False, problem or NO_REPORT.format(period=period.label))
    problems = [problem] if problem else []
    for report in covering:
        due = report_due_date(report, rules)
        for key in REPORT_KEYS:
            reported = report.report_dates.get(key)
            if reported is None:
                problems.append(f"{report.period.label} {REPORT_LABELS[key]}: tanggal kosong")
            elif reported > due:
                problems.append(f"{report.period.label} {REPORT_LABELS[key]}: {reported.strftime('%d/%m/%Y')} > "
                                f"{due.strftime('%d/%m/%Y')}")
    ids = _ids(covering)
    if problem:
        return Criterion(False, "; ".join(problems), ids)
    if problems:
        return Criterion(False, "Laporan terlambat: " + "; ".join(problems), ids)
    return Criterion(True, f"Semua laporan ({len(covering)}) tepat waktu", ids)


def kelurahan_status(
    kelurahan: Kelurahan,
    period: Period,
    rules: RuleSet,
    reports: Sequence[KelurahanReport],
    index: InspectionIndex,
    ikm: IkmScore,
    today: date | None = None,
) -> KelurahanStatus:
    """Evaluate K1–K7 for one kelurahan; ``ikm`` is the IKM of its own respondents in the period.

    ``reports`` should hold one report per quarter (``latest_reports``); ``today`` decides which
    quarterly reports are due (None: none known to be due, the reports present are judged).
    """
    reports = latest_reports(reports)
    judged = judge_reports(reports, kelurahan.id, period, rules, today)
    covering, problem = judged.covering, judged.problem(period)
    compared = comparable_quarters(period, judged.quarters)
    wanted = set(compared)
    previous = sorted((r for r in reports if r.kelurahan_id == kelurahan.id and r.period in wanted),
                      key=lambda r: (r.period.start, r.id))
    latest_now = _rw_latest(index, kelurahan.rw_ids, period.end)
    baseline = baseline_date(period)
    latest_baseline = _rw_latest(index, kelurahan.rw_ids, baseline)
    label = kelurahan.rw_label
    criteria = {
        "K1": k1_lembaga_aktif(covering, period, problem),
        "K2": k2_incidents_decreasing(covering, previous, period, problem, compared),
        "K3": k3_kebun_toga(latest_now, label),
        "K4": k4_pengelolaan_sampah(latest_now, rules, label),
        "K5": k5_kumuh_berkurang(latest_now, latest_baseline, baseline, label),
        "K6": k6_ikm(ikm, rules),
        "K7": k7_tepat_waktu(covering, period, rules, problem),
    }
    baik = all(criteria[code].held for code in rules.baik_criteria)
    return KelurahanStatus(kelurahan, criteria, baik)

"""IKU5: the seven "Baik" criteria K1–K7 of one kelurahan for one period (SPEC §2).

Kelurahan reports "covering" a period are those whose reported quarter lies within it. K1, K2 and
K7 are not held when no report covers the period (missing data is no good news); otherwise they read
the reports that do cover it, as SPEC §2 words them (a year still running is judged on the quarters
reported so far; a quarter not reported shows in K1's reason). Each criterion carries an Indonesian reason and
the ids of the records it read, for the admin view's drill-down.
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


def reports_covering(reports: Iterable[KelurahanReport], kelurahan_id: int, period: Period) -> list[KelurahanReport]:
    """The kelurahan's reports whose reported period lies within ``period``, sorted by quarter and id."""
    found = [
        r for r in reports
        if r.kelurahan_id == kelurahan_id and period.start <= r.period.start and r.period.end <= period.end
    ]
    return sorted(found, key=lambda r: (r.period.start, r.id))


def _ids(records: Iterable[KelurahanReport | Inspection | None]) -> tuple[str, ...]:
    return tuple(sorted({r.id for r in records if r is not None}))


def k1_lembaga_aktif(covering: Sequence[KelurahanReport], period: Period) -> Criterion:
    """K1: every report covering the period says community institutions are active."""
    if not covering:
        return Criterion(False, NO_REPORT.format(period=period.label))
    ids = _ids(covering)
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


def k2_incidents_decreasing(
    covering: Sequence[KelurahanReport], previous: Sequence[KelurahanReport], period: Period
) -> Criterion:
    """K2: incidents over the period ≤ incidents over the previous period of equal length."""
    if not covering:
        return Criterion(False, NO_REPORT.format(period=period.label))
    now, before = _incidents(covering), _incidents(previous)
    ids = _ids([*covering, *previous])
    prev_label = period.previous().label
    note = "" if previous else f" (tidak ada laporan {prev_label}, dihitung 0)"
    if now <= before:
        return Criterion(True, f"Kejadian kriminal + konflik sosial {now} ≤ {before} pada {prev_label}{note}", ids)
    return Criterion(False, f"Kejadian kriminal + konflik sosial naik: {now} > {before} pada {prev_label}{note}", ids)


def _rw_latest(index: InspectionIndex, rw_ids: Sequence[int], day: date) -> dict[int, Inspection | None]:
    return {rw_id: index.latest(rw_id, day) for rw_id in rw_ids}


def _every_rw(latest: dict[int, Inspection | None], condition: Callable[[Inspection], bool], what: str) -> Criterion:
    """Held when every RW has an inspection meeting ``condition``; the reason names the RW that fail."""
    if not latest:
        return Criterion(False, "Tidak ada RW terdaftar")
    ids = _ids(latest.values())
    uninspected = [rw for rw, inspection in latest.items() if inspection is None]
    failing = [rw for rw, inspection in latest.items() if inspection is not None and not condition(inspection)]
    if uninspected or failing:
        parts = []
        if failing:
            parts.append(f"RW tanpa {what}: {', '.join(map(str, failing))}")
        if uninspected:
            parts.append(f"RW belum diinspeksi: {', '.join(map(str, uninspected))}")
        return Criterion(False, "; ".join(parts), ids)
    return Criterion(True, f"Semua RW ({len(latest)}) memiliki {what}", ids)


def k3_kebun_toga(latest: dict[int, Inspection | None]) -> Criterion:
    """K3: every RW has a TOGA garden, per its latest inspection by the period's end."""
    return _every_rw(latest, lambda i: i.kebun_toga, "kebun TOGA")


def k4_pengelolaan_sampah(latest: dict[int, Inspection | None], rules: RuleSet) -> Criterion:
    """K4: every RW manages waste well (a value the rule set accepts, default ``baik``)."""
    accepted = rules.rw_baik.pengelolaan_sampah
    return _every_rw(latest, lambda i: i.pengelolaan_sampah in accepted, "pengelolaan sampah baik")


def k5_kumuh_berkurang(
    latest_now: dict[int, Inspection | None], latest_baseline: dict[int, Inspection | None], baseline: date
) -> Criterion:
    """K5: every RW that was *kumuh* at the baseline is *tidak kumuh* now (held when none was kumuh)."""
    kumuh_then = [rw for rw, i in latest_baseline.items() if i is not None and i.status_kumuh == "kumuh"]
    ids = _ids([*(latest_baseline[rw] for rw in kumuh_then), *(latest_now[rw] for rw in kumuh_then)])
    if not kumuh_then:
        return Criterion(True, f"Tidak ada RW kumuh pada {baseline.isoformat()}", ids)
    still = [rw for rw in kumuh_then if latest_now[rw] is None or latest_now[rw].status_kumuh != "tidak_kumuh"]
    if still:
        return Criterion(False, f"RW masih kumuh: {', '.join(map(str, still))}", ids)
    return Criterion(True, f"Semua RW kumuh pada {baseline.isoformat()} ({len(kumuh_then)}) kini tidak kumuh", ids)


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


def k7_tepat_waktu(covering: Sequence[KelurahanReport], period: Period, rules: RuleSet) -> Criterion:
    """K7: in every report covering the period, all five report dates are on or before the due date."""
    if not covering:
        return Criterion(False, NO_REPORT.format(period=period.label))
    problems = []
    for report in covering:
        due = report_due_date(report, rules)
        for key in REPORT_KEYS:
            reported = report.report_dates.get(key)
            if reported is None:
                problems.append(f"{report.period.label} {REPORT_LABELS[key]}: tanggal kosong")
            elif reported > due:
                problems.append(f"{report.period.label} {REPORT_LABELS[key]}: {reported.isoformat()} > {due.isoformat()}")
    ids = _ids(covering)
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
) -> KelurahanStatus:
    """Evaluate K1–K7 for one kelurahan; ``ikm`` is the IKM of its own respondents in the period."""
    covering = reports_covering(reports, kelurahan.id, period)
    previous = reports_covering(reports, kelurahan.id, period.previous())
    latest_now = _rw_latest(index, kelurahan.rw_ids, period.end)
    baseline = baseline_date(period)
    latest_baseline = _rw_latest(index, kelurahan.rw_ids, baseline)
    criteria = {
        "K1": k1_lembaga_aktif(covering, period),
        "K2": k2_incidents_decreasing(covering, previous, period),
        "K3": k3_kebun_toga(latest_now),
        "K4": k4_pengelolaan_sampah(latest_now, rules),
        "K5": k5_kumuh_berkurang(latest_now, latest_baseline, baseline),
        "K6": k6_ikm(ikm, rules),
        "K7": k7_tepat_waktu(covering, period, rules),
    }
    baik = all(criteria[code].held for code in rules.baik_criteria)
    return KelurahanStatus(kelurahan, criteria, baik)

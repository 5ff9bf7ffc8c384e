"""The six IKU for one kecamatan (or one of its kelurahan) and one period.

``compute_indicators`` is the one entry point the Celery task calls: plain data in, six
``IndicatorScore`` out, each with the rule version and a JSON-able ``details`` drill-down that names
the records behind the number. Pure: no I/O, no clock, no randomness.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from domain.indicators import CATALOGUE

from .complaints import count_follow_ups
from .criteria import kelurahan_status
from .ikm import min_sample, nrr_floats
from .model import KecamatanData, Kelurahan, Period
from .rounding import half_up_float, percentage, to_fraction
from .rules import RuleSet
from .records import ALL, ScopeKey, index_of
from .rw_status import baseline_date, rw_change
from .services import count_on_time

CODES: tuple[str, ...] = ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6")
# Which record collections of ``KecamatanData`` each IKU reads (besides the small inputs: wilayah,
# catalogue, holidays, today, its own target, the rule set). For a kelurahan, only that kelurahan's
# records of them (its RW's inspections; its own surveys, complaints, services, reports).
# ``workers.result_memo`` relies on both; ``tests/workers/test_scoring_properties.py`` checks the second.
READS: dict[str, tuple[str, ...]] = {
    "IKU1": ("surveys",),
    "IKU2": ("complaints",),
    "IKU3": ("services",),
    "IKU4": ("services",),
    "IKU5": ("reports", "inspections", "surveys"),
    "IKU6": ("inspections",),
}
# The collections that every IKU reading them reads only up to the period's end — by this date of
# each record (inspections: the latest on or before the period's end and the baseline, IKU5 and
# IKU6; surveys: those within the period, IKU1 and IKU5's K6). So a record dated after a period's
# end changes none of that period's results. ``workers.result_memo`` relies on it;
# ``tests/workers/test_scoring_properties.py`` checks it.
READ_UNTIL_PERIOD_END: dict[str, str] = {"inspections": "observed", "surveys": "observed"}
NAMES: dict[str, str] = {i.code: i.name for i in CATALOGUE}
UNITS: dict[str, str] = {i.code: i.unit for i in CATALOGUE}
# Why a value is "no data" (value and capaian null): never 0 % and never "target missed".
NO_DATA: dict[str, str] = {
    "IKU1": "Tidak ada data: belum ada responden SKM pada periode ini",
    "IKU2": "Tidak ada data: tidak ada pengaduan diterima pada periode ini",
    "IKU3": "Tidak ada data: tidak ada layanan administrasi kependudukan selesai pada periode ini",
    "IKU4": "Tidak ada data: tidak ada layanan administrasi umum selesai pada periode ini",
    "IKU5": "Tidak ada data: tidak ada laporan kelurahan, inspeksi RW, atau survei SKM pada periode ini",
    "IKU6": "Tidak ada data: belum ada inspeksi RW sampai akhir periode ini",
}


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    """One IKU for one scope and period as computed (stored as an ``IndicatorResult`` row of ``indicator_results``)."""

    code: str
    name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    capaian: float | None
    unit: str
    mutu: str | None
    rule_version: int
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form (what the API and the results table hold)."""
        return asdict(self)


def capaian(code: str, value: float | None, target: float | None, rules: RuleSet) -> float | None:
    """Achievement against the target, in %, rounded half-up to 2 decimals.

    ``value / target × 100``; for a code in ``rules.lower_is_better`` the SAKIP formula
    ``(2 × target − value) / target × 100`` floored at 0. None without a value or a (non-zero) target.
    """
    if value is None or target is None or target == 0:
        return None
    realisasi, goal = to_fraction(value), to_fraction(target)
    if code in rules.lower_is_better:
        return half_up_float(max(Fraction(0), (2 * goal - realisasi) / goal * 100))
    return half_up_float(realisasi / goal * 100)


def compute_indicators(
    data: KecamatanData, period: Period, rules: RuleSet, kelurahan_id: int | None = None,
    codes: Sequence[str] = CODES,
) -> list[IndicatorScore]:
    """Compute IKU1..IKU6 (or only ``codes``), in order, for the whole kecamatan (``kelurahan_id``
    None) or one kelurahan.

    :raise ValueError: when ``kelurahan_id`` is not a kelurahan of ``data``.
    """
    scope = _Scope(data, period, rules, kelurahan_id)
    return [_BUILDERS[code](scope) for code in codes]


_BUILDERS: dict[str, Callable[[_Scope], IndicatorScore]] = {
    "IKU1": lambda scope: scope.iku1(),
    "IKU2": lambda scope: scope.iku2(),
    "IKU3": lambda scope: scope.iku_on_time("IKU3", "adminduk"),
    "IKU4": lambda scope: scope.iku_on_time("IKU4", "umum"),
    "IKU5": lambda scope: scope.iku5(),
    "IKU6": lambda scope: scope.iku6(),
}


class _Scope:
    """The records of one scope and period (read through the cached ``RecordIndex``) and the builders
    of its six results."""

    def __init__(self, data: KecamatanData, period: Period, rules: RuleSet, kelurahan_id: int | None) -> None:
        self.data, self.period, self.rules, self.kelurahan_id = data, period, rules, kelurahan_id
        if kelurahan_id is None:
            self.kelurahan: tuple[Kelurahan, ...] = data.kelurahan
        else:
            self.kelurahan = tuple(k for k in data.kelurahan if k.id == kelurahan_id)
            if not self.kelurahan:
                raise ValueError(f"kelurahan {kelurahan_id} is not in kecamatan {data.kecamatan_id}")
        self.records = index_of(data)
        self.scope: ScopeKey = ALL if kelurahan_id is None else kelurahan_id

    def _result(self, code: str, value: float | None, numerator: float | None, denominator: float | None,
                details: dict[str, Any], mutu: str | None = None) -> IndicatorScore:
        target = self.data.targets.get(code)
        target = None if target is None else float(target)
        details.setdefault("warnings", [])
        if value is None:
            details.setdefault("reason", NO_DATA[code])
        return IndicatorScore(
            code, NAMES[code], value, numerator, denominator, target,
            capaian(code, value, target, self.rules), UNITS[code], mutu, self.rules.version, details,
        )

    # IKU1 -----------------------------------------------------------------------------------------
    def _name(self, kelurahan_id: int) -> str:
        return next((k.nama for k in self.data.kelurahan if k.id == kelurahan_id), str(kelurahan_id))

    def _unit(self, unit_kelurahan_id: int | None, population: int | None) -> dict[str, Any]:
        score = self.records.ikm(unit_kelurahan_id, self.period, self.rules)
        sample = min_sample(population)
        return {
            "kelurahan_id": unit_kelurahan_id,
            "value": score.value,
            "mutu": score.mutu,
            "respondents": score.respondents,
            "min_sample": sample,
            "warning": sample is not None and score.respondents < sample,
        }

    def iku1(self) -> IndicatorScore:
        """IKM pooled over every respondent of the kecamatan, or the kelurahan's own unit."""
        if self.kelurahan_id is None:
            population = self.data.service_population
            units = [self._unit(None, self.data.service_population)]
        else:
            population = self.kelurahan[0].service_population
            units = []
        units += [self._unit(k.id, k.service_population) for k in self.kelurahan]
        score = self.records.ikm(self.scope, self.period, self.rules)
        sample = min_sample(population)
        warnings = list(score.warnings)
        if sample is not None and score.respondents < sample:
            warnings.append(f"Responden {score.respondents} kurang dari sampel minimum {sample} (N = {population})")
        for unit in units:
            if unit["warning"] and self.kelurahan_id is None:
                name = "kantor kecamatan" if unit["kelurahan_id"] is None else f"kelurahan {self._name(unit['kelurahan_id'])}"
                warnings.append(f"Unit {name}: responden {unit['respondents']} kurang dari sampel minimum {unit['min_sample']}")
        ikm_raw = half_up_float(score.raw, 4) if score.raw is not None else None
        details = {
            "record_ids": sorted(score.record_ids),
            "warnings": warnings,
            "respondents": score.respondents,
            "nrr": nrr_floats(score),
            "ikm_raw": ikm_raw,
            "mutu": score.mutu,
            "min_sample": sample,
            "units": units,
        }
        return self._result("IKU1", score.value, ikm_raw, score.respondents, details, score.mutu)

    # IKU2 -----------------------------------------------------------------------------------------
    def iku2(self) -> IndicatorScore:
        """Complaints received in the period and followed up by its end."""
        count = count_follow_ups(self.records.complaints_in(self.scope, self.period), self.period)
        details = {"record_ids": count.record_ids, "warnings": [], "followed_up_ids": count.followed_up_ids}
        return self._result("IKU2", percentage(count.numerator, count.denominator),
                            count.numerator, count.denominator, details)

    # IKU3 / IKU4 ----------------------------------------------------------------------------------
    def iku_on_time(self, code: str, group: str) -> IndicatorScore:
        """Services of ``group`` completed in the period within their SOP (IKU4: per section too)."""
        services = self.records.services_completed_in(self.scope, self.period)
        count = count_on_time(services, self.data.service_types, group, self.period, self.data.holidays,
                              self.data.service_type_versions)
        details: dict[str, Any] = {
            "record_ids": count.record_ids,
            "warnings": count.warnings,
            "on_time_ids": count.on_time_ids,
            "late_ids": count.late_ids,
        }
        if count.versions:  # the SOP versions that judged these services (reference data is versioned)
            details["service_type_versions"] = dict(sorted(count.versions.items()))
        if group == "umum":
            details["sections"] = {
                section: {"numerator": on_time, "denominator": total, "value": percentage(on_time, total)}
                for section, (on_time, total) in sorted(count.sections.items())
            }
        return self._result(code, percentage(count.numerator, count.denominator),
                            count.numerator, count.denominator, details)

    # IKU5 -----------------------------------------------------------------------------------------
    def iku5(self) -> IndicatorScore:
        """Kelurahan meeting the Baik criteria (K1–K7 under the rule set)."""
        statuses = [
            kelurahan_status(k, self.period, self.rules, self.records.reports_of(k.id), self.records.inspections,
                             self.records.ikm(k.id, self.period, self.rules), self.data.today)
            for k in self.kelurahan
        ]
        baik = sum(1 for status in statuses if status.baik)
        warnings = self._baseline_warnings()
        details = {
            "record_ids": sorted({rid for status in statuses for rid in status.record_ids}),
            "warnings": warnings,
            "kelurahan": [status.to_dict() for status in statuses],
        }
        if not self._any_source_in_period():
            return self._result("IKU5", None, baik, len(statuses), details)
        return self._result("IKU5", percentage(baik, len(statuses)), baik, len(statuses), details)

    def _any_source_in_period(self) -> bool:
        """IKU5 has data when the scope has a report covering, or an inspection or survey within, the period."""
        for k in self.kelurahan:
            if any(self.period.start <= r.period.start and r.period.end <= self.period.end
                   for r in self.records.reports_of(k.id)):
                return True
            if self.records.surveys_in(k.id, self.period):
                return True
            if self.records.inspections.any_within(k.rw_ids, self.period.start, self.period.end):
                return True
        return False

    def _baseline_warnings(self) -> list[str]:
        """``"N RW tanpa data awal"``: RW with no inspection on or before the baseline (IKU6, K5)."""
        baseline = baseline_date(self.period)
        key = ("no-baseline", self.scope, baseline)
        missing = self.records.memo.get(key)
        if missing is None:
            missing = self.records.memo[key] = sum(1 for k in self.kelurahan for rw_id in k.rw_ids
                                                   if self.records.inspections.latest(rw_id, baseline) is None)
        if not missing:
            return []
        return [f"{missing} RW tanpa data awal (belum ada inspeksi sampai {baseline.strftime('%d/%m/%Y')})"]

    # IKU6 -----------------------------------------------------------------------------------------
    def iku6(self) -> IndicatorScore:
        """RW Baik at the period's end and not Baik at the end of the previous year."""
        index = self.records.inspections
        changes = [rw_change(index, rw_id, k.id, self.period, self.rules) for k in self.kelurahan for rw_id in k.rw_ids]
        changed = sum(1 for change in changes if change.changed)
        inspection_ids = {i for c in changes for i in (c.inspection_now, c.inspection_baseline) if i is not None}
        names = {k.id: k for k in self.kelurahan}
        rows = []
        for change in changes:
            row = change.to_dict()
            kelurahan = names[change.kelurahan_id]
            row["nomor"] = kelurahan.rw_numbers.get(change.rw_id)
            row["kelurahan"] = kelurahan.nama
            rows.append(row)
        details = {
            "record_ids": sorted(inspection_ids),
            "warnings": self._baseline_warnings(),
            "rw": rows,
        }
        if not any(c.inspection_now is not None for c in changes):
            return self._result("IKU6", None, changed, len(changes), details)
        return self._result("IKU6", percentage(changed, len(changes)), changed, len(changes), details)

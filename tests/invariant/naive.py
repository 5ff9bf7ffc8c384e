"""A second, deliberately simple implementation of the six IKU, written from their rules alone.

The invariant test (``test_life_of_a_record.py``) compares every stored result with this module.
It shares no code with ``workers/`` (nor with ``server/``): it reads the stored rows with plain SQL
and recomputes everything with plain loops over them, exact ``Fraction`` arithmetic and HALF-UP
rounding. Speed does not matter; being obviously right does. Where the rules (docs/scoring.md)
leave a choice open, the choice is written down next to the code (search for "rules leave").

The rules it implements:

- **Which versions count.** Review states ``pending`` | ``accepted`` | ``rejected`` | ``returned``.
  A version may count when it is accepted, or pending/returned and not ``needs_acceptance``;
  rejected never. **Chains**: versions linked by ``supersedes`` form one chain; the chain's
  current version is its latest version that is not rejected (of those, the latest that may
  count; the rules leave open what a pending version that waits for acceptance does — it does not
  count, and the version before it is not revived). Follow-ups (``tindak-lanjut``,
  ``layanan-selesai``) that name any version of a chain apply to the chain's current version.
- **One clock**: a record belongs to the local date (Asia/Jakarta) of its ``observed_at``,
  except ``laporan-kelurahan`` (its ``periode``) and ``pengaduan`` (its ``tanggal_terima``). A
  service belongs to the period in which it was completed (IKU3/IKU4 count services completed in
  the period); a follow-up counts for a period when its own date is on or before the period's end.
- **One report per kelurahan and quarter**: the latest by ``observed_at``, then
  ``received_at``.
- **Reference data is versioned**: a service is judged by the SOP in force on the local
  date it was received.
- **Missing is not zero**: K1, K2 and K7 need every report that is due (end of quarter +
  due days ≤ today) and at least one report; K2 compares the reported quarters with the same
  quarters of the year before (a quarter with the quarter before), a missing previous report
  counting 0. IKU5 with no report, inspection or kelurahan survey in the period, and IKU6 with no
  inspection on or before the period's end, are "no data" (value and capaian null).
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Jakarta")
CODES = ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6")
ELEMENTS = tuple(f"u{i}" for i in range(1, 10))
REPORT_DATES = ("tgl_lapor_kependudukan", "tgl_lapor_ekobang", "tgl_lapor_kessos", "tgl_lapor_kepegawaian",
                "tgl_lapor_keuangan")
MUTU_BOUNDS = ((Fraction(8831, 100), "A"), (Fraction(7661, 100), "B"), (Fraction(65), "C"))
K6_MIN_IKM = Fraction(7661, 100)
DUE_DAYS = 10
CRITERIA = ("K1", "K2", "K3", "K4", "K5", "K6", "K7")


# -- numbers -----------------------------------------------------------------------------------------

def half_up(value: Fraction | int, places: int = 2) -> Decimal:
    """Round an exact value HALF-UP (a tie goes away from zero) to ``places`` decimals."""
    x = Fraction(value)
    sign = -1 if x < 0 else 1
    scaled = abs(x) * 10**places
    whole = math.floor(scaled + Fraction(1, 2))
    return Decimal(sign * whole).scaleb(-places)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator × 100, rounded; None when there is nothing to divide by."""
    return None if denominator == 0 else half_up(Fraction(100 * numerator, denominator))


def krejcie_morgan(population: int) -> int:
    """The minimum sample: s = 3.841·N·0.25 / (0.0025·(N−1) + 3.841·0.25), rounded half-up."""
    chi = Fraction(3841, 1000)
    s = chi * population * Fraction(1, 4) / (Fraction(1, 400) * (population - 1) + chi * Fraction(1, 4))
    return int(half_up(s, 0))


def mutu(value: Decimal | None) -> str | None:
    """Mutu pelayanan of a converted IKM already rounded to 2 decimals."""
    if value is None:
        return None
    exact = Fraction(value)
    for bound, grade in MUTU_BOUNDS:
        if exact >= bound:
            return grade
    return "D"


def capaian(value: Decimal | None, target: Decimal | None, lower_is_better: bool = False) -> Decimal | None:
    """Capaian from the published (rounded) realisasi; the SAKIP rule when lower is better."""
    if value is None or target is None or target == 0:
        return None
    v, t = Fraction(value), Fraction(target)
    if lower_is_better:
        return half_up(max(Fraction(0), (2 * t - v) / t * 100))
    return half_up(v / t * 100)


# -- periods -----------------------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class Period:
    """A year (quarter None) or one of its quarters; both ends included."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, label: str) -> Period:
        if len(label) == 4:
            return cls(int(label))
        year, q = label.split("-Q")
        if len(year) != 4 or q not in ("1", "2", "3", "4"):
            raise ValueError(label)
        return cls(int(year), int(q))

    @property
    def label(self) -> str:
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.quarter is None else 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.quarter is None or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    def quarters(self) -> tuple[Period, ...]:
        return tuple(Period(self.year, q) for q in range(1, 5)) if self.quarter is None else (self,)

    def previous(self) -> Period:
        if self.quarter is None:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def periods_of(year: int) -> tuple[Period, ...]:
    return (Period(year), *Period(year).quarters())


# -- stored rows and reference data ------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One stored submission, as the database holds it."""

    id: str
    form: str
    kelurahan_id: int | None
    rw_id: int | None
    ref: str | None
    supersedes: str | None
    observed_at: dt.datetime
    received_at: dt.datetime
    data: Mapping[str, Any]
    review_status: str = "accepted"
    needs_acceptance: bool = False

    @property
    def may_count(self) -> bool:
        return self.review_status == "accepted" or (
            self.review_status in ("pending", "returned") and not self.needs_acceptance)

    @property
    def local_date(self) -> dt.date:
        return self.observed_at.astimezone(TZ).date()


@dataclass(frozen=True)
class Sop:
    """One version of a service type: in force from ``effective_from`` (a local date) on."""

    effective_from: dt.date
    group: str  # adminduk | umum
    value: int
    unit: str  # minutes | working_days


# The default service-type catalogue (group, SOP value, SOP unit), in force from the beginning.
DEFAULT_SOP = {
    "pengantar-ktp": ("adminduk", 60, "minutes"), "pengantar-kk": ("adminduk", 60, "minutes"),
    "pengantar-akta": ("adminduk", 15, "minutes"), "pindah-datang": ("adminduk", 3, "working_days"),
    "sktm": ("umum", 60, "minutes"), "keterangan-usaha": ("umum", 1, "working_days"),
    "izin-keramaian": ("umum", 3, "working_days"), "domisili": ("umum", 10, "minutes"),
    "legalisasi": ("umum", 30, "minutes"),
}


def default_catalogue() -> dict[str, list[Sop]]:
    return {code: [Sop(dt.date.min, group, value, unit)] for code, (group, value, unit) in DEFAULT_SOP.items()}


@dataclass
class World:
    """Everything besides the submissions that the numbers read."""

    kelurahan: dict[int, tuple[int, ...]]  # kelurahan id → its RW ids
    today: dt.date  # the local date "now" (which quarterly reports are due)
    catalogue: dict[str, list[Sop]] = field(default_factory=default_catalogue)
    holidays: frozenset[dt.date] = frozenset()
    targets: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # (year, code) → target
    due_days: int = DUE_DAYS

    def sop(self, code: str, received: dt.date) -> Sop | None:
        """The version of a service type in force on ``received`` (latest effective_from ≤ it)."""
        versions = [v for v in self.catalogue.get(code, ()) if v.effective_from <= received]
        return max(versions, key=lambda v: v.effective_from) if versions else None


# -- lenient readers (a hostile row must not stop the comparison) -------------------------------------

def read_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def read_datetime(value: Any) -> dt.datetime | None:
    """An ISO datetime with offset, as an aware datetime whose local (Jakarta) date exists; else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            return None
        parsed.astimezone(TZ)
        parsed.astimezone(dt.timezone.utc)
        return parsed
    except (ValueError, OverflowError):
        return None


def local(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date()


# -- the life of a record ----------------------------------------------------------------------------

class Records:
    """The stored rows of one kecamatan with chains resolved (a correction replaces its predecessor)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = {r.id: r for r in rows}
        self.chain_of: dict[str, str] = {}  # version id → chain root id
        depth: dict[str, int] = {}
        for rid in self.rows:
            hops, cur, seen = 0, rid, {rid}
            while (prev := self.rows[cur].supersedes) is not None and prev in self.rows and prev not in seen:
                cur, hops = prev, hops + 1
                seen.add(cur)
            self.chain_of[rid], depth[rid] = cur, hops
        chains: dict[str, list[Row]] = defaultdict(list)
        for rid, root in self.chain_of.items():
            chains[root].append(self.rows[rid])
        # The current version: the latest (deepest, then last received) that is not rejected.
        self.current: dict[str, Row] = {}
        for root, versions in chains.items():
            versions.sort(key=lambda r: (depth[r.id], r.received_at, r.id))
            alive = [v for v in versions if v.review_status != "rejected"]
            if alive and alive[-1].may_count:
                self.current[root] = alive[-1]

    def of_form(self, form: str) -> list[Row]:
        """The current (counting) version of every chain of this form."""
        return [r for r in self.current.values() if r.form == form]

    def resolve(self, ref: str | None) -> Row | None:
        """The current version of the chain holding ``ref`` (None: not stored, or nothing counts)."""
        root = self.chain_of.get(ref) if ref is not None else None
        return None if root is None else self.current.get(root)

    def follow_ups(self, form: str, record: Row) -> list[Row]:
        """Current follow-ups of ``form`` that apply to ``record`` (whatever version they name)."""
        return [f for f in self.of_form(form) if (target := self.resolve(f.ref)) is not None and target.id == record.id]


def in_unit(row: Row, scope: int | None) -> bool:
    """A unit-subject record (survey, complaint, service) in the scope (None: the whole kecamatan)."""
    return scope is None or row.kelurahan_id == scope


# -- the indicators ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    code: str
    value: Decimal | None
    numerator: Decimal | int | None
    denominator: int | None
    target: Decimal | None
    capaian: Decimal | None
    mutu: str | None = None
    no_data: bool = False  # value null because there is no source record at all (missing is not zero)
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ikm:
    respondents: int
    raw: Fraction | None  # Σ NRR × 1/9, scale 1–4
    value: Decimal | None  # converted (× 25), rounded
    grade: str | None


def ikm_of(answer_sets: Iterable[Mapping[str, Any]]) -> Ikm:
    """PermenPAN-RB 14/2017: NRR per element over those who answered it, IKM = Σ NRR / 9, × 25."""
    sums: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    respondents = 0
    for answers in answer_sets:
        valid = {k: v for k in ELEMENTS if type(v := answers.get(k)) is int and 1 <= v <= 4}
        if not valid:
            continue
        respondents += 1
        for key, v in valid.items():
            sums[key] += v
            counts[key] += 1
    if respondents == 0:
        return Ikm(0, None, None, None)
    answered = [k for k in ELEMENTS if counts[k]]
    # The rules leave an element nobody answered open; every element is required, so it never happens here.
    raw = sum((Fraction(sums[k], counts[k]) for k in answered), Fraction(0)) / len(answered)
    value = half_up(raw * 25)
    return Ikm(respondents, raw, value, mutu(value))


class Calculator:
    """All six IKU of one kecamatan for any period and scope."""

    def __init__(self, world: World, rows: Iterable[Row]) -> None:
        self.world = world
        self.records = Records(rows)
        self.rw_of: dict[int, int] = {rw: kel for kel, rws in world.kelurahan.items() for rw in rws}

    # helpers ---------------------------------------------------------------------------------------
    def _result(self, code: str, period: Period, value: Decimal | None, numerator, denominator,
                grade: str | None = None, no_data: bool = False, **detail) -> Result:
        target = self.world.targets.get((period.year, code))
        return Result(code, value, numerator, denominator, target, capaian(value, target), grade, no_data, detail)

    def kelurahan_in(self, scope: int | None) -> list[int]:
        return sorted(self.world.kelurahan) if scope is None else [scope]

    def rw_in(self, scope: int | None) -> list[int]:
        return [rw for kel in self.kelurahan_in(scope) for rw in self.world.kelurahan[kel]]

    def surveys(self, period: Period, scope: int | None) -> list[Row]:
        return [s for s in self.records.of_form("skm") if in_unit(s, scope) and period.contains(s.local_date)]

    def kelurahan_ikm(self, kel: int, period: Period) -> Ikm:
        return ikm_of(s.data for s in self.surveys(period, kel))

    # IKU1 ------------------------------------------------------------------------------------------
    def iku1(self, period: Period, scope: int | None) -> Result:
        ikm = ikm_of(s.data for s in self.surveys(period, scope))
        numerator = half_up(ikm.raw, 4) if ikm.raw is not None else None
        return self._result("IKU1", period, ikm.value, numerator, ikm.respondents, ikm.grade,
                            no_data=ikm.value is None)

    # IKU2 ------------------------------------------------------------------------------------------
    def iku2(self, period: Period, scope: int | None) -> Result:
        received = [c for c in self.records.of_form("pengaduan")
                    if in_unit(c, scope) and period.contains(read_date(c.data.get("tanggal_terima")))]
        done = []
        for complaint in received:
            dates = [read_date(f.data.get("tanggal")) for f in self.records.follow_ups("tindak-lanjut", complaint)]
            if any(d is not None and d <= period.end for d in dates):
                done.append(complaint.id)
        return self._result("IKU2", period, percent(len(done), len(received)), len(done), len(received),
                            no_data=not received, received=sorted(c.id for c in received), done=sorted(done))

    # IKU3 / IKU4 -----------------------------------------------------------------------------------
    def completion(self, service: Row) -> dt.datetime | None:
        """The register line's own waktu_selesai, else the earliest current layanan-selesai.

        The rules leave open which wins when a line has both; the test never sends both.
        """
        own = read_datetime(service.data.get("waktu_selesai"))
        if own is not None:
            return own
        later = [t for f in self.records.follow_ups("layanan-selesai", service)
                 if (t := read_datetime(f.data.get("waktu_selesai"))) is not None]
        return min(later) if later else None

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """Monday–Friday non-holidays after ``start``, up to and including ``end``."""
        days, day = 0, start + dt.timedelta(days=1)
        while day <= end:
            if day.weekday() < 5 and day not in self.world.holidays:
                days += 1
            day += dt.timedelta(days=1)
        return days

    def on_time(self, sop: Sop, received: dt.datetime, completed: dt.datetime) -> bool:
        if sop.unit == "minutes":
            return (completed - received).total_seconds() <= sop.value * 60
        return self.working_days(local(received), local(completed)) <= sop.value

    def services(self, group: str, period: Period, scope: int | None) -> tuple[list[str], list[str]]:
        """(completed in the period, of those on time) — ids of the service lines of one group."""
        completed, punctual = [], []
        for service in self.records.of_form("layanan"):
            if not in_unit(service, scope):
                continue
            received = read_datetime(service.data.get("waktu_terima"))
            finished = self.completion(service)
            if received is None or finished is None or not period.contains(local(finished)):
                continue
            sop = self.world.sop(str(service.data.get("jenis_layanan")), local(received))
            if sop is None or sop.group != group or finished < received:
                continue  # unknown type or a completion before the receipt: left out
            completed.append(service.id)
            if self.on_time(sop, received, finished):
                punctual.append(service.id)
        return completed, punctual

    def iku34(self, code: str, period: Period, scope: int | None) -> Result:
        completed, punctual = self.services("adminduk" if code == "IKU3" else "umum", period, scope)
        return self._result(code, period, percent(len(punctual), len(completed)), len(punctual), len(completed),
                            no_data=not completed, completed=sorted(completed), on_time=sorted(punctual))

    # RW status at a date (IKU6, K3–K5) ------------------------------------------------------------
    def inspection_at(self, rw: int, day: dt.date) -> Row | None:
        """The RW's latest counting inspection observed on or before ``day`` (local dates)."""
        found = [i for i in self.records.of_form("inspeksi-rw") if i.rw_id == rw and i.local_date <= day]
        return max(found, key=lambda i: (i.observed_at, i.received_at, i.id)) if found else None

    @staticmethod
    def rw_baik(inspection: Row | None) -> bool:
        if inspection is None:
            return False
        d = inspection.data
        return (d.get("kebun_toga") is True and d.get("pengelolaan_sampah") == "baik"
                and d.get("status_kumuh") == "tidak_kumuh" and d.get("lembaga_aktif") is True)

    # reports (K1, K2, K7) --------------------------------------------------------------------------
    def report(self, kel: int, quarter: Period) -> Row | None:
        """The one report that counts for a kelurahan-quarter: the latest by observed_at, then received_at."""
        found = [r for r in self.records.of_form("laporan-kelurahan")
                 if r.kelurahan_id == kel and r.data.get("periode") == quarter.label]
        return max(found, key=lambda r: (r.observed_at, r.received_at)) if found else None

    def due(self, quarter: Period) -> bool:
        return quarter.end + dt.timedelta(days=self.world.due_days) <= self.world.today

    @staticmethod
    def incidents(report: Row | None) -> int:
        if report is None:
            return 0
        return sum(v for k in ("kejadian_kriminal", "konflik_sosial")
                   if type(v := report.data.get(k)) is int)

    def criteria(self, kel: int, period: Period) -> dict[str, bool]:
        reports = {q: r for q in period.quarters() if (r := self.report(kel, q)) is not None}
        missing_due = [q for q in period.quarters() if self.due(q) and q not in reports]
        complete = bool(reports) and not missing_due
        k1 = complete and all(r.data.get("lembaga_aktif") is True for r in reports.values())
        # Like with like: the reported quarters against the same quarters one period earlier.
        if period.quarter is None:
            before = sum(self.incidents(self.report(kel, Period(period.year - 1, q.quarter))) for q in reports)
        else:
            before = self.incidents(self.report(kel, period.previous()))
        k2 = complete and sum(self.incidents(r) for r in reports.values()) <= before

        def on_time(q: Period, r: Row) -> bool:
            limit = q.end + dt.timedelta(days=self.world.due_days)
            return all((d := read_date(r.data.get(key))) is not None and d <= limit for key in REPORT_DATES)

        k7 = complete and all(on_time(q, r) for q, r in reports.items())
        rws = self.world.kelurahan[kel]
        now = {rw: self.inspection_at(rw, period.end) for rw in rws}
        base = {rw: self.inspection_at(rw, dt.date(period.year - 1, 12, 31)) for rw in rws}
        k3 = bool(rws) and all(i is not None and i.data.get("kebun_toga") is True for i in now.values())
        k4 = bool(rws) and all(i is not None and i.data.get("pengelolaan_sampah") == "baik" for i in now.values())
        k5 = all(now[rw] is not None and now[rw].data.get("status_kumuh") == "tidak_kumuh"
                 for rw, b in base.items() if b is not None and b.data.get("status_kumuh") == "kumuh")
        ikm = self.kelurahan_ikm(kel, period)
        k6 = ikm.value is not None and Fraction(ikm.value) >= K6_MIN_IKM
        return {"K1": k1, "K2": k2, "K3": k3, "K4": k4, "K5": k5, "K6": k6, "K7": k7}

    def iku5_has_data(self, period: Period, scope: int | None) -> bool:
        kels = set(self.kelurahan_in(scope))
        rws = set(self.rw_in(scope))
        return (any(r.kelurahan_id in kels and any(r.data.get("periode") == q.label for q in period.quarters())
                    for r in self.records.of_form("laporan-kelurahan"))
                or any(i.rw_id in rws and period.contains(i.local_date) for i in self.records.of_form("inspeksi-rw"))
                or any(s.kelurahan_id in kels and period.contains(s.local_date) for s in self.records.of_form("skm")))

    def iku5(self, period: Period, scope: int | None) -> Result:
        kels = self.kelurahan_in(scope)
        verdicts = {kel: self.criteria(kel, period) for kel in kels}
        baik = [kel for kel, c in verdicts.items() if all(c.values())]
        if not self.iku5_has_data(period, scope):
            return self._result("IKU5", period, None, None, None, no_data=True, criteria=verdicts)
        return self._result("IKU5", period, percent(len(baik), len(kels)), len(baik), len(kels), criteria=verdicts)

    # IKU6 ------------------------------------------------------------------------------------------
    def iku6(self, period: Period, scope: int | None) -> Result:
        rws = self.rw_in(scope)
        baseline = dt.date(period.year - 1, 12, 31)
        if all(self.inspection_at(rw, period.end) is None for rw in rws):
            return self._result("IKU6", period, None, None, None, no_data=True)
        changed = [rw for rw in rws
                   if self.rw_baik(self.inspection_at(rw, period.end)) and not self.rw_baik(self.inspection_at(rw, baseline))]
        return self._result("IKU6", period, percent(len(changed), len(rws)), len(changed), len(rws),
                            changed=sorted(changed))

    # all -------------------------------------------------------------------------------------------
    def compute(self, period: Period, scope: int | None) -> dict[str, Result]:
        results = [self.iku1(period, scope), self.iku2(period, scope), self.iku34("IKU3", period, scope),
                   self.iku34("IKU4", period, scope), self.iku5(period, scope), self.iku6(period, scope)]
        return {r.code: r for r in results}


# -- reading the database (plain SQL, no application code) ------------------------------------------

_ROWS_SQL = """
SELECT id::text, form_code, kelurahan_id, rw_id, ref::text, supersedes::text, observed_at, received_at, data,
       review_status, needs_acceptance
FROM submissions WHERE kecamatan_id = %s
"""


def load_rows(conn, kecamatan_id: int) -> list[Row]:
    """Every stored submission of one kecamatan (psycopg connection to PostgreSQL)."""
    return [Row(sid, form, kel, rw, ref, sup, observed, received, data if isinstance(data, dict) else {},
                status, bool(needs))
            for sid, form, kel, rw, ref, sup, observed, received, data, status, needs
            in conn.execute(_ROWS_SQL, (kecamatan_id,)).fetchall()]


def load_world(conn, kecamatan_id: int, today: dt.date, catalogue: dict[str, list[Sop]] | None = None) -> World:
    """Wilayah, holidays and targets of one kecamatan (its own targets over the deployment-wide ones)."""
    kelurahan: dict[int, list[int]] = {}
    for (kel,) in conn.execute("SELECT id FROM kelurahan WHERE kecamatan_id = %s ORDER BY kode", (kecamatan_id,)):
        kelurahan[kel] = []
    for rw, kel in conn.execute("SELECT r.id, r.kelurahan_id FROM rw r JOIN kelurahan k ON k.id = r.kelurahan_id "
                                "WHERE k.kecamatan_id = %s ORDER BY r.nomor", (kecamatan_id,)):
        kelurahan[kel].append(rw)
    holidays = frozenset(d for (d,) in conn.execute("SELECT date FROM holidays"))
    targets: dict[tuple[int, str], Decimal] = {}
    for year, code, _kec, value in conn.execute(
            "SELECT year, code, kecamatan_id, value FROM targets WHERE kecamatan_id IN (0, %s) ORDER BY kecamatan_id",
            (kecamatan_id,)):
        targets[(year, code)] = Decimal(repr(float(value)))
    return World({k: tuple(v) for k, v in kelurahan.items()}, today,
                 catalogue if catalogue is not None else default_catalogue(), holidays, targets)

"""Database rows → the plain inputs of ``workers.scoring`` (one kecamatan, a range of years).

Only what counts reaches the scoring functions: accepted (``review_status = 'accepted'``) and
not superseded (``superseded_by IS NULL``) submissions. Follow-ups are joined to their record by
``ref``: the earliest ``tindak-lanjut.tanggal`` is a complaint's follow-up date, the earliest
``waktu_selesai`` (the register line's own, else a ``layanan-selesai``) a service's completion.
Dates are LOCAL dates in the configured timezone (``TIMEZONE``, Asia/Jakarta by default).

Every row a recompute needs comes from a handful of set-based queries (wilayah, catalogue,
targets, rule sets, then one query over the kecamatan's submissions), never a query per row: the
city benchmark recomputes 300,000 submissions.

Period membership: a submission belongs to the period of its ``observed_at`` (SPEC §2), so a
complaint is *received* on the local date of its ``observed_at``; a ``laporan-kelurahan`` belongs to
its ``periode``. A service entry keeps its register times (``waktu_terima`` / ``waktu_selesai``),
because on-time is measured on them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from server.models import (
    RW, counts_clause, Holiday, Kecamatan, Kelurahan, RuleSetVersion, ServiceType, Submission, Target,
)
from workers.scoring import (
    Complaint, Inspection, KecamatanData, KelurahanReport, Period, RuleSet, ServiceEntry, Survey,
)
from workers.scoring import Kelurahan as KelurahanIn
from workers.scoring import ServiceType as ServiceTypeIn

SCORED_FORMS = ("skm", "pengaduan", "tindak-lanjut", "layanan", "layanan-selesai", "inspeksi-rw", "laporan-kelurahan")
# Forms read whatever their year: the latest inspection before a baseline may be years old, and a
# follow-up may be recorded long after its record.
_ANY_EARLIER_YEAR = ("inspeksi-rw", "tindak-lanjut", "layanan-selesai")
_ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
_REPORT_FIELDS = {
    "kependudukan": "tgl_lapor_kependudukan", "ekobang": "tgl_lapor_ekobang", "kessos": "tgl_lapor_kessos",
    "kepegawaian": "tgl_lapor_kepegawaian", "keuangan": "tgl_lapor_keuangan",
}
IKU_CODES = ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6")


@dataclass
class LoadedKecamatan:
    """One kecamatan's scoring inputs for a range of years, plus targets and rule sets.

    ``base`` holds every record loaded; :meth:`data_for` gives the ``KecamatanData`` of one year
    (its targets), since the scoring functions read the year's targets from the data.
    """

    base: KecamatanData
    targets_by_year: Mapping[int, Mapping[str, float]]
    rule_sets: tuple[RuleSet, ...]
    warnings: list[str] = field(default_factory=list)

    def data_for(self, year: int) -> KecamatanData:
        """The scoring input of one year: every record loaded, that year's targets."""
        return replace(self.base, targets=dict(self.targets_by_year.get(year, {})))


# -- conversions -------------------------------------------------------------------------------------

def _utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime (SQLite hands back naive UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _local_naive(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """An ISO 8601 datetime with offset (as the validator stores it) → naive local time."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:  # the validator refuses these; be lenient: already local
        return parsed
    return parsed.astimezone(tz).replace(tzinfo=None)


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _earliest(current: Any, candidate: Any) -> Any:
    if candidate is None:
        return current
    return candidate if current is None or candidate < current else current


# -- the small lookups -------------------------------------------------------------------------------

def load_rule_sets(session: Session) -> tuple[RuleSet, ...]:
    """Every stored rule set (the ``rule_sets`` table); empty → the scoring's DEFAULT_RULES apply."""
    rows = session.execute(select(RuleSetVersion.version, RuleSetVersion.effective_from, RuleSetVersion.rules))
    return tuple(RuleSet.from_dict({**(rules or {}), "version": version, "effective_from": effective_from})
                 for version, effective_from, rules in rows)


def load_targets(session: Session, kecamatan_id: int, years: Iterable[int]) -> dict[int, dict[str, float]]:
    """Targets by year and IKU code: the kecamatan's own over the deployment-wide ones (kecamatan_id 0)."""
    years = sorted(set(years))
    out: dict[int, dict[str, float]] = defaultdict(dict)
    rows = session.execute(
        select(Target.year, Target.code, Target.kecamatan_id, Target.value)
        .where(Target.year.in_(years), Target.kecamatan_id.in_((0, kecamatan_id)))
        .order_by(Target.kecamatan_id)  # 0 first, the kecamatan's own overwrites it
    )
    for year, code, _kec, value in rows:
        out[year][code] = float(value)
    return dict(out)


def load_service_types(session: Session) -> dict[str, ServiceTypeIn]:
    """The service catalogue by code (inactive types too: old entries still name them)."""
    rows = session.execute(select(ServiceType.code, ServiceType.name, ServiceType.group, ServiceType.section,
                                  ServiceType.sop_value, ServiceType.sop_unit))
    return {code: ServiceTypeIn(code, name, group, section, sop_value, sop_unit)
            for code, name, group, section, sop_value, sop_unit in rows}


def load_holidays(session: Session) -> frozenset[dt.date]:
    """Every configured holiday."""
    return frozenset(session.scalars(select(Holiday.date)))


def load_wilayah(session: Session, kecamatan_id: int) -> tuple[Kecamatan, tuple[KelurahanIn, ...]]:
    """The kecamatan and its kelurahan with their RW ids (two queries)."""
    kecamatan = session.get(Kecamatan, kecamatan_id)
    if kecamatan is None:
        raise LookupError(f"no kecamatan {kecamatan_id}")
    kel_rows = session.execute(
        select(Kelurahan.id, Kelurahan.kode, Kelurahan.nama, Kelurahan.service_population)
        .where(Kelurahan.kecamatan_id == kecamatan_id).order_by(Kelurahan.kode)
    ).all()
    rw_by_kel: dict[int, list[int]] = defaultdict(list)
    for rw_id, kel_id in session.execute(
        select(RW.id, RW.kelurahan_id).join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
        .where(Kelurahan.kecamatan_id == kecamatan_id).order_by(RW.kelurahan_id, RW.nomor, RW.id)
    ):
        rw_by_kel[kel_id].append(rw_id)
    kelurahan = tuple(KelurahanIn(kel_id, kode, nama, tuple(rw_by_kel[kel_id]), population)
                      for kel_id, kode, nama, population in kel_rows)
    return kecamatan, kelurahan


# -- the submissions ---------------------------------------------------------------------------------

def submissions_query(kecamatan_id: int, first_year: int, last_year: int, ids_as_text: bool = False):
    """The one select of every scored submission a recompute of ``first_year..last_year`` reads.

    One year either side is read too: the previous period (K2, the IKU6 baseline) and observed_at
    near midnight on New Year's Eve (stored by its written offset, scored by the local date).
    """
    t = Submission.__table__
    low, high = first_year - 1, last_year + 1
    # PostgreSQL hands UUIDs over as text (no uuid.UUID object per row); SQLite stores them as hex.
    sid, ref = (cast(t.c.id, Text), cast(t.c.ref, Text)) if ids_as_text else (t.c.id, t.c.ref)
    return (
        select(sid, t.c.form_code, t.c.kelurahan_id, t.c.rw_id, ref, t.c.observed_at, t.c.data)
        .where(
            t.c.kecamatan_id == kecamatan_id,
            counts_clause(t),
            t.c.superseded_by.is_(None),
            t.c.form_code.in_(SCORED_FORMS),
            t.c.period_year <= high,
            or_(t.c.form_code.in_(_ANY_EARLIER_YEAR), t.c.period_year >= low),
        )
    )


@dataclass
class _Collected:
    surveys: list[Survey] = field(default_factory=list)
    complaints: list[tuple[str, int | None, dt.date]] = field(default_factory=list)
    services: list[tuple[str, int | None, str, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    reports: list[KelurahanReport] = field(default_factory=list)
    follow_up: dict[str, list[tuple[dt.date, str]]] = field(default_factory=lambda: defaultdict(list))
    completion: dict[str, dt.datetime] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _collect(rows: Iterable[Any], tz: ZoneInfo) -> _Collected:
    """Turn submission rows into scoring records (follow-ups gathered by the id they refer to)."""
    out = _Collected()
    for sid, form, kel_id, rw_id, ref, observed_at, data in rows:
        sid = str(sid)
        if not isinstance(data, dict):
            out.warnings.append(f"{sid}: data is not an object")
            continue
        local_day = _utc(observed_at).astimezone(tz).date()
        if form == "skm":
            answers = {k: v for k in _ELEMENTS if type(v := data.get(k)) is int}
            out.surveys.append(Survey(sid, kel_id, local_day, answers))
        elif form == "pengaduan":
            out.complaints.append((sid, kel_id, local_day))
        elif form == "tindak-lanjut":
            tanggal = _date(data.get("tanggal"))
            if ref is not None and tanggal is not None:
                out.follow_up[str(ref)].append((tanggal, sid))
        elif form == "layanan":
            received = _local_naive(data.get("waktu_terima"), tz)
            if received is None:
                out.warnings.append(f"{sid}: layanan without waktu_terima")
                continue
            out.services.append((sid, kel_id, str(data.get("jenis_layanan")), received,
                                 _local_naive(data.get("waktu_selesai"), tz)))
        elif form == "layanan-selesai":
            finished = _local_naive(data.get("waktu_selesai"), tz)
            if ref is not None and finished is not None:
                key = str(ref)
                out.completion[key] = _earliest(out.completion.get(key), finished)
        elif form == "inspeksi-rw":
            if rw_id is None:
                continue
            out.inspections.append(Inspection(
                sid, rw_id, local_day, data.get("kebun_toga") is True, str(data.get("pengelolaan_sampah", "")),
                str(data.get("status_kumuh", "")), data.get("lembaga_aktif") is True,
                _int(data.get("kejadian_kriminal")), _int(data.get("konflik_sosial"))))
        elif form == "laporan-kelurahan":
            try:
                period = Period.parse(str(data.get("periode", "")))
            except ValueError:
                out.warnings.append(f"{sid}: laporan-kelurahan without a valid periode")
                continue
            if kel_id is None or period.quarter is None:
                continue
            dates = {key: d for key, name in _REPORT_FIELDS.items() if (d := _date(data.get(name))) is not None}
            out.reports.append(KelurahanReport(
                sid, kel_id, period, data.get("lembaga_aktif") is True, _int(data.get("kejadian_kriminal")),
                _int(data.get("konflik_sosial")), dates))
    return out


def _complaints(collected: _Collected) -> tuple[Complaint, ...]:
    out = []
    for sid, kel_id, received in collected.complaints:
        follow_ups = sorted(collected.follow_up.get(sid, ()))
        first = follow_ups[0][0] if follow_ups else None
        out.append(Complaint(sid, kel_id, received, first, tuple(fid for _d, fid in follow_ups)))
    return tuple(out)


def _services(collected: _Collected) -> tuple[ServiceEntry, ...]:
    out = []
    for sid, kel_id, code, received, own_completion in collected.services:
        completed = own_completion if own_completion is not None else collected.completion.get(sid)
        out.append(ServiceEntry(sid, kel_id, code, received, completed))
    return tuple(out)


def load_kecamatan(session: Session, kecamatan_id: int, years: Iterable[int], timezone: str = "Asia/Jakarta",
                   *, service_types: Mapping[str, ServiceTypeIn] | None = None,
                   holidays: frozenset[dt.date] | None = None,
                   rule_sets: tuple[RuleSet, ...] | None = None) -> LoadedKecamatan:
    """Load everything the scores of one kecamatan for ``years`` read.

    The catalogue lookups (service types, holidays, rule sets) can be passed in by a caller that
    loads many kecamatan in a row, so they are read once.

    :raise LookupError: no such kecamatan.
    """
    years = sorted(set(years))
    tz = ZoneInfo(timezone)
    kecamatan, kelurahan = load_wilayah(session, kecamatan_id)
    as_text = session.get_bind().dialect.name == "postgresql"
    rows = session.execute(submissions_query(kecamatan_id, years[0], years[-1], as_text)).all()
    collected = _collect(rows, tz)
    base = KecamatanData(
        kecamatan_id=kecamatan.id, nama=kecamatan.nama, service_population=kecamatan.service_population,
        kelurahan=kelurahan,
        surveys=tuple(collected.surveys),
        complaints=_complaints(collected),
        services=_services(collected),
        service_types=service_types if service_types is not None else load_service_types(session),
        inspections=tuple(collected.inspections),
        reports=tuple(collected.reports),
        holidays=holidays if holidays is not None else load_holidays(session),
        targets={},
    )
    return LoadedKecamatan(
        base=base,
        targets_by_year=load_targets(session, kecamatan_id, years),
        rule_sets=rule_sets if rule_sets is not None else load_rule_sets(session),
        warnings=collected.warnings,
    )

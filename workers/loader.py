"""Database rows → the plain inputs of ``workers.scoring`` (one kecamatan, a range of years).

Only what counts reaches the scoring functions. Correction chains are resolved here
(``workers.scoring.chains``): of each chain only its current version counts — the latest version
eligible to count (``counts_clause``: not rejected; a form that waits for review only once
accepted) — so rejecting a correction restores the version before it. The ``superseded_by``
column alone does not decide this (it is the sync's "first correction wins" guard). Follow-ups
are joined to the CURRENT version of the chain their ``ref`` names, whichever version that is:
the earliest ``tindak-lanjut.tanggal`` is a complaint's follow-up date, the earliest
``waktu_selesai`` (the register line's own, else a ``layanan-selesai``) a service's completion.
A follow-up that arrived before its record and was not linked to it (``subject_type = 'ref'``:
its sender may not write at the record's place) never counts.
Dates are LOCAL dates in the configured timezone (``TIMEZONE``, ``domain.clock.DEFAULT_TIMEZONE`` by default), decided
by ``server.periods`` (the one clock the sync uses too). A stored row whose dates cannot be read
(a hostile legacy row: year 0, year 9999 with a far offset) is skipped with a warning, never a crash.

Every row a recompute needs comes from a handful of set-based queries (wilayah, catalogue,
targets, rule sets, then one query over the kecamatan's submissions), never a query per row: the
city benchmark recomputes 300,000 submissions.

The rows are taken by form (``FormRows``) and each record collection of ``KecamatanData`` is built
from its forms' rows alone (``_SOURCES``: the complaints with their follow-ups, the services with
their completions); through the row cache, a collection whose rows and chains did not change is
the one built last time (``_collection``).

Period membership: a submission belongs to the period of its ``observed_at``'s local date; a
complaint is *received* on its ``tanggal_terima``; a ``laporan-kelurahan`` belongs to its
``periode``. A service entry keeps its register times (``waktu_terima`` / ``waktu_selesai``),
because on-time is measured on them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import chain
from typing import Any

from sqlalchemy import Text, case, cast, or_, select
from sqlalchemy.orm import Session

from domain.clock import DEFAULT_TIMEZONE, aware_utc
from server.models import (
    RW, counts_clause, Holiday, Kecamatan, Kelurahan, RuleSetVersion, ServiceType, Submission, Target,
)
from server.models.forms import ServiceTypeVersion
from workers.scoring import (
    Complaint, Inspection, KecamatanData, KelurahanReport, Period, RuleSet, ServiceEntry, Survey,
)
from server.periods import iso_date, local_day, local_naive, record_day, zone
from workers.scoring import Kelurahan as KelurahanIn
from workers.scoring import ServiceType as ServiceTypeIn
from workers.scoring.chains import Version, current_versions

# The forms each record collection of KecamatanData is built from (a follow-up with the records it
# completes); together, every form the scoring reads.
_SOURCES: dict[str, tuple[str, ...]] = {
    "surveys": ("skm",), "complaints": ("pengaduan", "tindak-lanjut"), "services": ("layanan", "layanan-selesai"),
    "inspections": ("inspeksi-rw",), "reports": ("laporan-kelurahan",),
}
SCORED_FORMS = tuple(form for forms in _SOURCES.values() for form in forms)
# Forms read whatever their year: the latest inspection before a baseline may be years old, and a
# follow-up may be recorded long after its record.
_ANY_EARLIER_YEAR = ("inspeksi-rw", "tindak-lanjut", "layanan-selesai")
_ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
_REPORT_FIELDS = {
    "kependudukan": "tgl_lapor_kependudukan", "ekobang": "tgl_lapor_ekobang", "kessos": "tgl_lapor_kessos",
    "kepegawaian": "tgl_lapor_kepegawaian", "keuangan": "tgl_lapor_keuangan",
}


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

def _local_naive(value: Any, tz: str) -> dt.datetime | None:
    """An ISO 8601 datetime with offset (as the validator stores it) → naive local time.

    :raise OverflowError: a hostile value that has no local time (the caller skips the row).
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return local_naive(parsed, tz)


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


def load_service_type_versions(session: Session) -> dict[str, tuple[ServiceTypeIn, ...]]:
    """Every version of every service type, by code, oldest effective_from first."""
    out: dict[str, list[ServiceTypeIn]] = defaultdict(list)
    rows = session.execute(
        select(ServiceTypeVersion.id, ServiceTypeVersion.code, ServiceTypeVersion.name, ServiceTypeVersion.group,
               ServiceTypeVersion.section, ServiceTypeVersion.sop_value, ServiceTypeVersion.sop_unit,
               ServiceTypeVersion.effective_from)
        .order_by(ServiceTypeVersion.code, ServiceTypeVersion.effective_from, ServiceTypeVersion.id))
    for vid, code, name, group, section, sop_value, sop_unit, effective_from in rows:
        out[code].append(ServiceTypeIn(code, name, group, section, sop_value, sop_unit, effective_from, vid))
    return {code: tuple(versions) for code, versions in out.items()}


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
    numbers: dict[int, dict[int, str]] = defaultdict(dict)
    for rw_id, kel_id, nomor in session.execute(
        select(RW.id, RW.kelurahan_id, RW.nomor).join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
        .where(Kelurahan.kecamatan_id == kecamatan_id).order_by(RW.kelurahan_id, RW.nomor, RW.id)
    ):
        rw_by_kel[kel_id].append(rw_id)
        numbers[kel_id][rw_id] = str(nomor)
    kelurahan = tuple(KelurahanIn(kel_id, kode, nama, tuple(rw_by_kel[kel_id]), population, numbers[kel_id])
                      for kel_id, kode, nama, population in kel_rows)
    return kecamatan, kelurahan


# -- the submissions ---------------------------------------------------------------------------------

def submissions_query(kecamatan_id: int, first_year: int, last_year: int, ids_as_text: bool = False):
    """The one select of every scored submission a recompute of ``first_year..last_year`` reads.

    Every version is read, rejected ones too (``eligible`` false): a chain's links run through
    them, and which version is current depends on all of them. One year either side is read too:
    the previous period (K2, the IKU6 baseline).
    """
    t = Submission.__table__
    low, high = first_year - 1, last_year + 1
    # PostgreSQL hands UUIDs over as text (no uuid.UUID object per row); SQLite stores them as hex.
    if ids_as_text:
        sid, ref, sup, by = (cast(t.c.id, Text), cast(t.c.ref, Text), cast(t.c.supersedes, Text),
                             cast(t.c.superseded_by, Text))
    else:
        sid, ref, sup, by = t.c.id, t.c.ref, t.c.supersedes, t.c.superseded_by
    return (
        select(sid, t.c.form_code, t.c.kelurahan_id, t.c.rw_id, ref, t.c.observed_at, t.c.data,
               sup, by, case((counts_clause(t), True), else_=False), t.c.subject_type, t.c.received_at)
        .where(
            t.c.kecamatan_id == kecamatan_id,
            t.c.form_code.in_(SCORED_FORMS),
            t.c.period_year <= high,
            or_(t.c.form_code.in_(_ANY_EARLIER_YEAR), t.c.period_year >= low),
        )
    )


def _links_query(ids: Iterable[str], ids_as_text: bool):
    """The chain links of versions outside the main read (another year or kecamatan), by id."""
    t = Submission.__table__
    if ids_as_text:
        cols = (cast(t.c.id, Text), cast(t.c.supersedes, Text), cast(t.c.superseded_by, Text))
        wanted = list(ids)
    else:
        import uuid

        cols = (t.c.id, t.c.supersedes, t.c.superseded_by)
        wanted = [uuid.UUID(str(i)) for i in ids]
    return select(*cols, case((counts_clause(t), True), else_=False)).where(t.c.id.in_(wanted))


def resolve_chains(rows: list[Any], session: Session | None = None, ids_as_text: bool = False) -> dict[str, str | None]:
    """Every version id of a chain → the chain's current version id (None: the chain does not count).

    Only rows with a link (``supersedes`` or ``superseded_by``) are in the map: a row with neither
    is a chain of one (the sync sets ``superseded_by`` on any version that was corrected), current
    when it is eligible. Versions a chain runs through that the main read left out (corrected into
    another year or place) are fetched by id, a few at a time, until every chain is whole.
    """
    versions: dict[str, Version] = {}
    for row in rows:
        sup, by = row[7], row[8]
        if sup is None and by is None:
            continue
        sid = str(row[0])
        versions[sid] = Version(sid, None if sup is None else str(sup), None if by is None else str(by), bool(row[9]))
    if session is not None:
        for _round in range(20):
            missing = {link for v in versions.values() for link in (v.supersedes, v.superseded_by)
                       if link is not None and link not in versions}
            if not missing:
                break
            for vid, sup, by, eligible in session.execute(_links_query(missing, ids_as_text)):
                vid = str(vid)
                versions[vid] = Version(vid, None if sup is None else str(sup), None if by is None else str(by),
                                        bool(eligible))
            for vid in missing - versions.keys():  # named but not stored (cannot happen via the sync)
                versions[vid] = Version(vid, None, None, False)
    return current_versions(versions.values())


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


_FOLLOW_UPS = ("tindak-lanjut", "layanan-selesai")
# What one row contributes (``parse_row``): ("warning", text), ("none",), a follow-up
# (form, ref, date or time or None, sid), ("follow-up-error", ref, text), or a record (form, record).
Item = tuple


def _collect(rows: Iterable[Any], tz: str, current: Mapping[str, str | None] | None = None,
             items: Iterable[Item] | None = None) -> _Collected:
    """Turn submission rows into scoring records (follow-ups gathered by their chain's current version).

    :param current: version id → its chain's current version (``resolve_chains``); None: every row
        is its own chain (rows without the chain columns, as older callers pass them).
    :param items: ``parse_row`` of each row, in the same order, when the caller kept them from an
        earlier read of the same row versions (``workers.row_cache``); None: parse every row here.
    """
    out = _Collected()
    rows = list(rows)
    parsed = iter(items) if items is not None else None
    for row in rows:
        item = next(parsed) if parsed is not None else None
        sid, form = str(row[0]), row[1]
        if current is not None:
            if current.get(sid, sid if row[9] else None) != sid:  # rejected, or another version counts
                continue
            if form in _FOLLOW_UPS and len(row) > 10 and row[10] == "ref":
                continue  # never linked to its record: its sender may not write there
        _apply(out, item if item is not None else parse_row(row, tz), current)
    return out


def parse_row(row: Any, tz: str) -> Item:
    """What one submission row contributes, whichever version of its chain counts.

    Pure in the row's columns and ``tz``, so a row version read once can be kept with its item
    (``workers.row_cache``) and never parsed again. A value without a local date becomes a
    warning (a follow-up's only when its record counts: ``_apply`` decides).
    """
    sid, form, kel_id, rw_id, ref, observed_at, data = row[:7]
    sid = str(sid)
    if not isinstance(data, dict):
        return ("warning", f"{sid}: data is not an object")
    try:
        if form in _FOLLOW_UPS:
            if ref is None:
                return ("none",)
            try:
                value = (iso_date(data.get("tanggal")) if form == "tindak-lanjut"
                         else _local_naive(data.get("waktu_selesai"), tz))
            except (ValueError, OverflowError, TypeError) as error:
                return ("follow-up-error", str(ref), f"{sid}: {form} tidak dapat dibaca, dilewati ({error})")
            return (form, str(ref), value, sid)
        return _parse_record(sid, form, kel_id, rw_id, observed_at, data, tz, row[11] if len(row) > 11 else None)
    except (ValueError, OverflowError, TypeError) as error:
        return ("warning", f"{sid}: {form} tidak dapat dibaca, dilewati ({error})")


def _apply(out: _Collected, item: Item, current: Mapping[str, str | None] | None) -> None:
    """Add one row's item to the collection (a follow-up to its chain's current version)."""
    kind = item[0]
    if kind == "none":
        return
    if kind == "warning":
        out.warnings.append(item[1])
    elif kind in _FOLLOW_UPS or kind == "follow-up-error":
        target = item[1] if current is None else current.get(item[1], item[1])
        if target is None:
            return  # every version of its record is rejected
        if kind == "follow-up-error":
            out.warnings.append(item[2])
        elif item[2] is None:
            return
        elif kind == "tindak-lanjut":
            out.follow_up[target].append((item[2], item[3]))
        else:
            out.completion[target] = _earliest(out.completion.get(target), item[2])
    elif kind == "skm":
        out.surveys.append(item[1])
    elif kind == "pengaduan":
        out.complaints.append(item[1])
    elif kind == "layanan":
        out.services.append(item[1])
    elif kind == "inspeksi-rw":
        out.inspections.append(item[1])
    elif kind == "laporan-kelurahan":
        out.reports.append(item[1])


def _parse_record(sid: str, form: str, kel_id: int | None, rw_id: int | None, observed_at: dt.datetime,
                  data: dict, tz: str, received_at: dt.datetime | None) -> Item:
    """One record row → its scoring record (raises on a value that has no local date: the caller warns)."""
    if form == "skm":
        answers = {k: v for k in _ELEMENTS if type(v := data.get(k)) is int}
        return ("skm", Survey(sid, kel_id, local_day(observed_at, tz), answers))
    if form == "pengaduan":
        return ("pengaduan", (sid, kel_id, record_day(form, observed_at, data, tz)))
    if form == "layanan":
        received = _local_naive(data.get("waktu_terima"), tz)
        if received is None:
            return ("warning", f"{sid}: layanan without waktu_terima")
        return ("layanan", (sid, kel_id, str(data.get("jenis_layanan")), received,
                            _local_naive(data.get("waktu_selesai"), tz)))
    if form == "inspeksi-rw":
        if rw_id is None:
            return ("none",)
        return ("inspeksi-rw", Inspection(
            sid, rw_id, local_day(observed_at, tz), data.get("kebun_toga") is True,
            str(data.get("pengelolaan_sampah", "")), str(data.get("status_kumuh", "")),
            data.get("lembaga_aktif") is True, _int(data.get("kejadian_kriminal")), _int(data.get("konflik_sosial"))))
    if form == "laporan-kelurahan":
        try:
            period = Period.parse(str(data.get("periode", "")))
        except ValueError:
            return ("warning", f"{sid}: laporan-kelurahan without a valid periode")
        if kel_id is None or period.quarter is None:
            return ("none",)
        dates = {key: d for key, name in _REPORT_FIELDS.items() if (d := iso_date(data.get(name))) is not None}
        return ("laporan-kelurahan", KelurahanReport(
            sid, kel_id, period, data.get("lembaga_aktif") is True, _int(data.get("kejadian_kriminal")),
            _int(data.get("konflik_sosial")), dates, observed=aware_utc(observed_at),
            received=None if received_at is None else aware_utc(received_at)))
    return ("none",)


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


@dataclass(eq=False)
class FormRows:
    """The rows of one form a recompute reads (``submissions_query``'s columns) and, when the row
    cache kept them, their parsed items in the same order.

    The row cache (``workers.row_cache``) hands back the SAME object, read after read, while no row
    of its form changed; what is derived from it alone is kept on it (``derived``, by
    :func:`_collection`) and dies with it.
    """

    rows: list[Any]
    items: list[Item] | None = None
    derived: dict[str, tuple] = field(default_factory=dict)

    @cached_property
    def linked(self) -> list[Any]:
        """The rows with a chain link (``supersedes`` or ``superseded_by``): all ``resolve_chains`` reads."""
        return [row for row in self.rows if row[7] is not None or row[8] is not None]


def by_form(rows: Iterable[Any]) -> dict[str, FormRows]:
    """Rows of ``submissions_query`` by form code, in their order."""
    out: dict[str, list[Any]] = {}
    for row in rows:
        out.setdefault(row[1], []).append(row)
    return {form: FormRows(form_rows) for form, form_rows in out.items()}


# How the collected rows of each record collection's forms (_SOURCES) become that collection.
_BUILD: dict[str, Callable[[_Collected], tuple]] = {
    "surveys": lambda c: tuple(c.surveys), "complaints": _complaints, "services": _services,
    "inspections": lambda c: tuple(c.inspections), "reports": lambda c: tuple(c.reports),
}


def _collection(name: str, parts: list[FormRows], current: Mapping[str, str | None],
                tz: str) -> tuple[tuple, list[str]]:
    """One record collection of ``KecamatanData`` and the warnings of its rows.

    A collection reads only the rows of its forms and, of the chains, ``current``; so while the
    row cache hands back the same rows of each of its forms and ``current`` is equal, it is the
    collection built last time — kept on its first form's rows, and handed back as the same tuple
    (which ``workers.result_memo`` then finds equal at the cost of an identity check).
    """
    primary, others = parts[0], tuple(parts[1:])
    held = primary.derived.get(name)
    if (held is not None and held[0] == tz and all(a is b for a, b in zip(held[1], others))
            and held[2] == current):
        return held[3], list(held[4])
    items = None if any(part.items is None for part in parts) else chain.from_iterable(part.items for part in parts)
    collected = _collect(chain.from_iterable(part.rows for part in parts), tz, current, items)
    records = _BUILD[name](collected)
    primary.derived[name] = (tz, others, current, records, tuple(collected.warnings))
    return records, collected.warnings


def _read_submissions(session: Session, kecamatan_id: int, years: list[int], timezone: str, as_text: bool,
                      reuse_rows: bool) -> dict[str, FormRows]:
    """The rows of ``submissions_query`` by form and, when read through the row cache, their parsed items."""
    if reuse_rows and as_text:
        from workers import row_cache  # it builds on this module

        if row_cache.supported(session):
            return row_cache.read_rows(session, kecamatan_id, years[0], years[-1], timezone)
    return by_form(session.execute(submissions_query(kecamatan_id, years[0], years[-1], as_text)).all())


def load_kecamatan(session: Session, kecamatan_id: int, years: Iterable[int], timezone: str = DEFAULT_TIMEZONE,
                   *, service_types: Mapping[str, ServiceTypeIn] | None = None,
                   holidays: frozenset[dt.date] | None = None,
                   rule_sets: tuple[RuleSet, ...] | None = None,
                   service_type_versions: Mapping[str, tuple[ServiceTypeIn, ...]] | None = None,
                   today: dt.date | None = None, reuse_rows: bool = False) -> LoadedKecamatan:
    """Load everything the scores of one kecamatan for ``years`` read.

    The catalogue lookups (service types, holidays, rule sets) can be passed in by a caller that
    loads many kecamatan in a row, so they are read once. ``today`` (default: the local date now)
    decides which quarterly reports are due. With ``reuse_rows`` (PostgreSQL) the submissions are
    read through this process's ``workers.row_cache``: only rows new or changed since its previous
    read of the same selection are fetched and parsed; the result is the same as a full read.

    :raise LookupError: no such kecamatan.
    """
    years = sorted(set(years))
    kecamatan, kelurahan = load_wilayah(session, kecamatan_id)
    as_text = session.get_bind().dialect.name == "postgresql"
    groups = _read_submissions(session, kecamatan_id, years, timezone, as_text, reuse_rows)
    current = resolve_chains(list(chain.from_iterable(group.linked for group in groups.values())), session, as_text)
    records: dict[str, tuple] = {}
    warnings: list[str] = []
    for name, forms in _SOURCES.items():
        records[name], found = _collection(name, [groups.get(form) or FormRows([]) for form in forms],
                                           current, timezone)
        warnings.extend(found)
    base = KecamatanData(
        kecamatan_id=kecamatan.id, nama=kecamatan.nama, service_population=kecamatan.service_population,
        kelurahan=kelurahan,
        surveys=records["surveys"],
        complaints=records["complaints"],
        services=records["services"],
        service_types=service_types if service_types is not None else load_service_types(session),
        inspections=records["inspections"],
        reports=records["reports"],
        holidays=holidays if holidays is not None else load_holidays(session),
        targets={},
        today=today or dt.datetime.now(zone(timezone)).date(),
        service_type_versions=(service_type_versions if service_type_versions is not None
                               else load_service_type_versions(session)),
    )
    return LoadedKecamatan(
        base=base,
        targets_by_year=load_targets(session, kecamatan_id, years),
        rule_sets=rule_sets if rule_sets is not None else load_rule_sets(session),
        warnings=warnings,
    )

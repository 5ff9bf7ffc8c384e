"""Database rows → the plain inputs of ``workers.scoring`` (one kecamatan, a range of years).

Only what counts reaches the scoring functions. Correction chains are resolved on the way
(``workers.record_state``, ``workers.scoring.chains``): of each chain only its current version
counts — the latest version eligible to count (``counts_clause``: not rejected; a form that waits
for review only once accepted) — so rejecting a correction restores the version before it. The ``superseded_by``
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

What one row contributes is ``workers.rows.parse_row``; each record collection of ``KecamatanData``
is built from its forms' rows alone (``workers.rows.SOURCES``: the complaints with their
follow-ups, the services with their completions) by ``workers.record_state``, which, through the
row cache, keeps the collections and updates them from the rows that changed since its previous
read (a collection none of whose rows or chains changed is the one handed out then).

Period membership: a submission belongs to the period of its ``observed_at``'s local date; a
complaint is *received* on its ``tanggal_terima``; a ``laporan-kelurahan`` belongs to its
``periode``. A service entry keeps its register times (``waktu_terima`` / ``waktu_selesai``),
because on-time is measured on them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.clock import DEFAULT_TIMEZONE
from server.models import RW, Holiday, Kecamatan, Kelurahan, RuleSetVersion, ServiceType, Target
from server.models.forms import ServiceTypeVersion
from server.periods import zone
from workers.record_state import records_of
from workers.rows import RowsRead, read_in_full, submissions_query
from workers.scoring import KecamatanData, RuleSet
from workers.scoring import Kelurahan as KelurahanIn
from workers.scoring import ServiceType as ServiceTypeIn
from workers.scoring.records import Changes


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
    # What changed in each record collection since the previous read of the same rows (a collection
    # not named is the very tuple of then; ``workers.record_state``), for ``workers.result_memo``.
    changes: Mapping[str, Changes] = field(default_factory=dict)

    def data_for(self, year: int) -> KecamatanData:
        """The scoring input of one year: every record loaded, that year's targets."""
        return replace(self.base, targets=dict(self.targets_by_year.get(year, {})))


# -- conversions -------------------------------------------------------------------------------------

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

def _read_submissions(session: Session, kecamatan_id: int, years: list[int], timezone: str, as_text: bool,
                      reuse_rows: bool) -> RowsRead:
    """The rows of ``submissions_query``: through the row cache (what changed since its previous read
    of the selection), or in full."""
    if reuse_rows and as_text:
        from workers import row_cache  # it builds on the row functions of workers.rows

        if row_cache.supported(session):
            return row_cache.read_rows(session, kecamatan_id, years[0], years[-1], timezone)
    return read_in_full(session.execute(submissions_query(kecamatan_id, years[0], years[-1], as_text)).all())


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
    read = _read_submissions(session, kecamatan_id, years, timezone, as_text, reuse_rows)
    records, warnings, changes = records_of(read, session, as_text, timezone)
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
        changes=changes,
    )

"""Records of one ``KecamatanData`` sorted by date and grouped by unit, built once per data object.

A recompute calls ``compute_indicators`` for every period (a year and its four quarters) and every
scope (the kecamatan and each kelurahan) of the same data: about 70 calls over two years for a
median kecamatan. Scanning every record on every call made a city (30 kecamatan, 300,000
submissions) cost ~20 s of pure scoring; with the records sorted once and each period cut out by
bisection, each call touches only the records of its period and scope.

The cache keeps the few most recent data objects (a strong reference, so an ``id`` is never
reused while cached). ``KecamatanData`` is frozen and its record collections are tuples, so a cached
index can never go stale. Nothing here changes a result: only how fast it is found.

An index can also be derived from the index of an earlier version of the same collection and what
changed between the two (``Changes``, :func:`updated_index`): the records gone are cut out and the
new ones inserted by bisection, in the lists of the units (RW) they belong to, copied — never
rebuilt from every record. Records are sorted by date and then id, so the index derived is the
index a build from the later collection gives, whatever the order of either.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cached_property
from threading import Lock
from typing import Generic, TypeVar

from .criteria import latest_reports
from .ikm import IkmScore, compute_ikm
from .model import Complaint, KecamatanData, Kelurahan, KelurahanReport, Period, ServiceEntry, Survey
from .rules import RuleSet
from .rw_status import InspectionIndex

Record = TypeVar("Record")
ALL = "*"  # the scope key of "every record of the kecamatan", whatever its unit
ScopeKey = int | None | str
_CACHE_SIZE = 4
# The record collections of ``KecamatanData`` that ``RecordIndex`` indexes, each under its own name
# and from that collection alone (``built`` / ``adopt``).
COLLECTIONS = ("surveys", "complaints", "services", "inspections", "reports")


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in one record collection: ``before`` (the earlier version of the collection), the
    records gone from it (``removed``, as they were in it) and those new in the later version."""

    before: tuple
    removed: tuple
    added: tuple


class DatedRecords(Generic[Record]):
    """Records sorted by a local date (then by ``tie``, when given), to cut out the ones of a period by
    bisection."""

    __slots__ = ("_days", "_records", "_keys", "_key")

    def __init__(self, records: Iterable[Record], day_of: Callable[[Record], date],
                 tie: Callable[[Record], str] | None = None) -> None:
        self._key: Callable[[Record], tuple] = ((lambda r: (day_of(r), tie(r))) if tie is not None
                                                 else (lambda r: (day_of(r),)))
        pairs = sorted(((self._key(r), r) for r in records), key=lambda pair: pair[0])
        self._keys = [key for key, _record in pairs]  # to place a record by bisection (``updated``)
        self._days = [key[0] for key in self._keys]
        self._records = [record for _key, record in pairs]

    def within(self, period: Period) -> list[Record]:
        """The records whose date lies within ``period`` (ends included), in date order."""
        return self._records[bisect_left(self._days, period.start):bisect_right(self._days, period.end)]

    def updated(self, removed: Iterable[Record], added: Iterable[Record]) -> DatedRecords[Record]:
        """A copy without ``removed`` and with ``added``, each found and placed by bisection.

        :raise ValueError: a record to remove is not here.
        """
        new = object.__new__(DatedRecords)
        new._key, new._keys = self._key, list(self._keys)
        new._days, new._records = list(self._days), list(self._records)
        for record in removed:
            position = bisect_left(new._keys, self._key(record))
            if position == len(new._records) or new._records[position] != record:
                raise ValueError("not indexed here")
            del new._records[position], new._days[position], new._keys[position]
        for record in added:
            key = self._key(record)
            position = bisect_right(new._keys, key)
            new._records.insert(position, record)
            new._days.insert(position, key[0])
            new._keys.insert(position, key)
        return new


def _by_id(record) -> str:
    return record.id


def _grouped(records: Iterable[Record], unit_of: Callable[[Record], int | None],
             day_of: Callable[[Record], date]) -> dict[ScopeKey, DatedRecords[Record]]:
    """Dated records (by date, then id) per unit (kelurahan id, None for the kecamatan office) and for ``ALL``."""
    records = list(records)
    by_unit: dict[ScopeKey, list[Record]] = {}
    for record in records:
        by_unit.setdefault(unit_of(record), []).append(record)
    grouped: dict[ScopeKey, DatedRecords[Record]] = {key: DatedRecords(rows, day_of, _by_id)
                                                     for key, rows in by_unit.items()}
    grouped[ALL] = DatedRecords(records, day_of, _by_id)
    return grouped


def _regrouped(grouped: dict[ScopeKey, DatedRecords[Record]], change: Changes, unit_of: Callable[[Record], int | None],
               day_of: Callable[[Record], date], wanted: Callable[[Record], bool] = lambda _r: True,
               ) -> dict[ScopeKey, DatedRecords[Record]]:
    """``_grouped`` of the later collection, from ``grouped`` (of ``change.before``) and the change."""
    parts: dict[ScopeKey, tuple[list, list]] = {}
    for index, records in enumerate((change.removed, change.added)):
        for record in records:
            if wanted(record):
                for key in (unit_of(record), ALL):
                    parts.setdefault(key, ([], []))[index].append(record)
    out = dict(grouped)
    for key, (removed, added) in parts.items():
        out[key] = out.get(key, DatedRecords((), day_of, _by_id)).updated(removed, added)
    return out


def _unit(record) -> int | None:
    return record.kelurahan_id


def _observed(record) -> date:
    return record.observed


def _received(record) -> date:
    return record.received


def _completed(service: ServiceEntry) -> bool:
    return service.completed is not None


def _completed_day(service: ServiceEntry) -> date:
    return service.completed.date()


class RecordIndex:
    """The records of one kecamatan, indexed for repeated per-period, per-scope reads."""

    def __init__(self, data: KecamatanData) -> None:
        self._data = data
        self.memo: dict[tuple, object] = {}  # small per-data answers reused across periods and codes
        self._ikm: dict[tuple[ScopeKey, Period, tuple[Fraction, ...]], IkmScore] = {}

    # Each collection is indexed on first use: a recompute that needs only some IKU (the others'
    # inputs unchanged, ``workers.result_memo``) never sorts the records it does not read.
    @cached_property
    def surveys(self) -> dict[ScopeKey, DatedRecords[Survey]]:
        return _grouped(self._data.surveys, _unit, _observed)

    @cached_property
    def complaints(self) -> dict[ScopeKey, DatedRecords[Complaint]]:
        return _grouped(self._data.complaints, _unit, _received)

    @cached_property
    def services(self) -> dict[ScopeKey, DatedRecords[ServiceEntry]]:
        return _grouped(filter(_completed, self._data.services), _unit, _completed_day)

    @cached_property
    def inspections(self) -> InspectionIndex:
        return InspectionIndex(self._data.inspections)

    @cached_property
    def reports(self) -> dict[int, list[KelurahanReport]]:
        by_kelurahan: dict[int, list[KelurahanReport]] = {}
        for report in latest_reports(self._data.reports):  # one per kelurahan and quarter
            by_kelurahan.setdefault(report.kelurahan_id, []).append(report)
        return by_kelurahan

    def surveys_in(self, scope: ScopeKey, period: Period) -> list[Survey]:
        """Surveys of a unit (or ``ALL``) observed within the period."""
        rows = self.surveys.get(scope)
        return rows.within(period) if rows else []

    def complaints_in(self, scope: ScopeKey, period: Period) -> list[Complaint]:
        """Complaints of a unit (or ``ALL``) received within the period."""
        rows = self.complaints.get(scope)
        return rows.within(period) if rows else []

    def services_completed_in(self, scope: ScopeKey, period: Period) -> list[ServiceEntry]:
        """Service entries of a unit (or ``ALL``) completed within the period (local date)."""
        rows = self.services.get(scope)
        return rows.within(period) if rows else []

    def reports_of(self, kelurahan_id: int) -> list[KelurahanReport]:
        """Every report of a kelurahan (the latest of each quarter), whatever its period."""
        return self.reports.get(kelurahan_id, [])

    def built(self) -> dict[str, object]:
        """The collection indexes built so far, by collection name (for :meth:`adopt`)."""
        return {name: self.__dict__[name] for name in COLLECTIONS if name in self.__dict__}

    def adopt(self, built: dict[str, object]) -> None:
        """Take collection indexes another index built (``built``) over an EQUAL collection: each is
        a function of its own collection alone, so it is the index this one would build."""
        for name, index in built.items():
            if name in COLLECTIONS:
                self.__dict__.setdefault(name, index)

    def known_ikm(self) -> dict[tuple, IkmScore]:
        """The IKM scores computed so far, by (scope, period, grading bounds)."""
        return dict(self._ikm)

    def adopt_ikm(self, known: dict[tuple, IkmScore]) -> None:
        """Take IKM scores an index of EQUAL surveys computed (``known_ikm``): the IKM of a scope and
        period depends on nothing else, so they are the scores this index would compute."""
        for key, score in known.items():
            self._ikm.setdefault(key, score)

    def ikm(self, scope: ScopeKey, period: Period, rules: RuleSet) -> IkmScore:
        """The IKM of a unit (or ``ALL``, pooled) for a period, computed once per grading bounds."""
        key = (scope, period, (Fraction(str(rules.mutu_a)), Fraction(str(rules.mutu_b)), Fraction(str(rules.mutu_c))))
        score = self._ikm.get(key)
        if score is None:
            score = self._ikm[key] = compute_ikm(self.surveys_in(scope, period), rules)
        return score


_cache: OrderedDict[int, tuple[KecamatanData, RecordIndex]] = OrderedDict()
_cache_lock = Lock()


def index_of(data: KecamatanData) -> RecordIndex:
    """The (cached) index of ``data``; thread-safe, bounded to the few most recent data objects."""
    key = id(data)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is data:
            _cache.move_to_end(key)
            return hit[1]
    index = RecordIndex(data)
    with _cache_lock:
        _cache[key] = (data, index)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


# How the index of each collection is derived from the index of an earlier version (see
# ``updated_index``); the reports (one per kelurahan and quarter, a few dozen) are built again.
_UPDATERS: dict[str, Callable[[object, Changes], object]] = {
    "surveys": lambda index, change: _regrouped(index, change, _unit, _observed),
    "complaints": lambda index, change: _regrouped(index, change, _unit, _received),
    "services": lambda index, change: _regrouped(index, change, _unit, _completed_day, _completed),
    "inspections": lambda index, change: index.updated(change.removed, change.added),
}


def updated_index(name: str, index: object, change: Changes) -> object | None:
    """The index of collection ``name`` after ``change``, from ``index`` — which must be the index of
    ``change.before`` (``RecordIndex.built``) — or None when it is rebuilt instead (the reports, or a
    record to remove that ``index`` does not hold: not the index of ``change.before``)."""
    updater = _UPDATERS.get(name)
    if updater is None:
        return None
    try:
        return updater(index, change)
    except ValueError:
        return None


def units_touched(name: str, records: Iterable, kelurahan: Iterable[Kelurahan]) -> frozenset[int | None]:
    """The units (kelurahan id; None: the kecamatan office, or an RW of no kelurahan) records of
    collection ``name`` belong to — an inspection to the kelurahan of its RW."""
    if name == "inspections":
        owner = {rw_id: k.id for k in kelurahan for rw_id in k.rw_ids}
        return frozenset(owner.get(record.rw_id) for record in records)
    return frozenset(record.kelurahan_id for record in records)

"""Records of one ``KecamatanData`` sorted by date and grouped by unit, built once per data object.

A recompute calls ``compute_indicators`` for every period (a year and its four quarters) and every
scope (the kecamatan and each kelurahan) of the same data: about 70 calls over two years for a
median kecamatan. Scanning every record on every call made a city (30 kecamatan, 300,000
submissions) cost ~20 s of pure scoring; with the records sorted once and each period cut out by
bisection, each call touches only the records of its period and scope.

The cache keeps the few most recent data objects (a strong reference, so an ``id`` is never
reused while cached). ``KecamatanData`` is frozen and its record collections are tuples, so a cached
index can never go stale. Nothing here changes a result: only how fast it is found.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date
from fractions import Fraction
from functools import cached_property
from threading import Lock
from typing import Generic, TypeVar

from .criteria import latest_reports
from .ikm import IkmScore, compute_ikm
from .model import Complaint, KecamatanData, KelurahanReport, Period, ServiceEntry, Survey
from .rules import RuleSet
from .rw_status import InspectionIndex

Record = TypeVar("Record")
ALL = "*"  # the scope key of "every record of the kecamatan", whatever its unit
ScopeKey = int | None | str
_CACHE_SIZE = 4
# The record collections of ``KecamatanData`` that ``RecordIndex`` indexes, each under its own name
# and from that collection alone (``built`` / ``adopt``).
COLLECTIONS = ("surveys", "complaints", "services", "inspections", "reports")


class DatedRecords(Generic[Record]):
    """Records sorted by a local date, to cut out the ones of a period by bisection."""

    __slots__ = ("_days", "_records")

    def __init__(self, records: Iterable[Record], day_of: Callable[[Record], date]) -> None:
        pairs = sorted(((day_of(r), r) for r in records), key=lambda pair: pair[0])
        self._days = [day for day, _record in pairs]
        self._records = [record for _day, record in pairs]

    def within(self, period: Period) -> list[Record]:
        """The records whose date lies within ``period`` (ends included), in date order."""
        return self._records[bisect_left(self._days, period.start):bisect_right(self._days, period.end)]


def _grouped(records: Iterable[Record], unit_of: Callable[[Record], int | None],
             day_of: Callable[[Record], date]) -> dict[ScopeKey, DatedRecords[Record]]:
    """Dated records per unit (kelurahan id, None for the kecamatan office) and for ``ALL``."""
    records = list(records)
    by_unit: dict[ScopeKey, list[Record]] = {}
    for record in records:
        by_unit.setdefault(unit_of(record), []).append(record)
    grouped: dict[ScopeKey, DatedRecords[Record]] = {key: DatedRecords(rows, day_of) for key, rows in by_unit.items()}
    grouped[ALL] = DatedRecords(records, day_of)
    return grouped


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
        return _grouped(self._data.surveys, lambda s: s.kelurahan_id, lambda s: s.observed)

    @cached_property
    def complaints(self) -> dict[ScopeKey, DatedRecords[Complaint]]:
        return _grouped(self._data.complaints, lambda c: c.kelurahan_id, lambda c: c.received)

    @cached_property
    def services(self) -> dict[ScopeKey, DatedRecords[ServiceEntry]]:
        completed = [s for s in self._data.services if s.completed is not None]
        return _grouped(completed, lambda s: s.kelurahan_id, lambda s: s.completed.date())

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

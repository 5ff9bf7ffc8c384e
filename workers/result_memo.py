"""Compute again only the IKU whose inputs changed since this process's previous recompute of a pair.

The six IKU are pure functions of their inputs (``workers.scoring``): equal inputs give equal
results. Each reads a known part of a kecamatan's records (``workers.scoring.indicators.READS``:
IKU1 the surveys, IKU2 the complaints, IKU3/IKU4 the services, IKU5 reports, inspections and
surveys, IKU6 the inspections) plus small inputs every IKU may read (wilayah, service catalogue
and its versions, holidays, today, the population) and, per period, its rule set and its own
target. A stream of RW inspections — the commonest sync of a morning — therefore leaves IKU1–IKU4
exactly as they were, and computing them again for every period and kelurahan was most of a
recompute's scoring time.

So each worker process remembers, per (kecamatan, years), the inputs of its previous recompute and
its results. The next recompute compares its freshly loaded inputs with them by value (``==`` on
the frozen records: the row cache hands back the very same objects for unchanged rows, so this is
mostly identity checks) and reuses a result only when every input it reads is equal; anything
else — a differing collection, any differing small input, another rule set or target — computes it
again. Inspections and surveys are read only up to a period's end
(``workers.scoring.indicators.READ_UNTIL_PERIOD_END``): when the records that differ between the
two recomputes are all dated after a period's end, that period's inputs are equal and its results
are reused too — a morning's inspections leave every closed quarter's IKU5/IKU6 as they were.
A kelurahan's results read only that kelurahan's records (its RW's inspections, its own surveys,
complaints, services and reports; ``tests/workers/test_scoring_properties.py`` checks it): when
the loader says what changed (``LoadedKecamatan.changes``), a kelurahan none of whose records
changed keeps its results too — a burst of inspections in one kelurahan computes again only that
kelurahan's and the kecamatan's IKU5/IKU6 of the periods it reaches.
Because reuse needs equal inputs and the functions are pure, a reused result is the result
a full recompute computes (``tests/invariant`` checks it after every step).

What it costs follows what changed: the loader hands back an unchanged collection as the very same
tuple (an identity check) and a changed one with its records gone and new, so the first date and
the units that differ come from the change alone, and the sorted collections (``RecordIndex``) of
the previous recompute are updated by it (records inserted into the RW's lists by bisection,
``workers.scoring.records.updated_index``) instead of sorted again. Without a change to go by (a
memo from another selection's read, a read in full) the collections are compared record for record. The same holds for
the IKM of each kelurahan and period, which IKU5's K6 reads: with equal surveys it is taken from
the previous recompute. Full recomputes (``flask recompute``, the nightly run) do not use the memo.

The memo also knows what its previous recompute left stored: each result row with the stamp of
its stored version (PostgreSQL's ``xmin`` and the row's ``computed_at``). After one sync most of a
recompute's ~150 rows are equal to the stored ones, and writing them again (their JSON drill-downs
encoded, sent, the rows rewritten) was a third of the recompute. :meth:`ScoreReuse.to_write` keeps
a row out of the write only when the row stored NOW carries the stamp the memo noted — no other
transaction wrote it since (another worker process, ``flask recompute``) — and the row the memo
noted is equal to the new one, value for value and type for type (:func:`same`: ``1`` is not
``1.0``, ``0.0`` is not ``-0.0``). Everything else is written, so the stored rows are always the
rows this recompute computed. What the write leaves out still gets this recompute's ``computed_at``
(one UPDATE of that column alone, ``workers.recompute.store_results``), so "computed at" keeps
meaning the last recompute that covered the row. SQLite has no ``xmin``: there every row is written.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields

from workers.scoring import IndicatorScore, KecamatanData, Period, RuleSet, compute_indicators
from workers.scoring.indicators import CODES, READ_UNTIL_PERIOD_END, READS
from workers.scoring.records import ALL, Changes, index_of, units_touched, updated_index

MAX_ENTRIES = 32  # a city's kecamatan (30), current year
_RECORDS = frozenset(name for needs in READS.values() for name in needs)
# Everything else of KecamatanData but the year's targets: compared as a whole (a new field is
# covered without a change here).
_SMALL = tuple(f.name for f in fields(KecamatanData) if f.name not in _RECORDS and f.name != "targets")
# A stored result row: its key and its stamp (``xmin`` as text, ``computed_at``).
RowKey = tuple[int, str, str]  # (kelurahan_id, period, code)
Stamp = tuple[str, object]


@dataclass
class _Memo:
    """One pair's previous inputs and results: (period, scope, code) → (rules, target, score)."""

    base: KecamatanData
    results: dict[tuple[str, int | None, str], tuple[RuleSet, object, IndicatorScore]] = field(default_factory=dict)
    ikm: dict[tuple, object] = field(default_factory=dict)  # IKM by (scope, period, bounds): IKU5's K6 reads it
    indexes: dict[str, object] = field(default_factory=dict)  # RecordIndex.built(): sorted collections
    stored: dict[RowKey, tuple[Stamp, dict]] = field(default_factory=dict)  # each row as left stored


_memos: OrderedDict[tuple, _Memo] = OrderedDict()
_lock = threading.Lock()


def _compare(before: KecamatanData | None, now: KecamatanData,
             changes: Mapping[str, Changes]) -> tuple[frozenset[str], dict[str, dt.date], dict[str, frozenset]]:
    """The record collections equal in both; of the others read only up to a period's end, the
    earliest date of a record that differs; and of the others the loader said what changed in
    (``changes``, relative to ``before``'s very collection), the units those records belong to.
    Nothing when any small input differs.

    With ``changes`` this costs what changed: the loader hands back an unchanged collection as the
    same tuple, and a changed one with its records gone and new. Without (another read's memo, a
    read in full) the collections are compared record for record.
    """
    if before is None or any(getattr(before, name) != getattr(now, name) for name in _SMALL):
        return frozenset(), {}, {}
    equal, since, touched = set(), {}, {}
    for name in _RECORDS:
        was, collection = getattr(before, name), getattr(now, name)
        change = changes.get(name)
        if collection is was:
            equal.add(name)
        elif change is not None and change.before is was:
            records = (*change.removed, *change.added)
            touched[name] = units_touched(name, records, now.kelurahan)
            if name in READ_UNTIL_PERIOD_END:
                since[name] = min(getattr(record, READ_UNTIL_PERIOD_END[name]) for record in records)
        elif was == collection:
            equal.add(name)
        elif name in READ_UNTIL_PERIOD_END:
            if (day := _first_difference(was, collection, READ_UNTIL_PERIOD_END[name])) is not None:
                since[name] = day
    return frozenset(equal), since, touched


def _first_difference(before: tuple, now: tuple, attribute: str) -> dt.date | None:
    """The earliest date (``attribute``) of a record in one collection and not in the other (by
    identity: the row cache hands back the same record for an unchanged row), when the records in
    both are in the same order in both; None when that cannot be said.

    Then the records dated up to any day before it are the same records, in the same order, in both.
    """
    before_ids, now_ids = {id(r) for r in before}, {id(r) for r in now}
    if len(before_ids) != len(before) or len(now_ids) != len(now):
        return None
    if [r for r in before if id(r) in now_ids] != [r for r in now if id(r) in before_ids]:
        return None
    days = [getattr(r, attribute) for r in before if id(r) not in now_ids]
    days += [getattr(r, attribute) for r in now if id(r) not in before_ids]
    return min(days, default=None)


class ScoreReuse:
    """The scoring of one recompute: reuses the previous recompute's results whose inputs are equal.

    Use :meth:`scores` for every (period, scope) of the recompute, then :meth:`keep`.
    """

    def __init__(self, key: tuple, base: KecamatanData, enabled: bool = True,
                 changes: Mapping[str, Changes] | None = None) -> None:
        self.key, self.enabled = key, enabled
        with _lock:
            previous = _memos.get(key) if enabled else None
        self.previous = previous.results if previous is not None else {}
        # Equal collections; of the others read only up to a period's end, the first day that differs;
        # of the others whose change is known, the units (kelurahan) it touches.
        self.equal, self.differs_from, self.touched = _compare(previous.base if previous is not None else None,
                                                               base, changes or {})
        # The IKM of each scope and period (IKU5's K6 reads it) whose surveys are as they were.
        self.known_ikm = self._unchanged_ikm(previous.ikm) if previous is not None else {}
        self.memo = _Memo(base, ikm=dict(self.known_ikm), indexes=self._indexes(previous, changes or {}))
        self.previous_stored = previous.stored if previous is not None else {}
        self.computed = self.reused = 0

    def _unchanged_ikm(self, known: dict[tuple, object]) -> dict[tuple, object]:
        if "surveys" in self.equal:
            return known
        if "surveys" not in self.touched:
            return {}
        since, units = self.differs_from["surveys"], self.touched["surveys"]
        return {key: score for key, score in known.items()
                if key[1].end < since or (key[0] != ALL and key[0] not in units)}

    def _indexes(self, previous: _Memo | None, changes: Mapping[str, Changes]) -> dict[str, object]:
        """The sorted collections (``RecordIndex``) this recompute can take over: those of equal
        collections, and of changed ones the previous index updated by the change (IKU5/IKU6
        after a burst of inspections insert them into the RW's lists instead of sorting all again)."""
        if previous is None:
            return {}
        indexes = {name: index for name, index in previous.indexes.items() if name in self.equal}
        for name, change in changes.items():
            index = previous.indexes.get(name)
            if index is not None and name in self.touched and getattr(previous.base, name) is change.before:
                if (derived := updated_index(name, index, change)) is not None:
                    indexes[name] = derived
        return indexes

    def _reusable(self, slot: tuple, code: str, period: Period, rules: RuleSet,
                  target: object) -> IndicatorScore | None:
        """The previous result of this slot when every collection its IKU reads is, for it, as it was:
        equal; or changed only after the period's end (a collection read up to it); or, for a
        kelurahan, changed only in other units (a kelurahan's results read its own records alone)."""
        held = self.previous.get(slot)
        if held is None:
            return None
        scope = slot[1]
        for name in READS[code]:
            if (name not in self.equal and self.differs_from.get(name, dt.date.min) <= period.end
                    and (scope is None or name not in self.touched or scope in self.touched[name])):
                return None
        held_rules, held_target, score = held
        return score if held_rules == rules and held_target == target else None

    def scores(self, data: KecamatanData, period: Period, rules: RuleSet,
               kelurahan_id: int | None) -> list[IndicatorScore]:
        """``compute_indicators(data, period, rules, kelurahan_id)``, reusing what is known equal."""
        found: dict[str, IndicatorScore] = {}
        for code in CODES:
            slot = (period.label, kelurahan_id, code)
            score = self._reusable(slot, code, period, rules, data.targets.get(code))
            if score is not None:
                found[code] = score
        missing = [code for code in CODES if code not in found]
        if missing:
            index = index_of(data)
            index.adopt_ikm(self.known_ikm)
            index.adopt(self.memo.indexes)  # every year's data of a recompute shares its collections
            found.update(zip(missing, compute_indicators(data, period, rules, kelurahan_id, codes=missing)))
            self.memo.ikm.update(index.known_ikm())
            self.memo.indexes.update(index.built())
        self.computed += len(missing)
        self.reused += len(CODES) - len(missing)
        for code in CODES:
            self.memo.results[(period.label, kelurahan_id, code)] = (rules, data.targets.get(code), found[code])
        return [found[code] for code in CODES]

    def to_write(self, rows: Sequence[dict], stamps: Mapping[RowKey, Stamp] | None) -> list[dict]:
        """The result rows that differ from the stored ones: all but those stored as the memo left them.

        :param stamps: the stamp of each stored row of the recompute's periods, read under its lock
            (``workers.results.stored_stamps``); None (SQLite): every row.
        """
        if stamps is None:
            return list(rows)
        out = []
        for row in rows:
            key = (row["kelurahan_id"], row["period"], row["code"])
            held = self.previous_stored.get(key)
            if held is None or stamps.get(key) != held[0] or not same_row(held[1], row):
                out.append(row)
        return out

    def stored_as(self, rows: Sequence[dict], written: Sequence[dict], stamp: Stamp | None,
                  stamps: Mapping[RowKey, Stamp] | None) -> None:
        """Note what the recompute leaves stored: ``written`` with ``stamp`` (its transaction's), the
        other ``rows`` as they were (``stamps``). Nothing without stamps (SQLite)."""
        if stamps is None or (written and stamp is None):
            return
        fresh = {id(row) for row in written}
        for row in rows:
            key = (row["kelurahan_id"], row["period"], row["code"])
            self.memo.stored[key] = (stamp if id(row) in fresh else stamps[key], row)

    def keep(self) -> None:
        """Remember this recompute's inputs and results for the next one (after its commit)."""
        if not self.enabled:
            return
        with _lock:
            _memos[self.key] = self.memo
            _memos.move_to_end(self.key)
            while len(_memos) > MAX_ENTRIES:
                _memos.popitem(last=False)


def same(a: object, b: object) -> bool:
    """True when ``a`` and ``b`` are the same value to store: equal, and with the same ``repr`` —
    for the plain values of a result row that means the same types all the way down (``1`` is not
    ``1.0`` nor ``True``, ``0.0`` is not ``-0.0``; a float's repr is its exact value), and the same
    key order. Dicts are compared key by key, so values shared with the other row (a reused result's
    drill-down) cost an identity check each."""
    if a is b:
        return True
    if type(a) is dict and type(b) is dict:
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    return a == b and repr(a) == repr(b)


def same_row(before: dict, now: dict) -> bool:
    """The same result row, ``computed_at`` aside."""
    return before.keys() == now.keys() and all(same(before[c], now[c]) for c in now if c != "computed_at")


def memo_key(database: str, kecamatan_id: int, years: Iterable[int]) -> tuple:
    return (database, kecamatan_id, tuple(sorted(set(years))))


def clear() -> None:
    """Forget every remembered result (tests)."""
    with _lock:
        _memos.clear()

"""RW status at a date (shared by IKU6 and the kelurahan criteria K3–K5).

An RW's state at a date is its latest inspection observed on or before that date: of the inspections
of one local day, the one observed last (then the one received last, then the larger id, so the
answer never depends on input order) — "latest" as SPEC §2 says it, which an RW inspected twice on
one day (a burst of rounds, a correction) makes matter. An RW with no inspection yet has no state
and is not *Baik*.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from .model import Inspection, Period
from .rules import RuleSet


_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)


def _instant(moment: datetime | None) -> datetime:
    return moment if moment is not None else _EARLIEST


def _order(inspection: Inspection) -> tuple[date, datetime, datetime, str]:
    """An RW's inspections in time order: by local day, then observed instant, received instant, id."""
    return (inspection.observed, _instant(inspection.observed_at), _instant(inspection.received_at),
            inspection.id)


class InspectionIndex:
    """The inspections of every RW, sorted, to answer "latest inspection on or before a date"."""

    __slots__ = ("_by_rw", "_days", "_keys")

    def __init__(self, inspections: Iterable[Inspection]) -> None:
        by_rw: dict[int, list[tuple[tuple, Inspection]]] = {}
        for inspection in inspections:
            by_rw.setdefault(inspection.rw_id, []).append((_order(inspection), inspection))
        for rows in by_rw.values():
            rows.sort(key=lambda pair: pair[0])
        self._by_rw: dict[int, list[Inspection]] = {rw_id: [i for _key, i in rows] for rw_id, rows in by_rw.items()}
        # The observed days in the same order, so both questions are a bisection: an RW inspected
        # every day for years costs no more per question than one inspected once.
        self._days: dict[int, list[date]] = {rw_id: [i.observed for i in rows] for rw_id, rows in self._by_rw.items()}
        # And the sort keys (``_order``), so that an update places a record by bisection over them
        # without computing the key of every record it passes.
        self._keys: dict[int, list[tuple]] = {rw_id: [key for key, _i in rows] for rw_id, rows in by_rw.items()}

    def updated(self, removed: Iterable[Inspection], added: Iterable[Inspection]) -> InspectionIndex:
        """A copy without ``removed`` and with ``added``: only the lists of the RW they belong to are
        copied, each record found and placed by bisection (not every inspection sorted again).

        :raise ValueError: an inspection to remove is not here.
        """
        new = object.__new__(InspectionIndex)
        new._by_rw, new._days, new._keys = dict(self._by_rw), dict(self._days), dict(self._keys)
        copied: set[int] = set()

        def lists(rw_id: int) -> tuple[list[Inspection], list[date], list[tuple]]:
            if rw_id not in copied:
                copied.add(rw_id)
                for lists_of in (new._by_rw, new._days, new._keys):
                    lists_of[rw_id] = list(lists_of.get(rw_id, ()))
            return new._by_rw[rw_id], new._days[rw_id], new._keys[rw_id]

        for inspection in removed:
            rows, observed, keys = lists(inspection.rw_id)
            position = bisect_left(keys, _order(inspection))
            if position == len(rows) or rows[position] != inspection:
                raise ValueError("not indexed here")
            del rows[position], observed[position], keys[position]
        for inspection in added:
            rows, observed, keys = lists(inspection.rw_id)
            key = _order(inspection)
            position = bisect_right(keys, key)
            rows.insert(position, inspection)
            observed.insert(position, inspection.observed)
            keys.insert(position, key)
        return new

    def any_within(self, rw_ids: Iterable[int], start: date, end: date) -> bool:
        """True when any of the RW has an inspection observed within ``start``..``end``."""
        for rw_id in rw_ids:
            days = self._days.get(rw_id)
            if days and bisect_left(days, start) < bisect_right(days, end):
                return True
        return False

    def latest(self, rw_id: int, on_or_before: date) -> Inspection | None:
        """The RW's latest inspection observed on or before ``on_or_before`` (of one day's, the one
        observed last: ``_order``), or None."""
        days = self._days.get(rw_id)
        if not days:
            return None
        position = bisect_right(days, on_or_before)
        return self._by_rw[rw_id][position - 1] if position else None


def is_baik(inspection: Inspection | None, rules: RuleSet) -> bool:
    """True when the inspection meets the rule set's four RW *Baik* conditions (None: not Baik)."""
    if inspection is None:
        return False
    condition = rules.rw_baik
    return (
        (inspection.kebun_toga or not condition.kebun_toga)
        and inspection.pengelolaan_sampah in condition.pengelolaan_sampah
        and inspection.status_kumuh in condition.status_kumuh
        and (inspection.lembaga_aktif or not condition.lembaga_aktif)
    )


def baseline_date(period: Period) -> date:
    """The baseline of IKU6 and K5: the end of the year before the period's year."""
    return Period(period.year - 1).end


@dataclass(frozen=True, slots=True)
class RwChange:
    """One RW's status now and at the baseline, with the inspections behind both."""

    rw_id: int
    kelurahan_id: int
    now: bool
    baseline: bool
    inspection_now: str | None
    inspection_baseline: str | None

    @property
    def changed(self) -> bool:
        """Baik now and not Baik at the baseline."""
        return self.now and not self.baseline

    def to_dict(self) -> dict[str, Any]:
        """The ``details.rw`` entry of IKU6."""
        return {
            "id": self.rw_id,
            "kelurahan_id": self.kelurahan_id,
            "now": self.now,
            "baseline": self.baseline,
            "changed": self.changed,
            "inspection_now": self.inspection_now,
            "inspection_baseline": self.inspection_baseline,
        }


def rw_change(
    index: InspectionIndex, rw_id: int, kelurahan_id: int, period: Period, rules: RuleSet
) -> RwChange:
    """The RW's status at the period's end against its status at the baseline."""
    now = index.latest(rw_id, period.end)
    before = index.latest(rw_id, baseline_date(period))
    return RwChange(
        rw_id,
        kelurahan_id,
        is_baik(now, rules),
        is_baik(before, rules),
        now.id if now else None,
        before.id if before else None,
    )

"""The performance table of one scope and period, read from the stored results (``server/scores.py``).

Both the dashboard and the XLSX export are built from :func:`performance_table`, so the screen and
the file can never disagree. Scores are derived data written by the workers; nothing here computes
an indicator, it only reads and arranges (one indexed query per table).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from domain.indicators import CATALOGUE, Indicator
from domain.periods import Period
from server.extensions import db
from server.models import IndicatorResult
from server.scores import read_summaries

QUARTERS = ("Q1", "Q2", "Q3", "Q4")


@dataclass
class PerformanceRow:
    """One IKU: the seed's text plus the stored figures (None while nothing is computed)."""

    meta: Indicator
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    capaian: float | None = None
    mutu: str | None = None
    rule_version: int | None = None
    computed_at: dt.datetime | None = None
    trend: list[tuple[str, float | None]] = field(default_factory=list)  # (quarter, value) of the year

    @property
    def code(self) -> str:
        return self.meta.code

    @property
    def missed(self) -> bool:
        """True when there is a value, a target, and the achievement is below 100 %.

        A row without a value is "belum ada data", never "tidak mencapai target" (missing is not zero).
        """
        return self.value is not None and self.capaian is not None and self.capaian < 100

    @property
    def met(self) -> bool:
        """True when there is a value and a target and the achievement is at least 100 %."""
        return self.value is not None and self.capaian is not None and self.capaian >= 100


@dataclass
class PerformanceTable:
    """The six rows of one (kecamatan, kelurahan or 0, period).

    The stored ``details`` (record ids, matrices) are not read here: they can be large and only
    the drill-down pages need them.
    """

    kecamatan_id: int
    kelurahan_id: int
    period: str
    rows: list[PerformanceRow]

    def summary(self) -> dict[str, int]:
        """The one-line summary: how many IKU met their target, how many have no data or no target."""
        return {"total": len(self.rows), "met": sum(r.met for r in self.rows),
                "no_data": sum(r.value is None for r in self.rows),
                "no_target": sum(r.value is not None and r.capaian is None for r in self.rows)}

    @property
    def computed_at(self) -> dt.datetime | None:
        """The newest computation time among the rows (how fresh the table is)."""
        times = [r.computed_at for r in self.rows if r.computed_at is not None]
        return max(times) if times else None


def year_of(period: str) -> int:
    """The year of ``2026`` or ``2026-Q1``."""
    return Period.parse(period).year


def performance_table(kecamatan_id: int, kelurahan_id: int, period: str) -> PerformanceTable:
    """Read the six results of a scope and period, with the year's quarterly trend (one query)."""
    year = str(year_of(period))
    periods = [period, year] + [f"{year}-{q}" for q in QUARTERS]
    by_key = read_summaries(db.session, kecamatan_id, kelurahan_id, periods)
    rows: list[PerformanceRow] = []
    for meta in CATALOGUE:
        found = by_key.get((meta.code, period))
        row = PerformanceRow(meta)
        if found is not None:
            row.value, row.numerator, row.denominator = found.value, found.numerator, found.denominator
            row.target, row.capaian, row.mutu = found.target, found.capaian, found.mutu
            row.rule_version, row.computed_at = found.rule_version, found.computed_at
        for q in QUARTERS:
            quarter = by_key.get((meta.code, f"{year}-{q}"))
            row.trend.append((q, quarter.value if quarter is not None else None))
        rows.append(row)
    return PerformanceTable(kecamatan_id, kelurahan_id, period, rows)


def periods_with_data(kecamatan_id: int, kelurahan_ids: set[int] | None = None) -> list[str]:
    """Every period that has stored results in the kecamatan (and scope), newest year first."""
    stmt = select(IndicatorResult.period).where(IndicatorResult.kecamatan_id == kecamatan_id).distinct()
    if kelurahan_ids is not None:
        stmt = stmt.where(IndicatorResult.kelurahan_id.in_(kelurahan_ids))
    found = set(db.session.scalars(stmt))
    return sort_periods(found)


def sort_periods(periods: set[str]) -> list[str]:
    """Order periods newest year first, each year followed by its quarters."""
    return sorted(periods, key=lambda p: (-year_of(p), p[5:] if len(p) > 4 else ""))


def kelurahan_breakdown(kecamatan_id: int, period: str, kelurahan: list[tuple[int, str, str]]
                        ) -> list[tuple[str, str, dict[str, float | None]]]:
    """Each kelurahan's own value of every IKU for the period (one query): ``[(kode, nama, {code: value})]``.

    :param kelurahan: ``(id, kode, nama)`` of the kelurahan to list, in the order wanted.
    """
    ids = [k[0] for k in kelurahan]
    values: dict[int, dict[str, float | None]] = {k: {} for k in ids}
    if ids:
        for kel_id, code, value in db.session.execute(
                select(IndicatorResult.kelurahan_id, IndicatorResult.code, IndicatorResult.value)
                .where(IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.period == period,
                       IndicatorResult.kelurahan_id.in_(ids))):
            values[kel_id][code] = value
    return [(kode, nama, values[kel_id]) for kel_id, kode, nama in kelurahan]

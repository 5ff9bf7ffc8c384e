"""Stored indicator results, read for the API and the admin pages: the one reader of ``indicator_results``.

Scores are derived data (``indicator_results``, one row per kecamatan, scope, period and IKU;
``kelurahan_id`` 0 = the whole kecamatan). The workers write them (``workers/results.py``); every
reader goes through :func:`read_summaries` (the figures of some periods, without the possibly large
``details``) or :func:`read_result` (one row with its drill-down).
:func:`read_indicators` always answers all six IKU — value null and the year's target from the
``targets`` table when nothing is computed yet.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from domain.clock import aware_utc
from domain.indicators import CATALOGUE
from domain.periods import Period
from server.models import IndicatorResult, Submission, Target

# code → (name, unit), kept importable for one release; the catalogue is domain.indicators.
INDICATORS: dict[str, tuple[str, str]] = {i.code: (i.name, i.unit) for i in CATALOGUE}
WHOLE_KECAMATAN = 0  # kelurahan_id of a kecamatan-wide result
_IN_LIST_LIMIT = 20_000  # bound parameters per query (SQLite allows 32,766)
# The figures of a result: every column but the key's scope and the drill-down.
_SUMMARY = (IndicatorResult.code, IndicatorResult.period, IndicatorResult.name, IndicatorResult.value,
            IndicatorResult.numerator, IndicatorResult.denominator, IndicatorResult.target, IndicatorResult.capaian,
            IndicatorResult.unit, IndicatorResult.mutu, IndicatorResult.rule_version, IndicatorResult.computed_at)


def parse_period(label: Any) -> tuple[int, int | None] | None:
    """Kept importable for one release: :meth:`domain.periods.Period.parse_or_none` as (year, quarter)."""
    found = Period.parse_or_none(label)
    return None if found is None else (found.year, found.quarter)


def period_label(year: int, quarter: int | None) -> str:
    """Kept importable for one release: :attr:`domain.periods.Period.label`."""
    return Period(year, quarter).label


def targets_for(session: Session, kecamatan_id: int, year: int) -> dict[str, float]:
    """The year's targets by IKU code: the kecamatan's own over the deployment-wide ones (kecamatan_id 0)."""
    out: dict[str, float] = {}
    rows = session.execute(
        select(Target.code, Target.value).where(Target.year == year, Target.kecamatan_id.in_((0, kecamatan_id)))
        .order_by(Target.kecamatan_id))
    for code, value in rows:
        out[code] = float(value)
    return out


def read_summaries(session: Session, kecamatan_id: int, kelurahan_id: int,
                   periods: Iterable[str]) -> dict[tuple[str, str], Row]:
    """The stored figures of one scope in the given periods, by (code, period); one indexed query.

    Absent keys: nothing computed yet. ``details`` is not read (only the drill-downs need it).
    """
    rows = session.execute(select(*_SUMMARY).where(
        IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.kelurahan_id == kelurahan_id,
        IndicatorResult.period.in_(set(periods))))
    return {(row.code, row.period): row for row in rows}


def read_result(session: Session, kecamatan_id: int, kelurahan_id: int, period: str,
                code: str) -> IndicatorResult | None:
    """One stored result with its drill-down (``details``), or None when nothing is computed."""
    return session.scalars(select(IndicatorResult).where(
        IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.kelurahan_id == kelurahan_id,
        IndicatorResult.period == period, IndicatorResult.code == code)).first()


def read_indicators(session: Session, kecamatan_id: int, kelurahan_id: int, period: str) -> list[dict]:
    """All six IKU of one scope and period, in order, as the API answers them.

    A code with no stored result answers value/numerator/denominator/capaian null, the year's
    target from the ``targets`` table, ``computed_at`` and ``rule_version`` null.
    """
    stored = read_summaries(session, kecamatan_id, kelurahan_id, (period,))
    targets: dict[str, float] | None = None
    out = []
    for meta in CATALOGUE:
        code = meta.code
        row = stored.get((code, period))
        if row is not None:
            item = {"code": code, "name": row.name, "value": row.value, "numerator": row.numerator,
                    "denominator": row.denominator, "target": row.target, "capaian": row.capaian, "unit": row.unit,
                    "computed_at": aware_utc(row.computed_at), "rule_version": row.rule_version}
            mutu = row.mutu
        else:
            if targets is None:
                parsed = Period.parse_or_none(period)
                targets = targets_for(session, kecamatan_id, parsed.year) if parsed else {}
            item = {"code": code, "name": meta.name, "value": None, "numerator": None, "denominator": None,
                    "target": targets.get(code), "capaian": None, "unit": meta.unit, "computed_at": None,
                    "rule_version": None}
            mutu = None
        if code == "IKU1":
            item["mutu"] = mutu
        out.append(item)
    return out


def records_behind(session: Session, record_ids: Iterable[str], limit: int | None = None,
                   offset: int = 0) -> tuple[int, list[dict]]:
    """A page of the submissions named by a result's ``details.record_ids``, oldest observed first.

    :return: (how many of the named submissions exist, the page of them as row dicts).
    """
    ids = []
    for value in record_ids:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not ids:
        return 0, []
    t = Submission.__table__
    if len(ids) <= _IN_LIST_LIMIT:  # one ordered, paged query
        total = session.scalar(select(func.count()).select_from(t).where(t.c.id.in_(ids)))
        stmt = select(t).where(t.c.id.in_(ids)).order_by(t.c.observed_at, t.c.id).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return total, [dict(r) for r in session.execute(stmt).mappings()]
    rows = []
    for start in range(0, len(ids), _IN_LIST_LIMIT):
        rows.extend(session.execute(select(t).where(t.c.id.in_(ids[start:start + _IN_LIST_LIMIT]))).mappings().all())
    rows.sort(key=lambda r: (aware_utc(r["observed_at"]), r["id"]))
    end = None if limit is None else offset + limit
    return len(rows), [dict(r) for r in rows[offset:end]]

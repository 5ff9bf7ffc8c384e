"""Stored indicator results: upserted by the workers, read by the API and the admin pages.

Scores are derived data (``indicator_results``, one row per kecamatan, scope, period and IKU;
``kelurahan_id`` 0 = the whole kecamatan). The workers write them with :func:`upsert_results`
(an ``INSERT … ON CONFLICT DO UPDATE`` on the unique key, so two concurrent recomputes leave one
row each); readers use :func:`read_indicators`, which always answers all six IKU — value null and
the year's target from the ``targets`` table when nothing is computed yet.

This module knows nothing of Celery or of ``workers.*``: the workers hand it plain dicts.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import IndicatorResult, Submission, Target

# The six IKU of SPEC §2: code → (name, unit). The scoring functions produce the same names.
INDICATORS: dict[str, tuple[str, str]] = {
    "IKU1": ("Indeks Kepuasan Masyarakat (IKM)", "indeks"),
    "IKU2": ("Persentase pengaduan masyarakat yang ditindaklanjuti", "%"),
    "IKU3": ("Persentase pelayanan administrasi kependudukan yang diselesaikan tepat waktu", "%"),
    "IKU4": ("Persentase pelayanan administrasi umum lainnya yang diselesaikan tepat waktu", "%"),
    "IKU5": ("Persentase kelurahan dengan kriteria Baik", "%"),
    "IKU6": ("Persentase RW berubah", "%"),
}
WHOLE_KECAMATAN = 0  # kelurahan_id of a kecamatan-wide result
_PERIOD_RE = re.compile(r"^(\d{4})(?:-[Qq]([1-4]))?$")
_RESULT_COLUMNS = ("kecamatan_id", "kelurahan_id", "period", "code", "name", "value", "numerator", "denominator",
                   "target", "capaian", "unit", "mutu", "rule_version", "details", "computed_at")
_IN_LIST_LIMIT = 20_000  # bound parameters per query (SQLite allows 32,766)
_UPDATED_COLUMNS = [c for c in _RESULT_COLUMNS if c not in ("kecamatan_id", "kelurahan_id", "period", "code")]


def parse_period(label: Any) -> tuple[int, int | None] | None:
    """``"2026"`` → (2026, None), ``"2026-Q3"`` (or ``-q3``) → (2026, 3); anything else → None."""
    match = _PERIOD_RE.match(label) if isinstance(label, str) else None
    if match is None or not 1 <= int(match.group(1)) <= 9999:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def period_label(year: int, quarter: int | None) -> str:
    """The stored spelling of a period: ``"2026"`` or ``"2026-Q3"``."""
    return str(year) if quarter is None else f"{year}-Q{quarter}"


def _insert(session: Session, table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {name}")


def upsert_results(session: Session, rows: Sequence[dict]) -> int:
    """Insert or replace result rows on (kecamatan_id, kelurahan_id, period, code), in the caller's transaction.

    :param rows: dicts with every column of ``indicator_results`` but ``id``.
    :return: the number of rows written.
    """
    if not rows:
        return 0
    table = IndicatorResult.__table__
    stmt = _insert(session, table)
    updates = {column: stmt.excluded[column] for column in _UPDATED_COLUMNS}
    # An unchanged drill-down keeps its stored value: PostgreSQL then reuses the TOASTed document
    # instead of writing it (and its WAL) again — most rows of a recompute after one sync.
    updates["details"] = case((table.c.details == stmt.excluded.details, table.c.details),
                              else_=stmt.excluded.details)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kecamatan_id", "kelurahan_id", "period", "code"], set_=updates)
    # Sorted by the key: concurrent upserts of overlapping rows lock them in the same order.
    ordered = sorted(rows, key=lambda r: (r["kecamatan_id"], r["kelurahan_id"], r["period"], r["code"]))
    for start in range(0, len(ordered), 1000):
        session.execute(stmt, [{c: r[c] for c in _RESULT_COLUMNS} for r in ordered[start:start + 1000]])
    return len(ordered)


def targets_for(session: Session, kecamatan_id: int, year: int) -> dict[str, float]:
    """The year's targets by IKU code: the kecamatan's own over the deployment-wide ones (kecamatan_id 0)."""
    out: dict[str, float] = {}
    rows = session.execute(
        select(Target.code, Target.value).where(Target.year == year, Target.kecamatan_id.in_((0, kecamatan_id)))
        .order_by(Target.kecamatan_id))
    for code, value in rows:
        out[code] = float(value)
    return out


def aware_utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def read_results(session: Session, kecamatan_id: int, kelurahan_id: int, period: str) -> dict[str, IndicatorResult]:
    """The stored results of one scope and period, by IKU code (absent codes: nothing computed yet)."""
    rows = session.scalars(select(IndicatorResult).where(
        IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.kelurahan_id == kelurahan_id,
        IndicatorResult.period == period))
    return {row.code: row for row in rows}


def read_indicators(session: Session, kecamatan_id: int, kelurahan_id: int, period: str) -> list[dict]:
    """All six IKU of one scope and period, in order, as the API answers them (SPEC §5).

    A code with no stored result answers value/numerator/denominator/capaian null, the year's
    target from the ``targets`` table, ``computed_at`` and ``rule_version`` null.
    """
    stored = read_results(session, kecamatan_id, kelurahan_id, period)
    targets: dict[str, float] | None = None
    out = []
    for code, (name, unit) in INDICATORS.items():
        row = stored.get(code)
        if row is not None:
            item = {"code": code, "name": row.name, "value": row.value, "numerator": row.numerator,
                    "denominator": row.denominator, "target": row.target, "capaian": row.capaian, "unit": row.unit,
                    "computed_at": aware_utc(row.computed_at), "rule_version": row.rule_version}
            mutu = row.mutu
        else:
            if targets is None:
                parsed = parse_period(period)
                targets = targets_for(session, kecamatan_id, parsed[0]) if parsed else {}
            item = {"code": code, "name": name, "value": None, "numerator": None, "denominator": None,
                    "target": targets.get(code), "capaian": None, "unit": unit, "computed_at": None,
                    "rule_version": None}
            mutu = None
        if code == "IKU1":
            item["mutu"] = mutu
        out.append(item)
    return out


def read_details(session: Session, kecamatan_id: int, kelurahan_id: int, period: str, code: str) -> dict | None:
    """The drill-down (``details``) of one stored result, or None when nothing is computed."""
    row = session.scalars(select(IndicatorResult.details).where(
        IndicatorResult.kecamatan_id == kecamatan_id, IndicatorResult.kelurahan_id == kelurahan_id,
        IndicatorResult.period == period, IndicatorResult.code == code)).first()
    return row


def records_behind(session: Session, record_ids: Iterable[str], limit: int | None = None,
                   offset: int = 0) -> tuple[int, list[dict]]:
    """A page of the submissions named by a result's ``details.record_ids``, oldest observed first.

    :return: (how many of the named submissions exist, the page of them as row dicts).
    """
    import uuid

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

"""Writing indicator results: the workers' one door into ``indicator_results``.

Scores are derived data (one row per kecamatan, scope, period and IKU; ``kelurahan_id`` 0 = the
whole kecamatan). :func:`upsert_results` is an ``INSERT … ON CONFLICT DO UPDATE`` on that unique key,
so two concurrent recomputes leave one row each. The readers live in ``server/scores.py``.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import IndicatorResult

_RESULT_COLUMNS = ("kecamatan_id", "kelurahan_id", "period", "code", "name", "value", "numerator", "denominator",
                   "target", "capaian", "unit", "mutu", "rule_version", "details", "computed_at")
_UPDATED_COLUMNS = [c for c in _RESULT_COLUMNS if c not in ("kecamatan_id", "kelurahan_id", "period", "code")]


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

"""Writing indicator results: the workers' one door into ``indicator_results``.

Scores are derived data (one row per kecamatan, scope, period and IKU; ``kelurahan_id`` 0 = the
whole kecamatan). :func:`upsert_results` is an ``INSERT … ON CONFLICT DO UPDATE`` on that unique key,
so two concurrent recomputes leave one row each. The readers live in ``server/scores.py``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import case, literal_column, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import IndicatorResult

_RESULT_COLUMNS = ("kecamatan_id", "kelurahan_id", "period", "code", "name", "value", "numerator", "denominator",
                   "target", "capaian", "unit", "mutu", "rule_version", "details", "computed_at")
_UPDATED_COLUMNS = [c for c in _RESULT_COLUMNS if c not in ("kecamatan_id", "kelurahan_id", "period", "code")]


def stored_stamps(session: Session, kecamatan_id: int,
                  periods: Iterable[str]) -> dict[tuple[int, str, str], tuple[str, dt.datetime]] | None:
    """The stamp of each stored row of these periods of the kecamatan, by (kelurahan_id, period, code):
    its ``xmin`` (the transaction that wrote this version) and its ``computed_at``. None off PostgreSQL."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    t = IndicatorResult.__table__
    rows = session.execute(select(t.c.kelurahan_id, t.c.period, t.c.code, literal_column("xmin::text"),
                                  t.c.computed_at)
                           .where(t.c.kecamatan_id == kecamatan_id, t.c.period.in_(sorted(set(periods)))))
    return {(kel, period, code): (xmin, computed_at) for kel, period, code, xmin, computed_at in rows}


def write_stamp(session: Session, computed_at: dt.datetime) -> tuple[str, dt.datetime] | None:
    """The stamp rows this transaction writes with ``computed_at`` carry (its xid as ``xmin`` shows
    it: the low 32 bits); None off PostgreSQL."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    return str(int(session.scalar(text("SELECT txid_current()"))) % 2 ** 32), computed_at


def touch_computed_at(session: Session, kecamatan_id: int, periods: Iterable[str], computed_at: dt.datetime) -> None:
    """Stamp every stored row of these periods of the kecamatan as computed at ``computed_at`` (that
    column alone: the drill-down documents stay where they are; rows already carrying it — just
    written by the same recompute — are not written again)."""
    t = IndicatorResult.__table__
    session.execute(update(t).where(t.c.kecamatan_id == kecamatan_id, t.c.period.in_(sorted(set(periods))),
                                    t.c.computed_at.is_distinct_from(computed_at))
                    .values(computed_at=computed_at))


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

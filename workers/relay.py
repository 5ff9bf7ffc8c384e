"""The outbox relay: turn ``score_outbox`` rows into one recompute per (kecamatan, year).

Rows are claimed, coalesced and handed to ``enqueue``; they are deleted in the same transaction,
after every enqueue succeeded — a broker failure rolls back and leaves them for the next run (a
crash between enqueue and commit means one recompute too many, which is harmless: recomputes are
idempotent). On PostgreSQL the claim is ``FOR UPDATE SKIP LOCKED``, so relays running side by side
take disjoint rows; on SQLite, which has no row locks, the relay takes the database's write lock
first, so relays run one after another.

Data of a year also feeds later years' scores: K2 compares with the previous period, and an RW's
status at a date comes from its latest inspection on or before it, however old (the IKU6
baseline, K3–K5). So a stale year Y makes every year from Y to the current one stale — one year
in the common case of a sync of this year's data.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from server.models import ScoreOutbox

CLAIM_BATCH = 5000


def _claim(session: Session, limit: int) -> list[tuple[int, int, int]]:
    """Lock and read up to ``limit`` outbox rows (id, kecamatan_id, year) for this transaction."""
    stmt = select(ScoreOutbox.id, ScoreOutbox.kecamatan_id, ScoreOutbox.year).order_by(ScoreOutbox.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    else:
        # SQLite: a write statement (matching nothing) takes the write lock before the read.
        session.execute(update(ScoreOutbox).where(ScoreOutbox.id < 0).values(year=ScoreOutbox.year))
    return [tuple(row) for row in session.execute(stmt)]


def with_following_years(pairs: set[tuple[int, int]], current_year: int) -> set[tuple[int, int]]:
    """Add (kecamatan, Y+1 … current year) for each (kecamatan, Y): the years Y's data feeds."""
    return pairs | {(kec, later) for kec, year in pairs for later in range(year + 1, current_year + 1)}


def drain_outbox(session: Session, enqueue: Callable[[int, int], None], timezone: str = "Asia/Jakarta",
                 today: dt.date | None = None, max_rounds: int = 100) -> set[tuple[int, int]]:
    """Claim every outbox row, enqueue one recompute per (kecamatan, year), delete the rows.

    :param enqueue: called once per distinct (kecamatan_id, year); raising aborts the round and
        leaves its rows in the outbox.
    :return: the pairs enqueued.
    """
    current_year = (today or dt.datetime.now(ZoneInfo(timezone)).date()).year
    done: set[tuple[int, int]] = set()
    for _round in range(max_rounds):
        try:
            claimed = _claim(session, CLAIM_BATCH)
            if not claimed:
                session.rollback()
                break
            pairs = with_following_years({(kec, year) for _id, kec, year in claimed}, current_year) - done
            for kecamatan_id, year in sorted(pairs):
                enqueue(kecamatan_id, year)
                done.add((kecamatan_id, year))
            session.execute(delete(ScoreOutbox).where(ScoreOutbox.id.in_([row[0] for row in claimed])))
            session.commit()
        except BaseException:
            session.rollback()
            raise
        if len(claimed) < CLAIM_BATCH:
            break
    return done


def run_outbox_inline(session: Session, recompute: Callable[[int, int], object], timezone: str = "Asia/Jakarta",
                      today: dt.date | None = None) -> set[tuple[int, int]]:
    """Recompute the stale pairs right here, then delete the rows that were read (embedded broker).

    kombu's SQLAlchemy transport polls once a second, so a second hop through it costs seconds;
    on one machine the relay does the work itself. A crash before the final delete leaves the rows
    for the next run (recomputing twice is harmless); two relays at once are serialized by the
    recompute's own lock.

    :param recompute: runs and commits one (kecamatan_id, year).
    """
    current_year = (today or dt.datetime.now(ZoneInfo(timezone)).date()).year
    claimed = [tuple(row) for row in session.execute(
        select(ScoreOutbox.id, ScoreOutbox.kecamatan_id, ScoreOutbox.year).order_by(ScoreOutbox.id).limit(CLAIM_BATCH))]
    session.rollback()
    pairs = with_following_years({(kec, year) for _id, kec, year in claimed}, current_year)
    for kecamatan_id, year in sorted(pairs):
        recompute(kecamatan_id, year)
    _delete_ids(session, (row[0] for row in claimed))
    return pairs


def _delete_ids(session: Session, ids: Iterable[int]) -> None:
    wanted = list(ids)
    if wanted:
        try:
            session.execute(delete(ScoreOutbox).where(ScoreOutbox.id.in_(wanted)))
            session.commit()
        except BaseException:
            session.rollback()
            raise

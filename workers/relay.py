"""The outbox sweep: the safety net behind the web's after-commit enqueue.

The web enqueues the recompute of every pair it made stale right after its commit
(``server.jobs.after_commit_kick``); the recompute deletes the pair's outbox rows when it commits.
A row older than a short grace period therefore means its recompute was lost (the broker was down
or restarted, the kick failed): the beat's periodic relay enqueues one recompute per such
(kecamatan, year) and deletes nothing — the recompute does, in its own transaction. Pairs whose
recompute already waits in the queue are skipped by the queued marks (``server.scoring_queue``).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import ScoreOutbox


def sweep_outbox(session: Session, enqueue: Callable[[int, int], object],
                 grace_seconds: float = 2.0) -> set[tuple[int, int]]:
    """Enqueue one recompute per (kecamatan, year) with an outbox row older than ``grace_seconds``.

    :param enqueue: called once per pair, oldest year first; raising stops the sweep (the rows stay
        for the next one).
    :return: the pairs handed to ``enqueue``.
    """
    cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=grace_seconds)
    if session.get_bind().dialect.name == "sqlite":
        cutoff = cutoff.replace(tzinfo=None)  # SQLite keeps naive UTC
    pairs = {(kec, year) for kec, year in session.execute(
        select(ScoreOutbox.kecamatan_id, ScoreOutbox.year).where(ScoreOutbox.created_at <= cutoff).distinct())}
    session.rollback()
    for kecamatan_id, year in sorted(pairs, key=lambda pair: (pair[1], pair[0])):
        enqueue(kecamatan_id, year)
    return pairs

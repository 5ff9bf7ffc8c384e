"""Thin, idempotent Celery tasks: ids in → load rows → scoring → upsert results.

Every task runs inside a Flask app context (``server.jobs.celery_init_app``) and is registered
under the name ``server.jobs`` sends (the web never imports this module). Tasks acknowledge late
(``task_acks_late``): a worker killed mid-task leaves the message to another worker, and running
a recompute twice is harmless.
"""
from __future__ import annotations

from celery import shared_task
from flask import current_app

from server import jobs
from server.extensions import db
from workers.queued import QueuedMarks
from workers.recompute import recompute_kecamatan_years, years_with_data
from workers.relay import drain_outbox, run_outbox_inline


def _marks() -> QueuedMarks:
    """The queued-recompute marks of this app (none on the embedded broker)."""
    broker = str(current_app.extensions["celery"].conf.broker_url)
    redis_url = broker if broker.startswith(("redis://", "rediss://")) else None
    return QueuedMarks(redis_url, current_app.config["SQLALCHEMY_DATABASE_URI"])


@shared_task(name=jobs.RECOMPUTE_TASK, acks_late=True, ignore_result=True)
def recompute_kecamatan_year(kecamatan_id: int, year: int) -> int:
    """Recompute the year and its quarters of one kecamatan (whole and per kelurahan); return rows written."""
    _marks().unclaim(int(kecamatan_id), int(year))  # from here on, a new sync needs a new recompute
    try:
        return recompute_kecamatan_years(db.session, int(kecamatan_id), [int(year)])
    except LookupError:
        current_app.logger.warning("recompute of unknown kecamatan %s skipped", kecamatan_id)
        return 0


def _enqueue_recompute(kecamatan_id: int, year: int) -> None:
    """Send one recompute through this app's broker (not Celery's default app), unless one is waiting."""
    marks = _marks()
    if not marks.claim(kecamatan_id, year):
        return  # a queued recompute of the pair has not started yet: it will read these rows too
    try:
        current_app.extensions["celery"].send_task(jobs.RECOMPUTE_TASK, (kecamatan_id, year), retry=False)
    except BaseException:
        marks.unclaim(kecamatan_id, year)
        raise


def _embedded_broker() -> bool:
    """True on kombu's SQLAlchemy transport (the no-server default): no second hop through it."""
    return str(current_app.extensions["celery"].conf.broker_url).startswith("sqla+")


def _recompute_here(kecamatan_id: int, year: int) -> None:
    try:
        recompute_kecamatan_years(db.session, kecamatan_id, [year])
    except LookupError:
        current_app.logger.warning("recompute of unknown kecamatan %s skipped", kecamatan_id)


@shared_task(name=jobs.RELAY_TASK, acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Drain the scoring outbox: one recompute per stale (kecamatan, year); return how many.

    On a real broker each recompute becomes a task (any worker may take it); on the embedded
    broker the relay recomputes itself (``workers.relay.run_outbox_inline``).
    """
    timezone = current_app.config.get("TIMEZONE", "Asia/Jakarta")
    if _embedded_broker():
        return len(run_outbox_inline(db.session, _recompute_here, timezone))
    return len(drain_outbox(db.session, _enqueue_recompute, timezone))


@shared_task(name=jobs.RECOMPUTE_ALL_TASK, acks_late=True, ignore_result=True)
def recompute_all() -> int:
    """The nightly safety net: one recompute task per (kecamatan, year) that has data."""
    pairs = years_with_data(db.session)
    db.session.rollback()
    count = 0
    for kecamatan_id, years in sorted(pairs.items()):
        for year in sorted(years):
            _enqueue_recompute(kecamatan_id, year)
            count += 1
    return count

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
from workers.recompute import recompute_kecamatan_years, years_with_data
from workers.relay import drain_outbox


@shared_task(name=jobs.RECOMPUTE_TASK, acks_late=True, ignore_result=True)
def recompute_kecamatan_year(kecamatan_id: int, year: int) -> int:
    """Recompute the year and its quarters of one kecamatan (whole and per kelurahan); return rows written."""
    try:
        return recompute_kecamatan_years(db.session, int(kecamatan_id), [int(year)])
    except LookupError:
        current_app.logger.warning("recompute of unknown kecamatan %s skipped", kecamatan_id)
        return 0


def _enqueue_recompute(kecamatan_id: int, year: int) -> None:
    recompute_kecamatan_year.apply_async((kecamatan_id, year), retry=False)


@shared_task(name=jobs.RELAY_TASK, acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Drain the scoring outbox: one recompute per stale (kecamatan, year); return how many were sent."""
    sent = drain_outbox(db.session, _enqueue_recompute, current_app.config.get("TIMEZONE", "Asia/Jakarta"))
    return len(sent)


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

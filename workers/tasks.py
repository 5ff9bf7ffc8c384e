"""Thin, idempotent Celery tasks: ids in → load rows → scoring → upsert results.

Every task runs inside a Flask app context (``server.jobs.celery_init_app``) and is registered
under the name ``server.jobs`` sends (the web never imports this module). Tasks acknowledge late
(``task_acks_late``): a worker killed mid-task leaves the message to another worker, and running
a recompute twice is harmless.

A recompute that fails never blocks another pair (each pair is its own message). A database error
(connection lost, lock timeout, serialization) is retried with exponential backoff; any other error,
or a database error that outlasts the retries, sets the pair aside (``workers.recompute.set_aside``):
its error is kept in ``scoring_set_aside`` and shown on ``/api/v1/health/ready`` and the dashboard
until a recompute of the pair succeeds.
"""
from __future__ import annotations

import time

from celery import shared_task
from flask import current_app
from sqlalchemy.exc import DBAPIError

from server import jobs
from server.extensions import db
from workers.recompute import last_outbox_id, recompute_stale, set_aside, years_with_data
from workers.relay import sweep_outbox

# Database errors: retried this many times, 1 s, 2 s, 4 s … apart (at most 30 s), then set aside.
MAX_RETRIES = 5
# A pair recomputes at most once per this many seconds (``_defer_if_hot``), unless configured.
DEFAULT_MIN_INTERVAL_SECONDS = 0.3


@shared_task(bind=True, name=jobs.RECOMPUTE_TASK, acks_late=True, ignore_result=True,
             autoretry_for=(DBAPIError,), max_retries=MAX_RETRIES, retry_backoff=1, retry_backoff_max=30,
             retry_jitter=False)
def recompute_kecamatan_year(self, kecamatan_id: int, year: int, force: bool = False) -> int:
    """Recompute a stale (kecamatan, year) and the later years it feeds; return rows written.

    :param force: recompute even when no outbox row is left (the nightly run); otherwise a message
        whose rows an earlier recompute already covered costs one lock and one DELETE.
    """
    kecamatan_id, year = int(kecamatan_id), int(year)
    marks = jobs.queued_marks()
    if not force and _defer_if_hot(self, marks, kecamatan_id, year):
        return 0
    marks.unclaim(kecamatan_id, year)  # from here on, a new sync needs a new recompute
    up_to_id = last_outbox_id(db.session)
    cpu_started = time.process_time()
    try:
        written = recompute_stale(db.session, kecamatan_id, year, only_if_stale=not force)
        if written:
            marks.record_run(kecamatan_id, year, time.time(), time.process_time() - cpu_started)
        return written
    except LookupError:
        current_app.logger.warning("recompute of unknown kecamatan %s skipped", kecamatan_id)
        return 0
    except DBAPIError as err:
        if self.request.retries >= self.max_retries:
            _set_aside(kecamatan_id, year, err, self.request.retries + 1, up_to_id)
        raise  # autoretry_for retries it after a backoff, or (retries spent) the task fails
    except Exception as err:
        _set_aside(kecamatan_id, year, err, self.request.retries + 1, up_to_id)
        raise


def _defer_if_hot(task, marks, kecamatan_id: int, year: int) -> bool:
    """Hold a pair's next recompute back until both bounds allow it; True when the message was deferred.

    - **Share** (``SCORING_MAX_SHARE``, 0.5): after a recompute that used d seconds of this process's
      CPU, the next one of the same pair starts no sooner than d × (1 / share − 1) after it ended.
      CPU, not wall time: what the bound keeps small is the worker's CPU beside the web's, and a
      recompute that mostly waits for a busy PostgreSQL (or for the pair's lock) must not hold the
      next one back by that wait.
    - **Interval** (``SCORING_MIN_INTERVAL_SECONDS``, :data:`DEFAULT_MIN_INTERVAL_SECONDS`): the next
      one starts no sooner than this long after the previous one ended, however cheap that was. A
      recompute costs a constant (its lock, the small lookups, the result rows' write) plus what
      changed; the share bound alone lets a cheap recompute run again at once, so under a steady
      stream the constant was paid many times a second. With the interval a stream of syncs is
      read in one recompute per interval, and the scores are at most one interval older than they
      would be without it (the freshness budget is 1 s).

    A message that comes earlier is sent again for the later of the two times — its mark stays,
    with the new due time, so syncs meanwhile still send nothing and are read by it.
    """
    last = marks.last_run(kecamatan_id, year)
    if last is None:
        return False
    finished, took = last
    not_before = max(finished + took * (1 / _max_share() - 1), finished + _min_interval())
    now = time.time()
    if not_before <= now + 0.01:
        return False
    marks.defer(kecamatan_id, year, not_before)
    task.apply_async((kecamatan_id, year), countdown=not_before - now)
    return True


def _max_share() -> float:
    return min(1.0, max(0.05, float(current_app.config.get("SCORING_MAX_SHARE", 0.5))))


def _min_interval() -> float:
    """``SCORING_MIN_INTERVAL_SECONDS`` (server/config.py; env ``SIKK_SCORING_MIN_INTERVAL_SECONDS``); 0: off."""
    return max(0.0, float(current_app.config.get("SCORING_MIN_INTERVAL_SECONDS", DEFAULT_MIN_INTERVAL_SECONDS)))


def _set_aside(kecamatan_id: int, year: int, err: BaseException, attempts: int, up_to_id: int) -> None:
    current_app.logger.error("recompute of kecamatan %s year %s set aside after %s attempt(s): %r",
                             kecamatan_id, year, attempts, err)
    set_aside(db.session, kecamatan_id, year, err, attempts, up_to_id)


@shared_task(name=jobs.RELAY_TASK, acks_late=True, ignore_result=True)
def relay_outbox() -> int:
    """Sweep the outbox for rows no recompute took yet (lost kick, broker outage); return pairs sent."""
    return len(sweep_outbox(db.session, lambda k, y: jobs.enqueue_recompute(k, y, throttle=False),
                            float(current_app.config.get("RELAY_GRACE_SECONDS", 2.0))))


@shared_task(name=jobs.RECOMPUTE_ALL_TASK, acks_late=True, ignore_result=True)
def recompute_all() -> int:
    """The nightly safety net: one forced recompute per (kecamatan, year) that has data."""
    pairs = years_with_data(db.session)
    db.session.rollback()
    celery_app = current_app.extensions["celery"]
    count = 0
    for kecamatan_id, years in sorted(pairs.items()):
        for year in sorted(years):
            celery_app.send_task(jobs.RECOMPUTE_TASK, (kecamatan_id, year), {"force": True}, retry=False)
            count += 1
    return count

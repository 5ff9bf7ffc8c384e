"""The only place the web talks to Celery: mark what went stale, enqueue its recompute by task name.

The sync transaction records the (kecamatan, year) pairs it made stale as ``score_outbox`` rows
(:func:`mark_stale`, same transaction, so a committed submission always has its outbox row). After
the commit, :func:`after_commit_kick` sends the recompute of each of those pairs straight to the
broker (one trip, no relay in between), due ``SCORING_COALESCE_SECONDS`` later so that it takes
everything that arrives meanwhile; the queued marks and the per-process throttle of
``server.scoring_queue`` make a burst of syncs one recompute per pair and interval. The outbox row
stays until the recompute that read its submissions commits (the worker deletes it in the same
transaction), so "being computed" is true exactly while a row exists. The kick is an optimisation,
never a requirement: when the broker is down it fails fast, is suppressed for a few seconds, and the
beat's periodic relay sweeps the leftover rows once the broker is back. Nothing here imports
``workers.*``, lazily or not: tasks are sent by name, and the ``recompute`` command is the workers'
own (``workers/cli.py``, a Flask CLI plugin).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from celery import Celery, Task
from flask import Flask, current_app
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from server.models import ScoreOutbox
from server.scoring_queue import KickThrottle, QueuedMarks
from server.settings import BROKER_CONNECT_TIMEOUT_SECONDS, REDIS, SQLALCHEMY, broker_kind, settings

# Task names: the contract between the web and the workers (workers/tasks.py registers them).
RELAY_TASK = "workers.tasks.relay_outbox"
RECOMPUTE_TASK = "workers.tasks.recompute_kecamatan_year"
RECOMPUTE_ALL_TASK = "workers.tasks.recompute_all"

# A kick nobody consumed within this many seconds is dropped by the worker (the beat relays anyway).
KICK_EXPIRES_SECONDS = 60
# After a failed kick, skip kicking for this long: a broker outage must not slow every sync.
KICK_BACKOFF_SECONDS = 5.0

# The options kombu's SQLAlchemy transport understands itself (anything else goes to create_engine).
_SQLA_TRANSPORT_OPTIONS = frozenset({"queue_tablename", "message_tablename", "max_retries", "interval_start",
                                     "interval_step", "interval_max"})

# A recompute runs this long after the first change of its interval (``SCORING_COALESCE_SECONDS``).
DEFAULT_COALESCE_SECONDS = 0.25

# The outbox table's name, for the sync's one-statement INSERT on PostgreSQL (server/sync.py), which
# writes these rows itself and then calls remember_stale().
OUTBOX_TABLE = ScoreOutbox.__tablename__

_kick_lock = threading.Lock()
_kick_suppressed_until = 0.0
_throttle = KickThrottle()
# session.info keys: pairs marked in the open transaction, and pairs of committed transactions not kicked yet.
_PENDING = "sikk_stale_pending"
_COMMITTED = "sikk_stale_committed"


def mark_stale(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Insert one outbox row per (kecamatan_id, year) in the caller's transaction.

    The pairs are also remembered on the session: once the transaction commits,
    :func:`after_commit_kick` enqueues their recomputes (a rollback forgets them).

    :param session: the session of the sync transaction (the rows commit or roll back with it).
    :param pairs: the (kecamatan_id, year) pairs whose scores the batch made stale.
    """
    wanted = sorted(set(pairs))
    rows = [{"kecamatan_id": kecamatan_id, "year": year} for kecamatan_id, year in wanted]
    if rows:
        session.execute(insert(ScoreOutbox), rows)
        remember_stale(session, wanted)


def remember_stale(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Note pairs whose outbox rows the open transaction wrote: they are kicked once it commits."""
    session.info.setdefault(_PENDING, set()).update(pairs)


@event.listens_for(Session, "after_commit")
def _pending_committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, set()).update(pending)


@event.listens_for(Session, "after_rollback")
def _pending_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def queued_marks(app: Flask | None = None) -> QueuedMarks:
    """The queued-recompute marks of this app (in the broker's Redis; none on the embedded broker)."""
    found = settings(app)
    return QueuedMarks(found.marks_redis_url, found.database_uri)


def coalesce_seconds(app: Flask | None = None) -> float:
    return float((app or current_app).config.get("SCORING_COALESCE_SECONDS", DEFAULT_COALESCE_SECONDS))


def enqueue_recompute(kecamatan_id: int, year: int, *, throttle: bool = True) -> bool:
    """Send the recompute of one pair, due after the coalescing interval, unless one is known to wait.

    :param throttle: skip the pair when this process already sent (or saw waiting) a recompute of it
        that has not started yet (the web's kick); the relay's sweep passes False.
    :return: True when a message was sent.
    :raise: the broker's error (the mark is dropped again so the next try can enqueue).
    """
    delay = coalesce_seconds()
    marks = queued_marks()
    now = time.time()
    if throttle and _throttle.covered(marks.prefix, kecamatan_id, year, now):
        return False
    eta = now + delay
    claimed, waiting_eta = marks.claim_or_eta(kecamatan_id, year, eta)
    if not claimed:
        if waiting_eta is not None:
            _throttle.cover(marks.prefix, kecamatan_id, year, waiting_eta)
        return False
    try:
        current_app.extensions["celery"].send_task(RECOMPUTE_TASK, (kecamatan_id, year), countdown=delay,
                                                   retry=False)
    except BaseException:
        marks.unclaim(kecamatan_id, year)
        raise
    _throttle.cover(marks.prefix, kecamatan_id, year, eta)
    return True


def after_commit_kick(pairs: Iterable[tuple[int, int]] | None = None) -> bool:
    """Enqueue the recomputes of what the last commit made stale; never raise, never wait long.

    :param pairs: the stale (kecamatan_id, year) pairs; by default the ones :func:`mark_stale`
        recorded in the session's committed transactions. With none at all, ask the relay to sweep.
    :return: True when the broker was reached (or nothing needed sending), False when skipped or
        failed (the periodic relay of the beat sweeps the outbox rows later either way).
    """
    global _kick_suppressed_until
    from server.extensions import db

    wanted = set(pairs) if pairs is not None else set(db.session.info.pop(_COMMITTED, None) or ())
    if time.monotonic() < _kick_suppressed_until:
        return False
    try:
        if not wanted:
            current_app.extensions["celery"].send_task(RELAY_TASK, expires=KICK_EXPIRES_SECONDS, retry=False)
        for kecamatan_id, year in sorted(wanted):
            enqueue_recompute(kecamatan_id, year)
        return True
    except Exception:  # noqa: BLE001 - a broker outage delays scores, it never fails a sync
        with _kick_lock:
            _kick_suppressed_until = time.monotonic() + KICK_BACKOFF_SECONDS
        current_app.logger.warning("scoring kick failed; the periodic relay will sweep the outbox", exc_info=True)
        return False


def reset_kick_backoff() -> None:
    """Forget an earlier kick failure and every throttle entry (tests; an operator who fixed the broker)."""
    global _kick_suppressed_until
    _kick_suppressed_until = 0.0
    _throttle.clear()


def celery_config(app: Flask) -> dict:
    """The Celery configuration of the app: ``app.config["CELERY"]``, broker from ``REDIS_URL`` when set.

    A Redis broker gets a short connect timeout so that a kick to a dead broker fails in well under
    a second; connection retries on publish are off (the outbox, not the broker, is durable).
    """
    config = dict(app.config.get("CELERY") or {})
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        config["broker_url"] = redis_url
    kind = broker_kind(config.get("broker_url"))
    options = dict(config.get("broker_transport_options") or {})
    if kind == REDIS:
        options.setdefault("socket_connect_timeout", BROKER_CONNECT_TIMEOUT_SECONDS)
        options.setdefault("max_retries", 0)
    elif kind == SQLALCHEMY:
        # kombu's SQLAlchemy transport hands its options to create_engine(): keep only its own
        # (a Redis option such as visibility_timeout would stop the embedded worker from starting).
        options = {key: value for key, value in options.items() if key in _SQLA_TRANSPORT_OPTIONS}
    config["broker_transport_options"] = options
    config.setdefault("broker_connection_timeout", BROKER_CONNECT_TIMEOUT_SECONDS)
    config.setdefault("task_publish_retry", False)
    return config


def celery_init_app(app: Flask) -> Celery:
    """Build the app's Celery instance (Flask's official pattern: every task runs in an app context)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app))
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def init_app(app: Flask) -> None:
    """Build the Celery app for this Flask app (``flask --app server recompute`` is the workers' plugin)."""
    celery_init_app(app)

"""The Celery entrypoint (``celery -A workers.worker worker|beat``): the one module that builds an app on import.

Flask's Celery pattern: the Flask app carries the Celery app (``server.jobs``), so every task runs
in an app context with the app's configuration (``DATABASE_URL``, ``REDIS_URL``, ``TIMEZONE``).
The beat runs the outbox relay every few seconds (the safety net behind the after-commit kick,
and what drains the outbox after a broker outage) and a full recompute every night.
"""
from __future__ import annotations

import gc

from celery.schedules import crontab
from celery.signals import worker_process_init

from server import create_app, jobs
from server.config import INSTANCE_DIR
from workers.broker import read_popped_messages

flask_app = create_app()
INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
celery_app = flask_app.extensions["celery"]
# SIKK_RELAY_EVERY_SECONDS overrides the safety-net interval (tests shorten it).
RELAY_EVERY_SECONDS = float(flask_app.config.get("RELAY_EVERY_SECONDS", 5.0))
celery_app.conf.update(
    # beat's bookkeeping goes under instance/ with the rest of the local state, not the working dir.
    beat_schedule_filename=str(INSTANCE_DIR / "celerybeat-schedule"),
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    beat_schedule={
        "relay-outbox": {"task": jobs.RELAY_TASK, "schedule": RELAY_EVERY_SECONDS,
                         "options": {"expires": RELAY_EVERY_SECONDS * 2}},
        # 19:00 in Celery's timezone, which is UTC (``timezone`` is not set): 02:00 WIB (UTC+7), when
        # nobody syncs. A deployment in another zone moves this hour; TIMEZONE does not.
        "recompute-all-nightly": {"task": jobs.RECOMPUTE_ALL_TASK, "schedule": crontab(hour=19, minute=0)},
    },
)

import workers.tasks  # noqa: E402,F401 - registers the tasks with celery_app

# A BRPOP answer that arrives while the prefetch is full is read at once, not spun on (workers/broker.py).
read_popped_messages()

# SIKK_SCORING_MAX_RETRIES: how often a recompute that hit a database error is retried before it is
# set aside (tests shorten it; the backoff doubles from 1 s up to 30 s).
workers.tasks.recompute_kecamatan_year.max_retries = int(flask_app.config.get("SCORING_MAX_RETRIES",
                                                                              workers.tasks.MAX_RETRIES))


@worker_process_init.connect
def _freeze_the_startup_heap(**_kwargs) -> None:
    """Move every object alive once a pool process has started (Flask, SQLAlchemy, Celery and their
    modules: ~150,000 objects) out of the garbage collector's reach.

    They live as long as the process, yet every full collection walked them all: 60–130 ms each on
    this machine, and a recompute after a burst of a few thousand rows allocates enough to trigger
    one or two — most of its CPU. What a recompute keeps (``workers.row_cache``, ``result_memo``)
    is allocated later and collected as before. A frozen object that becomes garbage is still freed
    by its reference count; only a reference cycle among frozen objects would stay, and what is
    alive at startup (modules, the app, the pool) lives as long as the process.
    """
    gc.collect()
    gc.freeze()

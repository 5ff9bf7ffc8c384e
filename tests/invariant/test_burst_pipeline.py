"""A sustained stream of syncs of one (kecamatan, year), through the running system (PostgreSQL, the
app, a real Celery worker and beat on Redis): the pair is recomputed at most once per
``SCORING_MIN_INTERVAL_SECONDS`` while the stream lasts (each recompute reading everything that
came in meanwhile), still recomputed during it (not only at its end), and the stored scores catch
up with every record soon after the stream stops.

The worker runs with an interval of 1 s here, long beside a recompute of this small kecamatan,
so that what bounds the recomputes is the interval and not the share bound; each recompute's
start and end are read from the worker's log (Celery logs every task's run time).
"""
from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

import pytest

from tests.invariant import items as it
from tests.invariant.stack import Stack, running_stack

INTERVAL = 1.0
STREAM_SECONDS = 6.0
REDIS_DB = 12  # a database of the test Redis of our own, flushed before and after
_DONE = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[^\]]*\] Task "
                   r"workers\.tasks\.recompute_kecamatan_year\[[^\]]+\] succeeded in ([0-9.]+)s: (\d+)")


class _IntervalStack(Stack):
    def env(self) -> dict[str, str]:
        return {**super().env(), "SIKK_SCORING_MIN_INTERVAL_SECONDS": str(INTERVAL)}


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("burst"), REDIS_DB, _IntervalStack) as running:
        yield running


def _recomputes(log: str) -> list[tuple[float, float]]:
    """(start, end) in seconds of every recompute in the log that recomputed something."""
    out = []
    for stamp, took, written in _DONE.findall(log):
        if int(written):
            end = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
            out.append((end - float(took), end))
    return out


def _respondents(stack: Stack, kec) -> int | None:
    return stack.read_indicators(kec, [("2026", None)])[("2026", None, "IKU1")]["denominator"]


def _surveys(r, kec, count: int) -> list[dict]:
    """``count`` surveys observed a few minutes ago (this year's, counted in IKU1 of the year)."""
    batch = [it.skm(r, kec) for _ in range(count)]
    for one in batch:
        one["observed_at"] = it.iso(it.now() - dt.timedelta(minutes=5))
    return batch


def test_a_stream_of_syncs_recomputes_once_per_interval_and_catches_up(stack):
    kec = stack.new_kecamatan()
    r = it.random.Random(1)
    stack.sync(kec.kiosk, _surveys(r, kec, 1))
    stack.wait_caught_up()
    before = len(_recomputes(stack.worker_log_tail(10**7)))
    sent, started = 1, time.monotonic()
    while time.monotonic() - started < STREAM_SECONDS:  # ~20 syncs a second, 5 surveys each
        batch = _surveys(r, kec, 5)
        assert {result["status"] for result in stack.sync(kec.kiosk, batch)} == {"created"}
        sent += len(batch)
        time.sleep(0.05)
    stopped = time.monotonic()
    while _respondents(stack, kec) != sent:
        assert time.monotonic() - stopped < INTERVAL + 3, "the scores did not catch up after the stream"
        time.sleep(0.05)
    runs = _recomputes(stack.worker_log_tail(10**7))[before:]
    gaps = [later[0] - earlier[1] for earlier, later in zip(runs, runs[1:])]
    assert len(runs) >= 3, runs  # recomputed during the stream, not only once it stopped
    assert len(runs) <= STREAM_SECONDS / INTERVAL + 3, runs
    assert min(gaps) >= INTERVAL - 0.05, gaps  # log stamps are to the millisecond

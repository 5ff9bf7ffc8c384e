"""Read a message the worker has already popped from Redis at once, even when its prefetch is full.

kombu's Redis transport consumes with ``BRPOP``, sent only while the channel may take another
message (``qos.can_consume()``). If the prefetch fills between sending the BRPOP and its answer
arriving, kombu 5.5 does not read the answer (``MultiChannelPoller.on_readable`` asks
``can_consume()`` again). But the answer is already off the queue: Redis popped it, so no other
worker can have it, and it is not yet in the ``unacked`` hash that would give it back after a
crash. The socket stays readable, the level-triggered poll returns at once, and the worker's main
process spins (an ``epoll_ctl``/``epoll_wait`` round per ~0.2 ms) until a pool process finishes its
task and the prefetch has room again.

SIKK hits this under every sustained sync stream: a recompute message carries a countdown (the
coalescing interval), so Celery raises the prefetch while it waits and lowers it when it goes to the
pool; the web's next kick (sent once the running recompute has started, ``server.scoring_queue``)
then arrives while the one pool process of the pair is busy. In ``bench/ingest.py``'s batches phase
the spin cost the main process 1–2.7 CPU seconds per 40,000 items — as much as the recomputes.

:func:`read_popped_messages` makes ``on_readable`` read the answer of a BRPOP that was sent (the
channel's ``_in_poll``), whatever the prefetch: the message is delivered as prefetched (an ETA message
goes to the timer, another waits for a free pool process) and recorded in ``unacked``, as a message
under a larger prefetch is. Everything else (no BRPOP in flight, fanout ``LISTEN``) keeps kombu's
check. No new BRPOP is sent while the prefetch is full: that part of kombu is unchanged.

Only kombu 5.5 is patched (the version Celery 5.5 requires). kombu 5.7 handles the case itself (it
stops polling the BRPOP socket until the prefetch has room) with an ``on_readable`` this would
replace, so any other version is refused at startup: drop this module when upgrading.
"""
from __future__ import annotations

import kombu
from kombu.transport import redis as redis_transport

_PATCHED = "_sikk_reads_popped_messages"
PATCHED_KOMBU = (5, 5)  # the (major, minor) whose poller this replaces
# kombu's own method, kept for tests/workers/test_broker.py (which shows the spin it causes).
KOMBU_ON_READABLE = redis_transport.MultiChannelPoller.on_readable


def _on_readable(self, fileno: int) -> None:
    """``MultiChannelPoller.on_readable``, but the answer of a BRPOP in flight is always read."""
    chan, kind = self._fd_to_chan[fileno]
    if (kind == "BRPOP" and chan._in_poll) or chan.qos.can_consume():
        chan.handlers[kind]()


def read_popped_messages() -> bool:
    """Patch kombu's Redis poller (once per process); return True when it is patched.

    :raise RuntimeError: the kombu in use is not the one this patches (kombu 5.7 fixes it upstream),
        or no longer has what it replaces: check the upstream behaviour before adapting it.
    """
    poller = redis_transport.MultiChannelPoller
    if getattr(poller, _PATCHED, False):
        return True
    if (tuple(kombu.VERSION[:2]) != PATCHED_KOMBU or not callable(getattr(poller, "on_readable", None))
            or not hasattr(redis_transport.Channel, "_in_poll")):
        raise RuntimeError("kombu's Redis MultiChannelPoller changed: review workers/broker.py")
    poller.on_readable = _on_readable
    setattr(poller, _PATCHED, True)
    return True

"""At most one waiting recompute per (kecamatan, year), and at most one kick per pair per interval.

Two guards keep the broker and the worker from doing the same work many times over under load:

- **Queued marks (Redis).** Before the web or the relay enqueues a recompute of a pair it sets
  ``SET key <eta> NX`` and skips the enqueue when the key is already there: a recompute of the pair
  waits in the queue and has not started; when it starts it reads every row committed so far. The
  recompute deletes the key as it *starts*, before it reads, so any sync after that point queues a
  new one. The value is the waiting recompute's ETA (it runs ``coalesce`` seconds after it was
  sent), which the kick throttle below uses. The key expires (``MARK_TTL_SECONDS``) so that a
  recompute lost from the queue delays a pair only until the next change of it or the relay's sweep.
  Without Redis (the embedded broker) nothing is marked: every claim succeeds. Redis errors never
  block: a failed claim counts as claimed.
- **Kick throttle (per process).** A web process that sent (or saw waiting) a recompute of a pair
  due at time T sends nothing more for that pair until T: that recompute starts at T or later, so it
  reads every row committed before then, including the ones whose kick was skipped. Under a steady
  stream a pair is therefore recomputed at most once per ``coalesce`` interval with everything that
  arrived meanwhile, and a request pays a broker round trip only when it is the first of its interval.
"""
from __future__ import annotations

import hashlib
import threading
import time

import redis

from server.settings import BROKER_CONNECT_TIMEOUT_SECONDS, MARKS_SOCKET_TIMEOUT_SECONDS

MARK_TTL_SECONDS = 120
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def _client(url: str) -> redis.Redis:
    with _lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=BROKER_CONNECT_TIMEOUT_SECONDS,
                                                 socket_timeout=MARKS_SOCKET_TIMEOUT_SECONDS)
        return _clients[url]


class QueuedMarks:
    """The marks of one deployment (its database), in the broker's Redis."""

    def __init__(self, redis_url: str | None, database_uri: str) -> None:
        self.redis_url = redis_url
        # Deployments (and test runs) sharing one Redis must not see each other's marks.
        self.prefix = "sikk:queued:" + hashlib.sha256(database_uri.encode()).hexdigest()[:12]

    def key(self, kecamatan_id: int, year: int) -> str:
        return f"{self.prefix}:{kecamatan_id}:{year}"

    def claim(self, kecamatan_id: int, year: int, eta: float | None = None) -> bool:
        """True when the caller should enqueue (no recompute of the pair is waiting)."""
        return self.claim_or_eta(kecamatan_id, year, eta)[0]

    def claim_or_eta(self, kecamatan_id: int, year: int, eta: float | None = None) -> tuple[bool, float | None]:
        """(True, None) when the caller should enqueue; else (False, the waiting recompute's ETA or None)."""
        if not self.redis_url:
            return True, None
        try:
            with _client(self.redis_url).pipeline(transaction=True) as pipe:
                key = self.key(kecamatan_id, year)
                pipe.set(key, repr(eta if eta is not None else time.time()), nx=True, ex=MARK_TTL_SECONDS)
                pipe.get(key)
                created, value = pipe.execute()
        except redis.RedisError:
            return True, None
        if created:
            return True, None
        try:
            return False, float(value)
        except (TypeError, ValueError):
            return False, None

    def defer(self, kecamatan_id: int, year: int, eta: float) -> None:
        """The waiting recompute now runs at ``eta``: move the mark's due time (kick throttles read it)."""
        if not self.redis_url:
            return
        try:
            _client(self.redis_url).set(self.key(kecamatan_id, year), repr(eta), ex=MARK_TTL_SECONDS)
        except redis.RedisError:
            pass

    def last_run(self, kecamatan_id: int, year: int) -> tuple[float, float] | None:
        """(finished at, seconds it took) of the pair's last recompute, when known."""
        if not self.redis_url:
            return None
        try:
            value = _client(self.redis_url).get(self.key(kecamatan_id, year) + ":last")
            finished, took = (float(part) for part in value.decode().split())
            return finished, took
        except (redis.RedisError, AttributeError, ValueError):
            return None

    def record_run(self, kecamatan_id: int, year: int, finished: float, took: float) -> None:
        if not self.redis_url:
            return
        try:
            _client(self.redis_url).set(self.key(kecamatan_id, year) + ":last", f"{finished!r} {took!r}", ex=3600)
        except redis.RedisError:
            pass

    def unclaim(self, kecamatan_id: int, year: int) -> None:
        """Drop the mark: the recompute starts now (or its enqueue failed)."""
        if not self.redis_url:
            return
        try:
            _client(self.redis_url).delete(self.key(kecamatan_id, year))
        except redis.RedisError:
            pass


class KickThrottle:
    """Per process: until when a pair needs no kick (a recompute due then will read what came before)."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, int, int], float] = {}
        self._lock = threading.Lock()

    def covered(self, scope: str, kecamatan_id: int, year: int, now: float) -> bool:
        """True when a recompute of the pair is known to start after ``now`` (skip the kick)."""
        with self._lock:
            return self._until.get((scope, kecamatan_id, year), 0.0) > now

    def cover(self, scope: str, kecamatan_id: int, year: int, until: float) -> None:
        """Remember that a recompute of the pair starts no earlier than ``until``."""
        with self._lock:
            if len(self._until) > 10_000:  # old entries are worthless: forget them all
                now = time.time()
                self._until = {k: v for k, v in self._until.items() if v > now}
            self._until[(scope, kecamatan_id, year)] = until

    def clear(self) -> None:
        with self._lock:
            self._until.clear()

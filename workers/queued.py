"""At most one queued recompute per (kecamatan, year): a Redis key marks one that waits in the queue.

The relay sets ``SET key NX EX`` before it enqueues a recompute and skips the enqueue when the key
is already there (a recompute of the pair waits in the queue and has not started: when it starts
it reads every row committed so far, including the ones this relay run covers). The recompute
deletes the key as it *starts*, before it reads, so any sync after that point queues a new one.
Under load, a burst of syncs therefore becomes one recompute per pair instead of one per batch.

The key expires (``MARK_TTL_SECONDS``) so that a recompute lost from the queue delays a pair only
until the next sync of it (or the nightly run). Without Redis (the embedded broker) nothing is
marked: every claim succeeds. Redis errors never block: a failed claim counts as claimed.
"""
from __future__ import annotations

import hashlib
import threading

import redis

MARK_TTL_SECONDS = 120
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def _client(url: str) -> redis.Redis:
    with _lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
        return _clients[url]


class QueuedMarks:
    """The marks of one deployment (its database), in the broker's Redis."""

    def __init__(self, redis_url: str | None, database_uri: str) -> None:
        self.redis_url = redis_url
        # Deployments (and test runs) sharing one Redis must not see each other's marks.
        self.prefix = "sikk:queued:" + hashlib.sha256(database_uri.encode()).hexdigest()[:12]

    def key(self, kecamatan_id: int, year: int) -> str:
        return f"{self.prefix}:{kecamatan_id}:{year}"

    def claim(self, kecamatan_id: int, year: int) -> bool:
        """True when the caller should enqueue (no recompute of the pair is waiting)."""
        if not self.redis_url:
            return True
        try:
            return bool(_client(self.redis_url).set(self.key(kecamatan_id, year), 1, nx=True, ex=MARK_TTL_SECONDS))
        except redis.RedisError:
            return True

    def unclaim(self, kecamatan_id: int, year: int) -> None:
        """Drop the mark: the recompute starts now (or its enqueue failed)."""
        if not self.redis_url:
            return
        try:
            _client(self.redis_url).delete(self.key(kecamatan_id, year))
        except redis.RedisError:
            pass

"""The brute-force limit of both login doors (`POST /api/v1/auth/token` and `POST /admin/login`).

At most LOGIN_FAILURES_PER_WINDOW (10) wrong passwords per LOGIN_WINDOW_SECONDS (60), counted per
client address **and** per username (case-folded), across both doors and every web process: in Redis
when ``REDIS_URL`` is set, else in the database (``login_failures``), so gunicorn workers and hosts
share one count. A key at its limit is refused with 429 — before the password is even checked —
until its window ends; the answer says when (``Retry-After`` and the local time in the message).
A window starts at a key's first failure. A broken store never locks anybody out (logged, allowed).

Config: RATELIMIT_ENABLED (default: on, off under TESTING), RATELIMIT_KEY_PREFIX, and
RATELIMIT_STORAGE_URI = ``memory://`` for a per-process count (tests only).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request
from sqlalchemy import case, select

from server.errors import ApiError
from server.extensions import db
from server.models import LoginFailure

_EXTENSION = "sikk_login_guard"
LIMIT = 10
WINDOW = 60


class _MemoryStore:
    """Per-process counts (tests): {key: (count, window_start)}."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def failed(self, keys: list[str], now: float) -> None:
        with self._lock:
            for key in keys:
                count, start = self._counts.get(key, (0, now))
                self._counts[key] = (count + 1, start) if now - start < WINDOW else (1, now)

    def counts(self, keys: list[str], now: float) -> dict[str, tuple[int, float]]:
        with self._lock:
            return {k: v for k in keys if (v := self._counts.get(k)) and now - v[1] < WINDOW}


class _RedisStore:
    """Counts in Redis: one key per counter, expiring with its window (shared by every process)."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix

    def failed(self, keys: list[str], now: float) -> None:
        pipe = self._redis.pipeline()
        for key in keys:
            name = f"{self._prefix}:login:{key}"
            pipe.set(name, 0, ex=WINDOW, nx=True)
            pipe.incr(name)
        pipe.execute()

    def counts(self, keys: list[str], now: float) -> dict[str, tuple[int, float]]:
        pipe = self._redis.pipeline()
        for key in keys:
            name = f"{self._prefix}:login:{key}"
            pipe.get(name)
            pipe.ttl(name)
        values = pipe.execute()
        found = {}
        for i, key in enumerate(keys):
            count, ttl = values[2 * i], values[2 * i + 1]
            if count is not None and ttl is not None and ttl > 0:
                found[key] = (int(count), now - (WINDOW - ttl))
        return found


class _DatabaseStore:
    """Counts in the ``login_failures`` table (no Redis): one upsert per failure, on its own connection."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix

    def failed(self, keys: list[str], now: float) -> None:
        from server.dialect import upsertable_insert

        t = LoginFailure.__table__
        at = dt.datetime.fromtimestamp(now, dt.timezone.utc)
        stale = t.c.window_start < at - dt.timedelta(seconds=WINDOW)
        with db.engine.begin() as conn:
            for key in keys:
                stmt = upsertable_insert(t).values(key=f"{self._prefix}:{key}", count=1, window_start=at)
                conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
                    "count": case((stale, 1), else_=t.c.count + 1),
                    "window_start": case((stale, at), else_=t.c.window_start)}))

    def counts(self, keys: list[str], now: float) -> dict[str, tuple[int, float]]:
        t = LoginFailure.__table__
        names = {f"{self._prefix}:{k}": k for k in keys}
        with db.engine.connect() as conn:
            rows = conn.execute(select(t.c.key, t.c.count, t.c.window_start).where(t.c.key.in_(names))).all()
        found = {}
        for name, count, start in rows:
            start = (start if start.tzinfo else start.replace(tzinfo=dt.timezone.utc)).timestamp()
            if now - start < WINDOW:
                found[names[name]] = (count, start)
        return found


class LoginGuard:
    """Counts wrong passwords and says how long a login must wait (0: go ahead)."""

    def __init__(self, app: Flask) -> None:
        prefix = app.config.get("RATELIMIT_KEY_PREFIX", "sikk-limits")
        storage = app.config.get("RATELIMIT_STORAGE_URI")
        if storage == "memory://":
            self.store = _MemoryStore()
        elif app.config.get("REDIS_URL"):
            self.store = _RedisStore(app.config["REDIS_URL"], prefix)
        else:
            self.store = _DatabaseStore(prefix)

    @staticmethod
    def keys(username: str) -> list[str]:
        """The counters of one attempt; the username is hashed (any text fits, no names in the store)."""
        name = hashlib.sha256(username.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return [f"ip:{(request.remote_addr or '-')[:64]}", f"user:{name}"]

    def wait_seconds(self, username: str) -> int:
        """Seconds until this address and username may try again (0 when they may now)."""
        now = time.time()
        try:
            counts = self.store.counts(self.keys(username), now)
        except Exception:  # noqa: BLE001 - a broken store must not lock everybody out
            current_app.logger.warning("login limit store unavailable; allowing", exc_info=True)
            return 0
        waits = [int(start + WINDOW - now) + 1 for count, start in counts.values() if count >= LIMIT]
        return max(waits, default=0)

    def failed(self, username: str) -> None:
        """Count one wrong password for this address and this username."""
        try:
            self.store.failed(self.keys(username), time.time())
        except Exception:  # noqa: BLE001 - see wait_seconds
            current_app.logger.warning("login limit store unavailable; not counted", exc_info=True)


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def too_many(seconds: int) -> ApiError:
    """The 429 of both doors: the error shape, Retry-After, and when (local time) to try again."""
    zone = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Jakarta"))
    at = (dt.datetime.now(zone) + dt.timedelta(seconds=seconds)).strftime("%H:%M:%S")
    message = (f"Terlalu banyak percobaan masuk yang salah. Coba lagi dalam {seconds} detik "
               f"(pukul {at}).")
    return ApiError(429, "too_many_requests", message,
                    headers={"Retry-After": str(seconds)})


def check(username: str) -> None:
    """Raise the 429 when this address or username used up its wrong passwords."""
    if _enabled():
        seconds = current_app.extensions[_EXTENSION].wait_seconds(username)
        if seconds > 0:
            raise too_many(seconds)


def failed(username: str) -> None:
    """Count a wrong password (call on every failed login, at both doors)."""
    if _enabled():
        current_app.extensions[_EXTENSION].failed(username)


def init_app(app: Flask) -> None:
    """Bind the guard to the app (its store follows the app's config)."""
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING", False))
    app.extensions[_EXTENSION] = LoginGuard(app)

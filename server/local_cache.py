"""Per-process caches of rows that rarely change, read on every sync: verified tokens and wilayah.

Why: on a loaded machine every round trip to the database costs a context switch, and a one-item
sync used to pay eight of them, most to re-read rows that had not changed since the last request.
Each web process now keeps what it read for a short while.

The rules that keep a cached answer honest:

- **Another process's change** (another gunicorn worker, the CLI, a restore) takes effect within
  the cache's window (a setting, a few seconds; 0 turns the cache off). Each caller documents its
  window.
- **This process's change** empties the caches at once: any INSERT, UPDATE or DELETE through
  SQLAlchemy (ORM flush or Core statement, session or plain connection) on a table a cache watches
  bumps a process-wide generation when it runs and again when its transaction commits, and an entry
  filled under an older generation is never returned. (The second bump covers a reader that refilled
  the cache from the still-uncommitted state between the two.) Raw SQL text is not seen: it waits
  out the window like another process's change.
- Caches live on the Flask app (``app.extensions``), so two apps on two databases in one process
  (tests) never see each other's rows.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Hashable

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

# The tables whose rows some cache holds; a write to any of them empties every cache.
WATCHED_TABLES = frozenset({"users", "user_scopes", "device_tokens", "rw", "kelurahan", "kecamatan"})
# Past this many entries a cache is emptied (entries are small; this only bounds a flood of misses).
_MAX_ENTRIES = 20_000

_generation = 0
_gen_lock = threading.Lock()
_WROTE = "sikk_wrote_watched_table"


def generation() -> int:
    """The current generation: an entry filled under an older one is stale."""
    return _generation


def invalidate() -> None:
    """Make every cached entry of this process stale (a watched table changed here)."""
    global _generation
    with _gen_lock:
        _generation += 1


def _table_name(statement: Any) -> str | None:
    if not getattr(statement, "is_dml", False):
        return None
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def _after_execute(conn, clauseelement, _multiparams, _params, _options, _result) -> None:
    if _table_name(clauseelement) in WATCHED_TABLES:
        conn.info[_WROTE] = True
        invalidate()


def _after_commit(conn) -> None:
    if conn.info.pop(_WROTE, False):
        invalidate()


def _after_rollback(conn) -> None:
    if conn.info.pop(_WROTE, False):
        invalidate()


def install() -> None:
    """Watch every engine's writes (once per process)."""
    if not event.contains(Engine, "after_execute", _after_execute):
        event.listen(Engine, "after_execute", _after_execute)
        event.listen(Engine, "commit", _after_commit)
        event.listen(Engine, "rollback", _after_rollback)


class TtlCache:
    """A dict whose entries expire after ``ttl`` seconds and whenever a watched table changes here."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[float, int, Any]] = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        found = self._entries.get(key)
        if found is None:
            return default
        expires, gen, value = found
        if gen != _generation or expires <= time.monotonic():
            self._entries.pop(key, None)
            return default
        return value

    def put(self, key: Hashable, value: Any, ttl: float, filled_at_generation: int) -> None:
        """Remember ``value`` read under ``filled_at_generation`` (take it BEFORE reading the rows)."""
        if ttl <= 0:
            return
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries = {}
        self._entries[key] = (time.monotonic() + ttl, filled_at_generation, value)

    def pop(self, key: Hashable) -> None:
        """Forget one entry (its rows are known to have changed)."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries = {}


def cache_of(app: Flask, name: str) -> TtlCache:
    """The app's cache called ``name`` (made on first use)."""
    caches = app.extensions.setdefault("sikk_local_caches", {})
    found = caches.get(name)
    if found is None:
        found = caches.setdefault(name, TtlCache())
    return found


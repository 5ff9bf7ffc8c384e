"""The deployment's clock: its timezone, today's local date, and instants made aware.

Dates that decide a period are LOCAL dates in the deployment's timezone (the ``TIMEZONE``
setting, :data:`DEFAULT_TIMEZONE` when unset), never the offset a device wrote. Instants are stored
in UTC; SQLite hands them back naive, so every reader passes them through :func:`aware_utc`.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

# The one place the default timezone is written (Kota Bogor: WIB, UTC+7, no daylight saving).
DEFAULT_TIMEZONE = "Asia/Jakarta"


@lru_cache(maxsize=8)
def zone(name: str | None = None) -> ZoneInfo:
    """The timezone called ``name`` (the default when None or empty), cached."""
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def aware_utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` with its offset; a naive value is taken as UTC (how SQLite returns stored instants)."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def now(tz: str | None = None) -> dt.datetime:
    """The current instant in the deployment's timezone."""
    return dt.datetime.now(zone(tz))


def today(tz: str | None = None) -> dt.date:
    """Today's date in the deployment's timezone (what "this year" and "this quarter" mean)."""
    return now(tz).date()


def local_day(moment: dt.datetime, tz: str | None = None) -> dt.date:
    """The local date of an instant (a naive instant is taken as UTC, as SQLite hands it back)."""
    return aware_utc(moment).astimezone(zone(tz)).date()


def local_naive(moment: dt.datetime, tz: str | None = None) -> dt.datetime:
    """An instant as a naive local datetime (a naive value is already local)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone(tz)).replace(tzinfo=None)

"""The one clock: which local day, and so which period, a record belongs to; and the date window.

Every layer that asks "which period is this record in?" asks this module — the sync when it stores
``period_year``/``period_quarter`` and marks (kecamatan, year) pairs stale, the review when it marks
the years a decision changes, and the scoring loader when it dates records. Dates are LOCAL dates in
the deployment's timezone (the ``TIMEZONE`` setting, ``domain.clock``), never the offset a device wrote:
a survey at ``2026-01-01T00:30+09:00`` is 22:30 WIB on 31 December 2025, so it belongs to 2025.

Exceptions by form: ``laporan-kelurahan`` belongs to the quarter it reports on (``periode``);
``pengaduan`` to the date the complaint was received (``tanggal_terima``).

Built on ``domain`` (``Period``, the clock) and nothing of the web: the workers import it too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from domain.clock import DEFAULT_TIMEZONE, local_day, local_naive, zone  # noqa: F401 - importable from here
from domain.periods import Period, split_label

# The window every date of a record must lie in (dates, datetimes, `periode`, `observed_at`):
# from EARLIEST_DATE to one year after today. Outside it a value is refused at the door.
EARLIEST_DATE = dt.date(2000, 1, 1)
FUTURE_DAYS = 366
# Forms whose period is one of their fields, not their observed_at.
_DAY_FIELD = {"pengaduan": "tanggal_terima"}


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last date a record may name: one year ahead of today."""
    return (today or dt.date.today()) + dt.timedelta(days=FUTURE_DAYS)


def in_window(day: dt.date, today: dt.date | None = None) -> bool:
    """True when ``day`` lies within the documented date window."""
    return EARLIEST_DATE <= day <= latest_date(today)


def window_message(today: dt.date | None = None) -> str:
    """The Indonesian message of a date outside the window."""
    return (f"Tanggal harus antara {EARLIEST_DATE.strftime('%d/%m/%Y')} dan "
            f"{latest_date(today).strftime('%d/%m/%Y')}.")


def parse_periode(value: Any) -> tuple[int, int] | None:
    """``"2025-Q3"`` (a quarter spelled as stored, any four digits) → (2025, 3); None for anything else."""
    found = split_label(value)
    if found is None or found[1] is None or value[5] != "Q":  # the stored spelling: upper-case Q
        return None
    return found


def iso_date(value: Any) -> dt.date | None:
    """The date an ISO 8601 date (or datetime) string starts with; None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def record_day(form_code: str, observed_at: dt.datetime, data: Mapping[str, Any] | None,
               tz: str | None = None) -> dt.date:
    """The local date a record is dated by (``laporan-kelurahan``: the first day of its ``periode``).

    :raise ValueError: a ``laporan-kelurahan`` without a valid ``periode``.
    """
    data = data if isinstance(data, Mapping) else {}
    if form_code == "laporan-kelurahan":
        found = parse_periode(data.get("periode"))
        if found is None:
            raise ValueError("laporan-kelurahan without a valid periode")
        return Period(*found).start
    field = _DAY_FIELD.get(form_code)
    if field is not None:
        day = iso_date(data.get(field))
        if day is not None:
            return day
    return local_day(observed_at, tz)


def record_period(form_code: str, observed_at: dt.datetime, data: Mapping[str, Any] | None,
                  tz: str | None = None) -> tuple[int, int]:
    """(year, quarter) a record belongs to — the one rule (see the module docstring)."""
    period = Period.of_day(record_day(form_code, observed_at, data, tz))
    return period.year, period.quarter


def _parse_moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def affected_years(form_code: str, observed_at: dt.datetime, data: Mapping[str, Any] | None,
                   tz: str | None = None, own_year: int | None = None) -> set[int]:
    """Every year whose scores this record (by itself) can change.

    Its own period's year; a service entry also the year it was completed (IKU3/IKU4 count a
    service in the period of its completion); a follow-up also the year of its own date. The years
    of the record a follow-up refers to are added by the caller (it knows the chain).

    :param own_year: the year of :func:`record_period`, when the caller has it already.
    """
    years = {record_period(form_code, observed_at, data, tz)[0] if own_year is None else own_year}
    data = data if isinstance(data, Mapping) else {}
    for key in ("waktu_selesai", "waktu_terima"):
        moment = _parse_moment(data.get(key))
        if moment is not None:
            try:
                years.add(local_day(moment, tz).year)
            except (OverflowError, ValueError):
                pass
    if form_code == "tindak-lanjut":
        day = iso_date(data.get("tanggal"))
        if day is not None:
            years.add(day.year)
    return years

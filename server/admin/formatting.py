"""Indonesian number, date and freshness formatting for the admin pages (Jinja filters).

Indonesian writes ``1.234,56`` (dot for thousands, comma for decimals) and dates ``23/11/2026``.
Times are shown in the deployment's zone (the ``TIMEZONE`` setting).
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from flask import Flask

from domain.clock import aware_utc, zone
from server.admin.i18n import translate
from server.settings import settings


def number(value: float | int | None, decimals: int = 2) -> str:
    """Format a number the Indonesian way (``42,86``); None is an em dash."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def integer(value: float | int | None) -> str:
    """Format a count with Indonesian thousands separators (``1.561``)."""
    return number(value, 0)


def local_zone() -> ZoneInfo:
    """The deployment's time zone."""
    return zone(settings().timezone)


def date(value: dt.date | dt.datetime | None) -> str:
    """Format a date as ``23/11/2026`` (a datetime in the local zone)."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = aware_utc(value).astimezone(local_zone()).date()
    return value.strftime("%d/%m/%Y")


def datetime(value: dt.datetime | None) -> str:
    """Format a moment as ``23/11/2026 14:05`` in the local zone."""
    if value is None:
        return "–"
    return aware_utc(value).astimezone(local_zone()).strftime("%d/%m/%Y %H:%M")


def ago(value: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """Say how long ago a moment was: ``dihitung 5 menit lalu`` (translated)."""
    if value is None:
        return translate("belum dihitung")
    now = now or dt.datetime.now(dt.timezone.utc)
    seconds = max(0, int((now - aware_utc(value)).total_seconds()))
    if seconds < 60:
        when = translate("baru saja")
    elif seconds < 3600:
        when = f"{seconds // 60} {translate('menit lalu')}"
    elif seconds < 86400:
        when = f"{seconds // 3600} {translate('jam lalu')}"
    else:
        when = f"{seconds // 86400} {translate('hari lalu')}"
    return f"{translate('dihitung')} {when}"


def safe_name(text: str) -> str:
    """A name fit for a download's filename: lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "sikk"


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(number, "num")
    app.add_template_filter(integer, "int_id")
    app.add_template_filter(date, "date_id")
    app.add_template_filter(datetime, "datetime_id")
    app.add_template_filter(ago, "ago")

"""Bounded request parameters, shared by the API and the admin pages: hostile input is a 4xx, never a 500.

Every number a request may carry into SQL is bounded before it gets there (a page number of 10²⁰
overflows SQLite's 64-bit integers and PostgreSQL's ``bigint``); every ``next`` target is checked
before it becomes a ``Location`` header (CR/LF there is an invalid header, and a foreign site an
open redirect).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request

MAX_PAGE = 100_000  # 10 million rows at 100 a page: beyond any real list
MAX_ID = 2**31 - 1  # the database's integer keys


def storable(text: str) -> bool:
    """True for text a database can hold: no NUL byte, no lone surrogate (valid JSON escapes, not UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def safe_next(target: str | None, prefix: str) -> str | None:
    """`target` when it is a plain local path under `prefix`, else None (the caller's default).

    Refused: absolute or scheme-relative URLs (``//evil``), backslashes (browsers read them as
    slashes), any control character (CR/LF would split the header), and over-long values.
    """
    if not target or len(target) > 2000 or not storable(target):
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(prefix) or target.startswith("//"):
        return None
    return target


def bounded_int(name: str, default: int, low: int = 1, high: int = MAX_PAGE, source=None) -> int:
    """The integer query/form parameter `name` within [low, high]; its absence gives `default`.

    Anything else — not a number, out of range, absurdly long — is a 400 (the admin's error page;
    the API's handler renders the same abort in the JSON error shape).
    """
    values = request.args if source is None else source
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if len(raw) > 12 or not (raw.isascii() and raw.lstrip("-").isdigit()):
        abort(400, f"Parameter '{name}' harus bilangan bulat {low}–{high}.")
    value = int(raw)
    if not low <= value <= high:
        abort(400, f"Parameter '{name}' harus bilangan bulat {low}–{high}.")
    return value


def optional_id(name: str, source=None) -> int | None:
    """An optional id parameter (a positive database key) or None; anything else is a 400."""
    values = request.args if source is None else source
    if not values.get(name):
        return None
    return bounded_int(name, 0, 1, MAX_ID, source)

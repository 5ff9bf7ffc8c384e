"""Validate a submission's `data` against an imported (XLSForm) definition.

Called by :func:`server.forms.validate.validate` for definitions with ``source: "xlsform"``, so
the JSON API, the PWA's outbox and OpenRosa all meet the same rules: a question that is not
relevant is neither required nor checked; a required, relevant question must be answered; a
``constraint`` must hold (with its ``constraint_message``); types are those of the built-in forms
plus ``time``, ``acknowledge`` (true), ``note`` (never answered) and ``calculate`` (any scalar).
Expressions are evaluated by :mod:`server.xlsform.expr` (parsed, never ``eval``-ed).
"""
from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from server.xlsform.expr import ExprError, evaluate, parse, truthy

_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$")
_EMPTY = (None, "", [])


def _check_extra(field: dict, value: Any) -> str | None:
    kind = field["type"]
    if kind == "time":
        return None if isinstance(value, str) and _TIME_RE.match(value) else "Harus berupa jam (HH:MM)."
    if kind == "acknowledge":
        return None if value is True else "Harus berupa true (dikonfirmasi)."
    if kind == "note":
        return "Catatan tidak berisi jawaban."
    if kind == "calculate":
        if isinstance(value, (str, int, float, bool)) and not (isinstance(value, str) and len(value) > 4000):
            return None
        return "Harus berupa teks atau angka."
    return "Jenis isian tidak didukung."


def _holds(source: str, values: dict, current: Any = None) -> bool:
    try:
        return truthy(evaluate(parse(source), values, current))
    except (ExprError, ValueError, TypeError, OverflowError, RecursionError):
        return False


def relevant(field: dict, values: dict) -> bool:
    """Whether a question applies, given the other answers."""
    source = field.get("relevant")
    return True if not source else _holds(source, values)


def validate_imported(definition: dict, data: Any, service_types: Collection[str] | None = None) -> dict[str, str]:
    """Return the field errors of `data` under an imported definition ({} when valid)."""
    from server.forms.validate import REQUIRED, UNKNOWN, _check

    if not isinstance(data, dict):
        return {"data": "Harus berupa objek."}
    fields = definition["fields"]
    known = {f["key"] for f in fields}
    errors = {str(key): UNKNOWN for key in data if key not in known}
    for field in fields:
        key = field["key"]
        value = data.get(key)
        if not relevant(field, data):
            continue
        if value in _EMPTY:
            if field.get("required") and field["type"] not in ("note", "calculate"):
                errors[key] = REQUIRED
            continue
        if field["type"] in ("time", "acknowledge", "note", "calculate"):
            message = _check_extra(field, value)
        else:
            # min/max/pattern read from a constraint are for clients; the constraint (and its message) rules here.
            plain = {k: v for k, v in field.items() if k not in ("min", "max", "pattern")} \
                if field.get("constraint") else field
            message = _check(plain, value, service_types)
        if message:
            errors[key] = message
            continue
        constraint = field.get("constraint")
        if constraint and not _holds(constraint, data, value):
            errors[key] = field.get("constraint_message") or f"Tidak memenuhi syarat: {constraint}"
    return errors

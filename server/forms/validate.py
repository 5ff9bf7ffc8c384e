"""Check one submission's `data` against its form definition: fast, pure, never raises.

This is on the sync hot path (every item of every batch), so it is plain Python over dicts:
no schema objects per field. Messages are Indonesian, one per field key.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any

from server.periods import in_window, parse_periode, window_message

REQUIRED = "Wajib diisi."
UNKNOWN = "Isian tidak dikenal pada formulir ini."
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@lru_cache(maxsize=64)
def _pattern(source: str) -> re.Pattern:
    return re.compile(source)


def parse_datetime(value: Any) -> dt.datetime | None:
    """Parse an ISO 8601 datetime that carries an offset (or Z); None when it is anything else."""
    if not isinstance(value, str) or not _DATETIME_RE.match(value):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def parse_date(value: Any) -> dt.date | None:
    """Parse a YYYY-MM-DD date; None when it is anything else."""
    if not isinstance(value, str) or not _DATE_RE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _encodable(text: str) -> bool:
    """False for lone surrogates (valid in JSON escapes, not storable as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _bounds(field: dict, value: float, what: str = "") -> str | None:
    lo, hi = field.get("min"), field.get("max")
    if lo is not None and value < lo:
        return f"{what}Minimal {lo}."
    if hi is not None and value > hi:
        return f"{what}Maksimal {hi}."
    return None


def _choice_values(field: dict, service_types: Collection[str] | None) -> Collection:
    if field.get("choices_from") == "service_types" and service_types is not None:
        return service_types
    return [c["value"] for c in field.get("choices") or ()]


def _imported(definition: dict) -> bool:
    return definition.get("source") == "xlsform"


def refuses_non_finite(definition: dict) -> bool:
    """Whether :func:`validate` lets no NaN or infinity through anywhere in a valid item's data.

    True for the native definitions: every key of `data` must be a declared field, and every
    present value is checked by its field's type, none of which admits a non-finite number.
    An imported XLSForm lets a ``calculate`` value and the values of irrelevant questions through.
    """
    return not _imported(definition)


def photo_fields(definition: dict, data: dict) -> list[tuple[str, str]]:
    """Return (field key, photo hash) of every photo a (valid) submission names, in field order."""
    found: list[tuple[str, str]] = []
    for field in definition["fields"]:
        if field["type"] == "photo":
            value = data.get(field["key"])
            if isinstance(value, list):
                found.extend((field["key"], v) for v in value if isinstance(v, str))
    return found


def photo_hashes(definition: dict, data: dict) -> list[str]:
    """Return the photo hashes a (valid) submission names, in field order."""
    return [sha for _key, sha in photo_fields(definition, data)]


def _check(field: dict, value: Any, service_types: Collection[str] | None, today: dt.date | None = None) -> str | None:
    """Return the error of one present, non-empty value, or None."""
    kind = field["type"]
    if kind == "text":
        if not isinstance(value, str):
            return "Harus berupa teks."
        if "\x00" in value or not _encodable(value):
            return "Berisi karakter yang tidak valid."
        if field.get("pattern") and not _pattern(field["pattern"]).match(value):
            return "Format tidak sesuai."
        if field["key"] == "periode":
            found = parse_periode(value)
            if found is not None and not (1 <= found[0] <= 9999
                                          and in_window(dt.date(found[0], 3 * found[1] - 2, 1), today)):
                return window_message(today).replace("Tanggal", "Periode")
        return _bounds(field, len(value), "Panjang teks: ")
    if kind == "integer":
        if not _is_int(value):
            return "Harus berupa bilangan bulat."
        return _bounds(field, value)
    if kind == "decimal":
        if not _is_number(value):
            return "Harus berupa angka."
        return _bounds(field, value)
    if kind == "boolean":
        return None if isinstance(value, bool) else "Harus berupa ya/tidak (true/false)."
    if kind == "likert":
        if not _is_int(value) or not 1 <= value <= 4:
            return "Harus berupa nilai 1–4."
        return None
    if kind == "select_one":
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            return "Pilihan tidak valid."
        return None if value in _choice_values(field, service_types) else "Pilihan tidak valid."
    if kind == "select_multiple":
        if not isinstance(value, list):
            return "Harus berupa daftar pilihan."
        allowed = _choice_values(field, service_types)
        for item in value:
            if not isinstance(item, (str, int)) or isinstance(item, bool) or item not in allowed:
                return "Pilihan tidak valid."
        if len(set(value)) != len(value):
            return "Pilihan tidak boleh berulang."
        return _bounds(field, len(value), "Jumlah pilihan: ")
    if kind == "date":
        day = parse_date(value)
        if day is None:
            return "Harus berupa tanggal (YYYY-MM-DD)."
        return None if in_window(day, today) else window_message(today)
    if kind == "datetime":
        moment = parse_datetime(value)
        if moment is None:
            return "Harus berupa waktu ISO 8601 dengan zona waktu."
        # The date as written (no conversion: a hostile offset must not overflow anything).
        return None if in_window(moment.date(), today) else window_message(today)
    if kind == "geopoint":
        if not isinstance(value, dict) or not {"lat", "lon"} <= value.keys() <= {"lat", "lon", "accuracy", "altitude"}:
            return "Harus berupa lokasi {lat, lon}."
        lat, lon = value["lat"], value["lon"]
        if not (_is_number(lat) and _is_number(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return "Koordinat tidak valid."
        for extra in ("accuracy", "altitude"):
            if extra in value and value[extra] is not None and not _is_number(value[extra]):
                return "Koordinat tidak valid."
        return None
    if kind == "photo":
        if not isinstance(value, list):
            return "Harus berupa daftar foto (hash SHA-256)."
        for item in value:
            if not isinstance(item, str) or not _SHA256_RE.match(item):
                return "Foto harus dirujuk dengan hash SHA-256 (64 karakter heksadesimal kecil)."
        return _bounds(field, len(value), "Jumlah foto: ")
    return "Jenis isian tidak didukung."


def _shown(field: dict, data: dict) -> bool:
    cond = field.get("show_if")
    if not cond:
        return True
    other = data.get(cond.get("field"))
    if "equals" in cond:
        return other == cond["equals"]
    if "in" in cond:
        try:
            return other in cond["in"]
        except TypeError:
            return False
    return True


def validate(definition: dict, data: Any, service_types: Collection[str] | None = None,
             today: dt.date | None = None) -> dict[str, str]:
    """Return the field errors of `data` under `definition` ({} when valid).

    A field hidden by its `show_if` is not required. `service_types` (codes) replaces the static
    choices of a field with ``"choices_from": "service_types"``; None keeps the static ones.
    Every date, datetime and ``periode`` must lie within the date window of ``server.periods``
    (2000-01-01 to one year after ``today``, default the server's date).
    """
    if _imported(definition):  # imported forms: XLSForm rules (server/xlsform/rules.py)
        from server.xlsform.rules import validate_imported

        return validate_imported(definition, data, service_types)
    if not isinstance(data, dict):
        return {"data": "Harus berupa objek."}
    errors: dict[str, str] = {}
    fields = definition["fields"]
    known = {f["key"]: f for f in fields}
    for key in data:
        if key not in known:
            errors[str(key)] = UNKNOWN
    for field in fields:
        key = field["key"]
        value = data.get(key)
        if value is None or value == "" or value == []:
            if field.get("required") and _shown(field, data):
                errors[key] = REQUIRED
            continue
        message = _check(field, value, service_types, today)
        if message:
            errors[key] = message
            continue
        other = field.get("not_before")
        if other and other not in errors:
            start, end = parse_datetime(data.get(other)), parse_datetime(value)
            if start and end and end < start:
                label = known[other]["label"] if other in known else other
                errors[key] = f"Tidak boleh sebelum {label}."
    return errors

"""Records in people's words: form titles, field labels in form order, choice labels, states, devices.

The admin pages, the review queue and the raw exports show a record as its officer filled it in,
never as codes, ids or a user-agent string. One home for these words, so a list, a record page and
an export say the same thing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from server.admin.formatting import date as date_id, datetime as datetime_id
from server.extensions import db
from server.forms.catalogue import registry
from server.forms.validate import parse_datetime
from server.models import FormDefinition

from server.admin.blueprint import STATE_LABELS  # noqa: E402 - review_status → words, one home


def state_label(status: str) -> str:
    """The Indonesian name of a review state."""
    return STATE_LABELS.get(status, status)


def form_titles() -> dict[str, str]:
    """form code → title of its newest version (one query)."""
    rows = db.session.execute(select(FormDefinition.code, FormDefinition.title).order_by(FormDefinition.version))
    return {code: title for code, title in rows}


def definition_of(code: str, version: int) -> dict:
    """The definition a record was made with (an empty one when the version is unknown)."""
    form = registry.form(code, version)
    return form.definition if form else {"code": code, "title": code, "fields": []}


@dataclass
class Field:
    """One answered field as shown: its label and its value in words."""

    key: str
    label: str
    text: str
    kind: str


def _choice_labels(field: dict, english: bool) -> dict:
    return {c.get("value"): (c.get("label_en") if english and c.get("label_en") else c.get("label", c.get("value")))
            for c in field.get("choices") or ()}


def coordinates(lokasi: dict) -> str:
    """"-6.895000, 107.618667": a location to six decimals (about 10 cm), as typed into a map."""
    try:
        return f"{float(lokasi['lat']):.6f}, {float(lokasi['lon']):.6f}"
    except (KeyError, TypeError, ValueError):
        return "–"


def value_text(field: dict, value, english: bool = False, service_names: dict[str, str] | None = None) -> str:
    """A stored value in words: choice labels, Ya/Tidak, dates day-first, lists joined."""
    kind = field.get("type")
    if value is None or value == "" or value == []:
        return "–"
    if value is True:
        return "Yes" if english else "Ya"
    if value is False:
        return "No" if english else "Tidak"
    choices = _choice_labels(field, english)
    if field.get("key") == "jenis_layanan" and service_names and value in service_names:
        return service_names[value]
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    if isinstance(value, dict):
        if "lat" in value and "lon" in value:
            return coordinates(value)
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    if value in choices:
        return str(choices[value])
    if kind == "date" and isinstance(value, str):
        try:
            return date_id(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if kind == "datetime" and isinstance(value, str):
        moment = parse_datetime(value)
        return datetime_id(moment) if moment else value
    if isinstance(value, float):
        return f"{value:.6g}".replace(".", ",")
    return str(value)


def fields_in_order(definition: dict, data: dict, english: bool = False, skip: set[str] | None = None,
                    service_names: dict[str, str] | None = None) -> list[Field]:
    """The record's answers in the form's order (keys the form does not know follow, as they are)."""
    out, seen = [], set(skip or ())
    for field in definition.get("fields", ()):
        key = field.get("key")
        if key in seen or key not in data:
            continue
        seen.add(key)
        label = field.get("label_en") if english and field.get("label_en") else field.get("label", key)
        out.append(Field(key, label, value_text(field, data.get(key), english, service_names), field.get("type", "")))
    for key in sorted(k for k in data if k not in seen):
        out.append(Field(key, key, value_text({}, data[key], english), ""))
    return out


_BROWSERS = (("Edg", "Edge"), ("SamsungBrowser", "Samsung Internet"), ("OPR", "Opera"), ("Firefox", "Firefox"),
             ("CriOS", "Chrome"), ("Chrome", "Chrome"), ("Version", "Safari"))


def device_label(device: str | None) -> str:
    """"Android · Chrome 131" from a user-agent string (or the device name a phone sent as it is)."""
    if not device:
        return "–"
    if "Mozilla/" not in device and "AppleWebKit" not in device:
        return device[:80]
    if "Android" in device:
        system = "Android"
    elif "iPhone" in device or "iPad" in device:
        system = "iOS"
    elif "Windows" in device:
        system = "Windows"
    elif "Mac OS X" in device:
        system = "macOS"
    elif "Linux" in device:
        system = "Linux"
    else:
        system = ""
    browser = ""
    for token, name in _BROWSERS:
        match = re.search(rf"\b{token}/(\d+)", device)
        if match:
            browser = f"{name} {match.group(1)}"
            break
    if "HeadlessChrome" in device:
        browser = "Chrome " + (re.search(r"HeadlessChrome/(\d+)", device) or [None, ""])[1]
    return " · ".join(p for p in (system, browser.strip()) if p) or device[:80]


def place_label(names, kelurahan_id: int | None, rw_id: int | None) -> str:
    """"RW 01 · Cipaganti", "Cipaganti" or "Kantor kecamatan"."""
    if rw_id:
        return names.rw_label(rw_id)
    return names.kelurahan_of(kelurahan_id)


def record_label(title: str, names, kelurahan_id: int | None, rw_id: int | None, observed_at: dt.datetime) -> str:
    """What tells a record apart in a list: "Inspeksi RW · RW 01 · Cipaganti · 14/03/2026"."""
    return f"{title} · {place_label(names, kelurahan_id, rw_id)} · {date_id(observed_at)}"

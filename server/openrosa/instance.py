"""An OpenRosa submission (XForm instance XML + attachments) → one SIKK sync item.

The instance's root is named after the form code (``id`` and ``version`` attributes);
``meta/instanceID`` ``uuid:<uuid>`` is the submission id; ``start`` becomes ``observed_at``;
``rw_id`` / ``kelurahan_id`` / ``kecamatan_id`` / ``ref`` are the subject or the record followed up;
every other element named after a field key is that field's answer, converted from XForm text to
the JSON value the API takes (so the same record sent by JSON and by OpenRosa is one record).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

SUBJECT_KEYS = ("rw_id", "kelurahan_id", "kecamatan_id")
_TRUE = {"true", "1", "yes", "ya", "ok"}
_FALSE = {"false", "0", "no", "tidak"}


class InstanceError(ValueError):
    """The XML is not a usable XForm instance; ``field`` names the element at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass
class Instance:
    """The parts of an instance SIKK reads."""

    code: str
    version: int | None
    instance_id: str
    values: dict[str, str]  # local element name → text (first occurrence; meta excluded)
    start: str | None
    photos: dict[str, str] = field(default_factory=dict)  # field key → file name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_instance(xml: bytes) -> Instance:
    """Read the instance XML (defused: no entities, no external references)."""
    try:
        root = ElementTree.fromstring(xml)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as err:
        raise InstanceError("xml_submission_file", f"XML tidak valid ({err})") from None
    code = root.get("id") or _local(root.tag)
    raw_version = root.get("version")
    version = None
    if raw_version not in (None, ""):
        try:
            version = int(str(raw_version).strip())
        except ValueError:
            raise InstanceError("version", f"versi formulir harus bilangan bulat, bukan {raw_version!r}") from None
    instance_id = None
    values: dict[str, str] = {}
    for element in root.iter():
        if element is root:
            continue
        name = _local(element.tag)
        if name == "instanceID":
            instance_id = (element.text or "").strip()
            continue
        if len(element) or name in values:
            continue
        values[name] = element.text or ""
    if not instance_id:
        raise InstanceError("meta/instanceID", "wajib ada (uuid:…)")
    return Instance(code=code, version=version, instance_id=instance_id.removeprefix("uuid:"), values=values,
                    start=(values.get("start") or "").strip() or None)


def _datetime(text: str) -> str:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if value.tzinfo is None:
        return text
    return value.isoformat()


def _number(text: str, integer: bool) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    if integer:
        return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else text
    return int(value) if value.is_integer() else value


def _geopoint(text: str) -> Any:
    parts = text.split()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return text
    if len(numbers) < 2:
        return text
    point: dict[str, Any] = {"lat": numbers[0], "lon": numbers[1]}
    if len(numbers) > 2:
        point["altitude"] = numbers[2]
    if len(numbers) > 3:
        point["accuracy"] = numbers[3]
    return point


def convert_value(field_def: dict, text: str) -> Any:
    """XForm text of one answer → the JSON value SIKK stores (unconvertible text stays text)."""
    kind = field_def["type"]
    text = text.strip() if kind != "text" else text
    if kind in ("integer", "likert"):
        return _number(text, True)
    if kind == "decimal":
        return _number(text, False)
    if kind == "calculate":  # a number when it reads as one (the field app sends the computed number)
        value = _number(text, False)
        return value if isinstance(value, (int, float)) and text.strip() not in ("NaN", "Infinity", "-Infinity") else text
    if kind == "boolean":
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else text
    if kind == "acknowledge":
        return True if text.lower() in _TRUE else text
    if kind == "select_multiple":
        return text.split()
    if kind == "datetime":
        return _datetime(text)
    if kind == "geopoint":
        return _geopoint(text)
    return text


def data_of(definition: dict, values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """(data without photos, {photo field key: file name}) of an instance under a definition."""
    data: dict[str, Any] = {}
    photos: dict[str, str] = {}
    for field_def in definition["fields"]:
        key = field_def["key"]
        if field_def.get("subject_field") or field_def["type"] == "note":
            continue
        text = values.get(key)
        if text is None or (text.strip() == "" and field_def["type"] != "text") or text == "":
            continue
        if field_def["type"] == "photo":
            photos[key] = text.strip()
            continue
        data[key] = convert_value(field_def, text)
    return data, photos


def subject_of(definition: dict, values: dict[str, str]) -> tuple[dict | None, str | None]:
    """(subject, ref) of an instance: the subject element that is filled in, the `ref` element."""
    subject = None
    for key in SUBJECT_KEYS:
        text = (values.get(key) or "").strip()
        if text:
            value = _number(text, True)
            subject = {key: value}
            break
    ref = (values.get("ref") or "").strip().removeprefix("uuid:") or None
    return subject, ref

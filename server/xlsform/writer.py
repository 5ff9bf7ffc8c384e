"""SIKK form definition → XLSForm rows (and an .xlsx workbook), the inverse of :mod:`convert`.

Used three ways: to ship the default catalogue as XLSForms (``server/forms/xlsform/``), to let the
admin download any form as an XLSForm to edit, and as the input pyxform turns into the XForm that
OpenRosa clients download (:mod:`server.xlsform.xform`), so every XForm SIKK serves is pyxform's.
"""
from __future__ import annotations

import io
from typing import Any

ID = "Indonesian (id)"
EN = "English (en)"
BOOLEAN_LIST = "sikk_ya_tidak"
_TYPE = {"text": "text", "integer": "integer", "decimal": "decimal", "date": "date", "datetime": "dateTime",
         "time": "time", "geopoint": "geopoint", "photo": "image", "note": "note", "acknowledge": "acknowledge",
         "calculate": "calculate"}
SURVEY_COLUMNS = ("type", "name", f"label::{ID}", f"label::{EN}", f"hint::{ID}", f"hint::{EN}", "required",
                  "constraint", f"constraint_message::{ID}", f"constraint_message::{EN}", "relevant", "default",
                  "calculation", "read_only", "sikk_type", "sikk_choices")
CHOICE_COLUMNS = ("list_name", "name", f"label::{ID}", f"label::{EN}")
SETTINGS_COLUMNS = ("form_id", "version", "form_title", "default_language", "sikk_subject", "sikk_ref_form",
                    "sikk_roles", "sikk_kelurahan")


def _quote(value: Any) -> str:
    text = "true" if value is True else "false" if value is False else str(value)
    return "'" + text.replace("'", "") + "'"


def constraint_of(field: dict) -> str | None:
    """The XPath constraint of a field: its own, or the one its min/max/pattern/not_before say."""
    if field.get("constraint"):
        return field["constraint"]
    kind = field["type"]
    parts: list[str] = []
    if kind in ("integer", "decimal"):
        if field.get("min") is not None:
            parts.append(f". >= {field['min']}")
        if field.get("max") is not None:
            parts.append(f". <= {field['max']}")
    elif kind == "text":
        if field.get("max") is not None:
            parts.append(f"string-length(.) <= {field['max']}")
        if field.get("pattern"):
            parts.append(f"regex(., '{field['pattern']}')")
    elif kind == "datetime" and field.get("not_before"):
        parts.append(f". >= ${{{field['not_before']}}}")
    return " and ".join(parts) or None


def relevant_of(field: dict) -> str | None:
    """The XPath relevant of a field: its own, or its `show_if` written as XPath."""
    if field.get("relevant"):
        return field["relevant"]
    cond = field.get("show_if")
    if not cond or not cond.get("field"):
        return None
    ref = f"${{{cond['field']}}}"
    if "equals" in cond:
        return f"{ref} = {_quote(cond['equals'])}"
    if isinstance(cond.get("in"), list) and cond["in"]:
        return " or ".join(f"{ref} = {_quote(v)}" for v in cond["in"])
    return None


def _english(definition: dict) -> bool:
    return bool(definition.get("title_en")) or any(f.get("label_en") for f in definition["fields"])


class _Choices:
    """The choices sheet as it grows: one list per name, written once."""

    def __init__(self, english: bool) -> None:
        self.english = english
        self.rows: list[dict] = []
        self.names: set[str] = set()

    def add(self, name: str, items: list[dict]) -> None:
        if name in self.names:
            return
        self.names.add(name)
        for c in items:
            row = {"list_name": name, "name": str(c["value"]).lower() if isinstance(c["value"], bool) else str(c["value"]),
                   f"label::{ID}": c.get("label") or str(c["value"])}
            if self.english:
                row[f"label::{EN}"] = c.get("label_en") or row[f"label::{ID}"]
            self.rows.append(row)


def _begin_group(group: str, groups: dict[str, dict], english: bool) -> dict:
    info = groups.get(group, {"label": group})
    row = {"type": "begin group", "name": group, f"label::{ID}": info.get("label") or group}
    if english:
        row[f"label::{EN}"] = info.get("label_en") or row[f"label::{ID}"]
    return row


def _type_cells(row: dict, field: dict, choices: _Choices) -> None:
    """The row's ``type`` (and ``sikk_type``/``sikk_choices``), adding the choice list it names."""
    kind = field["type"]
    key = field["key"]
    if kind == "boolean":
        row["type"] = f"select_one {BOOLEAN_LIST}"
        row["sikk_type"] = "boolean"
        choices.add(BOOLEAN_LIST, [{"value": "true", "label": "Ya", "label_en": "Yes"},
                                   {"value": "false", "label": "Tidak", "label_en": "No"}])
    elif kind == "likert":
        row["type"] = f"select_one {key}"
        row["sikk_type"] = "likert"
        choices.add(key, field.get("choices") or [{"value": n, "label": str(n)} for n in range(1, 5)])
    elif kind in ("select_one", "select_multiple"):
        row["type"] = f"{kind} {key}"
        choices.add(key, field.get("choices") or [])
        if field.get("choices_from") == "service_types":
            row["sikk_choices"] = "service_types"
    else:
        row["type"] = _TYPE[kind]


def _text_cells(row: dict, field: dict, english: bool) -> None:
    """Label, hint (both languages) and ``required``."""
    if field["type"] != "calculate":
        row[f"label::{ID}"] = field.get("label") or field["key"]
        if english:
            row[f"label::{EN}"] = field.get("label_en") or row[f"label::{ID}"]
    if field.get("hint"):
        row[f"hint::{ID}"] = field["hint"]
        if english:
            row[f"hint::{EN}"] = field.get("hint_en") or field["hint"]
    if field.get("required"):
        row["required"] = "yes"


def _rule_cells(row: dict, field: dict, english: bool) -> None:
    """Constraint (and its message), relevant, default, calculation and read_only."""
    constraint = constraint_of(field)
    if constraint:
        row["constraint"] = constraint
        if field.get("constraint_message"):
            row[f"constraint_message::{ID}"] = field["constraint_message"]
            if english:
                row[f"constraint_message::{EN}"] = field.get("constraint_message_en") or field["constraint_message"]
    relevant = relevant_of(field)
    if relevant:
        row["relevant"] = relevant
    if field.get("default") not in (None, ""):
        row["default"] = str(field["default"])
    if field["type"] == "calculate":
        row["calculation"] = field.get("calculation") or ""
    if field.get("readonly"):
        row["read_only"] = "yes"


def _settings_row(definition: dict) -> dict:
    settings = {"form_id": definition["code"], "version": str(definition["version"]),
                "form_title": definition.get("title") or definition["code"], "default_language": ID,
                "sikk_subject": definition.get("subject") or "kelurahan",
                "sikk_roles": " ".join(definition.get("roles") or ())}
    if definition.get("ref_form"):
        settings["sikk_ref_form"] = definition["ref_form"]
    if definition.get("kelurahan"):
        settings["sikk_kelurahan"] = " ".join(definition["kelurahan"])
    return settings


def rows_of(definition: dict, subject_rows: list[dict] | None = None) -> dict[str, list[dict]]:
    """The XLSForm sheets (``survey``, ``choices``, ``settings``) of a definition, as lists of row dicts.

    :param subject_rows: survey rows to put first (the subject and `ref` elements of an XForm).
    """
    english = _english(definition)
    survey: list[dict] = list(subject_rows or [])
    choices = _Choices(english)
    groups = {g["name"]: g for g in definition.get("groups") or ()}
    current_group: str | None = None
    for field in definition["fields"]:
        group = field.get("group")
        if group != current_group:
            if current_group is not None:
                survey.append({"type": "end group", "name": current_group})
            if group is not None:
                survey.append(_begin_group(group, groups, english))
            current_group = group
        row: dict[str, Any] = {"name": field["key"]}
        _type_cells(row, field, choices)
        _text_cells(row, field, english)
        _rule_cells(row, field, english)
        survey.append(row)
    if current_group is not None:
        survey.append({"type": "end group", "name": current_group})
    return {"survey": survey, "choices": choices.rows, "settings": [_settings_row(definition)]}


def workbook_bytes(definition: dict, subject_rows: list[dict] | None = None) -> bytes:
    """The definition as an .xlsx XLSForm workbook."""
    from openpyxl import Workbook

    sheets = rows_of(definition, subject_rows)
    wb = Workbook()
    wb.remove(wb.active)
    for name, columns in (("survey", SURVEY_COLUMNS), ("choices", CHOICE_COLUMNS), ("settings", SETTINGS_COLUMNS)):
        ws = wb.create_sheet(name)
        used = [c for c in columns if any(row.get(c) not in (None, "") for row in sheets[name])] or list(columns[:2])
        if name == "choices":
            used = [c for c in columns if c in used or c in ("list_name", "name")]
        ws.append(used)
        for row in sheets[name]:
            ws.append([row.get(c) for c in used])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

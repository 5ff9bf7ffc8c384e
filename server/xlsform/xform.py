"""SIKK form definition → XForm (ODK XForms 1.0) through pyxform, for OpenRosa clients.

The definition is written as XLSForm rows (:mod:`server.xlsform.writer`) with the subject
elements first, then pyxform builds the XForm: the primary instance root is named after the form
code, carries ``id`` = code and ``version``, holds one element per field key (inside its group),
``rw_id`` / ``kelurahan_id`` (+ ``kecamatan_id`` for a unit form) or ``ref`` for the subject,
``start`` (becomes ``observed_at``) and ``meta/instanceID``.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from server.xlsform.writer import EN, ID, _english, rows_of

SUBJECT_ELEMENTS = {"rw": ("rw_id",), "kelurahan": ("kelurahan_id",), "unit": ("kelurahan_id", "kecamatan_id"),
                    "ref": ("ref",)}
_SUBJECT_LABELS = {"rw_id": ("RW", "RW"), "kelurahan_id": ("Kelurahan", "Kelurahan"),
                   "kecamatan_id": ("Kantor kecamatan", "Kecamatan office"),
                   "ref": ("Rekaman yang ditindaklanjuti (ID)", "Record followed up (ID)")}


def subject_rows(definition: dict, places: dict[str, list[tuple[int, str]]] | None = None) -> list[dict]:
    """The survey rows of the subject elements (a choice list of the user's places when given)."""
    english = _english(definition)
    keys = {f["key"] for f in definition["fields"]}
    elements = SUBJECT_ELEMENTS.get(definition.get("subject") or "kelurahan", ())
    rows: list[dict] = [{"type": "start", "name": "start"}]
    for name in elements:
        if name in keys:
            continue  # an imported form that holds its own rw_id row
        label, label_en = _SUBJECT_LABELS[name]
        row = {"name": name, f"label::{ID}": label}
        if english:
            row[f"label::{EN}"] = label_en
        options = (places or {}).get(name)
        if name == "ref":
            row["type"] = "text"
        elif options:
            row["type"] = f"select_one sikk_{name}"
        else:
            row["type"] = "integer"
        if len(elements) == 1:
            row["required"] = "yes"
        elif name == "kecamatan_id":
            row["relevant"] = "${kelurahan_id} = ''"
        rows.append(row)
    return rows


def _place_choices(definition: dict, places: dict[str, list[tuple[int, str]]] | None) -> list[dict]:
    english = _english(definition)
    out = []
    for name, options in (places or {}).items():
        for value, label in options:
            row = {"list_name": f"sikk_{name}", "name": str(value), f"label::{ID}": label}
            if english:
                row[f"label::{EN}"] = label
            out.append(row)
    return out


def xform_xml(definition: dict, places: dict[str, list[tuple[int, str]]] | None = None) -> str:
    """The XForm of a definition (pyxform output); ``places`` = choice lists for subject elements."""
    key = json.dumps([definition, places], sort_keys=True, ensure_ascii=False)
    return _xform_cached(hashlib.sha256(key.encode()).hexdigest(), key)


@lru_cache(maxsize=256)
def _xform_cached(_digest: str, key: str) -> str:
    from pyxform.xls2xform import convert

    definition, places = json.loads(key)
    # A sheet's own `rw_id` row is the subject: written like every subject element (with choices).
    definition = {**definition, "fields": [f for f in definition["fields"] if not f.get("subject_field")]}
    places = {k: [tuple(o) for o in v] for k, v in (places or {}).items()}
    used = [n for n in SUBJECT_ELEMENTS.get(definition.get("subject") or "kelurahan", ()) if places.get(n)]
    places = {n: places[n] for n in used}
    sheets = rows_of(definition, subject_rows(definition, places))
    sheets["choices"].extend(_place_choices(definition, places))
    sheets = {name: [{k: v for k, v in row.items() if v not in (None, "")} for row in rows]
              for name, rows in sheets.items()}
    # pyxform reads the rows as it reads a workbook; the root element is named after the code.
    result = convert(xlsform=sheets, form_name=definition["code"], default_language=ID, pretty_print=True,
                     warnings=[])
    return result.xform


def xform_hash(xml: str) -> str:
    """OpenRosa formList `hash`: ``md5:`` + the MD5 of the XForm's bytes."""
    return "md5:" + hashlib.md5(xml.encode("utf-8"), usedforsecurity=False).hexdigest()

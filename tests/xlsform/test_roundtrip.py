"""The seven default forms ship as XLSForms: XLSForm → definition equals the JSON one where scores look,
and definition → XForm goes through pyxform."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from server.forms.catalogue import default_forms
from server.xlsform.convert import read_xlsform
from server.xlsform.writer import workbook_bytes
from server.xlsform.xform import xform_xml

XLSFORM_DIR = Path(__file__).resolve().parents[2] / "server" / "forms" / "xlsform"
XF = "{http://www.w3.org/2002/xforms}"
SCORING_FIELD_KEYS = ("key", "type", "required", "min", "max", "pattern", "show_if", "choices_from", "not_before",
                      "label", "label_en")


def _field(f: dict) -> dict:
    out = {k: f.get(k) for k in SCORING_FIELD_KEYS}
    if f["type"] == "photo":
        out.pop("max")  # an XLSForm image is one photo; the count limit is not read by any score
    out["choices"] = [str(c["value"]) for c in f.get("choices") or ()]
    return out


def _scoring_parts(definition: dict) -> dict:
    return {"code": definition["code"], "version": definition["version"], "title": definition["title"],
            "subject": definition["subject"], "ref_form": definition.get("ref_form"),
            "roles": sorted(definition["roles"]), "fields": [_field(f) for f in definition["fields"]]}


def test_all_seven_are_shipped():
    assert sorted(p.name for p in XLSFORM_DIR.glob("*.xlsx")) == sorted(
        f"{d['code']}.v{d['version']}.xlsx" for d in default_forms())
    assert len(default_forms()) == 7


@pytest.mark.parametrize("definition", default_forms(), ids=lambda d: d["code"])
def test_shipped_xlsform_reads_back_as_the_json_definition(definition):
    back = read_xlsform(XLSFORM_DIR / f"{definition['code']}.v{definition['version']}.xlsx")
    assert _scoring_parts(back) == _scoring_parts(definition)


@pytest.mark.parametrize("definition", default_forms(), ids=lambda d: d["code"])
def test_writer_and_reader_are_inverse(definition, tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(workbook_bytes(definition))
    again = read_xlsform(path)
    path.write_bytes(workbook_bytes(again))
    assert read_xlsform(path) == again


@pytest.mark.parametrize("definition", default_forms(), ids=lambda d: d["code"])
def test_definition_to_xform_through_pyxform(definition):
    root = ET.fromstring(xform_xml(definition))
    instance = root.find(f".//{XF}instance/{XF}{definition['code']}")
    assert instance is not None and instance.get("id") == definition["code"]
    assert instance.get("version") == str(definition["version"])
    names = {el.tag.removeprefix(XF) for el in instance.iter()}
    assert {f["key"] for f in definition["fields"]} <= names
    assert {"start", "meta", "instanceID"} <= names
    expected = {"rw": {"rw_id"}, "kelurahan": {"kelurahan_id"}, "unit": {"kelurahan_id", "kecamatan_id"},
                "ref": {"ref"}}[definition["subject"]]
    assert expected <= names

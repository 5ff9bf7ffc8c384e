"""XLSForm → SIKK form definition, through pyxform (the reference implementation).

pyxform reads the workbook and checks XLSForm's own rules; this module walks pyxform's JSON and
maps each question to a SIKK field, refusing (never dropping) whatever SIKK cannot honour: repeats,
external data, unsupported question types, expressions outside :mod:`server.xlsform.expr`.
Every refusal names its survey row, so the author can fix the sheet.

The definition keeps the shape of every SIKK form definition (``code, version, title, fields[key,
type, label, required, choices, min, max, show_if]``, docs/forms.md) and adds what imported forms
need: ``source: "xlsform"``, per field ``hint``, ``constraint`` + ``constraint_message``,
``relevant``, ``default``, ``calculation``, ``group`` (the section), and English labels as
``*_en``. Two optional SIKK columns let a sheet say what plain XLSForm cannot: survey ``sikk_type``
(``boolean``, ``likert``), ``sikk_choices`` (``service_types``); settings ``sikk_subject`` (``rw``,
``kelurahan``, ``unit``, ``ref``), ``sikk_ref_form``, ``sikk_roles`` and ``sikk_kelurahan``
(kelurahan codes the form is assigned to).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.xlsform.expr import ExprError, parse, references

ROLES = ("officer", "kiosk", "kelurahan_admin", "kecamatan_admin")
DEFAULT_ROLES = ["officer"]
SUBJECTS = ("rw", "kelurahan", "unit", "ref")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}\Z")
_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
_RESERVED = {"meta", "instanceID", "start", "end", "rw_id", "kelurahan_id", "kecamatan_id", "ref"}

# pyxform question type → SIKK field type.
_TYPES = {
    "text": "text", "integer": "integer", "int": "integer", "decimal": "decimal",
    "select one": "select_one", "select all that apply": "select_multiple",
    "date": "date", "dateTime": "datetime", "datetime": "datetime", "time": "time",
    "geopoint": "geopoint", "photo": "photo", "image": "photo", "note": "note",
    "acknowledge": "acknowledge", "trigger": "acknowledge", "calculate": "calculate",
}
# Metadata pyxform adds or the sheet may ask for; recorded by the client, not fields.
_META = {"start", "end", "today", "deviceid", "username", "phonenumber", "email", "audit", "subscriberid",
         "simserial", "instanceID", "start-geopoint"}
_MINMAX = re.compile(r"^\s*\.\s*>=\s*(-?\d+(?:\.\d+)?)\s+and\s+\.\s*<=\s*(-?\d+(?:\.\d+)?)\s*$")
_MIN = re.compile(r"^\s*\.\s*>=\s*(-?\d+(?:\.\d+)?)\s*$")
_MAX = re.compile(r"^\s*\.\s*<=\s*(-?\d+(?:\.\d+)?)\s*$")
_MAXLEN = re.compile(r"^\s*string-length\(\s*\.\s*\)\s*<=\s*(\d+)\s*$")
_REGEX = re.compile(r"^\s*regex\(\s*\.\s*,\s*'([^']*)'\s*\)\s*$")
_NOT_BEFORE = re.compile(r"^\s*\.\s*>=\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*$")
_OTHER = re.compile(r"^\s*selected\(\s*\.\./([A-Za-z_][A-Za-z0-9_]*)\s*,\s*'other'\s*\)\s*$")
_SHOW_IF = re.compile(r"^\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*=\s*'([^']*)'\s*$")


class XLSFormError(ValueError):
    """The workbook cannot become a SIKK form; ``problems`` lists each row and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class _Walk:
    rows: dict[str, int]
    problems: list[str] = field(default_factory=list)
    fields: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)

    def refuse(self, name: str | None, what: str) -> None:
        row = self.rows.get(name or "")
        where = f"baris {row}" if row else "lembar survey"
        self.problems.append(f"{where} ({name or '-'}): {what}")


def _language_of(key: str) -> str | None:
    low = key.lower()
    if "(id)" in low or "indonesia" in low or low in ("id", "bahasa"):
        return "id"
    if "(en)" in low or "english" in low or low == "en":
        return "en"
    return None


def _texts(value: Any, default_language: str | None) -> tuple[str | None, str | None]:
    """(Indonesian, English) of a label-like value (a plain string counts as Indonesian)."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        by = {}
        for key, text in value.items():
            lang = _language_of(key) or ("id" if key == default_language or key == "default" else None)
            if lang and lang not in by and isinstance(text, str):
                by[lang] = text
        first = next((t for t in value.values() if isinstance(t, str)), None)
        return by.get("id") or first, by.get("en")
    return str(value), None


def _row_numbers(path: str) -> dict[str, int]:
    """Survey row number (as a spreadsheet shows it) of each name, for messages."""
    from pyxform.xls2json_backends import xlsx_to_dict

    try:
        sheets = xlsx_to_dict(path)
    except Exception:  # noqa: BLE001 - pyxform reports the same problem with a better message next
        return {}
    rows: dict[str, int] = {}
    for i, row in enumerate(sheets.get("survey") or (), start=2):
        name = row.get("name")
        if isinstance(name, str) and name not in rows:
            rows[name] = i
    return rows


def _check_expr(walk: _Walk, name: str, what: str, source: str, known: set[str]) -> bool:
    try:
        tree = parse(source)
    except ExprError as err:
        walk.refuse(name, f"{what} tidak didukung ({source!r}): {err}")
        return False
    unknown = references(tree) - known
    if unknown:
        walk.refuse(name, f"{what} merujuk isian yang tidak ada: {', '.join(sorted(unknown))}")
        return False
    return True


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _bind(node: dict) -> dict:
    return node.get("bind") or {}


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("yes", "true", "true()", "1", "y")


def _choices(node: dict, lang: str | None) -> list[dict]:
    out = []
    for choice in node.get("choices") or ():
        label, label_en = _texts(choice.get("label"), lang)
        if choice.get("name") == "other" and label == "Other":  # pyxform's `or_other` choice
            label, label_en = "Lainnya", "Other"
        item = {"value": str(choice.get("name")), "label": label or str(choice.get("name"))}
        if label_en:
            item["label_en"] = label_en
        out.append(item)
    return out


def _unsupported(node: dict) -> str | None:
    """Why the question cannot become a SIKK field (None when it can)."""
    name = node.get("name")
    kind = node.get("type")
    if _TYPES.get(kind) is None:
        return f"jenis pertanyaan '{kind}' tidak didukung"
    if not isinstance(name, str) or not _KEY_RE.match(name):
        return "nama isian harus huruf, angka atau garis bawah (maks. 64)"
    for unsupported in ("itemset_file", "choice_filter"):
        if node.get(unsupported) or (node.get("control") or {}).get(unsupported):
            return f"'{unsupported}' tidak didukung"
    itemset = node.get("itemset")
    if isinstance(itemset, str) and "." in itemset:
        return f"pilihan dari berkas eksternal ({itemset}) tidak didukung"
    appearance = str((node.get("control") or {}).get("appearance") or "")
    if "search(" in appearance:
        return "appearance search() (data eksternal) tidak didukung"
    return None


def _texts_of(node: dict, name: str, sikk: str, group: str | None, lang: str | None) -> dict[str, Any]:
    """The field's key, type, labels, hints, required flag and group."""
    label, label_en = _texts(node.get("label"), lang)
    hint, hint_en = _texts(node.get("hint"), lang)
    out: dict[str, Any] = {"key": name, "type": sikk, "label": label or name,
                           "required": _truthy(_bind(node).get("required", "no"))}
    if label_en:
        out["label_en"] = label_en
    if hint:
        out["hint"] = hint
    if hint_en:
        out["hint_en"] = hint_en
    if group:
        out["group"] = group
    return out


def _select(out: dict, node: dict, lang: str | None) -> str | None:
    """Choices of a select, and the SIKK types a select may stand for (``sikk_type``); a refusal or None."""
    sikk = out["type"]
    if sikk not in ("select_one", "select_multiple"):
        return "sikk_type hanya untuk select_one" if node.get("sikk_type") else None
    out["choices"] = _choices(node, lang)
    values = {c["value"] for c in out["choices"]}
    extra = node.get("sikk_type")
    if extra == "boolean" or (extra is None and sikk == "select_one" and values == {"true", "false"}):
        out["type"] = "boolean"
        out.pop("choices")
    elif extra == "likert":
        if values != {"1", "2", "3", "4"}:
            return "sikk_type likert memerlukan pilihan 1, 2, 3, 4"
        out.update(type="likert", min=1, max=4)
        out["choices"] = [{**c, "value": int(c["value"])} for c in out["choices"]]
    elif extra:
        return f"sikk_type '{extra}' tidak dikenal"
    if node.get("sikk_choices") == "service_types":
        out["choices_from"] = "service_types"
    return None


def _constraint(out: dict, bind: dict, lang: str | None) -> None:
    """The constraint, its message and the shortcuts SIKK reads from it."""
    constraint = bind.get("constraint")
    if not constraint:
        return
    _constraint_shortcuts(out, constraint)
    out["constraint"] = constraint
    message, message_en = _texts(bind.get("jr:constraintMsg"), lang)
    if message:
        out["constraint_message"] = message
    if message_en:
        out["constraint_message_en"] = message_en


def _relevance(out: dict, bind: dict, group_relevant: str | None) -> None:
    """``relevant`` (and its group's), ``show_if`` when it is a plain equality, pyxform's `or_other` text."""
    relevant = bind.get("relevant")
    if relevant and (m := _OTHER.match(relevant)):  # pyxform's own `or_other` question
        relevant = f"selected(${{{m.group(1)}}}, 'other')"
        if out["label"] == "Specify other.":
            out.update(label="Lainnya, sebutkan", label_en="Specify other.")
    if relevant:
        m = _SHOW_IF.match(relevant)
        if m and not group_relevant:
            out["show_if"] = {"field": m.group(1), "equals": m.group(2)}
    if group_relevant and relevant:
        relevant = f"({group_relevant}) and ({relevant})"
    elif group_relevant:
        relevant = group_relevant
    if relevant:
        out["relevant"] = relevant


def _question(walk: _Walk, node: dict, group: str | None, group_relevant: str | None, lang: str | None) -> None:
    name = node.get("name")
    refusal = _unsupported(node)
    if refusal:
        walk.refuse(name, refusal)
        return
    sikk = _TYPES[node.get("type")]
    bind = _bind(node)
    out = _texts_of(node, name, sikk, group, lang)
    refusal = _select(out, node, lang)
    if refusal:
        walk.refuse(name, refusal)
        return
    if sikk == "photo":
        out["max"] = 1
    _constraint(out, bind, lang)
    _relevance(out, bind, group_relevant)
    if sikk == "calculate":
        out["calculation"] = bind.get("calculate") or ""
        out["required"] = False
        if not out["calculation"]:
            walk.refuse(name, "calculate tanpa calculation")
            return
    if node.get("default") not in (None, ""):
        out["default"] = str(node["default"])
    if "readonly" in bind and sikk not in ("note", "calculate") and _truthy(bind["readonly"]):
        out["readonly"] = True
    walk.fields.append(out)


def _constraint_shortcuts(out: dict, constraint: str) -> None:
    """Read min/max, length, pattern and not_before from the simple constraints SIKK writes itself."""
    kind = out["type"]
    if kind in ("integer", "decimal"):
        if m := _MINMAX.match(constraint):
            out["min"], out["max"] = _number(m.group(1)), _number(m.group(2))
        elif m := _MIN.match(constraint):
            out["min"] = _number(m.group(1))
        elif m := _MAX.match(constraint):
            out["max"] = _number(m.group(1))
    elif kind == "text":
        parts = [p.strip() for p in constraint.split(" and ")]
        for part in parts:
            if m := _MAXLEN.match(part):
                out["max"] = int(m.group(1))
            elif m := _REGEX.match(part):
                out["pattern"] = m.group(1)
    elif kind == "datetime" and (m := _NOT_BEFORE.match(constraint)):
        out["not_before"] = m.group(1)


def _walk(walk: _Walk, nodes: list, group: str | None, group_relevant: str | None, lang: str | None) -> None:
    for node in nodes:
        kind = node.get("type")
        name = node.get("name")
        if kind == "repeat":
            walk.refuse(name, "repeat (pengulangan) tidak didukung")
            continue
        if kind == "group":
            if name == "meta":
                for child in node.get("children") or ():
                    if child.get("name") not in _META:
                        walk.refuse(child.get("name"), "isian di dalam grup meta tidak didukung")
                continue
            label, label_en = _texts(node.get("label"), lang)
            relevant = _bind(node).get("relevant")
            if relevant and group_relevant:
                relevant = f"({group_relevant}) and ({relevant})"
            entry = {"name": name, "label": label or ""}
            if label_en:
                entry["label_en"] = label_en
            walk.groups.append(entry)
            _walk(walk, node.get("children") or [], name, relevant or group_relevant, lang)
            continue
        if kind in _META or name in _META:
            continue
        if kind in ("xml-external", "csv-external") or str(kind).startswith("select one from file") \
                or str(kind).startswith("select multiple from file"):
            walk.refuse(name, f"data eksternal ({kind}) tidak didukung")
            continue
        _question(walk, node, group, group_relevant, lang)


def _settings_list(value: Any) -> list[str]:
    return [part for part in re.split(r"[\s,]+", str(value or "").strip()) if part]


def definition_from_pyxform(doc: dict, rows: dict[str, int] | None = None) -> dict:
    """Map pyxform's JSON of a form to a SIKK definition; :class:`XLSFormError` lists every problem."""
    walk = _Walk(rows or {})
    lang = doc.get("default_language")
    code = str(doc.get("id_string") or "").strip()
    if not _CODE_RE.match(code):
        walk.problems.append(f"settings form_id '{code}': huruf kecil, angka, '-' atau '_' (maks. 40)")
    raw_version = str(doc.get("version") or "").strip()
    version: int | None = None
    if raw_version:
        if re.fullmatch(r"\d{1,10}", raw_version) and 0 < int(raw_version) < 2**31:
            version = int(raw_version)
        else:
            walk.problems.append(f"settings version '{raw_version}': harus bilangan bulat positif")
    title, title_en = _texts(doc.get("title"), lang)
    _walk(walk, doc.get("children") or [], None, None, lang)
    fields = walk.fields
    keys = [f["key"] for f in fields]
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            walk.refuse(key, "nama isian dipakai dua kali")
        seen.add(key)
    subject = str(doc.get("sikk_subject") or ("rw" if "rw_id" in seen else "kelurahan"))
    if subject not in SUBJECTS:
        walk.problems.append(f"settings sikk_subject '{subject}': salah satu dari {', '.join(SUBJECTS)}")
    for reserved in ("kelurahan_id", "kecamatan_id", "ref", "rw_id"):
        if reserved in seen:
            idx = keys.index(reserved)
            if reserved == "rw_id" and subject == "rw" or reserved == "kelurahan_id" and subject == "kelurahan":
                fields[idx].update(type="integer", subject_field=True, required=False)
                fields[idx].pop("choices", None)
            else:
                walk.refuse(reserved, "nama ini dipakai SIKK untuk subjek/rujukan")
    known = seen | {"start", "end", "today"}
    for f in fields:
        for what, attr in (("constraint", "constraint"), ("relevant", "relevant"), ("calculation", "calculation")):
            if f.get(attr):
                _check_expr(walk, f["key"], what, f[attr], known)
        if f.get("default") and f["type"] in ("integer", "decimal"):
            try:
                float(f["default"])
            except ValueError:
                walk.refuse(f["key"], f"default '{f['default']}' bukan angka")
    roles = _settings_list(doc.get("sikk_roles")) or list(DEFAULT_ROLES)
    bad_roles = [r for r in roles if r not in ROLES]
    if bad_roles:
        walk.problems.append(f"settings sikk_roles: peran tidak dikenal {', '.join(bad_roles)}")
    ref_form = doc.get("sikk_ref_form")
    if subject == "ref" and not ref_form:
        walk.problems.append("settings sikk_subject ref memerlukan sikk_ref_form")
    if not [f for f in fields if f["type"] not in ("note", "calculate") and not f.get("subject_field")]:
        walk.problems.append("formulir tanpa satu pun pertanyaan")
    if walk.problems:
        raise XLSFormError(walk.problems)
    definition: dict[str, Any] = {"code": code, "version": version, "title": title or code}
    if title_en:
        definition["title_en"] = title_en
    definition.update(subject=subject, roles=roles, source="xlsform", fields=fields)
    if walk.groups:
        definition["groups"] = walk.groups
    if ref_form:
        definition["ref_form"] = str(ref_form)
    kelurahan = _settings_list(doc.get("sikk_kelurahan"))
    if kelurahan:
        definition["kelurahan"] = kelurahan
    return definition


def read_xlsform(path: str | Path) -> dict:
    """Read an XLSForm workbook into a SIKK definition (``version`` None when the sheet has none).

    :raise XLSFormError: pyxform refused the workbook, or it uses what SIKK does not support.
    """
    from pyxform import xls2json
    from pyxform.errors import PyXFormError

    path = str(path)
    warnings: list[str] = []
    try:
        doc = xls2json.parse_file_to_json(path, warnings=warnings)
    except PyXFormError as err:
        message = re.sub(r"\[row\s*:\s*(\d+)\]", r"baris \1:", str(err))
        raise XLSFormError([f"XLSForm tidak valid: {message}"]) from None
    except Exception as err:  # noqa: BLE001 - a corrupt workbook raises anything from the zip/xml layers
        raise XLSFormError([f"Berkas tidak dapat dibaca sebagai XLSForm: {type(err).__name__}: {err}"]) from None
    return definition_from_pyxform(doc, _row_numbers(path))

"""Read last year's paper records, typed into an XLSX, as sync items (the baseline of a new kecamatan).

The workbook has one sheet per form, named by the form code (``inspeksi-rw``, ``skm``, …). Row 1
holds column names: ``observed_at`` (a date-time cell or ISO text; a bare date means noon), the
subject (``kode_kelurahan`` and, for an RW form, ``rw``; leave ``kode_kelurahan`` empty for the
kecamatan office), optional ``id``, ``form_version`` and ``ref``, then the form's field keys. Each
row becomes one item of the sync API's wire format, so it passes the very same validation
(:func:`server.sync.sync_batch`). A row without ``id`` gets one derived from its content, so
importing the same file twice stores every record once (the second time they are duplicates).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

IMPORT_NAMESPACE = uuid.UUID("6f1c3a52-2f0e-4b7e-9a47-5d1f0c8e7b21")
_TRUE = {"1", "ya", "y", "true", "benar", "yes", "ada"}
_FALSE = {"0", "tidak", "t", "false", "salah", "no", "tidak ada"}
META_KEYS = {"id", "form_version", "observed_at", "kode_kelurahan", "rw", "ref"}


@dataclass
class ImportRow:
    """One spreadsheet row on its way to the sync: where it came from, the item, or why not."""

    sheet: str
    line: int
    item: dict | None = None
    errors: dict[str, str] = field(default_factory=dict)
    status: str | None = None  # the sync's result: created | duplicate | invalid | conflict


@dataclass(frozen=True)
class Places:
    """How to turn the sheet's wilayah codes into subject ids."""

    kecamatan_id: int
    kelurahan_by_kode: dict[str, int]
    rw_by_kode_nomor: dict[tuple[str, str], int]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _convert(kind: str, value: Any, zone: ZoneInfo) -> Any:
    """Convert one cell to the wire value of a field type; raise ValueError when it cannot."""
    if kind in ("integer", "likert"):
        if isinstance(value, bool):
            raise ValueError
        number = float(_text(value).replace(",", ".")) if not isinstance(value, (int, float)) else value
        if float(number) != int(number):
            raise ValueError
        return int(number)
    if kind == "decimal":
        return float(value) if isinstance(value, (int, float)) else float(_text(value).replace(",", "."))
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return dt.date.fromisoformat(_text(value)).isoformat()
    if kind == "datetime":
        return _moment(value, zone).isoformat()
    if kind == "select_multiple":
        return [part.strip() for part in _text(value).split(";") if part.strip()]
    if kind == "geopoint":
        lat, lon = (float(part) for part in _text(value).split(","))
        return {"lat": lat, "lon": lon}
    return _text(value)


def _moment(value: Any, zone: ZoneInfo) -> dt.datetime:
    """A date-time cell or ISO text; naive values are local time, a bare date is noon."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(12))
    else:
        text = _text(value)
        moment = dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.datetime.combine(
            dt.date.fromisoformat(text), dt.time(12))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_records(data: bytes, definition_of: Callable[[str, int | None], dict | None], places: Places,
                 zone: ZoneInfo) -> list[ImportRow]:
    """Turn every filled row of every sheet into a sync item (or a row error).

    :param definition_of: ``(form_code, version or None for the latest) → definition`` or None.
    """
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out: list[ImportRow] = []
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            continue
        columns = [_text(h).lower() for h in header]
        for offset, cells in enumerate(rows, start=2):
            if cells is None or all(c is None or _text(c) == "" for c in cells):
                continue
            values = {columns[i]: cells[i] for i in range(min(len(columns), len(cells))) if columns[i]}
            out.append(_row_item(ws.title, offset, values, definition_of, places, zone))
    wb.close()
    return out


def _row_item(sheet: str, line: int, values: dict, definition_of, places: Places, zone: ZoneInfo) -> ImportRow:
    row = ImportRow(sheet, line)
    version_text = _text(values.get("form_version"))
    version = int(version_text) if version_text.isdigit() else None
    definition = definition_of(sheet, version)
    if definition is None:
        row.errors["form"] = f"Lembar '{sheet}' bukan kode formulir yang dikenal."
        return row
    data: dict[str, Any] = {}
    fields = {f["key"]: f for f in definition["fields"]}
    for key, value in values.items():
        if key in META_KEYS or value is None or _text(value) == "":
            continue
        spec = fields.get(key)
        if spec is None:
            row.errors[key] = "Kolom tidak dikenal pada formulir ini."
            continue
        if spec["type"] == "photo":
            continue  # photos are not imported from spreadsheets
        try:
            data[key] = _convert(spec["type"], value, zone)
        except (ValueError, TypeError):
            row.errors[key] = f"Nilai tidak dapat dibaca sebagai {spec['type']}."
    try:
        observed = _moment(values.get("observed_at"), zone).isoformat()
    except (ValueError, TypeError):
        row.errors["observed_at"] = "Wajib tanggal/waktu."
        observed = None
    subject = _subject(definition["subject"], values, places, row.errors)
    if row.errors:
        return row
    item: dict[str, Any] = {"form": definition["code"], "form_version": definition["version"],
                            "observed_at": observed, "data": data}
    if subject is not None:
        item["subject"] = subject
    if _text(values.get("ref")):
        item["ref"] = _text(values.get("ref"))
    given = _text(values.get("id"))
    item["id"] = given or str(uuid.uuid5(IMPORT_NAMESPACE, json.dumps(item, sort_keys=True, default=str)))
    row.item = item
    return row


def _subject(kind: str, values: dict, places: Places, errors: dict[str, str]) -> dict | None:
    kode = _text(values.get("kode_kelurahan"))
    if kind == "ref":
        return None
    if kind == "rw":
        nomor = _text(values.get("rw")).upper().removeprefix("RW").strip(" .")
        nomor = f"{int(nomor):02d}" if nomor.isdigit() else nomor
        rw_id = places.rw_by_kode_nomor.get((kode, nomor))
        if rw_id is None:
            errors["rw"] = "RW tidak ditemukan di kecamatan ini (isi kode_kelurahan dan rw)."
            return None
        return {"rw_id": rw_id}
    if not kode:
        if kind == "kelurahan":
            errors["kode_kelurahan"] = "Wajib diisi."
            return None
        return {"kecamatan_id": places.kecamatan_id}
    kel_id = places.kelurahan_by_kode.get(kode)
    if kel_id is None:
        errors["kode_kelurahan"] = "Kelurahan tidak ditemukan di kecamatan ini."
        return None
    return {"kelurahan_id": kel_id}


def template_workbook(definitions: list[dict]) -> bytes:
    """An empty workbook to fill: one sheet per form, its header row in the columns the import reads."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for definition in definitions:
        ws = wb.create_sheet(definition["code"][:31])
        subject = definition.get("subject")
        columns = ["observed_at"]
        if subject != "ref":
            columns.append("kode_kelurahan")
        if subject == "rw":
            columns.append("rw")
        if subject == "ref":
            columns.append("ref")
        columns += [f["key"] for f in definition["fields"] if f["type"] != "photo"]
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            ws.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) + 2)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""Every form's submissions as a table (CSV and XLSX): one row per submission, one column per field.

Columns: the record's metadata (id, version, wilayah, times, officer, review) then every field key
of every version of the form, in definition order. The header row is in people's words: the
metadata's Indonesian names and each field's label (the key in brackets only when two fields share
a label); the review state is written in Indonesian (menunggu, diterima, ditolak, perlu perbaikan). Values keep their type in XLSX (numbers stay
numbers, booleans stay booleans); lists and locations are written as text. The caller decides
which rows (scope and period): this module only lays them out.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from server.reports.xlsx_layout import a4_landscape

META_COLUMNS = ("id", "form_version", "kode_kelurahan", "kelurahan", "rw", "observed_at", "received_at",
                "petugas", "review_status", "review_reason", "superseded_by", "ref")
META_LABELS = ("ID", "Versi formulir", "Kode kelurahan", "Kelurahan", "RW", "Waktu observasi", "Waktu diterima",
               "Petugas", "Status tinjauan", "Alasan tinjauan", "Diperbaiki oleh", "Merujuk rekaman")
STATE_WORDS = {"pending": "menunggu", "accepted": "diterima", "rejected": "ditolak", "returned": "perlu perbaikan"}


@dataclass
class ExportRecord:
    """One submission with the names an export shows."""

    id: str
    form_version: int
    kode_kelurahan: str | None
    kelurahan: str | None
    rw: str | None
    observed_at: dt.datetime
    received_at: dt.datetime
    petugas: str | None
    review_status: str
    review_reason: str | None
    superseded_by: str | None
    ref: str | None
    data: dict


def field_keys(definitions: Iterable[dict]) -> list[str]:
    """Every field key of the given form versions, first-seen order (older versions first)."""
    keys: list[str] = []
    for definition in definitions:
        for field in definition.get("fields", []):
            if field["key"] not in keys:
                keys.append(field["key"])
    return keys


def header_row(definitions: Iterable[dict], keys: list[str]) -> list[str]:
    """The header: metadata names, then each key's label (newest version's wording wins)."""
    labels: dict[str, str] = {}
    for definition in definitions:
        for field in definition.get("fields", []):
            labels[field["key"]] = field.get("label") or field["key"]
    names = [labels.get(k, k) for k in keys]
    taken = list(META_LABELS) + names
    return list(META_LABELS) + [f"{name} ({key})" if taken.count(name) > 1 else name for name, key in zip(names, keys)]


def _cell(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict) and {"lat", "lon"} <= value.keys():
        return f"{value['lat']},{value['lon']}"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def _rows(records: Sequence[ExportRecord], keys: list[str], zone: ZoneInfo) -> Iterable[list]:
    for r in records:
        meta = [r.id, r.form_version, r.kode_kelurahan, r.kelurahan, r.rw,
                r.observed_at.astimezone(zone).replace(tzinfo=None), r.received_at.astimezone(zone).replace(tzinfo=None),
                r.petugas, STATE_WORDS.get(r.review_status, r.review_status), r.review_reason, r.superseded_by, r.ref]
        yield meta + [_cell((r.data or {}).get(k)) for k in keys]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"^[+-]?\d+([.,]\d+)?(,[+-]?\d+(\.\d+)?)?$")  # -6.9 or a "lat,lon" pair


def _formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula (a citizen's complaint may start with '=')."""
    return isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER_LIKE.match(value)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if _formula_like(value):
        return "'" + value  # OWASP's advice against CSV injection: the quote makes it text
    return value


def to_csv(records: Sequence[ExportRecord], keys: list[str], zone: ZoneInfo, header: list[str] | None = None) -> bytes:
    """CSV (UTF-8 with BOM, so Excel opens it with the right letters); times ISO 8601 local.

    Text that a spreadsheet would take for a formula is prefixed with ``'`` (CSV injection).
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or list(META_COLUMNS) + keys)
    for row in _rows(records, keys, zone):
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(records: Sequence[ExportRecord], keys: list[str], zone: ZoneInfo, title: str,
            header: list[str] | None = None) -> bytes:
    """XLSX with a bold header row, frozen, typed cells and date-time formats; formula-like text stays text."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31] or "Data"
    ws.append(header or list(META_COLUMNS) + keys)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in _rows(records, keys, zone):
        ws.append(row)
        for cell in ws[ws.max_row]:
            if _formula_like(cell.value):
                cell.data_type = "s"  # openpyxl writes text starting with "=" as a formula otherwise
    for column in ("F", "G"):
        for cell in ws[column][1:]:
            cell.number_format = "dd/mm/yyyy hh:mm"
    ws.freeze_panes = "B2"
    a4_landscape(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

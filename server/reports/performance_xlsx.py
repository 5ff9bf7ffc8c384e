"""The performance table as the XLSX a government office files: title block, two header rows, borders.

Cells that hold figures hold numbers (``float``) with the number format ``0.00``, so the wali kota's
office can sum and chart them; a figure that cannot be computed yet is an empty cell, never text.
"""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from domain.indicators import CATALOGUE, MUTU_LABELS
from domain.periods import Period
from server.reports.performance import PerformanceTable
from server.reports.xlsx_layout import a4_landscape, signature_block

# Columns 1–12 keep their places (Target, Realisasi, Capaian, Mutu are read by position); the
# figures behind the realisasi (pembilang/penyebut: the count met and the count considered) follow.
HEADERS = ("No.", "Kode", "Sasaran Strategis", "Indikator Kinerja Utama", "Penjelasan/Formula Perhitungan",
           "Sumber Data", "Penanggung Jawab", "Satuan", "Target", "Realisasi", "Capaian (%)", "Mutu",
           "Pembilang", "Penyebut")
WIDTHS = (5, 7, 30, 34, 48, 30, 26, 9, 10, 11, 12, 16, 11, 11)
FIGURE_COLUMNS = (9, 10, 11, 13, 14)
NUMBER_FORMAT = "0.00"
FIRST_TABLE_ROW = 6  # rows 1–4: title block; 5: blank; 6: headers; 7: column numbers

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_MISSED_FILL = PatternFill("solid", fgColor="F8CBAD")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def period_label(period: str) -> str:
    """``2026`` → ``Tahun 2026``; ``2026-Q2`` → ``Triwulan II Tahun 2026`` (:attr:`Period.title`)."""
    return Period.parse(period).title


def build_performance_xlsx(table: PerformanceTable, kecamatan_nama: str, scope_label: str,
                           generated_at: dt.datetime,
                           breakdown: list[tuple[str, str, dict[str, float | None]]] | None = None,
                           signer: str | None = None) -> bytes:
    """Write the table as an XLSX report and return its bytes.

    Every sheet prints on A4 landscape, one page wide; the table ends with the signature block of
    the printed report (place and date, ``signer``, room to sign, name and NIP).

    :param scope_label: ``Seluruh kecamatan`` or the kelurahan's name (what the rows cover).
    :param signer: who signs, e.g. ``Camat Coblong`` or ``Lurah Cipaganti`` (default: the camat).
    :param breakdown: each kelurahan's own values (a second sheet, ``Per kelurahan``), when given.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "Kinerja"
    last_col = get_column_letter(len(HEADERS))
    title_lines = (
        "PENGUKURAN INDIKATOR KINERJA UTAMA (IKU)",
        f"KECAMATAN {kecamatan_nama.upper()}",
        f"{scope_label} — {period_label(table.period)}",
        f"Dicetak {generated_at.strftime('%d/%m/%Y %H:%M')}",
    )
    for index, text in enumerate(title_lines, start=1):
        ws.merge_cells(f"A{index}:{last_col}{index}")
        cell = ws.cell(row=index, column=1, value=text)
        cell.font = Font(bold=index <= 2, size=14 if index == 1 else 11)
        cell.alignment = Alignment(horizontal="center")

    header_row = FIRST_TABLE_ROW
    for col, (text, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
        head = ws.cell(row=header_row, column=col, value=text)
        head.font, head.fill, head.border, head.alignment = Font(bold=True), _HEADER_FILL, _BORDER, _CENTER
        number = ws.cell(row=header_row + 1, column=col, value=col)  # the "1 2 3 …" row of the form
        number.border, number.alignment, number.font = _BORDER, _CENTER, Font(italic=True, size=9)
        ws.column_dimensions[get_column_letter(col)].width = width

    first = header_row + 2
    for offset, row in enumerate(table.rows):
        r = first + offset
        meta = row.meta
        mutu = f"{row.mutu} ({MUTU_LABELS.get(row.mutu, '')})" if row.mutu else None
        values = (offset + 1, meta.code, meta.sasaran, meta.indikator, meta.formula, meta.sumber_data,
                  meta.penanggung_jawab, meta.unit, _num(row.target), _num(row.value), _num(row.capaian), mutu,
                  _num(row.numerator), _num(row.denominator))
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.border, cell.alignment = _BORDER, _WRAP
            if col in FIGURE_COLUMNS:
                cell.number_format = NUMBER_FORMAT
                cell.alignment = Alignment(horizontal="right", vertical="top")
                if col == 11 and row.missed:
                    cell.fill = _MISSED_FILL
    _merge_sasaran(ws, table, first)
    ws.freeze_panes = ws.cell(row=first, column=3)
    ws.print_title_rows = f"{header_row}:{header_row + 1}"
    signature_block(ws, first + len(table.rows) + 2, 11, kecamatan_nama, generated_at.date(),
                    signer or f"Camat {kecamatan_nama}", width=4)
    a4_landscape(ws)
    if breakdown:
        a4_landscape(_breakdown_sheet(wb, breakdown, kecamatan_nama, table.period))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _breakdown_sheet(wb: Workbook, breakdown, kecamatan_nama: str, period: str):
    """A second sheet: one row per kelurahan, one numeric column per IKU."""
    ws = wb.create_sheet("Per kelurahan")
    codes = [m.code for m in CATALOGUE]
    ws.append([f"REALISASI IKU PER KELURAHAN — KECAMATAN {kecamatan_nama.upper()} — {period_label(period)}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3 + len(codes))
    ws["A1"].font = Font(bold=True)
    ws.append([])
    ws.append(["No.", "Kode kelurahan", "Kelurahan", *codes])
    for cell in ws[3]:
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), _HEADER_FILL, _BORDER, _CENTER
    for index, (kode, nama, values) in enumerate(breakdown, start=1):
        ws.append([index, kode, nama, *[_num(values.get(code)) for code in codes]])
        for cell in ws[ws.max_row]:
            cell.border = _BORDER
            if cell.column > 3:
                cell.number_format = NUMBER_FORMAT
    for col, width in zip("ABC", (5, 16, 28)):
        ws.column_dimensions[col].width = width
    return ws


def _num(value: float | None) -> float | None:
    return None if value is None else float(value)


def _merge_sasaran(ws, table: PerformanceTable, first: int) -> None:
    """Merge the sasaran cells of consecutive rows of the same objective, as the paper form does."""
    start = 0
    rows = table.rows
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index].meta.sasaran_no != rows[start].meta.sasaran_no:
            if index - start > 1:
                ws.merge_cells(start_row=first + start, start_column=3, end_row=first + index - 1, end_column=3)
            start = index

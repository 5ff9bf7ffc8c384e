"""Print layout shared by every workbook SIKK writes: A4 landscape, one page wide, and the
signature block of a printed government report."""
from __future__ import annotations

import datetime as dt

from openpyxl.styles import Alignment, Font

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def a4_landscape(ws) -> None:
    """A4 paper, landscape, fitted one page wide (as many pages tall as needed)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def tanggal(day: dt.date) -> str:
    """``3 Desember 2026``: the date as a signed letter writes it."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def signature_block(ws, first_row: int, column: int, place: str, day: dt.date, position: str,
                    width: int = 3) -> int:
    """Write "<place>, <date>", the position, room to sign, the name line and NIP; return the last row.

    :param column: the first column of the block (it spans ``width`` merged columns).
    """
    lines = (f"{place}, {tanggal(day)}", position, "", "", "", "(................................................)",
             "NIP. ................................")
    for offset, text in enumerate(lines):
        row = first_row + offset
        ws.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + width - 1)
        cell = ws.cell(row=row, column=column, value=text or None)
        cell.alignment = Alignment(horizontal="center")
        if offset == 1:
            cell.font = Font(bold=True)
    return first_row + len(lines) - 1

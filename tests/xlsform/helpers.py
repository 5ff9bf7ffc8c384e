"""Write small XLSForm workbooks for tests (the way an author fills the sheets)."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import delete

from server.extensions import db
from server.forms.catalogue import default_forms, registry
from server.models import FormDefinition

SURVEY_HEADER = ["type", "name", "label::Indonesian (id)", "label::English (en)", "hint::Indonesian (id)",
                 "required", "constraint", "constraint_message::Indonesian (id)", "relevant", "default",
                 "calculation"]


def write_xlsform(path: Path, survey: list[list], choices: list[list] | None = None,
                  settings: dict | None = None, survey_header: list[str] | None = None) -> Path:
    """An .xlsx XLSForm: survey rows (padded to the header), choices rows, one settings row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    header = survey_header or SURVEY_HEADER
    sheet.append(header)
    for row in survey:
        sheet.append(list(row) + [None] * (len(header) - len(row)))
    ch = book.create_sheet("choices")
    ch.append(["list_name", "name", "label::Indonesian (id)", "label::English (en)"])
    for row in choices or []:
        ch.append(row)
    st = book.create_sheet("settings")
    settings = settings or {"form_id": "posyandu", "version": "1", "form_title": "Kunjungan Posyandu"}
    st.append(list(settings))
    st.append(list(settings.values()))
    book.save(path)
    return path


POSYANDU_SURVEY = [
    ["begin group", "balita", "Data balita", "Toddler"],
    ["text", "nama_anak", "Nama anak", "Child's name", "nama lengkap", "yes"],
    ["integer", "umur_bulan", "Umur (bulan)", "Age (months)", None, "yes", ". >= 0 and . <= 60",
     "Umur 0–60 bulan"],
    ["decimal", "berat", "Berat (kg)", "Weight (kg)", None, "yes", ". > 0 and . < 40", "Berat tidak wajar"],
    ["select_one jk", "jenis_kelamin", "Jenis kelamin", "Sex", None, "yes"],
    ["end group", "balita"],
    ["select_multiple imun or_other", "imunisasi", "Imunisasi", "Immunisation", None, "no", None, None,
     "${umur_bulan} > 2 and not(${jenis_kelamin} = 'X')"],
    ["select_one yn", "gizi_buruk", "Gizi buruk?", "Malnourished?", None, "yes"],
    ["text", "rujukan", "Dirujuk ke", "Referred to", None, "yes", None, None, "selected(${gizi_buruk}, 'ya')"],
    ["date", "tanggal", "Tanggal", "Date", None, "yes", ". <= today()", "Tidak boleh di masa depan"],
    ["datetime", "waktu", "Waktu", "Time stamp"],
    ["time", "jam_buka", "Jam buka", "Opening time"],
    ["geopoint", "lokasi", "Lokasi", "Location"],
    ["image", "foto", "Foto", "Photo"],
    ["note", "catatan_petugas", "Periksa KMS", "Check the card"],
    ["acknowledge", "setuju", "Orang tua setuju", "Parent agrees", None, "yes"],
    ["calculate", "berat_gram", None, None, None, None, None, None, None, None, "${berat} * 1000"],
    ["integer", "kunjungan", "Kunjungan ke", "Visit number", None, "no", None, None, None, "1"],
]
POSYANDU_CHOICES = [
    ["jk", "L", "Laki-laki", "Male"], ["jk", "P", "Perempuan", "Female"],
    ["imun", "bcg", "BCG", "BCG"], ["imun", "polio", "Polio", "Polio"], ["imun", "campak", "Campak", "Measles"],
    ["yn", "ya", "Ya", "Yes"], ["yn", "tidak", "Tidak", "No"],
]


def posyandu(path: Path, version: str = "1", **settings) -> Path:
    """The feature-rich example form (every supported XLSForm feature)."""
    return write_xlsform(path, POSYANDU_SURVEY, POSYANDU_CHOICES,
                         {"form_id": "posyandu", "version": version, "form_title": "Kunjungan Posyandu",
                          "default_language": "Indonesian (id)", **settings})


def drop_imported_forms() -> None:
    """Remove every form version not in the shipped catalogue (the catalogue survives between tests)."""
    shipped = {(d["code"], d["version"]) for d in default_forms()}
    for row in db.session.execute(db.select(FormDefinition.id, FormDefinition.code, FormDefinition.version)).all():
        if (row.code, row.version) not in shipped:
            db.session.execute(delete(FormDefinition).where(FormDefinition.id == row.id))
    db.session.commit()
    registry.invalidate()


@pytest.fixture(autouse=True)
def _no_imported_forms_left(app):
    """Imported versions live in the catalogue table, which the app fixture keeps: drop them.
    Used (imported) by the conftest of tests/xlsform and of tests/openrosa."""
    yield
    with app.app_context():
        db.session.rollback()
        drop_imported_forms()

"""Import the administrative hierarchy (kecamatan → kelurahan → RW) from a CSV or XLSX file.

Shared by `flask --app server import-wilayah FILE` and the admin's upload. The file has one row
per RW with the columns ``kecamatan``, ``kode_kelurahan``, ``kelurahan``, ``rw``; the ``rw`` column
may be missing or empty (a kelurahan with no RW yet), so the shared code list
``kode_kecamatan,kecamatan,kode_kelurahan,kelurahan`` imports as it is.

Files made by people are forgiven what does not change the meaning: a UTF-8 byte-order mark or a
Windows code page, ``;`` or tab separators (Excel in an Indonesian locale writes ``;``), header case
and spacing, whitespace around values, codes without dots (``3273021001``), RW written ``1``,
``01``, ``RW 01`` or ``RW.1``. Everything else is an error that names its row; nothing is written
unless the whole file is good. Up to four title rows above the header are skipped.

Optional columns ``lat`` and ``lon`` give a centroid (WGS84 decimal degrees, inside Indonesia:
lat −11…6, lon 95…141; a decimal comma as Excel writes it in an Indonesian locale is accepted) for
the admin's map: on a row without ``rw`` they place the kelurahan, on a row with ``rw`` that RW. A
coordinate outside those ranges, not a number, or only one of the two is an Indonesian error naming
its row; empty cells leave stored coordinates as they are.

Importing is idempotent: rows already present are left alone, a kelurahan whose name changed is
renamed, coordinates that differ are replaced, and nothing is ever deleted (submissions point at the
rows).
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import select

from server.extensions import db
from server.models import RW, Kecamatan, Kelurahan

REQUIRED_COLUMNS = ("kecamatan", "kode_kelurahan", "kelurahan")
OPTIONAL_COLUMNS = ("rw", "kode_kecamatan", "lat", "lon")
# Header spellings seen in the wild → our column names.
_ALIASES = {
    "nama_kecamatan": "kecamatan", "kec": "kecamatan",
    "kode_kel": "kode_kelurahan", "kode_desa": "kode_kelurahan", "kode": "kode_kelurahan",
    "nama_kelurahan": "kelurahan", "kel": "kelurahan", "desa": "kelurahan", "kelurahan_desa": "kelurahan",
    "kode_kec": "kode_kecamatan", "no_rw": "rw", "nomor_rw": "rw",
    "latitude": "lat", "lintang": "lat", "longitude": "lon", "lng": "lon", "long": "lon", "bujur": "lon",
}
# Where a centroid may lie: Indonesia with a margin (Sabang to Merauke, Miangas to Rote).
LAT_RANGE = (-11.0, 6.0)
LON_RANGE = (95.0, 141.0)
_KODE_KELURAHAN = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})\.([12]\d{3})$")
_RW = re.compile(r"^(?:rw)?[\s.:/-]*0*(\d{1,3})$", re.IGNORECASE)
_MAX_ERRORS_SHOWN = 20
MAX_TITLE_ROWS = 5  # non-empty rows looked at for the header row
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class WilayahImportError(ValueError):
    """The file cannot be imported; `errors` lists what is wrong, each with its row number."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:_MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        super().__init__("\n".join(shown + ([f"… and {more} more"] if more > 0 else [])))
        self.errors = errors


@dataclass(frozen=True)
class WilayahRow:
    """One checked row of the file (`line` is its row number as a spreadsheet shows it)."""

    line: int
    kecamatan: str
    kode_kecamatan: str
    kode_kelurahan: str
    kelurahan: str
    rw: str | None
    lat: float | None = None  # the centroid of the RW (or of the kelurahan on a row without rw)
    lon: float | None = None


@dataclass
class ImportReport:
    """What an import added or changed (all zero on a second run of the same file)."""

    kecamatan_created: int = 0
    kelurahan_created: int = 0
    kelurahan_renamed: int = 0
    rw_created: int = 0
    coordinates_set: int = 0  # kelurahan and RW whose centroid was added or changed
    rows: int = 0
    kecamatan_ids: set[int] = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return bool(self.kecamatan_created or self.kelurahan_created or self.kelurahan_renamed or self.rw_created
                    or self.coordinates_set)

    def summary(self) -> str:
        return (f"{self.rows} rows: {self.kecamatan_created} kecamatan, {self.kelurahan_created} kelurahan, "
                f"{self.rw_created} RW created; {self.kelurahan_renamed} kelurahan renamed; "
                f"{self.coordinates_set} centroids set")


# -- normalising values ------------------------------------------------------------------------------

def _clean(value: object) -> str:
    """A cell as text: None → "", numbers without a trailing ".0", whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).replace("\u00a0", " ").split())


def normalize_header(name: object) -> str:
    """`Kode Kelurahan ` → `kode_kelurahan` (and known aliases to our names)."""
    key = re.sub(r"[\s.\-/]+", "_", _clean(name).lstrip("\ufeff").lower()).strip("_")
    return _ALIASES.get(key, key)


def normalize_kode_kelurahan(value: str) -> str | None:
    """`32.73.02.1001` as is, `3273021001` dotted; None when it is no kelurahan/desa code."""
    text = value.strip()
    if re.fullmatch(r"\d{10}", text):
        text = f"{text[:2]}.{text[2:4]}.{text[4:6]}.{text[6:]}"
    return text if _KODE_KELURAHAN.match(text) else None


def normalize_rw(value: str) -> str | None:
    """`1`, `01`, `001`, `RW 01`, `rw.1` → `01` (three digits kept above 99); None when it is no RW number."""
    match = _RW.match(value.strip())
    if match is None:
        return None
    number = int(match.group(1))
    if number == 0:
        return None
    return f"{number:02d}"


class CoordinateError(ValueError):
    """A latitude/longitude pair that cannot be stored; the message is Indonesian, for the user."""


def _number(text: str) -> float:
    """A decimal number from a cell (a decimal comma as Excel writes it in Indonesia); NaN when it is none."""
    value_text = text.strip()
    if "," in value_text and "." not in value_text:
        value_text = value_text.replace(",", ".")
    try:
        return float(value_text)
    except ValueError:
        return math.nan


def _within(value: float, bounds: tuple[float, float]) -> bool:
    return math.isfinite(value) and bounds[0] <= value <= bounds[1]


def parse_coordinates(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
    """A centroid from two texts: (None, None) when both are empty; CoordinateError (Indonesian) when
    only one is given, either is not a number, or the point lies outside Indonesia."""
    lat_text, lon_text = lat_text.strip(), lon_text.strip()
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        raise CoordinateError("lat dan lon harus diisi keduanya (atau dikosongkan keduanya)")
    lat, lon = _number(lat_text), _number(lon_text)
    if _within(lat, LAT_RANGE) and _within(lon, LON_RANGE):
        return round(lat, 6), round(lon, 6)
    if _within(lon, LAT_RANGE) and _within(lat, LON_RANGE):  # a common slip: the two columns swapped
        raise CoordinateError(f"lat {lat_text!r} dan lon {lon_text!r} tertukar: lat (lintang) di Indonesia "
                              "antara -11 dan 6, lon (bujur) antara 95 dan 141")
    name, text, bounds, example = (("lat", lat_text, LAT_RANGE, "-6.8915") if not _within(lat, LAT_RANGE)
                                   else ("lon", lon_text, LON_RANGE, "107.6107"))
    raise CoordinateError(f"{name} {text!r} tidak sah: tulis derajat desimal (WGS84) antara "
                          f"{bounds[0]:g} dan {bounds[1]:g}, misalnya {example}")


# -- reading files -----------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise WilayahImportError(["The file is neither UTF-8 nor Windows-1252 text."])


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as err:
        raise WilayahImportError([f"row {reader.line_num + 1}: not readable as CSV ({err})"]) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken file
        raise WilayahImportError([f"Not a readable XLSX workbook: {exc}"]) from None
    try:
        sheet = workbook.active
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()


def _raw_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[object]]]:
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise WilayahImportError([f"{filename}: old Excel .xls format; save it as .xlsx or .csv."])
    if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        raise WilayahImportError([f"{filename}: not a valid XLSX file."])
    return _csv_rows(data)


def parse_wilayah(data: bytes, filename: str = "upload") -> list[WilayahRow]:
    """Read and check every row of a CSV or XLSX file; raise WilayahImportError listing all problems."""
    rows = _raw_rows(data, filename)
    header: dict[str, int] | None = None
    errors: list[str] = []
    checked: list[WilayahRow] = []
    no_header: list[str] = []  # why each leading row is not the header
    for line, cells in rows:
        values = [_clean(c) for c in cells]
        if not any(values):
            continue
        if header is None:
            names = [normalize_header(c) for c in cells]
            missing = [c for c in REQUIRED_COLUMNS if c not in names]
            if missing:  # a title above the header ("Daftar RW Kecamatan …"), or no header at all
                no_header.append(f"row {line}: missing column(s) {', '.join(missing)} "
                                 f"(need {', '.join(REQUIRED_COLUMNS)}[, rw]; found {', '.join(values)})")
                if len(no_header) == MAX_TITLE_ROWS:
                    break
                continue
            header = {name: names.index(name) for name in names if name}
            continue
        row, problems = _check_row(line, {name: values[i] if i < len(values) else "" for name, i in header.items()})
        errors.extend(problems)
        if row is not None:
            checked.append(row)
    if header is None:
        raise WilayahImportError(no_header[:1] or [f"{filename}: the file is empty."])
    errors.extend(_conflicts(checked))
    if errors:
        raise WilayahImportError(errors)
    return checked


def _check_row(line: int, cells: dict[str, str]) -> tuple[WilayahRow | None, list[str]]:
    problems = []
    kecamatan, kelurahan = cells.get("kecamatan", ""), cells.get("kelurahan", "")
    raw_kode = cells.get("kode_kelurahan", "")
    kode = normalize_kode_kelurahan(raw_kode)
    if not kecamatan:
        problems.append(f"row {line}: kecamatan is empty")
    if not kelurahan:
        problems.append(f"row {line}: kelurahan is empty")
    if kode is None:
        problems.append(f"row {line}: kode_kelurahan {raw_kode!r} is not a code like 32.73.02.1001")
    kode_kecamatan = kode[:8] if kode else ""
    given_kec = cells.get("kode_kecamatan", "")
    if re.fullmatch(r"\d{6}", given_kec):
        given_kec = f"{given_kec[:2]}.{given_kec[2:4]}.{given_kec[4:]}"
    if kode and given_kec and given_kec != kode_kecamatan:
        problems.append(f"row {line}: kode_kecamatan {given_kec!r} does not match kode_kelurahan {kode!r}")
    if any(_CONTROL.search(value) for value in cells.values()):
        problems.append(f"row {line}: contains a control character")
    raw_rw = cells.get("rw", "")
    rw = normalize_rw(raw_rw) if raw_rw else None
    if raw_rw and rw is None:
        problems.append(f"row {line}: rw {raw_rw!r} is not an RW number like 01 or 'RW 01'")
    if len(kecamatan) > 120 or len(kelurahan) > 120:
        problems.append(f"row {line}: a name is longer than 120 characters")
    lat = lon = None
    try:
        lat, lon = parse_coordinates(cells.get("lat", ""), cells.get("lon", ""))
    except CoordinateError as err:
        problems.append(f"baris {line}: {err}")
    if problems:
        return None, problems
    return WilayahRow(line, kecamatan, kode_kecamatan, kode, kelurahan, rw, lat, lon), []


def _conflicts(rows: Iterable[WilayahRow]) -> list[str]:
    """Rows that disagree with earlier rows of the same file about a name."""
    errors = []
    kelurahan: dict[str, WilayahRow] = {}
    kecamatan: dict[str, WilayahRow] = {}
    placed: dict[tuple[str, str | None], WilayahRow] = {}
    for row in rows:
        if row.lat is not None:
            first_at = placed.setdefault((row.kode_kelurahan, row.rw), row)
            if (first_at.lat, first_at.lon) != (row.lat, row.lon):
                errors.append(f"baris {row.line}: titik tengah {row.kelurahan}{f' RW {row.rw}' if row.rw else ''} "
                              f"berbeda dengan baris {first_at.line}")
        first = kelurahan.setdefault(row.kode_kelurahan, row)
        if first.kelurahan != row.kelurahan or first.kecamatan.casefold() != row.kecamatan.casefold():
            errors.append(f"row {row.line}: {row.kode_kelurahan} is '{row.kelurahan}' in kecamatan '{row.kecamatan}' "
                          f"but '{first.kelurahan}' in '{first.kecamatan}' on row {first.line}")
        first_kec = kecamatan.setdefault(row.kode_kecamatan, row)
        if first_kec.kecamatan.casefold() != row.kecamatan.casefold():
            errors.append(f"row {row.line}: kecamatan {row.kode_kecamatan} is '{row.kecamatan}' "
                          f"but '{first_kec.kecamatan}' on row {first_kec.line}")
    return errors


# -- writing -----------------------------------------------------------------------------------------

def import_rows(rows: list[WilayahRow]) -> ImportReport:
    """Add what is missing to the current session (the caller commits); raise on database conflicts."""
    report = ImportReport(rows=len(rows))
    all_kecamatan = list(db.session.scalars(select(Kecamatan)))
    kecamatan_by_kode = {k.kode: k for k in all_kecamatan if k.kode}
    kecamatan_by_nama = {k.nama.casefold(): k for k in all_kecamatan}
    wanted_kel = {r.kode_kelurahan for r in rows}
    kelurahan = {k.kode: k for k in db.session.scalars(select(Kelurahan).where(Kelurahan.kode.in_(wanted_kel)))}
    existing_rw = {(r.kelurahan_id, r.nomor): r for r in db.session.scalars(
        select(RW).where(RW.kelurahan_id.in_([k.id for k in kelurahan.values()] or [-1])))}
    errors = []
    for row in rows:
        kec = kecamatan_by_kode.get(row.kode_kecamatan)
        if kec is not None and kec.nama.casefold() != row.kecamatan.casefold():
            errors.append(f"row {row.line}: kecamatan {row.kode_kecamatan} is '{kec.nama}', not '{row.kecamatan}'")
            continue
        if kec is None:
            kec = kecamatan_by_nama.get(row.kecamatan.casefold())
            if kec is not None and kec.kode not in (None, row.kode_kecamatan):
                errors.append(f"row {row.line}: kecamatan '{row.kecamatan}' already exists with code {kec.kode}")
                continue
            if kec is None:
                kec = Kecamatan(kode=row.kode_kecamatan, nama=row.kecamatan)
                db.session.add(kec)
                db.session.flush()
                report.kecamatan_created += 1
                kecamatan_by_nama[kec.nama.casefold()] = kec
            elif kec.kode is None:
                kec.kode = row.kode_kecamatan  # a kecamatan created by name only gets its code
            kecamatan_by_kode[row.kode_kecamatan] = kec
        report.kecamatan_ids.add(kec.id)
        kel = kelurahan.get(row.kode_kelurahan)
        if kel is None:
            kel = Kelurahan(kecamatan_id=kec.id, kode=row.kode_kelurahan, nama=row.kelurahan)
            db.session.add(kel)
            db.session.flush()
            kelurahan[kel.kode] = kel
            report.kelurahan_created += 1
        elif kel.kecamatan_id != kec.id:
            errors.append(f"row {row.line}: kelurahan {kel.kode} already belongs to another kecamatan")
            continue
        elif kel.nama != row.kelurahan:
            kel.nama = row.kelurahan
            report.kelurahan_renamed += 1
        if row.rw is None:
            _place(kel, row, report)
            continue
        rw = existing_rw.get((kel.id, row.rw))
        if rw is None:
            rw = existing_rw[(kel.id, row.rw)] = RW(kelurahan_id=kel.id, nomor=row.rw)
            db.session.add(rw)
            report.rw_created += 1
        _place(rw, row, report)
    if errors:
        db.session.rollback()
        raise WilayahImportError(errors)
    db.session.flush()
    return report


def _place(target: Kelurahan | RW, row: WilayahRow, report: ImportReport) -> None:
    """Store the row's centroid on the kelurahan or RW when it has one and it differs."""
    if row.lat is not None and (target.lat, target.lon) != (row.lat, row.lon):
        target.lat, target.lon = row.lat, row.lon
        report.coordinates_set += 1


def import_wilayah_file(path: str | Path) -> ImportReport:
    """Parse and import one file into the current session (the caller commits)."""
    file_path = Path(path)
    return import_rows(parse_wilayah(file_path.read_bytes(), file_path.name))

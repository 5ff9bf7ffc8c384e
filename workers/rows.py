"""One submission row → what it contributes to the scores (``parse_row``), and the one select of them.

Pure in the row's columns and the timezone: a row version read once can be kept with its parsed
item (``workers.row_cache``) and never parsed again. What counts of the items — which version of
a correction chain, which record a follow-up completes — is decided over all of them
(``workers.record_state``); the loader (``workers.loader``) puts it together.

Dates are LOCAL dates in the configured timezone, decided by ``server.periods`` (the one clock the
sync uses too). A stored row whose dates cannot be read (a hostile legacy row: year 0, year 9999
with a far offset) becomes a warning, never a crash.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, case, cast, or_, select

from domain.clock import aware_utc
from server.models import Submission, counts_clause
from server.periods import iso_date, local_day, local_naive, record_day
from workers.scoring import Inspection, KelurahanReport, Period, Survey

# The forms each record collection of KecamatanData is built from (a follow-up with the records it
# completes); together, every form the scoring reads.
SOURCES: dict[str, tuple[str, ...]] = {
    "surveys": ("skm",), "complaints": ("pengaduan", "tindak-lanjut"), "services": ("layanan", "layanan-selesai"),
    "inspections": ("inspeksi-rw",), "reports": ("laporan-kelurahan",),
}
SCORED_FORMS = tuple(form for forms in SOURCES.values() for form in forms)
# Forms read whatever their year: the latest inspection before a baseline may be years old, and a
# follow-up may be recorded long after its record.
_ANY_EARLIER_YEAR = ("inspeksi-rw", "tindak-lanjut", "layanan-selesai")
_ELEMENTS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")
_REPORT_FIELDS = {
    "kependudukan": "tgl_lapor_kependudukan", "ekobang": "tgl_lapor_ekobang", "kessos": "tgl_lapor_kessos",
    "kepegawaian": "tgl_lapor_kepegawaian", "keuangan": "tgl_lapor_keuangan",
}


FOLLOW_UPS = ("tindak-lanjut", "layanan-selesai")
# What one row contributes (``parse_row``): ("warning", text), ("none",), a follow-up
# (form, ref, date or time or None, sid), ("follow-up-error", ref, text), or a record (form, record).
Item = tuple
# Column positions of a ``submissions_query`` row.
ID, FORM, DATA, SUPERSEDES, SUPERSEDED_BY, ELIGIBLE, SUBJECT_TYPE = 0, 1, 6, 7, 8, 9, 10
# One held row: (its ``xmin`` or None, the row — its JSON document dropped once parsed —, its
# parsed item or None: not parsed yet).
Entry = tuple[str | None, tuple, Item | None]


@dataclass(eq=False)
class RowsRead:
    """The rows of one selection as a read leaves them, and what changed since the read before it.

    ``changed`` maps each form with a change to (the entries gone — left the selection or written
    again —, the entries new or written again), by id; None when there is no earlier read to compare
    with (every row is new). ``outside``: the ids written since the read before that are outside the
    selection (a version of a chain may be; None: not known). ``kept`` is what the loader keeps with
    these rows from one read to the next (``workers.record_state.Records``); its owner (the row
    cache) drops it with the rows. ``generation`` numbers the reads of the rows, ``previous`` is the
    number of the read ``changed`` is relative to.
    """

    groups: dict[str, dict[str, Entry]]
    changed: dict[str, tuple[dict[str, Entry], dict[str, Entry]]] | None = None
    outside: frozenset[str] | None = None
    kept: dict = None  # type: ignore[assignment]
    generation: int = 0
    previous: int | None = None

    def __post_init__(self) -> None:
        if self.kept is None:
            self.kept = {}


def read_in_full(rows: list[Any]) -> RowsRead:
    """Rows of ``submissions_query`` (not parsed yet) as a read with nothing before it."""
    groups: dict[str, dict[str, Entry]] = {form: {} for form in SCORED_FORMS}
    for row in rows:
        groups.setdefault(row[FORM], {})[str(row[ID])] = (None, row, None)
    return RowsRead(groups)


def linked(row: Any) -> bool:
    """True when the row is a version of a correction chain (it supersedes one, or was superseded)."""
    return row[SUPERSEDES] is not None or row[SUPERSEDED_BY] is not None


def _local_naive(value: Any, tz: str) -> dt.datetime | None:
    """An ISO 8601 datetime with offset (as the validator stores it) → naive local time.

    :raise OverflowError: a hostile value that has no local time (the caller skips the row).
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return local_naive(parsed, tz)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def submissions_query(kecamatan_id: int, first_year: int, last_year: int, ids_as_text: bool = False):
    """The one select of every scored submission a recompute of ``first_year..last_year`` reads.

    Every version is read, rejected ones too (``eligible`` false): a chain's links run through
    them, and which version is current depends on all of them. One year either side is read too:
    the previous period (K2, the IKU6 baseline).
    """
    t = Submission.__table__
    low, high = first_year - 1, last_year + 1
    # PostgreSQL hands UUIDs over as text (no uuid.UUID object per row); SQLite stores them as hex.
    if ids_as_text:
        sid, ref, sup, by = (cast(t.c.id, Text), cast(t.c.ref, Text), cast(t.c.supersedes, Text),
                             cast(t.c.superseded_by, Text))
    else:
        sid, ref, sup, by = t.c.id, t.c.ref, t.c.supersedes, t.c.superseded_by
    return (
        select(sid, t.c.form_code, t.c.kelurahan_id, t.c.rw_id, ref, t.c.observed_at, t.c.data,
               sup, by, case((counts_clause(t), True), else_=False), t.c.subject_type, t.c.received_at)
        .where(
            t.c.kecamatan_id == kecamatan_id,
            t.c.form_code.in_(SCORED_FORMS),
            t.c.period_year <= high,
            or_(t.c.form_code.in_(_ANY_EARLIER_YEAR), t.c.period_year >= low),
        )
    )


def parse_row(row: Any, tz: str) -> Item:
    """What one submission row contributes, whichever version of its chain counts.

    Pure in the row's columns and ``tz``, so a row version read once can be kept with its item
    (``workers.row_cache``) and never parsed again. A value without a local date becomes a
    warning (a follow-up's only when its record counts: ``_apply`` decides).
    """
    sid, form, kel_id, rw_id, ref, observed_at, data = row[:7]
    sid = str(sid)
    if not isinstance(data, dict):
        return ("warning", f"{sid}: data is not an object")
    try:
        if form in FOLLOW_UPS:
            if ref is None:
                return ("none",)
            try:
                value = (iso_date(data.get("tanggal")) if form == "tindak-lanjut"
                         else _local_naive(data.get("waktu_selesai"), tz))
            except (ValueError, OverflowError, TypeError) as error:
                return ("follow-up-error", str(ref), f"{sid}: {form} tidak dapat dibaca, dilewati ({error})")
            return (form, str(ref), value, sid)
        return _parse_record(sid, form, kel_id, rw_id, observed_at, data, tz, row[11] if len(row) > 11 else None)
    except (ValueError, OverflowError, TypeError) as error:
        return ("warning", f"{sid}: {form} tidak dapat dibaca, dilewati ({error})")


def _parse_record(sid: str, form: str, kel_id: int | None, rw_id: int | None, observed_at: dt.datetime,
                  data: dict, tz: str, received_at: dt.datetime | None) -> Item:
    """One record row → its scoring record (raises on a value that has no local date: the caller warns)."""
    if form == "skm":
        answers = {k: v for k in _ELEMENTS if type(v := data.get(k)) is int}
        return ("skm", Survey(sid, kel_id, local_day(observed_at, tz), answers))
    if form == "pengaduan":
        return ("pengaduan", (sid, kel_id, record_day(form, observed_at, data, tz)))
    if form == "layanan":
        received = _local_naive(data.get("waktu_terima"), tz)
        if received is None:
            return ("warning", f"{sid}: layanan without waktu_terima")
        return ("layanan", (sid, kel_id, str(data.get("jenis_layanan")), received,
                            _local_naive(data.get("waktu_selesai"), tz)))
    if form == "inspeksi-rw":
        if rw_id is None:
            return ("none",)
        return ("inspeksi-rw", Inspection(
            sid, rw_id, local_day(observed_at, tz), data.get("kebun_toga") is True,
            str(data.get("pengelolaan_sampah", "")), str(data.get("status_kumuh", "")),
            data.get("lembaga_aktif") is True, _int(data.get("kejadian_kriminal")), _int(data.get("konflik_sosial")),
            aware_utc(observed_at), aware_utc(received_at)))
    if form == "laporan-kelurahan":
        try:
            period = Period.parse(str(data.get("periode", "")))
        except ValueError:
            return ("warning", f"{sid}: laporan-kelurahan without a valid periode")
        if kel_id is None or period.quarter is None:
            return ("none",)
        dates = {key: d for key, name in _REPORT_FIELDS.items() if (d := iso_date(data.get(name))) is not None}
        return ("laporan-kelurahan", KelurahanReport(
            sid, kel_id, period, data.get("lembaga_aktif") is True, _int(data.get("kejadian_kriminal")),
            _int(data.get("konflik_sosial")), dates, observed=aware_utc(observed_at),
            received=None if received_at is None else aware_utc(received_at)))
    return ("none",)

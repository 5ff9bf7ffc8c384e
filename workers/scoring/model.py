"""Plain, immutable inputs of the scoring functions.

The loader (``workers/loader.py``) builds these from the database: only accepted, not-superseded
records, with LOCAL dates (the deployment's timezone) already computed. Nothing here knows about
Flask, SQLAlchemy or Celery, so the scoring rules can be tested on plain data.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from domain.periods import Period  # noqa: F401 - the one Period, re-exported for the scoring modules


@dataclass(frozen=True, slots=True)
class Survey:
    """One SKM questionnaire; ``answers`` by element key (``"u1"``…``"u9"``), scores 1–4, gaps allowed."""

    id: str
    kelurahan_id: int | None  # None = the kecamatan office
    observed: date
    answers: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Complaint:
    """A complaint received at a box; ``followed_up`` is the earliest follow-up date, if any."""

    id: str
    kelurahan_id: int | None
    received: date
    followed_up: date | None
    follow_up_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceType:
    """A service of the catalogue with its SOP duration (``sop_unit`` "minutes" or "working_days")."""

    code: str
    name: str
    group: str  # "adminduk" | "umum"
    section: str
    sop_value: int
    sop_unit: str
    effective_from: date | None = None  # None: in force since always
    version: int | None = None  # the stored version id (recorded in the results)


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One line of the service register; naive LOCAL datetimes; ``completed`` None while open."""

    id: str
    kelurahan_id: int | None
    service_code: str
    received: datetime
    completed: datetime | None


@dataclass(frozen=True, slots=True)
class Inspection:
    """One RW inspection (``inspeksi-rw``) observed on a local date."""

    id: str
    rw_id: int
    observed: date
    kebun_toga: bool
    pengelolaan_sampah: str  # "baik" | "cukup" | "buruk"
    status_kumuh: str  # "kumuh" | "tidak_kumuh"
    lembaga_aktif: bool
    kejadian_kriminal: int
    konflik_sosial: int
    # When it was observed and received (aware datetimes): of an RW's inspections of one day the
    # latest counts — by observed, then received, then id (``rw_status``). None: earliest.
    observed_at: datetime | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class KelurahanReport:
    """One ``laporan-kelurahan``: belongs to the quarter it reports on (``period``), not to its upload."""

    id: str
    kelurahan_id: int
    period: Period
    lembaga_aktif: bool
    kejadian_kriminal: int
    konflik_sosial: int
    report_dates: Mapping[str, date]  # kependudukan, ekobang, kessos, kepegawaian, keuangan
    # When it was observed and received (aware datetimes): of several reports of the same
    # kelurahan and quarter only the latest counts (by observed, then received, then id).
    observed: datetime | None = None
    received: datetime | None = None


@dataclass(frozen=True, slots=True)
class Kelurahan:
    """A kelurahan with its RW ids and the service population its office serves (None: unknown).

    ``rw_numbers`` names each RW by its number (``"03"``) for reasons and lists: people know RW
    by number, never by a database id.
    """

    id: int
    kode: str
    nama: str
    rw_ids: tuple[int, ...]
    service_population: int | None = None
    rw_numbers: Mapping[int, str] = field(default_factory=dict)

    def rw_label(self, rw_id: int) -> str:
        """``"RW 03"`` (the id only when the number is unknown)."""
        return f"RW {self.rw_numbers.get(rw_id, rw_id)}"


@dataclass(frozen=True, slots=True)
class KecamatanData:
    """Everything the six indicators of one kecamatan read, already cleaned by the loader."""

    kecamatan_id: int
    nama: str
    service_population: int | None
    kelurahan: tuple[Kelurahan, ...]
    surveys: tuple[Survey, ...] = ()
    complaints: tuple[Complaint, ...] = ()
    services: tuple[ServiceEntry, ...] = ()
    service_types: Mapping[str, ServiceType] = field(default_factory=dict)
    inspections: tuple[Inspection, ...] = ()
    reports: tuple[KelurahanReport, ...] = ()
    holidays: frozenset[date] = frozenset()
    targets: Mapping[str, float] = field(default_factory=dict)  # by "IKU1".."IKU6"
    # The local date the scores are computed on: decides which quarterly reports are due in a
    # running year. None: every report of the period is due (as for a closed period).
    today: date | None = None
    # Versions of the service catalogue by code, oldest first (each with its effective_from): a
    # service is judged by the version in force on the day it was received. Empty: ``service_types``.
    service_type_versions: Mapping[str, tuple[ServiceType, ...]] = field(default_factory=dict)

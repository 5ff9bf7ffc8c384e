"""Read helpers for the drill-down pages: records by id (scoped) and wilayah names (one query each)."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select

from server.admin.access import scope_submissions
from server.extensions import db
from server.models import RW, Kelurahan, ServiceType, Submission, User

PAGE_SIZE = 100  # a drill-down lists this many records per page (the count is always exact)


def period_filter(stmt: Select, period: str) -> Select:
    """Restrict a Submission select to a period (its year, and its quarter when given)."""
    stmt = stmt.where(Submission.period_year == int(period[:4]))
    if len(period) == 7:
        stmt = stmt.where(Submission.period_quarter == int(period[-1]))
    return stmt


def as_uuids(values: Iterable) -> list[uuid.UUID]:
    """Parse record ids from stored details, dropping anything that is not a UUID."""
    out = []
    for value in values or ():
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


@dataclass
class RecordRow:
    """What a drill-down table shows of one submission."""

    id: uuid.UUID
    form_code: str
    observed_at: dt.datetime
    received_at: dt.datetime
    kelurahan_id: int | None
    rw_id: int | None
    review_status: str
    officer: str | None
    jenis_layanan: str | None = None  # layanan: the service type code
    kategori: str | None = None  # pengaduan: the complaint's category

    @property
    def detail(self) -> str:
        """What tells the record apart in a list: its service type or complaint category."""
        return self.jenis_layanan or self.kategori or ""


def load_records(ids: Iterable, kecamatan_id: int, page: int = 1) -> list[RecordRow]:
    """One page of the submissions with these ids that lie within the admin's scope, in the stored order.

    The ids are paged before the query (the stored order is the scoring's), so a page costs one
    primary-key lookup of at most PAGE_SIZE rows however many records stand behind the number.
    """
    wanted = as_uuids(ids)[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    if not wanted:
        return []
    stmt = (select(Submission.id, Submission.form_code, Submission.observed_at, Submission.received_at,
                   Submission.kelurahan_id, Submission.rw_id, Submission.review_status, User.name,
                   Submission.data["jenis_layanan"], Submission.data["kategori"])
            .outerjoin(User, User.id == Submission.user_id)
            .where(Submission.id.in_(wanted)))
    found = {row[0]: RecordRow(*row) for row in db.session.execute(scope_submissions(stmt, kecamatan_id))}
    return [found[i] for i in wanted if i in found]


@dataclass
class Names:
    """Names of the kecamatan's kelurahan and RW, for labelling ids."""

    kelurahan: dict[int, str]
    rw: dict[int, tuple[str, int]]  # rw id → (nomor, kelurahan id)

    def kelurahan_of(self, kelurahan_id: int | None) -> str:
        return self.kelurahan.get(kelurahan_id or 0, "Kantor kecamatan")

    def rw_label(self, rw_id: int | None) -> str:
        if rw_id is None or rw_id not in self.rw:
            return "–"
        nomor, kel = self.rw[rw_id]
        return f"RW {nomor} · {self.kelurahan.get(kel, '')}"


def names_of(kecamatan_id: int) -> Names:
    """Load every kelurahan and RW name of a kecamatan (two small queries)."""
    kel = dict(db.session.execute(select(Kelurahan.id, Kelurahan.nama).where(Kelurahan.kecamatan_id == kecamatan_id)).tuples().all())
    rws = {rid: (nomor, kid) for rid, nomor, kid in db.session.execute(
        select(RW.id, RW.nomor, RW.kelurahan_id).join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
        .where(Kelurahan.kecamatan_id == kecamatan_id)).tuples()}
    return Names(kel, rws)


def ids_in_section(ids: Iterable, kecamatan_id: int, section: str) -> list[uuid.UUID]:
    """The records among ``ids`` (in scope) whose service type belongs to ``section`` (IKU4 by section)."""
    wanted = as_uuids(ids)
    if not wanted:
        return []
    codes = set(db.session.scalars(select(ServiceType.code).where(ServiceType.section == section)))
    stmt = select(Submission.id, Submission.data["jenis_layanan"]).where(Submission.id.in_(wanted))
    found = {sid for sid, code in db.session.execute(scope_submissions(stmt, kecamatan_id)) if code in codes}
    return [i for i in wanted if i in found]

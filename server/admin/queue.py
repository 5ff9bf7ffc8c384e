"""The review queue as a query: its filters, its records, and the next record after one.

Kept apart from the views (``review_queue.py``) because the record page also needs "the next
record of this queue" for its ``Berikutnya`` link. The queue lists records in the admin's scope,
oldest received first, filtered by form, kelurahan, officer, state (default ``pending``,
menunggu) and period (default: every period). A record replaced by a correction never waits: its
correction does. The filters travel with the admin as ``q``, the queue's own query string.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select, tuple_

from server.admin.access import admin_scope, scope_submissions, visible_kelurahan
from server.admin.context import valid_period
from server.admin.lookups import period_filter
from server.extensions import db
from server.models import REVIEW_STATES, Submission, User


@dataclass
class QueueFilter:
    """The queue's filters, read from a query string and checked against the admin's scope."""

    form: str = ""
    kelurahan_id: int = 0
    petugas: int = 0
    status: str = "pending"
    period: str = ""

    @classmethod
    def parse(cls, args: dict, kecamatan_id: int) -> "QueueFilter":
        """Unknown or out-of-scope values fall back to "all" (a stale link never fails)."""
        f = cls()
        f.form = str(args.get("form") or "")[:40]
        visible = {k.id for k in visible_kelurahan(kecamatan_id)}
        kel = positive_int(args.get("kelurahan_id"))
        f.kelurahan_id = kel if kel in visible else 0
        f.petugas = positive_int(args.get("petugas"))
        status = args.get("status")
        f.status = status if status in REVIEW_STATES or status == "all" else "pending"
        period = str(args.get("period") or "")
        f.period = period if valid_period(period) else ""
        return f

    def args(self, **extra) -> dict:
        """The filters as query-string arguments (defaults left out)."""
        out = {"form": self.form, "kelurahan_id": self.kelurahan_id or "", "petugas": self.petugas or "",
               "status": self.status if self.status != "pending" else "", "period": self.period}
        out.update(extra)
        return {k: v for k, v in out.items() if v not in ("", None, 0)}

    def query_string(self) -> str:
        return urlencode(self.args())


def positive_int(value) -> int:
    """A positive 32-bit integer from a query-string value, else 0 (a stale or hostile value means "all")."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


def queue_select(f: QueueFilter, kecamatan_id: int, *columns):
    """The select of the queue's records (the given columns) in the admin's scope."""
    stmt = scope_submissions(select(*columns), kecamatan_id).where(Submission.superseded_by.is_(None))
    if f.form:
        stmt = stmt.where(Submission.form_code == f.form)
    if f.kelurahan_id:
        stmt = stmt.where(Submission.kelurahan_id == f.kelurahan_id)
    elif not admin_scope().whole_kecamatan:
        stmt = stmt.where(Submission.kelurahan_id.in_([k.id for k in visible_kelurahan(kecamatan_id)]))
    if f.petugas:
        stmt = stmt.where(Submission.user_id == f.petugas)
    if f.period:
        stmt = period_filter(stmt, f.period)
    return stmt


def _with_status(stmt, f: QueueFilter):
    return stmt if f.status == "all" else stmt.where(Submission.review_status == f.status)


def officers_in_scope(kecamatan_id: int) -> list[tuple[int, str]]:
    """(id, name) of the users who sent records in scope (the officer filter's choices)."""
    sent = scope_submissions(select(Submission.user_id).distinct(), kecamatan_id).where(Submission.user_id.is_not(None))
    return [(uid, name) for uid, name in db.session.execute(
        select(User.id, User.name).where(User.id.in_(sent)).order_by(User.name))]


def with_status(stmt, f: QueueFilter):
    """Restrict a queue select to the filter's state (``all``: every state)."""
    return stmt if f.status == "all" else stmt.where(Submission.review_status == f.status)


def filter_from_q(q: str, kecamatan_id: int) -> QueueFilter:
    """The queue filter carried by a record page's ``q`` (the queue's query string)."""
    return QueueFilter.parse(dict(parse_qsl(q or "")[:20]), kecamatan_id)


def next_record(f: QueueFilter, kecamatan_id: int, after: uuid.UUID) -> uuid.UUID | None:
    """The record of the queue after ``after`` (by received time), else its first other record."""
    base = with_status(queue_select(f, kecamatan_id, Submission.id), f).order_by(Submission.received_at, Submission.id)
    current = db.session.execute(select(Submission.received_at, Submission.id).where(Submission.id == after)).first()
    found = None
    if current is not None:
        found = db.session.scalar(base.where(tuple_(Submission.received_at, Submission.id)
                                             > tuple_(current.received_at, current.id)).limit(1))
    if found is None:
        found = db.session.scalar(base.where(Submission.id != after).limit(1))
    return found

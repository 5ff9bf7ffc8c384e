"""Submissions (append-only), their photo attachments, and the scoring outbox."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid, and_, false, or_, text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models._types import JsonDoc, utcnow


class Submission(db.Model):
    """One form filled on a device, keyed by the device's UUID: the database decides duplicates."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_scope", "kecamatan_id", "form_code", "period_year"),
        Index("ix_submissions_received", "received_at", "id"),
        Index("ix_submissions_reviewed", "user_id", "reviewed_at"),  # the officer's review feed
        # Most rows neither refer nor replace: these index only the rows that do (migration 0010).
        Index("ix_submissions_ref", "ref", postgresql_where=text("ref IS NOT NULL"),
              sqlite_where=text("ref IS NOT NULL")),
        Index("ix_submissions_supersedes", "supersedes", postgresql_where=text("supersedes IS NOT NULL"),
              sqlite_where=text("supersedes IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    form_code: Mapped[str] = mapped_column(String(40))
    form_version: Mapped[int] = mapped_column(Integer)
    # 'rw' | 'kelurahan' | 'kecamatan' | 'ref' (a follow-up whose record has not arrived yet)
    subject_type: Mapped[str] = mapped_column(String(12))
    # The five references a synced row carries (kecamatan, kelurahan, RW, user, device token) are
    # foreign keys here and on SQLite; on PostgreSQL migration 0011 checks them once per statement
    # (same guarantees, same errors) instead of once per row and key.
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"))
    kelurahan_id: Mapped[int | None] = mapped_column(ForeignKey("kelurahan.id"), index=True)
    rw_id: Mapped[int | None] = mapped_column(ForeignKey("rw.id"), index=True)
    ref: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    supersedes: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    observed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The period the record belongs to (observed_at's local date; laporan-kelurahan: its `periode`).
    period_year: Mapped[int] = mapped_column(Integer)
    period_quarter: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[dict] = mapped_column(JsonDoc)
    content_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_token_id: Mapped[int | None] = mapped_column(ForeignKey("device_tokens.id"))
    # Review by an admin (metadata, not the record's content), one of REVIEW_STATES:
    # 'pending' (menunggu) | 'accepted' (diterima) | 'rejected' (ditolak) | 'returned' (perlu perbaikan).
    review_status: Mapped[str] = mapped_column(String(12), default="accepted")
    # Set at sync from the form's setting "wait for review": such a record counts only once accepted.
    needs_acceptance: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    review_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when a later submission supersedes this one (it then leaves the scores).
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


REVIEW_STATES = ("pending", "accepted", "rejected", "returned")


def counts_clause(table=None):
    """The SQL condition "this version is eligible to count" (before chains are resolved).

    Rejected never counts; accepted always; pending (menunggu) and returned (perlu perbaikan)
    count unless the record was stored under a form that waits for review (``needs_acceptance``).
    Of a correction chain only the latest eligible version counts (the loader resolves chains).
    """
    t = table if table is not None else Submission.__table__
    return or_(t.c.review_status == "accepted",
               and_(t.c.review_status.in_(("pending", "returned")), t.c.needs_acceptance.is_(False)))


class Attachment(db.Model):
    """A photo, stored once by the SHA-256 of its bytes (in the database, so any host can serve it)."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ScoreOutbox(db.Model):
    """What a committed sync made stale: written in the sync's own transaction, drained by the relay."""

    __tablename__ = "score_outbox"

    __table_args__ = (Index("ix_score_outbox_pair", "kecamatan_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ScoringSetAside(db.Model):
    """A (kecamatan, year) whose recompute failed repeatedly: kept with its error, shown to operators.

    Written by the worker when a recompute fails for good (its outbox rows are removed with it, so the
    failure is retried on the pair's next change or the nightly run, not every few seconds); deleted by
    the next recompute of the pair that succeeds.
    """

    __tablename__ = "scoring_set_aside"

    kecamatan_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    error: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

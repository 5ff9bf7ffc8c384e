"""Who may see a photo: the submissions stored with it, and the users who proved they hold its bytes.

A photo is addressed by the SHA-256 of the bytes a device sent, so knowing the address is easy (it
is in exports, screenshots, a colleague's phone). Naming the address in a submission therefore
grants nothing by itself: a link counts only when the submission's sender also uploaded the photo
(``AttachmentUpload``), i.e. held its bytes. See :mod:`server.attachment_links`.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models._types import utcnow


class AttachmentLink(db.Model):
    """A submission stored with this photo in one of its photo fields (filled at sync)."""

    __tablename__ = "attachment_links"
    __table_args__ = (Index("ix_attachment_links_sha256", "sha256"),)

    submission_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("submissions.id", ondelete="CASCADE"),
                                                     primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # may name a photo not uploaded yet
    field_key: Mapped[str] = mapped_column(String(80), primary_key=True)


class AttachmentUpload(db.Model):
    """A user who uploaded these bytes (a retry or a second uploader of the same bytes adds a row)."""

    __tablename__ = "attachment_uploads"

    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("attachments.sha256", ondelete="CASCADE"),
                                        primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

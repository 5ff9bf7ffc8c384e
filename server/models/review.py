"""The kecamatan admin's per-form review setting: do new records wait for review or count at once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models._types import utcnow


class ReviewSetting(db.Model):
    """One (kecamatan, form): ``wait_for_review`` True = new records count only once accepted.

    No row means the default: records count at once and stay reviewable.
    """

    __tablename__ = "review_settings"
    __table_args__ = (UniqueConstraint("kecamatan_id", "form_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_id: Mapped[int] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    form_code: Mapped[str] = mapped_column(String(40))
    wait_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(Integer)

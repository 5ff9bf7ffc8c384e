"""People, their scope, and the device tokens they sync with."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import event
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models._types import utcnow

ROLES = ("officer", "kiosk", "kelurahan_admin", "kecamatan_admin")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # None: every kecamatan of the deployment (a city-level admin).
    kecamatan_id: Mapped[int | None] = mapped_column(ForeignKey("kecamatan.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped to end every session and token of the user at once (logout, deactivation, reactivation);
    # part of the anchor that server.security.session_anchor() derives (with password, role, scope).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    scopes: Mapped[list["UserScope"]] = relationship(cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


@event.listens_for(User.active, "set", active_history=True)
def _active_changed(user: User, value: bool, old: object, _initiator: object) -> None:
    """Deactivating or reactivating a user ends every session and token they had (a new session version).

    Without it, reactivation would bring back the anchor of the sessions that were open before.
    """
    if isinstance(old, bool) and bool(value) != old:
        user.session_version = (user.session_version or 0) + 1


class UserScope(db.Model):
    """A kelurahan a user may read and write; no rows = the whole kecamatan."""

    __tablename__ = "user_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kelurahan_id: Mapped[int] = mapped_column(ForeignKey("kelurahan.id"), primary_key=True)


class DeviceToken(db.Model):
    """A bearer token, stored only as its SHA-256 (tokens are 256-bit random)."""

    __tablename__ = "device_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The user's session anchor when the token was issued: a password, role, scope or session-version
    # change makes it differ, and the token is refused (None: issued before anchors existed).
    anchor: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """Wrong passwords counted per key (``ip:…``, ``user:…``) in a window, where there is no Redis."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))

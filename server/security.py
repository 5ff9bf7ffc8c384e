"""Passwords, device tokens, the current user and what they may touch (role and scope)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Callable, Iterable

from flask import Flask, g, request
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from server.errors import ApiError
from server.extensions import csrf, db, login_manager
from server.models import DeviceToken, Kelurahan, User, UserScope
from server.models._types import utcnow

# A dummy hash so that an unknown username costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
_LAST_SEEN_GRANULARITY = timedelta(minutes=5)


def hash_password(password: str) -> str:
    """Hash a password with a slow, salted hash (scrypt)."""
    return generate_password_hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Check a password in constant-ish time whether or not the user exists."""
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(user.password_hash, password)


def token_digest(token: str) -> str:
    """Return the stored form of a bearer token (SHA-256; tokens carry 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, device: str | None) -> str:
    """Create a device token for the user; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(DeviceToken(user_id=user.id, token_hash=token_digest(token), device=device))
    return token


@dataclass(frozen=True)
class Scope:
    """What one user may read and write."""

    user: User
    kecamatan_id: int | None  # None: every kecamatan (city-level admin)
    kelurahan_ids: frozenset[int] | None  # None: every kelurahan of the kecamatan

    @property
    def whole_kecamatan(self) -> bool:
        return self.kelurahan_ids is None

    def allows_kecamatan(self, kecamatan_id: int | None) -> bool:
        """True when the user may touch data of the whole kecamatan (or the kecamatan office)."""
        if not self.whole_kecamatan:
            return False
        return self.kecamatan_id is None or self.kecamatan_id == kecamatan_id

    def allows_kelurahan(self, kelurahan_id: int, kecamatan_id: int | None) -> bool:
        """True when the kelurahan is within the user's scope."""
        if self.kelurahan_ids is not None:
            return kelurahan_id in self.kelurahan_ids
        return self.kecamatan_id is None or self.kecamatan_id == kecamatan_id

    def kelurahan_query(self):
        """A select of the Kelurahan rows in scope."""
        stmt = select(Kelurahan)
        if self.kelurahan_ids is not None:
            stmt = stmt.where(Kelurahan.id.in_(self.kelurahan_ids))
        elif self.kecamatan_id is not None:
            stmt = stmt.where(Kelurahan.kecamatan_id == self.kecamatan_id)
        return stmt.order_by(Kelurahan.kode)


def scope_of(user: User) -> Scope:
    """Build the user's scope from their kecamatan and scope rows."""
    ids = db.session.scalars(select(UserScope.kelurahan_id).where(UserScope.user_id == user.id)).all()
    return Scope(user=user, kecamatan_id=user.kecamatan_id, kelurahan_ids=frozenset(ids) if ids else None)


def _bearer_user() -> tuple[User, DeviceToken] | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    if not token:
        return None
    row = db.session.execute(
        select(DeviceToken, User).join(User, User.id == DeviceToken.user_id)
        .where(DeviceToken.token_hash == token_digest(token))
    ).first()
    if row is None:
        return None
    device_token, user = row
    if device_token.revoked_at is not None or not user.active:
        return None
    now = utcnow()
    last = device_token.last_seen_at
    if last is None or (now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo))) > _LAST_SEEN_GRANULARITY:
        device_token.last_seen_at = now
        db.session.commit()
    return user, device_token


def current_api_user() -> User:
    """The user of this API request: a bearer token, or the admin's session cookie."""
    if "api_user" in g:
        return g.api_user
    found = _bearer_user()
    if found is not None:
        g.api_user, g.device_token = found
        return g.api_user
    from flask_login import current_user

    # The admin's session cookie reads the API (GET only: writes need a bearer token, so no CSRF).
    if request.method in ("GET", "HEAD") and current_user and current_user.is_authenticated:
        g.api_user, g.device_token = current_user._get_current_object(), None
        return g.api_user
    raise ApiError(401, "unauthorized", "Login required: send 'Authorization: Bearer <token>'.")


def current_device_token_id() -> int | None:
    """The id of the device token of this request, if any."""
    current_api_user()
    token = g.get("device_token")
    return token.id if token is not None else None


def require_role(*roles: str) -> Callable:
    """Decorate an API view: authenticate, then refuse roles not listed (403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_api_user()
            if roles and user.role not in roles:
                raise ApiError(403, "forbidden", f"Role '{user.role}' may not do this.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_scope() -> Scope:
    """The scope of the current API user (cached per request)."""
    if "api_scope" not in g:
        g.api_scope = scope_of(current_api_user())
    return g.api_scope


ALL_ROLES: Iterable[str] = ("officer", "kiosk", "kelurahan_admin", "kecamatan_admin")
ADMIN_ROLES = ("kelurahan_admin", "kecamatan_admin")


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> None:
    """Bind Flask-Login and CSRF (admin forms); the API uses bearer tokens and is exempt."""
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    csrf.init_app(app)

"""Passwords, device tokens, sessions, the current user and what they may touch (role and scope).

Sessions and tokens that really end: every admin cookie session and every device token carries the
user's *session anchor* from the moment it was made — a keyed hash of the user's session version,
password hash, role, kecamatan, active flag and kelurahan scope. A request whose anchor no longer
matches is refused, so a password change (admin page or CLI), a role or scope change, a deactivation
or reactivation (each bumps ``session_version``) and an admin logout end every session and token of
that user at once, in every process, with no list of sessions to keep. Cookie sessions also end
after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after login (an office day).

Every request asks the database about its bearer token (one query: token, user and scope) by
default, so a revocation or a scope change holds on the very next request whichever process made
it. An operator may trade that for a round trip: with TOKEN_CACHE_SECONDS > 0 (env
``SIKK_TOKEN_CACHE_SECONDS``) each web process remembers a verified token that long; a change made
through the same process still applies at once, one made by another process (another web worker,
the CLI) at the latest that many seconds later.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from types import SimpleNamespace
from typing import Callable, Iterable

from flask import Flask, current_app, g, request, session
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError, InvalidRequestError
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.local import LocalProxy
from werkzeug.security import check_password_hash, generate_password_hash

from server import local_cache, token_guard
from server.errors import ApiError
from server.extensions import csrf, db, login_manager
from server.models import DeviceToken, Kelurahan, User, UserScope
from server.models._types import utcnow

# A dummy hash so that an unknown username costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
_LAST_SEEN_GRANULARITY = timedelta(minutes=5)
_GUARDED_WRITE = "sikk_guarded_write"


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


def scope_ids(user: User) -> list[int]:
    """The kelurahan ids of the user's scope rows, sorted (none: the whole kecamatan)."""
    return sorted(db.session.scalars(select(UserScope.kelurahan_id).where(UserScope.user_id == user.id)))


def session_anchor(user: User, kelurahan_ids: Iterable[int] | None = None) -> str:
    """The user's current anchor: it changes whenever a session or token of theirs must end."""
    ids = scope_ids(user) if kelurahan_ids is None else sorted(kelurahan_ids)
    text = "|".join(str(part) for part in (user.id, user.session_version or 0, user.password_hash, user.role,
                                           user.kecamatan_id, bool(user.active), ids))
    return hmac.new(current_app.secret_key.encode(), text.encode(), hashlib.sha256).hexdigest()


def end_all_sessions(user: User) -> None:
    """End every cookie session and device token of the user now (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1
    now = utcnow()
    for token in db.session.scalars(select(DeviceToken).where(DeviceToken.user_id == user.id,
                                                              DeviceToken.revoked_at.is_(None))):
        token.revoked_at = now


def issue_token(user: User, device: str | None) -> str:
    """Create a device token for the user; only its digest (and the user's anchor) is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(DeviceToken(user_id=user.id, token_hash=token_digest(token), device=device,
                               anchor=session_anchor(user)))
    return token


# -- admin cookie sessions ------------------------------------------------------------------------

_ANCHOR, _AUTH_AT, _SEEN_AT = "_sikk_anchor", "_sikk_auth_at", "_sikk_seen_at"
_SESSION_KEYS = ("_user_id", "_fresh", "_id", _ANCHOR, _AUTH_AT, _SEEN_AT)


def start_session(user: User) -> None:
    """Log the user in on a fresh cookie session bound to their anchor (call after login_user)."""
    now = int(time.time())
    session.permanent = True  # the cookie itself expires with SESSION_MAX_HOURS
    session[_ANCHOR], session[_AUTH_AT], session[_SEEN_AT] = session_anchor(user), now, now


def _drop_session_login() -> None:
    for key in _SESSION_KEYS:
        session.pop(key, None)


def _session_alive(user: User) -> bool:
    """True while the cookie session still matches the user's anchor and has not timed out."""
    config = current_app.config
    now = int(time.time())
    auth_at, seen_at = session.get(_AUTH_AT), session.get(_SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return False
    if now - auth_at > config["SESSION_MAX_HOURS"] * 3600 or now - seen_at > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if not hmac.compare_digest(str(session.get(_ANCHOR, "")), session_anchor(user)):
        return False
    if now - seen_at >= 60:  # refresh the idle clock at most once a minute (one Set-Cookie)
        session[_SEEN_AT] = now
    return True


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
        """True when the kelurahan is within the user's scope.

        A kiosk surveys exactly the units of its scope, which its bootstrap offers: with kelurahan in
        its scope those kelurahan offices; without (the whole kecamatan) the kecamatan office and
        every kelurahan office of the kecamatan.
        """
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


@dataclass(frozen=True)
class _Verified:
    """A bearer token checked against the database: its user's columns and scope, and the token's id."""

    user_columns: dict
    kelurahan_ids: tuple[int, ...]
    token_id: int

    @functools.cached_property
    def guard(self) -> token_guard.TokenGuard:
        """What a guarded write must find unchanged for this verification to still hold (built once)."""
        columns = self.user_columns
        return token_guard.TokenGuard(self.token_id, columns["session_version"], columns["password_hash"],
                                      columns["role"], columns["kecamatan_id"], self.kelurahan_ids)


# The user's mapped attributes and their columns: the token query reads them as plain columns (no
# ORM entity to build per request; the request's User is made from them by _known_row).
_USER_ATTRS = tuple((attr.key, attr.columns[0]) for attr in sa_inspect(User).column_attrs)
_USER_COLUMNS = tuple(key for key, _ in _USER_ATTRS)


def _bearer_digest() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    return token_digest(token) if token else None


def _bearer_user() -> tuple[User, int, Scope] | None:
    """The user, device token id and scope of the request's bearer token, or None.

    With TOKEN_CACHE_SECONDS > 0 (default 0: always asked) a verified token is remembered: a token
    revoked, a user deactivated or a password, role or scope changed by another process (another
    web worker, the CLI) is refused at the latest that many seconds later; a change made through
    this process applies at once (server.local_cache). A view that writes under a token guard
    (``require_role(guarded_write=True)``, PostgreSQL) uses a verified token from this process's
    cache and leaves ``g.token_guard`` for its write statement to confirm (server.token_guard);
    without a guard (SQLite) such a view verifies on every request, whatever TOKEN_CACHE_SECONDS.
    """
    digest = _bearer_digest()
    if digest is None:
        return None
    write = g.get(_GUARDED_WRITE, False)
    guarded = write and db.engine.dialect.name == "postgresql"
    cache = local_cache.cache_of(current_app, "guarded_tokens" if guarded else "tokens")
    verified = None if write and not guarded else cache.get(digest)  # no guard (SQLite): a write always verifies
    g.token_guard = None
    if verified is None:
        generation = local_cache.generation()
        verified, wrote = _verify_token(digest)
        if verified is None:
            return None
        if wrote:  # its own update of the token bumped the generation: not a change to what it read
            generation = local_cache.generation()
        ttl = token_guard.CACHE_SECONDS if guarded else current_app.config["TOKEN_CACHE_SECONDS"]
        cache.put(digest, verified, ttl, generation)
    elif guarded:
        g.token_guard = verified.guard
    # A guarded write reads only the user's columns (role, id, kecamatan): no ORM row to build.
    user = SimpleNamespace(**verified.user_columns) if guarded else _known_row(User, verified.user_columns)
    ids = verified.kelurahan_ids
    return user, verified.token_id, Scope(user, user.kecamatan_id, frozenset(ids) if ids else None)


def pending_token_guard() -> token_guard.TokenGuard | None:
    """What this request's guarded write must confirm (None: the token was verified by this request)."""
    return g.get("token_guard")


def verify_again(roles: Iterable[str]) -> None:
    """After :class:`server.token_guard.TokenChanged`: forget the cached token, verify it now, check the role.

    The caller has rolled back. Raises the 401 (the token is revoked) or 403 a fresh check gives.
    """
    digest = _bearer_digest()
    if digest is not None:
        local_cache.cache_of(current_app, "guarded_tokens").pop(digest)
    user = g.pop("api_user", None)
    if isinstance(user, User) and user in db.session:
        db.session.expunge(user)
    for key in ("api_scope", "device_token_id", "device_token", "token_guard"):
        g.pop(key, None)
    _check_role(current_api_user(), tuple(roles))


def _known_row(model, columns: dict):
    """A row of ``model`` in the session without a query: ``columns`` as known, the rest loaded on first read.

    Setting an attribute and committing updates the row by its primary key, as on a loaded object.
    """
    row = model(**columns)
    make_transient_to_detached(row)
    try:
        db.session.add(row)  # cheaper than merge; refused when the session already holds that row
    except InvalidRequestError:
        return db.session.merge(row, load=False)
    return row


# The token check's query, built once: token, user (as plain columns) and kelurahan scope (one row per
# scope row) of a token digest. Run on the session's connection: no ORM entity, no per-request build.
_TOKEN_QUERY = (select(DeviceToken.id, DeviceToken.revoked_at, DeviceToken.anchor, DeviceToken.last_seen_at,
                       UserScope.kelurahan_id, *(column for _, column in _USER_ATTRS))
                .join(User, User.id == DeviceToken.user_id)
                .outerjoin(UserScope, UserScope.user_id == User.id)
                .where(DeviceToken.token_hash == bindparam("digest")))


def _verify_token(digest: str) -> tuple[_Verified | None, bool]:
    """Check the token in the database (one query for token, user and scope; retried once on a dead connection).

    :return: the verified token (None: refused) and whether the token row was updated (and committed).
    """
    params = {"digest": digest}
    try:
        rows = db.session.connection().execute(_TOKEN_QUERY, params).all()
    except DBAPIError as err:
        if not err.connection_invalidated:
            raise
        db.session.rollback()  # the pool replaced the dead connection: one more try
        rows = db.session.connection().execute(_TOKEN_QUERY, params).all()
    if not rows:
        return None, False
    token_id, revoked_at, anchor, last_seen, _, *user_values = rows[0]
    user_columns = dict(zip(_USER_COLUMNS, user_values))
    user = SimpleNamespace(**user_columns)  # what session_anchor reads, as attributes
    if revoked_at is not None or not user.active:
        return None, False
    ids = sorted({row[4] for row in rows if row[4] is not None})
    current = session_anchor(user, ids)
    changes: dict = {}
    if anchor is None:  # issued before anchors existed: bind it to the user as they are now
        changes["anchor"] = current
    elif not hmac.compare_digest(anchor, current):
        _update_token(token_id, revoked_at=utcnow())  # password, role or scope changed: revoked from now on
        return None, True
    now = utcnow()
    if last_seen is None or (now - (last_seen if last_seen.tzinfo else last_seen.replace(tzinfo=now.tzinfo))
                             > _LAST_SEEN_GRANULARITY):
        changes["last_seen_at"] = now
    if changes:
        _update_token(token_id, **changes)
    return _Verified(user_columns, tuple(ids), token_id), bool(changes)


def _update_token(token_id: int, **values) -> None:
    table = DeviceToken.__table__
    db.session.execute(update(table).where(table.c.id == token_id).values(**values))
    db.session.commit()


def current_api_user() -> User:
    """The user of this API request: a bearer token, or the admin's session cookie."""
    if "api_user" in g:
        return g.api_user
    found = _bearer_user()
    if found is not None:
        g.api_user, g.device_token_id, g.api_scope = found
        token_id = g.device_token_id
        g.device_token = LocalProxy(functools.cache(lambda: _known_row(DeviceToken, {"id": token_id})))
        return g.api_user
    from flask_login import current_user

    # The admin's session cookie reads the API (GET only: writes need a bearer token, so no CSRF).
    if request.method in ("GET", "HEAD") and current_user and current_user.is_authenticated:
        g.api_user, g.device_token_id, g.device_token = current_user._get_current_object(), None, None
        return g.api_user
    raise ApiError(401, "unauthorized", "Login required: send 'Authorization: Bearer <token>'.")


def current_device_token_id() -> int | None:
    """The id of the device token of this request, if any."""
    current_api_user()
    return g.get("device_token_id")


def _check_role(user: User, roles: tuple[str, ...]) -> None:
    if roles and user.role not in roles:
        raise ApiError(403, "forbidden", f"Role '{user.role}' may not do this.")


def require_role(*roles: str, guarded_write: bool = False) -> Callable:
    """Decorate an API view: authenticate, then refuse roles not listed (403).

    :param guarded_write: the view's write confirms the token itself (server.token_guard): a token
        this process verified before may be taken from its cache.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if guarded_write:
                g.setdefault(_GUARDED_WRITE, True)
            _check_role(current_api_user(), roles)
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
    """The session's user, while the session is alive; an ended session logs out (keeps the language)."""
    user = db.session.get(User, int(user_id)) if user_id.isdigit() and len(user_id) < 12 else None
    if user is None or not user.active or not _session_alive(user):
        _drop_session_login()
        return None
    return user


def init_app(app: Flask) -> None:
    """Bind Flask-Login and CSRF (admin forms); the API uses bearer tokens and is exempt.

    SESSION_IDLE_MINUTES (default 120) and SESSION_MAX_HOURS (default 10: an office day) bound every
    admin cookie session (env ``SIKK_SESSION_IDLE_MINUTES``, ``SIKK_SESSION_MAX_HOURS``).
    """
    app.config.setdefault("SESSION_IDLE_MINUTES", 120)
    app.config.setdefault("SESSION_MAX_HOURS", 10)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["SESSION_MAX_HOURS"])
    local_cache.install()  # this process's writes to users, tokens and scopes empty the token cache at once
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    csrf.init_app(app)

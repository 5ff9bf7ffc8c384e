"""A sync's bearer token, confirmed by the very statement that writes the batch (PostgreSQL).

Why: on a one-item sync the token query was a quarter of the web's CPU. A web process may keep a
token it verified (for :data:`CACHE_SECONDS`) **only for the sync's write**, because the write
itself re-checks, inside its INSERT statement, everything the verification read: the token is not
revoked, its user is active and still has the same session version, password hash, role, kecamatan
and kelurahan scope (every input of the session anchor, ``server.security``). When any of them
changed — revoked by another process, a scope row deleted by hand — the statement inserts nothing
and says so; the sync then rolls back, verifies the token afresh (a changed anchor revokes it: 401)
and only then runs again. So a revocation or scope change holds on the very next sync in every
process, as it does without the cache, and the check costs no round trip of its own.

Everything else (reads, admin pages, other writes) verifies the token on every request, as before.
The embedded SQLite database has no guard: there every request verifies.
"""
from __future__ import annotations

from dataclasses import dataclass

from server.models import DeviceToken, User, UserScope

# How long a web process keeps a token verified for guarded writes; at that age it verifies again
# (which also refreshes the token's last_seen_at, written at most every 5 minutes anyway).
CACHE_SECONDS = 300.0

_T, _U, _S = DeviceToken.__tablename__, User.__tablename__, UserScope.__tablename__
for _table, _names in ((DeviceToken.__table__, ("id", "user_id", "revoked_at")),
                       (User.__table__, ("id", "active", "session_version", "password_hash", "role", "kecamatan_id")),
                       (UserScope.__table__, ("user_id", "kelurahan_id"))):
    for _name in _names:
        _table.c[_name]  # every name a column of the model (else KeyError at import)

# True while the token and its user are exactly as verified (names from the models; values are parameters).
CONDITION_SQL = (
    f"EXISTS (SELECT 1 FROM {_T} AS token JOIN {_U} AS owner ON owner.id = token.user_id "  # nosec B608
    "WHERE token.id = %s AND token.revoked_at IS NULL AND owner.active "
    "AND owner.session_version IS NOT DISTINCT FROM %s AND owner.password_hash = %s AND owner.role = %s "
    "AND owner.kecamatan_id IS NOT DISTINCT FROM %s "
    f"AND ARRAY(SELECT scope.kelurahan_id FROM {_S} AS scope WHERE scope.user_id = owner.id "
    "ORDER BY scope.kelurahan_id) = %s::integer[])"
)


class TokenChanged(Exception):
    """The guarded write found the token or its user changed since this process verified it."""


@dataclass(frozen=True)
class TokenGuard:
    """What a guarded write must find unchanged: the token and its user as this process verified them."""

    token_id: int
    session_version: int | None
    password_hash: str
    role: str
    kecamatan_id: int | None
    kelurahan_ids: tuple[int, ...]

    def params(self) -> list:
        """The parameters of :data:`CONDITION_SQL`, in its order."""
        return [self.token_id, self.session_version, self.password_hash, self.role, self.kecamatan_id,
                list(self.kelurahan_ids)]


def confirm(cursor, guard: TokenGuard) -> None:
    """Check the guard on its own (a sync that writes nothing); raise :class:`TokenChanged` when it fails."""
    cursor.execute(f"SELECT {CONDITION_SQL}", guard.params())  # nosec B608 - CONDITION_SQL holds no value
    if not cursor.fetchone()[0]:
        raise TokenChanged()

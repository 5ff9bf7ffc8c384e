"""Device login: trade a username and password for a bearer token, revoke it, ask who it belongs to.

Tokens are 256-bit random strings of which only the SHA-256 is stored (`server.security`); a
revoked token is refused by the very next request. An unknown user, a wrong password and an
inactive account all answer the same 401, in the same time, so the endpoint tells an attacker
nothing. Wrong passwords are limited per address and per username, shared with the admin login
(:mod:`server.login_guard`, 429 with Retry-After beyond it). A token ends when revoked, and when the
user's password, role, scope or active state changes (``server.security.session_anchor``).
"""
from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from server import login_guard
from server.errors import ApiError
from server.extensions import db
from server.models import User
from server.models._types import utcnow
from server.params import storable
from server.schemas.auth import TokenRequestSchema, TokenSchema, UserSchema
from server.security import ALL_ROLES, check_password, current_api_user, issue_token, require_role

bp = Blueprint("auth", __name__, description="Device login: bearer tokens")

BEARER = [{"bearer": []}]


def find_user(username: str) -> User | None:
    """The user with this username (surrounding whitespace ignored, as phones' keyboards add it).

    A name no database could store belongs to nobody (and never reaches the database).
    """
    if not storable(username):
        return None
    return db.session.scalar(select(User).where(User.username == username.strip()))


@bp.route("/auth/token")
class Token(MethodView):
    @bp.arguments(TokenRequestSchema)
    @bp.response(201, TokenSchema)
    @bp.alt_response(401, description="Bad credentials or inactive user")
    @bp.alt_response(422, description="Malformed body")
    @bp.alt_response(429, description="Too many wrong passwords from this address or for this username "
                                        "(Retry-After says when to try again)")
    def post(self, body: dict):
        """Log in: return a new bearer token for this device and the user it belongs to."""
        login_guard.check(body["username"])
        user = find_user(body["username"])
        password = body["password"] if storable(body["password"]) else ""  # hashing needs UTF-8; "" never matches
        if not check_password(user, password):
            login_guard.failed(body["username"])
            raise ApiError(401, "invalid_credentials", "Nama pengguna atau kata sandi salah.")
        token = issue_token(user, body.get("device"))
        db.session.commit()
        return {"token": token, "user": user}

    @bp.doc(security=BEARER)
    @bp.response(204)
    @bp.alt_response(401, description="No valid bearer token")
    @require_role(*ALL_ROLES)
    def delete(self):
        """Log out: revoke the bearer token of this request; it is refused from now on."""
        token = g.get("device_token")
        if token is None:  # an admin's session cookie is not a token (and DELETE never reads it)
            raise ApiError(401, "unauthorized", "Send the token to revoke as 'Authorization: Bearer <token>'.")
        token.revoked_at = utcnow()
        db.session.commit()


@bp.route("/auth/me")
class Me(MethodView):
    @bp.doc(security=BEARER)
    @bp.response(200, UserSchema)
    @bp.alt_response(401, description="No valid bearer token")
    def get(self):
        """The user this token (or admin session) belongs to."""
        return current_api_user()

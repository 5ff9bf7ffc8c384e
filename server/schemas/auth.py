"""Wire formats of /api/v1/auth: the login body, the token it answers with, a user's public face.

`UserSchema` is shared: the bootstrap document carries the same user object.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from server.params import storable
from server.security import ALL_ROLES


def _storable_field(text: str) -> None:
    """Refuse text no database could store (NUL, lone surrogates) as a field error, not a 500."""
    if not storable(text):
        raise ValidationError("Berisi karakter yang tidak valid.")


class TokenRequestSchema(Schema):
    """The login body: `device` names the phone or kiosk (shown when tokens are listed/revoked)."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    device = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=120), _storable_field])


class UserSchema(Schema):
    """The public face of a user (never the password hash or scope rows)."""

    id = fields.Integer(required=True)
    username = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(list(ALL_ROLES)))


class TokenSchema(Schema):
    token = fields.String(required=True, metadata={"description": "Send as 'Authorization: Bearer <token>'."})
    user = fields.Nested(UserSchema, required=True)

"""The one error shape of the API, as documented in the OpenAPI document (server/errors.py writes it)."""
from __future__ import annotations

import marshmallow as ma


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Machine-readable reason, e.g. invalid_credentials"})
    message = ma.fields.String(required=True, metadata={"description": "Human-readable message (Indonesian)"})
    fields = ma.fields.Dict(metadata={"description": "Per-field errors, when a field is to blame"})


class ErrorEnvelopeSchema(ma.Schema):
    """`{"error": {"code", "message", "fields"}}` — every 4xx/5xx of /api/v1."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)

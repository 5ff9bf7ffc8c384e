"""Wire formats of GET /api/v1/reviews: the cursor argument and a page of decisions."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ReviewArgsSchema(Schema):
    # The cursor is URL-safe base64 without padding; the pattern says so in the OpenAPI document.
    since = fields.String(validate=[validate.Length(max=200), validate.Regexp(r"^[A-Za-z0-9_-]*$")],
                          metadata={"description": "next_cursor of the previous call (opaque)"})


class ReviewSchema(Schema):
    id = fields.UUID(required=True)
    form = fields.String(required=True)
    form_version = fields.Integer(required=True)
    subject = fields.Dict(allow_none=True, required=True)
    ref = fields.UUID(allow_none=True, required=True)
    supersedes = fields.UUID(allow_none=True, required=True)
    observed_at = fields.DateTime(required=True)
    data = fields.Dict(required=True)
    status = fields.String(required=True, metadata={"description": "accepted | rejected | returned | pending"})
    reason = fields.String(allow_none=True, required=True)
    reviewed_at = fields.DateTime(required=True)
    superseded_by = fields.UUID(allow_none=True, required=True)


class ReviewPageSchema(Schema):
    reviews = fields.List(fields.Nested(ReviewSchema), required=True)
    next_cursor = fields.String(required=True)

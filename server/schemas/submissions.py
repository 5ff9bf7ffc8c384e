"""Wire formats of /api/v1/submissions and /api/v1/attachments.

The batch envelope is loaded with marshmallow; the items inside it are checked by `server.sync`
by hand (it is the hot path), and `SubmissionItemSchema` documents them for the OpenAPI document.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.clock import DEFAULT_TIMEZONE
from server.periods import EARLIEST_DATE, FUTURE_DAYS

WINDOW = f"{EARLIEST_DATE.isoformat()} to {FUTURE_DAYS} days after the server's date"


class SubjectSchema(Schema):
    """Exactly one of the three keys, by the form's subject kind."""

    rw_id = fields.Integer()
    kelurahan_id = fields.Integer()
    kecamatan_id = fields.Integer()


class SubmissionItemSchema(Schema):
    """One submission as the device sends it (documentation of the item shape)."""

    id = fields.UUID(required=True, metadata={"description": "UUID made on the device"})
    form = fields.String(required=True, metadata={"example": "inspeksi-rw"})
    form_version = fields.Integer(required=True, metadata={"example": 1})
    subject = fields.Nested(SubjectSchema, allow_none=True,
                            metadata={"description": "Omitted for follow-ups (it is their record's)."})
    ref = fields.UUID(allow_none=True, metadata={"description": "Follow-ups: the record they refer to."})
    supersedes = fields.UUID(allow_none=True, metadata={"description": "A correction: the submission it replaces."})
    observed_at = fields.String(required=True, metadata={
        "example": "2026-03-14T09:30:00+07:00", "format": "date-time",
        "description": "ISO 8601 with offset; from " + WINDOW + ", and not in the future (clock skew allowed). "
                       f"Its LOCAL date in the deployment's timezone ({DEFAULT_TIMEZONE} by default) decides the period."})
    data = fields.Dict(required=True, metadata={
        "description": "Field values by key (the form definition). Every date (YYYY-MM-DD), datetime (ISO 8601 with "
                       "offset) and `periode` (YYYY-Qn) must lie within the date window: " + WINDOW + " "
                       "(a value outside it is `invalid` with an Indonesian message)."})


class SubmissionBatchDocSchema(Schema):
    """The request body of POST /api/v1/submissions (at most MAX_BATCH_ITEMS items, else 413)."""

    submissions = fields.List(fields.Nested(SubmissionItemSchema), required=True)


class SubmissionBatchSchema(Schema):
    """What is loaded: the envelope only; every item is checked on its own so one cannot sink others."""

    submissions = fields.List(fields.Raw(), required=True)


class SubmissionResultSchema(Schema):
    id = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(["created", "duplicate", "invalid", "conflict"]))
    errors = fields.Dict(keys=fields.String(), values=fields.String())
    ref_pending = fields.Boolean(metadata={"description": "A follow-up whose record has not arrived yet."})
    missing_attachments = fields.List(fields.String(),
                                      metadata={"description": "Photo hashes not uploaded yet (PUT /attachments)."})


class SubmissionBatchResultSchema(Schema):
    results = fields.List(fields.Nested(SubmissionResultSchema), required=True)


class SubmissionListArgsSchema(Schema):
    form = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,39}\Z"))
    since = fields.String(metadata={"description": "ISO 8601 with offset: received at or after"})
    cursor = fields.String(metadata={"description": "next_cursor of the previous page (opaque)"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class StoredSubmissionSchema(Schema):
    id = fields.UUID()
    form = fields.String(attribute="form_code")
    form_version = fields.Integer()
    subject = fields.Dict(allow_none=True)
    ref = fields.UUID(allow_none=True)
    supersedes = fields.UUID(allow_none=True)
    observed_at = fields.DateTime()
    received_at = fields.DateTime()
    data = fields.Dict()
    review_status = fields.String()
    superseded_by = fields.UUID(allow_none=True)
    incomplete = fields.Boolean(metadata={"description": "Some of its photos are not uploaded yet."})


class SubmissionPageSchema(Schema):
    submissions = fields.List(fields.Nested(StoredSubmissionSchema))
    next_cursor = fields.String(allow_none=True)


class AttachmentSchema(Schema):
    sha256 = fields.String()
    content_type = fields.String()
    size = fields.Integer()

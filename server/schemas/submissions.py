"""Wire formats of /api/v1/submissions and /api/v1/attachments.

The batch envelope is loaded with marshmallow, and so is every item inside it, on its own:
:class:`SubmissionItemSchema` is both the OpenAPI document of an item and THE check the sync runs
(``server.sync``), one load per item inside the batch loop, so one bad item never sinks the others.
What an item's checks need from its batch (the sender's role, the latest acceptable
``observed_at``, the form definitions, the service types) comes from :data:`ItemContext`.

Every message is Indonesian and keyed by the item's key (``data.<field>`` for its data); the
fields are plain, and the checks that depend on the item's form run in one schema validator in
the order the device needs them (form first: with an unknown form nothing else is judged).
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from marshmallow import RAISE, Schema, ValidationError, fields, missing, post_load, validate, validates_schema
from marshmallow.experimental.context import Context

from domain.clock import DEFAULT_TIMEZONE
from server.forms.validate import parse_datetime
from server.forms.validate import validate as validate_data
from server.periods import EARLIEST_DATE, FUTURE_DAYS

WINDOW = f"{EARLIEST_DATE.isoformat()} to {FUTURE_DAYS} days after the server's date"

UNKNOWN_KEY = "Isian tidak dikenal."
NOT_AN_OBJECT = "Harus berupa objek."
NOT_A_UUID = "Wajib berupa UUID."
UNKNOWN_FORM = "Formulir atau versinya tidak dikenal."
NOT_A_TIME = "Wajib berupa waktu ISO 8601 dengan zona waktu."
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_SUBJECT_KEYS = {"rw": ("rw_id",), "kelurahan": ("kelurahan_id",), "unit": ("kelurahan_id", "kecamatan_id")}
_ANY_SUBJECT = ("rw_id", "kelurahan_id", "kecamatan_id")
_MAX_ID = 2**31 - 1
# Where a field's own error is reported in an item's result (the device reads these keys).
_JUDGED_BY_FORM = frozenset({"observed_at", "data.data", "subject", "ref", "supersedes"})
_RESULT_KEY = {"_schema": "_item", "form_version": "form", "data": "data.data"}


class Batch(Protocol):
    """What an item's checks read from the batch it came in."""

    role: str
    latest: dt.datetime  # the latest acceptable observed_at (now plus the allowed clock skew)
    service_types: Any

    def form(self, code: Any, version: Any) -> Any:
        """The form definition of (code, version), or None."""


ItemContext = Context[Batch]


def as_uuid(value: Any) -> uuid.UUID | None:
    """A UUID from its text (at most 64 characters), else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass
class CheckedItem:
    """A valid item, its values parsed: what the sync builds the row from."""

    id: uuid.UUID
    form: Any  # the form definition row (code, version, definition)
    observed: dt.datetime
    ref: uuid.UUID | None
    supersedes: uuid.UUID | None
    subject_key: tuple[str, int] | None
    raw: dict


class _AsSent:
    """A documented field that keeps the value as sent: its check depends on the form (the validator's).

    Only presence and null are judged here (the field's ``required`` and ``null`` messages); the
    rest of marshmallow's per-field steps would only copy the value.
    """

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None or value is missing:
            return super().deserialize(value, attr, data, **kwargs)
        return value


class _SentString(_AsSent, fields.String):
    pass


class _SentInteger(_AsSent, fields.Integer):
    pass


class _SentUUID(_AsSent, fields.UUID):
    pass


class _SentDict(_AsSent, fields.Dict):
    pass


class _SentNested(_AsSent, fields.Nested):
    pass


class _ItemId(fields.UUID):
    """The item's UUID: text of at most 64 characters."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None or value is missing:
            return super().deserialize(value, attr, data, **kwargs)
        found = as_uuid(value)
        if found is None:
            raise ValidationError(NOT_A_UUID)
        return found

    def _deserialize(self, value, attr, data, **kwargs):
        found = as_uuid(value)
        if found is None:
            raise ValidationError(NOT_A_UUID)
        return found


class SubjectSchema(Schema):
    """Exactly one of the three keys, by the form's subject kind."""

    rw_id = fields.Integer()
    kelurahan_id = fields.Integer()
    kecamatan_id = fields.Integer()


class SubmissionItemSchema(Schema):
    """One submission as the device sends it; loading it is the item's whole check (see the module)."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN_KEY, "type": NOT_AN_OBJECT}

    id = _ItemId(required=True, error_messages={"required": NOT_A_UUID, "null": NOT_A_UUID},
                 metadata={"description": "UUID made on the device"})
    form = _SentString(required=True, error_messages={"required": UNKNOWN_FORM, "null": UNKNOWN_FORM},
                       metadata={"example": "inspeksi-rw"})
    form_version = _SentInteger(required=True, error_messages={"required": UNKNOWN_FORM, "null": UNKNOWN_FORM},
                                metadata={"example": 1})
    subject = _SentNested(SubjectSchema, allow_none=True,
                          metadata={"description": "Omitted for follow-ups (it is their record's)."})
    ref = _SentUUID(allow_none=True, metadata={"description": "Follow-ups: the record they refer to."})
    supersedes = _SentUUID(allow_none=True, metadata={"description": "A correction: the submission it replaces."})
    observed_at = _SentString(required=True, error_messages={"required": NOT_A_TIME, "null": NOT_A_TIME}, metadata={
        "example": "2026-03-14T09:30:00+07:00", "format": "date-time",
        "description": "ISO 8601 with offset; from " + WINDOW + ", and not in the future (clock skew allowed). "
                       f"Its LOCAL date in the deployment's timezone ({DEFAULT_TIMEZONE} by default) decides the period."})
    data = _SentDict(required=True, error_messages={"required": NOT_AN_OBJECT, "null": NOT_AN_OBJECT}, metadata={
        "description": "Field values by key (the form definition). Every date (YYYY-MM-DD), datetime (ISO 8601 with "
                       "offset) and `periode` (YYYY-Qn) must lie within the date window: " + WINDOW + " "
                       "(a value outside it is `invalid` with an Indonesian message)."})

    def load(self, data, *, many=None, partial=None, unknown=None):
        """marshmallow's load; for an item whose keys marshmallow would only copy, without its per-field steps.

        Every field of an item keeps its value as sent (``_AsSent``) except ``id`` (a UUID): for a
        dict whose keys are all declared, whose required keys are present and not null and whose
        ``id`` is a UUID, marshmallow's field loop would build exactly ``data`` with the id
        parsed — three quarters of an item's load on the sync path. Such an item goes straight to
        the schema validator and post_load, as marshmallow would run them. Anything else — and any
        item the validator refuses — takes marshmallow's own load, so every message is
        marshmallow's (tests/server/test_item_schema.py holds the two to the same answers).
        """
        if many or partial is not None or unknown is not None or not isinstance(data, dict):
            return super().load(data, many=many, partial=partial, unknown=unknown)
        item = self._as_sent(data)
        if item is None:
            return super().load(data)
        try:
            self._check_with_form(item)
        except ValidationError:
            return super().load(data)
        return self._checked(item)

    def _as_sent(self, data: dict) -> dict | None:
        """What marshmallow's field loop makes of ``data`` when it has nothing to say about it, else None."""
        if not data.keys() <= self._DECLARED or not all(data.get(key) is not None for key in self._REQUIRED):
            return None
        item_id = as_uuid(data["id"])
        if item_id is None:
            return None
        return {**data, "id": item_id}

    @validates_schema(skip_on_field_errors=False)
    def _check_with_form(self, item: dict, **_kwargs) -> None:
        """Form and role, observed_at, data, ref/supersedes, subject: every error at once, form first."""
        batch = ItemContext.get()
        form = batch.form(item.get("form"), item.get("form_version"))
        if form is None or not form.published:
            raise ValidationError({"form": UNKNOWN_FORM})
        definition = form.definition
        if batch.role not in definition.get("roles", ()):
            raise ValidationError({"form": f"Peran '{batch.role}' tidak boleh mengisi formulir ini."})
        errors: dict[str, str] = {}
        observed = _check_observed(batch, errors, item.get("observed_at"))
        for key, message in validate_data(definition, item.get("data"), batch.service_types).items():
            errors[f"data.{key}"] = message
        ref, sup = _check_link_ids(errors, item.get("id"), definition["subject"], item.get("ref"),
                                   item.get("supersedes"))
        subject_key = _check_subject(errors, definition["subject"], item.get("subject"))
        if errors:
            raise ValidationError(errors)
        item["_checked"] = (form, observed, ref, sup, subject_key)

    @post_load
    def _checked(self, item: dict, **_kwargs) -> CheckedItem:
        form, observed, ref, sup, subject_key = item.pop("_checked")
        return CheckedItem(item["id"], form, observed, ref, sup, subject_key, item)


SubmissionItemSchema._DECLARED = frozenset(SubmissionItemSchema._declared_fields)
SubmissionItemSchema._REQUIRED = tuple(name for name, f in SubmissionItemSchema._declared_fields.items() if f.required)


def result_errors(messages: Any) -> dict[str, str]:
    """marshmallow's messages of an item as its result's ``errors``: one message per key."""
    if not isinstance(messages, dict):
        return {"_item": str(messages)}
    out: dict[str, str] = {}
    for key, value in messages.items():
        while isinstance(value, list | dict) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        out.setdefault(_RESULT_KEY.get(key, str(key)), str(value))
    if "form" in out:  # with an unknown or forbidden form nothing else of the item is judged
        out = {key: message for key, message in out.items() if key not in _JUDGED_BY_FORM}
    return out


def _check_observed(batch: Batch, errors: dict[str, str], value: Any) -> dt.datetime | None:
    observed = parse_datetime(value)
    if observed is None:
        errors["observed_at"] = NOT_A_TIME
    elif observed > batch.latest:
        errors["observed_at"] = "Tidak boleh di masa depan."
    elif observed < _EARLIEST:
        errors["observed_at"] = "Terlalu lampau."
    return observed


def _check_link_ids(errors: dict[str, str], item_id: uuid.UUID | None, kind: str, ref: Any,
                    supersedes: Any) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """``ref`` (required exactly for follow-up forms) and ``supersedes`` as UUIDs."""
    ref_id = sup_id = None
    if kind == "ref":
        ref_id = as_uuid(ref)
        if ref_id is None:
            errors["ref"] = "Wajib berupa UUID rekaman yang ditindaklanjuti."
    elif ref is not None:
        errors["ref"] = "Formulir ini tidak merujuk rekaman lain."
    if supersedes is not None:
        sup_id = as_uuid(supersedes)
        if sup_id is None:
            errors["supersedes"] = NOT_A_UUID
        elif sup_id == item_id:
            errors["supersedes"] = "Tidak boleh menggantikan dirinya sendiri."
    return ref_id, sup_id


def _check_subject(errors: dict[str, str], kind: str, subject: Any) -> tuple[str, int] | None:
    """Exactly one subject key of the kinds the form allows, with a positive id (a follow-up may omit it)."""
    if subject is None and kind == "ref":
        return None
    allowed = _SUBJECT_KEYS.get(kind, _ANY_SUBJECT)
    if (not isinstance(subject, dict) or len(subject) != 1 or next(iter(subject)) not in allowed
            or not _is_int(next(iter(subject.values()))) or not 0 < next(iter(subject.values())) <= _MAX_ID):
        errors["subject"] = "Wajib berisi tepat satu dari: " + ", ".join(allowed) + "."
        return None
    return next(iter(subject.items()))


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

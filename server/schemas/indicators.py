"""Wire formats of /api/v1/indicators and its drill-downs (criteria, RW statuses, records behind a number).

The query arguments are loaded here (bounds on ids and paging keep the database's integers safe);
the bodies are built by the view from stored results and dumped through these shapes.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class IndicatorArgsSchema(Schema):
    period = fields.String(required=True, metadata={"example": "2026", "description": "YYYY or YYYY-Qn"})
    kelurahan_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                                  metadata={"description": "One kelurahan; omitted: the whole kecamatan"})
    kecamatan_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                                  metadata={"description": "City-level admins: which kecamatan"})


class RecordsArgsSchema(IndicatorArgsSchema):
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000),
                           metadata={"description": "Records per page (at most 5000)"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000),
                            metadata={"description": "Records to skip (at most 1,000,000)"})


class IndicatorSchema(Schema):
    code = fields.String(required=True, metadata={"example": "IKU1"})
    name = fields.String(required=True)
    value = fields.Float(allow_none=True, required=True, metadata={"description": "Realisasi; null: nothing computed"})
    numerator = fields.Float(allow_none=True, required=True)
    denominator = fields.Float(allow_none=True, required=True)
    target = fields.Float(allow_none=True, required=True)
    capaian = fields.Float(allow_none=True, required=True, metadata={"description": "realisasi / target × 100"})
    unit = fields.String(required=True, metadata={"example": "%"})
    computed_at = fields.DateTime(allow_none=True, required=True)
    rule_version = fields.Integer(allow_none=True, required=True)
    mutu = fields.String(allow_none=True, validate=validate.OneOf(["A", "B", "C", "D"]),
                         metadata={"description": "IKU1 only: mutu pelayanan A–D"})


class IndicatorPageSchema(Schema):
    """Exactly the documented shape (docs/api.md); the scope is the one asked for (defaults: server.api.indicators)."""

    period = fields.String(required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)


class CriterionSchema(Schema):
    held = fields.Boolean(required=True)
    reason = fields.String(required=True)
    record_ids = fields.List(fields.String(), required=True)


class KelurahanCriteriaSchema(Schema):
    id = fields.Integer(required=True)
    kode = fields.String(required=True)
    nama = fields.String(required=True)
    baik = fields.Boolean(required=True)
    criteria = fields.Dict(keys=fields.String(), values=fields.Nested(CriterionSchema), required=True)


class _DrillDownPageSchema(Schema):
    """What every drill-down page starts with: the period asked and when its stored result was computed."""

    period = fields.String(required=True)
    computed_at = fields.DateTime(allow_none=True, required=True)


class CriteriaPageSchema(_DrillDownPageSchema):
    kelurahan = fields.List(fields.Nested(KelurahanCriteriaSchema), required=True)


class RwStatusSchema(Schema):
    id = fields.Integer(required=True)
    kelurahan_id = fields.Integer(required=True)
    now = fields.Boolean(required=True)
    baseline = fields.Boolean(required=True)
    changed = fields.Boolean(required=True)
    inspection_now = fields.String(allow_none=True, required=True)
    inspection_baseline = fields.String(allow_none=True, required=True)
    nomor = fields.String(allow_none=True, metadata={"description": "The RW's number, e.g. 03"})
    kelurahan = fields.String(allow_none=True, metadata={"description": "The kelurahan's name"})


class RwPageSchema(_DrillDownPageSchema):
    rw = fields.List(fields.Nested(RwStatusSchema), required=True)


class RecordSchema(Schema):
    id = fields.UUID(required=True)
    form = fields.String(required=True)
    form_version = fields.Integer(required=True)
    subject = fields.Dict(allow_none=True, required=True)
    ref = fields.UUID(allow_none=True, required=True)
    observed_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    review_status = fields.String(required=True)
    data = fields.Dict(required=True)


class RecordsPageSchema(Schema):
    period = fields.String(required=True)
    code = fields.String(required=True)
    kecamatan_id = fields.Integer(required=True)
    kelurahan_id = fields.Integer(allow_none=True, required=True)
    total = fields.Integer(required=True, metadata={"description": "Records behind the number (all pages)"})
    offset = fields.Integer(required=True)
    records = fields.List(fields.Nested(RecordSchema), required=True)

"""Wire format of GET /api/v1/bootstrap, for the OpenAPI document.

Documentation only: the view builds the body as plain dicts (it is hashed for the ETag, so it must
be exactly what is sent) and these schemas describe that shape.
"""
from __future__ import annotations

from marshmallow import Schema, fields

from server.schemas.auth import UserSchema


class RWSchema(Schema):
    id = fields.Integer(required=True)
    nomor = fields.String(required=True, metadata={"example": "01"})
    last_inspected_at = fields.DateTime(allow_none=True, metadata={
        "description": "observed_at of the RW's latest accepted inspection on the server (any officer), or null"})


class KelurahanSchema(Schema):
    id = fields.Integer(required=True)
    kode = fields.String(required=True, metadata={"example": "32.73.02.1001"})
    nama = fields.String(required=True)
    rw = fields.List(fields.Nested(RWSchema), required=True)


class KecamatanSchema(Schema):
    id = fields.Integer(required=True)
    kode = fields.String(allow_none=True, metadata={"example": "32.73.02"})
    nama = fields.String(required=True)


class UnitSchema(Schema):
    """A subject of the unit forms, ready to send as `subject`."""

    kind = fields.String(required=True, metadata={"description": "'kecamatan' (the office) or 'kelurahan'"})
    nama = fields.String(required=True)
    subject = fields.Dict(required=True, metadata={"example": {"kelurahan_id": 3}})


class ServiceTypeSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    group = fields.String(required=True, metadata={"description": "adminduk | umum"})
    section = fields.String(required=True)
    sop_value = fields.Integer(required=True)
    sop_unit = fields.String(required=True, metadata={"description": "minutes | working_days"})


class PeriodSchema(Schema):
    code = fields.String(required=True, metadata={"example": "2026-Q1"})
    kind = fields.String(required=True, metadata={"description": "year | quarter"})
    start = fields.Date(required=True)
    end = fields.Date(required=True, metadata={"description": "Last day, inclusive"})
    current = fields.Boolean(required=True)


class BootstrapSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    kecamatan = fields.Nested(KecamatanSchema, allow_none=True,
                              metadata={"description": "Null for a city-level admin"})
    kelurahan = fields.List(fields.Nested(KelurahanSchema), required=True)
    units = fields.List(fields.Nested(UnitSchema), required=True)
    forms = fields.List(fields.Dict(), required=True,
                        metadata={"description": "Form definitions ({code, version, title, fields…}, docs/forms.md): "
                                                 "every published version; new records use the highest"})
    service_types = fields.List(fields.Nested(ServiceTypeSchema), required=True)
    periods = fields.List(fields.Nested(PeriodSchema), required=True)
    report_due_days = fields.Integer(required=True, metadata={
        "description": "Days after a quarter's end a laporan-kelurahan is due (the rule in force today)"})
    server_time = fields.DateTime(required=True, metadata={"description": "UTC; not part of the ETag"})

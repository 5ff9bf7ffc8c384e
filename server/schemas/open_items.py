"""Wire format of GET /api/v1/open-items: the open complaints and unfinished services a follow-up can refer to."""
from __future__ import annotations

from marshmallow import Schema, fields


class OpenComplaintSchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "the chain's current version: send it as `ref`"})
    subject = fields.Dict(required=True, metadata={"example": {"kelurahan_id": 3}})
    kelurahan = fields.String(required=True, metadata={"description": "name of the kelurahan (or the office)"})
    tanggal_terima = fields.String(allow_none=True, required=True)
    kategori = fields.String(allow_none=True, required=True)
    uraian = fields.String(allow_none=True, required=True)
    observed_at = fields.DateTime(required=True)


class OpenServiceSchema(Schema):
    id = fields.UUID(required=True)
    subject = fields.Dict(required=True)
    kelurahan = fields.String(required=True)
    jenis_layanan = fields.String(allow_none=True, required=True)
    waktu_terima = fields.String(allow_none=True, required=True)


class OpenItemsSchema(Schema):
    complaints = fields.List(fields.Nested(OpenComplaintSchema), required=True)
    services = fields.List(fields.Nested(OpenServiceSchema), required=True)

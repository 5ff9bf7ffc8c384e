"""Wire formats of /api/v1/health and /api/v1/health/ready (the view builds the bodies as dicts)."""
from __future__ import annotations

import marshmallow as ma


class HealthSchema(ma.Schema):
    service = ma.fields.String(required=True, metadata={"description": "Always `sikk`: SIKK's own signature"})
    status = ma.fields.String(required=True, metadata={"description": "`ok` or `degraded`"})
    database = ma.fields.String(required=True, metadata={"description": "`ok` or `error`"})


class ReadySchema(HealthSchema):
    broker = ma.fields.String(required=True, metadata={"description": "`ok`, `error` or `embedded`"})
    outbox_pending = ma.fields.Integer(required=True)
    outbox_lag_seconds = ma.fields.Float(required=True, metadata={"description": "Age of the oldest outbox row"})
    scoring = ma.fields.String(metadata={"description": "`ok`, or `set_aside` while a recompute failed for good"})
    scoring_set_aside = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "Up to 20 (kecamatan, year) whose recompute failed repeatedly, newest first: "
                       "`kecamatan_id`, `kecamatan`, `year`, `error`, `attempts`, `failed_at`"})

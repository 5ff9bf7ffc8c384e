"""Opaque paging cursors of the API: a position (a time, an id) as URL-safe base64 without padding.

One codec for every feed that pages by (time, id): ``GET /api/v1/submissions`` (received_at, id)
and ``GET /api/v1/reviews`` (reviewed_at, id).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import uuid

from server.errors import ApiError


def encode(at: dt.datetime, sid: uuid.UUID) -> str:
    """The cursor of the position (at, sid): the next page starts after it."""
    raw = json.dumps([at.isoformat(), str(sid)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, field: str) -> tuple[dt.datetime, uuid.UUID]:
    """The position a cursor names, its time aware UTC.

    :raise ApiError: 400 naming ``field`` when the cursor is not one of ours.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, sid = json.loads(base64.urlsafe_b64decode(padded.encode()))
        when = dt.datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError
        return when.astimezone(dt.timezone.utc), uuid.UUID(sid)
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError, OverflowError):
        raise ApiError(400, "bad_request", "Kursor tidak valid.", {field: "Kursor tidak valid."}) from None

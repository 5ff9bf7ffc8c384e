"""A stored submission's subject in its wire shape: ``{"rw_id": 7}``, ``{"kelurahan_id": 3}``…

The API returns the subject the phone sent; the row stores it as ``subject_type`` plus the id columns.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ID_OF = {"rw": "rw_id", "kelurahan": "kelurahan_id", "kecamatan": "kecamatan_id"}


def subject_of(row: Mapping[str, Any] | Any) -> dict | None:
    """The subject of a submission (a row mapping or a ``Submission``); None: unit-less."""
    get = row.__getitem__ if isinstance(row, Mapping) else lambda name: getattr(row, name)
    key = _ID_OF.get(get("subject_type"))
    return {key: get(key)} if key else None

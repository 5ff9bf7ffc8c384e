"""SubmissionItemSchema.load: its shortcut for plain items answers exactly as marshmallow's own load.

The sync loads every item with ``SubmissionItemSchema().load``; for an item whose fields
marshmallow would only copy, the schema skips marshmallow's per-field steps. Whatever the item —
valid, unknown keys, nulls, bad ids, wrong types, another form, a bad date — both loads give the
same CheckedItem or the same messages.
"""
from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from server.forms.catalogue import registry
from server.schemas.submissions import CheckedItem, ItemContext, SubmissionItemSchema
from tests.server.test_submissions import inspeksi, skm

SCHEMA = SubmissionItemSchema()
NOW = dt.datetime.now(dt.timezone.utc)


class _Batch:
    """The item context as the sync builds it (server.sync._Batch), for one role."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.latest = NOW + dt.timedelta(minutes=5)
        self.service_types = registry.service_types()

    def form(self, code, version):
        if not (isinstance(code, str) and isinstance(version, int) and not isinstance(version, bool)):
            return None
        return registry.form(code, version)


def _both(raw):
    """(shortcut answer, marshmallow answer): a CheckedItem or the error messages."""
    answers = []
    for load in (SCHEMA.load, lambda d: Schema.load(SCHEMA, d)):
        try:
            answers.append(load(raw))
        except ValidationError as err:
            answers.append(("invalid", err.messages))
    return answers


_values = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=6), st.floats(allow_nan=False),
                    st.just(str(uuid.uuid4())), st.just(str(uuid.uuid4()).upper()), st.just({"rw_id": 1}),
                    st.just({}), st.just([]), st.just("2026-01-02T08:00:00+07:00"), st.just("skm"),
                    st.just("inspeksi-rw"), st.just(1))
_keys = st.sampled_from(["id", "form", "form_version", "subject", "ref", "supersedes", "observed_at", "data",
                         "extra", "_checked"])


@st.composite
def items(draw):
    base = draw(st.sampled_from([inspeksi(1), inspeksi(2, kebun_toga="ya"), skm({"kelurahan_id": 1}),
                                 skm({"rw_id": 1}), {}]))
    base = dict(base)
    for _ in range(draw(st.integers(0, 3))):
        key = draw(_keys)
        if draw(st.booleans()):
            base.pop(key, None)
        else:
            base[key] = draw(_values)
    return base


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=items(), role=st.sampled_from(["officer", "kiosk", "kecamatan_admin"]))
def test_the_shortcut_answers_as_marshmallow_does(app, raw, role):
    with app.app_context(), ItemContext(_Batch(role)):
        fast, full = _both(raw)
    assert fast == full
    assert isinstance(fast, CheckedItem) or fast[0] == "invalid"


def test_a_plain_valid_item_takes_the_shortcut(app, monkeypatch):
    """The valid item of every sync skips marshmallow's field loop (the point of the shortcut)."""
    calls = []
    monkeypatch.setattr(Schema, "_deserialize", lambda self, *a, **k: calls.append(1) or {})
    with app.app_context(), ItemContext(_Batch("officer")):
        checked = SCHEMA.load(inspeksi(1))
    assert isinstance(checked, CheckedItem) and calls == []

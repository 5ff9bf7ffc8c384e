"""No request body or query can make the submissions endpoints answer 500 (property-based)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import auth, make_user, make_wilayah
from tests.server.test_submissions import inspeksi

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats()
           | st.text(max_size=30) | st.sampled_from(["2026-03-14T09:30:00+07:00", "inspeksi-rw", "skm", "\x00", "\ud800"]))
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4),
                           max_leaves=15)
ITEM_KEYS = ["id", "form", "form_version", "subject", "ref", "supersedes", "observed_at", "data"]


@pytest.fixture
def who(app):
    with app.app_context():
        w = make_wilayah()
        rw = w.rw[w.kelurahan[0].id][0].id
        return rw, make_user("camat", "kecamatan_admin", None)[1]  # city-level: the widest scope


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=st.lists(st.tuples(st.sampled_from(ITEM_KEYS), json_values), max_size=4),
       data_mutations=st.dictionaries(st.sampled_from(["kebun_toga", "foto", "lokasi", "catatan", "kejadian_kriminal"]),
                                      json_values, max_size=3))
def test_post_never_500(client, who, mutations, data_mutations):
    rw, token = who
    item = inspeksi(rw)
    item["data"].update(data_mutations)
    for key, value in mutations:
        item[key] = value
    body = json.dumps({"submissions": [item]}, allow_nan=True)
    resp = client.post("/api/v1/submissions", data=body, content_type="application/json", headers=auth(token))
    assert resp.status_code < 500, resp.get_data(as_text=True)
    if resp.status_code == 200:
        assert resp.json["results"][0]["status"] in {"created", "invalid", "duplicate", "conflict"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["form", "since", "cursor", "limit", "other"]),
                              st.text(max_size=40) | st.sampled_from(["0001-01-01T00:00:00+14:00",
                                                                      "9999-12-31T23:59:59-12:00"]), max_size=4))
def test_get_never_500(client, who, params):
    _, token = who
    resp = client.get("/api/v1/submissions", query_string=params, headers=auth(token))
    assert resp.status_code < 500, resp.get_data(as_text=True)

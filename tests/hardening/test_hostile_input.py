"""Hostile and random input: the validator and the sync endpoint never crash and never store junk.

* Hypothesis builds submissions field by field from each shipped form definition, mixing valid
  values, wrong-typed values, missing and unknown keys. The validator must answer a dict of
  messages (never raise); the sync endpoint must answer one result per item, store exactly the
  items it calls `created`, and every stored row must pass an oracle written here independently
  of server/forms/validate.py.
* Fixed hostile requests: bodies over the limit, batches over the item limit, deeply nested JSON,
  wrong content types, and photo uploads that are not images (including a PNG header on garbage).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.extensions import db
from server.forms.catalogue import default_forms, default_service_types
from server.forms.validate import validate
from server.models import Attachment, Submission
from tests.factories import auth, make_user, make_wilayah
from tests.hardening.helpers import inspeksi_item, jpeg_bytes, observed_yesterday, png_bytes

FORMS = {form["code"]: form for form in default_forms()}
SERVICE_CODES = sorted(s["code"] for s in default_service_types())
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# -- an independent oracle: what a stored value of each field type must look like ----------------


def _is_int(value: Any) -> bool:
    return type(value) is int


def _within(field: dict, number: float) -> bool:
    lo, hi = field.get("min"), field.get("max")
    return (lo is None or number >= lo) and (hi is None or number <= hi)


def _choices(field: dict) -> set:
    if field.get("choices_from") == "service_types":
        return set(SERVICE_CODES)
    return {c["value"] for c in field.get("choices") or ()}


def _has_offset(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


# The documented date window (docs/api.md): 2000-01-01 to one year (366 days) after today.
WINDOW = (dt.date(2000, 1, 1), dt.date.today() + dt.timedelta(days=366))


def _in_window(day: dt.date) -> bool:
    return WINDOW[0] <= day <= WINDOW[1]


def acceptable(field: dict, value: Any) -> bool:
    """True when `value` is a storable answer of `field` (written apart from the validator)."""
    kind = field["type"]
    if kind == "text":
        ok = (isinstance(value, str) and "\x00" not in value and _within(field, len(value))
              and (not field.get("pattern") or re.match(field["pattern"], value) is not None))
        if ok and field["key"] == "periode" and re.match(r"^\d{4}-Q[1-4]$", value):
            year, quarter = int(value[:4]), int(value[-1])
            return 1 <= year and _in_window(dt.date(year, 3 * quarter - 2, 1))
        return ok
    if kind in ("integer",):
        return _is_int(value) and _within(field, value)
    if kind == "likert":
        return _is_int(value) and 1 <= value <= 4
    if kind == "decimal":
        return type(value) in (int, float) and value == value and abs(value) != float("inf") and _within(field, value)
    if kind == "boolean":
        return type(value) is bool
    if kind == "select_one":
        return type(value) in (str, int) and value in _choices(field)
    if kind == "select_multiple":
        return isinstance(value, list) and len(set(value)) == len(value) and all(v in _choices(field) for v in value)
    if kind == "date":
        if not (isinstance(value, str) and DATE_RE.match(value)):
            return False
        try:
            return _in_window(dt.date.fromisoformat(value))
        except ValueError:
            return False
    if kind == "datetime":
        return _has_offset(value) and _in_window(dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date())
    if kind == "geopoint":
        return (isinstance(value, dict) and type(value.get("lat")) in (int, float) and type(value.get("lon")) in (int, float)
                and -90 <= value["lat"] <= 90 and -180 <= value["lon"] <= 180)
    if kind == "photo":
        return isinstance(value, list) and all(isinstance(v, str) and SHA_RE.match(v) for v in value) and _within(field, len(value))
    return False


def stored_row_is_sound(definition: dict, data: Any) -> bool:
    """Every key known, every required field present, every present value acceptable."""
    if not isinstance(data, dict):
        return False
    fields = {f["key"]: f for f in definition["fields"]}
    if any(key not in fields for key in data):
        return False
    for key, field in fields.items():
        value = data.get(key)
        if value in (None, "", []):
            shown = not field.get("show_if") or data.get(field["show_if"]["field"]) == field["show_if"].get("equals")
            if field.get("required") and shown:
                return False
            continue
        if not acceptable(field, value):
            return False
    return True


# -- strategies: field-aware data, a fair share of it wrong ----------------------------------------

json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**64), max_value=2**64)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                           max_leaves=8)
tz = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=7)), dt.timezone(dt.timedelta(hours=-3))])


def valid_value(field: dict) -> st.SearchStrategy:
    """Values the field should accept."""
    kind = field["type"]
    lo, hi = field.get("min"), field.get("max")
    if kind == "text":
        if field["key"] == "periode":
            return st.builds(lambda y, q: f"{y}-Q{q}", st.integers(2000, WINDOW[1].year - 1), st.integers(1, 4))
        if field.get("pattern"):
            return st.from_regex(field["pattern"], fullmatch=True)
        return st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                       max_size=min(hi or 40, 40))
    if kind == "integer":
        return st.integers(min_value=lo if lo is not None else -1000, max_value=hi if hi is not None else 1000)
    if kind == "likert":
        return st.integers(1, 4)
    if kind == "decimal":
        return st.floats(min_value=lo if lo is not None else -1e6, max_value=hi if hi is not None else 1e6)
    if kind == "boolean":
        return st.booleans()
    if kind == "select_one":
        return st.sampled_from(sorted(_choices(field), key=str))
    if kind == "select_multiple":
        return st.lists(st.sampled_from(sorted(_choices(field), key=str)), unique=True, max_size=3)
    if kind == "date":
        return st.dates(dt.date(2020, 1, 1), WINDOW[1] - dt.timedelta(days=2)).map(dt.date.isoformat)
    if kind == "datetime":
        return st.datetimes(dt.datetime(2020, 1, 1), dt.datetime.combine(WINDOW[1] - dt.timedelta(days=2), dt.time()),
                            timezones=tz).map(
            lambda d: d.replace(microsecond=0).isoformat())
    if kind == "geopoint":
        return st.fixed_dictionaries({"lat": st.floats(-90, 90), "lon": st.floats(-180, 180)})
    if kind == "photo":
        return st.lists(st.binary(min_size=1, max_size=8).map(lambda b: hashlib.sha256(b).hexdigest()), max_size=hi or 3)
    raise AssertionError(f"no strategy for field type {kind}")


@st.composite
def form_data(draw, definition: dict, sound: bool = False) -> dict:
    """A `data` object for the definition: each field valid, wrong, or absent; maybe unknown keys.

    With `sound`, every field gets a valid value (the item must be `created`).
    """
    data: dict[str, Any] = {}
    for field in definition["fields"]:
        choice = "valid" if sound else draw(st.sampled_from(["valid", "valid", "valid", "wrong", "absent"]))
        if choice == "valid":
            data[field["key"]] = draw(valid_value(field))
        elif choice == "wrong":
            data[field["key"]] = draw(json_values)
    if not sound and draw(st.integers(0, 9)) == 0:
        data[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
    if sound and "waktu_selesai" in data and "waktu_terima" in data:
        data["waktu_selesai"] = data["waktu_terima"]  # never before it
    return data


@st.composite
def submission_items(draw, places: dict, sound: bool = False) -> dict:
    """One item of any shipped form, subject and ref chosen to fit the form (mostly; always with `sound`)."""
    code = draw(st.sampled_from(sorted(FORMS)))
    definition = FORMS[code]
    item: dict[str, Any] = {"id": str(uuid.uuid4()), "form": code, "form_version": definition["version"],
                            "observed_at": observed_yesterday(), "data": draw(form_data(definition, sound))}
    kind = definition["subject"]
    if kind == "rw":
        item["subject"] = {"rw_id": places["rw"]}
    elif kind in ("kelurahan", "unit"):
        item["subject"] = {"kelurahan_id": places["kel"]}
    else:
        item["ref"] = str(uuid.uuid4())  # its record has not arrived: accepted as pending
    if not sound and draw(st.integers(0, 7)) == 0:
        item[draw(st.sampled_from(["id", "form", "form_version", "subject", "observed_at", "ref", "extra"]))] = draw(json_values)
    return item


# -- the validator alone ---------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_validator_never_raises_and_accepts_only_sound_data(data):
    definition = FORMS[data.draw(st.sampled_from(sorted(FORMS)))]
    submitted = data.draw(form_data(definition) | json_values)
    errors = validate(definition, submitted, SERVICE_CODES)
    assert isinstance(errors, dict)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
    if not errors:
        assert stored_row_is_sound(definition, submitted), submitted


# -- the sync endpoint ----------------------------------------------------------------------------

@pytest.fixture
def places(app) -> dict:
    """A kecamatan admin (every form but none outside its kecamatan) and where it may report."""
    with app.app_context():
        w = make_wilayah()
        kel = w.kelurahan[0]
        _, token = make_user("camat", "kecamatan_admin", w.kecamatan)
        return {"token": token, "rw": w.rw[kel.id][0].id, "kel": kel.id}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sync_stores_exactly_the_created_items_and_nothing_unsound(app, client, places, data):
    sound = data.draw(submission_items(places, sound=True))
    items = [sound] + data.draw(st.lists(submission_items(places), max_size=8))
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(places["token"]))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    results = resp.json["results"]
    assert len(results) == len(items)
    assert {r["status"] for r in results} <= {"created", "invalid", "duplicate", "conflict"}
    created = {r["id"] for r in results if r["status"] == "created"}
    assert sound["id"] in created, results[0]
    sent_ids = []
    for item in items:
        try:
            sent_ids.append(uuid.UUID(item["id"]))
        except (ValueError, TypeError, AttributeError):
            continue
    with app.app_context():
        rows = db.session.execute(select(Submission.id, Submission.form_code, Submission.data)
                                  .where(Submission.id.in_(sent_ids))).all()
    assert {str(r.id) for r in rows} == created
    by_id = {i["id"]: i for i in items if isinstance(i.get("id"), str)}
    for row in rows:
        assert row.form_code in FORMS
        assert stored_row_is_sound(FORMS[row.form_code], row.data), (row.form_code, row.data)
        assert row.data == by_id[str(row.id)]["data"]


# -- fixed hostile requests --------------------------------------------------------------------------

def _assert_error_shape(resp, status: int, code: str | None = None) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    body = resp.get_json()
    assert set(body) == {"error"} and {"code", "message", "fields"} <= set(body["error"]), body
    if code:
        assert body["error"]["code"] == code


def _stored_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Submission.id)).all())


def test_body_over_the_limit_is_413(app, client, places):
    limit = app.config["MAX_CONTENT_LENGTH"]
    item = inspeksi_item(places["rw"], catatan="x" * 100)
    padding = " " * (limit + 1)
    body = json.dumps({"submissions": [item]}) + padding
    resp = client.post("/api/v1/submissions", data=body, content_type="application/json",
                       headers=auth(places["token"]))
    _assert_error_shape(resp, 413, "payload_too_large")
    assert _stored_count(app) == 0


def test_batch_over_the_item_limit_is_413_and_stores_nothing(app, client, places):
    items = [inspeksi_item(places["rw"]) for _ in range(app.config["MAX_BATCH_ITEMS"] + 1)]
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(places["token"]))
    _assert_error_shape(resp, 413, "payload_too_large")
    assert _stored_count(app) == 0
    at_limit = items[:app.config["MAX_BATCH_ITEMS"]]
    resp = client.post("/api/v1/submissions", json={"submissions": at_limit}, headers=auth(places["token"]))
    assert resp.status_code == 200 and {r["status"] for r in resp.json["results"]} == {"created"}


@pytest.mark.parametrize("where", ["envelope", "batch", "data"])
def test_deeply_nested_json_is_a_clean_4xx(app, client, places, where):
    deep = "[" * 10_000 + "]" * 10_000
    if where == "envelope":
        body = deep
    elif where == "batch":
        body = '{"submissions": ' + deep + "}"
    else:
        item = inspeksi_item(places["rw"])
        item["data"]["catatan"] = "__DEEP__"
        body = json.dumps({"submissions": [item]}).replace('"__DEEP__"', deep)
    resp = client.post("/api/v1/submissions", data=body, content_type="application/json",
                       headers=auth(places["token"]))
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)[:300]
    _assert_error_shape(resp, resp.status_code)
    assert _stored_count(app) == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml", None])
def test_wrong_content_type_is_415(app, client, places, content_type):
    body = json.dumps({"submissions": [inspeksi_item(places["rw"])]})
    headers = auth(places["token"])
    if content_type:
        headers["Content-Type"] = content_type
    resp = client.post("/api/v1/submissions", data=body.encode(), headers=headers)
    _assert_error_shape(resp, 415, "unsupported_media_type")
    assert _stored_count(app) == 0


def _put_photo(client, token: str, body: bytes, content_type: str, sha: str | None = None):
    sha = sha or hashlib.sha256(body).hexdigest()
    return client.put(f"/api/v1/attachments/{sha}", data=body, content_type=content_type, headers=auth(token))


NOT_IMAGES = {
    "html as png": (b"<html><script>alert(1)</script></html>", "image/png"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
    "text as jpeg": (b"just some text, not a photo", "image/jpeg"),
    "pdf": (b"%PDF-1.4 fake", "application/pdf"),
    "png header on garbage": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "image/png"),
    "jpeg header on garbage": (b"\xff\xd8\xff\xe0" + b"\x00garbage" * 64, "image/jpeg"),
}


@pytest.mark.parametrize("name", sorted(NOT_IMAGES))
def test_a_photo_upload_that_is_not_an_image_is_refused(app, client, places, name):
    body, content_type = NOT_IMAGES[name]
    resp = _put_photo(client, places["token"], body, content_type)
    _assert_error_shape(resp, 415, "unsupported_media_type")
    with app.app_context():
        assert db.session.scalar(select(Attachment.sha256)) is None


def test_real_photos_are_accepted_once(app, client, places):
    for body, content_type in ((png_bytes(1), "image/png"), (jpeg_bytes(2), "image/jpeg")):
        assert _put_photo(client, places["token"], body, content_type).status_code == 201
        assert _put_photo(client, places["token"], body, content_type).status_code == 200


def test_photo_over_the_limit_is_413(app, client, places):
    limit = app.config["MAX_ATTACHMENT_BYTES"]
    body = jpeg_bytes(3) + b"\x00" * (limit + 1)
    resp = _put_photo(client, places["token"], body, "image/jpeg")
    _assert_error_shape(resp, 413, "payload_too_large")


def test_photo_whose_hash_is_not_its_address_is_refused(app, client, places):
    body = png_bytes(4)
    resp = _put_photo(client, places["token"], body, "image/png", sha=hashlib.sha256(b"other").hexdigest())
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Attachment.sha256)) is None

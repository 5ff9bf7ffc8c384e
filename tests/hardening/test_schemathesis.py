"""Schemathesis over the app's whole OpenAPI document, through the WSGI app.

Every operation the document lists is fuzzed twice: as a kecamatan admin who has data in scope (so
reads return real rows, not only empty pages) and anonymously. Each response must pass
schemathesis's checks: no 5xx, a status code the document declares, the declared content type and
headers, and a body that matches the declared schema. The run is bounded (``MAX_EXAMPLES`` per
operation and caller) to stay well under a minute per database backend.
"""
from __future__ import annotations

import hashlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.factories import make_user, make_wilayah
from tests.hardening.helpers import inspeksi_item, png_bytes

MAX_EXAMPLES = 10


@pytest.fixture
def api_schema(app):
    """The OpenAPI document as the running app serves it.

    No NUL in generated strings: every route answers a NUL (or a lone surrogate) in a query parameter
    with a documented 400 (server/params.py, tests/hardening/test_hostile_params.py), which
    schemathesis would otherwise call a schema-valid request rejected.
    """
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(allow_x00=False)
    return schema


@pytest.fixture
def admin_with_data(app) -> str:
    """A kecamatan admin's bearer token, with a stored inspection and its photo in scope."""
    client = app.test_client()
    with app.app_context():
        w = make_wilayah()
        rw_id = w.rw[w.kelurahan[0].id][0].id
        _, token = make_user("camat", "kecamatan_admin", w.kecamatan)
    photo = png_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    headers = {"Authorization": f"Bearer {token}"}
    put = client.put(f"/api/v1/attachments/{sha}", data=photo, content_type="image/png", headers=headers)
    assert put.status_code == 201, put.get_data(as_text=True)
    post = client.post("/api/v1/submissions", json={"submissions": [inspeksi_item(rw_id, foto=[sha])]},
                       headers=headers)
    assert post.json["results"][0]["status"] == "created", post.json
    return token


schema = schemathesis.pytest.from_fixture("api_schema")
fuzz_settings = settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@fuzz_settings
def test_authenticated_requests_conform(case, admin_with_data):
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_with_data}"})


@schema.parametrize()
@fuzz_settings
def test_anonymous_requests_conform(case):
    case.call_and_validate()


def test_every_api_route_is_in_the_openapi_document(app):
    """schemathesis fuzzes what the document lists: an undocumented route would escape it."""
    import re

    document = app.test_client().get("/api/v1/openapi.json").json
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops
                  if method in ("get", "post", "put", "patch", "delete")}
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        served |= {(method, path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert not sorted(served - documented), f"served but not documented: {sorted(served - documented)}"

"""Schemathesis over the OpenAPI document: no request to the submissions or attachments endpoints
may make the server answer 500 (on SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.factories import make_user, make_wilayah


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def admin_token(app):
    with app.app_context():
        w = make_wilayah()
        return make_user("camat", "kecamatan_admin", w.kecamatan)[1]


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.include(path_regex="^/api/v1/(submissions|attachments)").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, admin_token):
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    assert response.status_code < 500, (case.method, case.path, response.text)

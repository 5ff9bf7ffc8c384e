"""Helpers for the admin tests: log in through the real form (with its CSRF token), write results."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from flask.testing import FlaskClient

from server.extensions import db
from server.models import IndicatorResult, Submission

_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "rahasia123"


def csrf_from(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = _CSRF_RE.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD):
    """Log in through /admin/login as a browser would (GET the form, POST it with its token)."""
    page = client.get("/admin/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post("/admin/login", data={"username": username, "password": password, "csrf_token": token})


def post_form(client: FlaskClient, page_url: str, action: str, data: dict, **kwargs):
    """POST to `action` with the CSRF token taken from `page_url` (as the browser does)."""
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token}, **kwargs)


def result(kecamatan_id: int, code: str, period: str, value: float | None, *, kelurahan_id: int = 0,
           target: float | None = None, capaian: float | None = None, numerator: float | None = None,
           denominator: float | None = None, mutu: str | None = None, details: dict | None = None,
           computed_at: dt.datetime | None = None) -> IndicatorResult:
    """Add one IndicatorResult row, as the scoring workers store it."""
    row = IndicatorResult(kecamatan_id=kecamatan_id, kelurahan_id=kelurahan_id, period=period, code=code,
                          name=code, value=value, numerator=numerator, denominator=denominator, target=target,
                          capaian=capaian, unit="indeks" if code == "IKU1" else "%", mutu=mutu, rule_version=1,
                          details={"record_ids": [], "warnings": [], **(details or {})},
                          computed_at=computed_at or dt.datetime.now(dt.timezone.utc))
    db.session.add(row)
    return row


def submission(form_code: str, *, kecamatan_id: int, kelurahan_id: int | None = None, rw_id: int | None = None,
               data: dict | None = None, observed_at: dt.datetime | None = None, user_id: int | None = None,
               subject_type: str | None = None) -> Submission:
    """Add one stored submission (as the sync would have stored it)."""
    observed = observed_at or dt.datetime(2026, 3, 14, 2, 30, tzinfo=dt.timezone.utc)
    row = Submission(id=uuid.uuid4(), form_code=form_code, form_version=1,
                     subject_type=subject_type or ("rw" if rw_id else "kelurahan" if kelurahan_id else "kecamatan"),
                     kecamatan_id=kecamatan_id, kelurahan_id=kelurahan_id, rw_id=rw_id, observed_at=observed,
                     period_year=observed.year, period_quarter=(observed.month - 1) // 3 + 1,
                     received_at=observed + dt.timedelta(hours=1), data=data or {}, content_hash="x" * 64,
                     user_id=user_id)
    db.session.add(row)
    return row

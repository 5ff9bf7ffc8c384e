"""GET /api/v1/reviews: the decisions on the caller's own records, for the phone's next sync.

An officer learns here that a record was accepted, rejected (with its reason) or sent back for a
correction ("perlu perbaikan", with its reason). Only submissions the caller sent (``user_id`` =
caller) are listed, each with its current state, ordered by (``reviewed_at``, id), oldest first,
at most :data:`PAGE_SIZE` per page. Without ``since`` the feed starts 90 days back.

``next_cursor`` is always present: pass it back as ``since``; when nothing new was decided it is
the cursor that was sent. A record decided again later (say, accepted after being sent back)
appears again with its new state. A record that was later corrected carries ``superseded_by``.
"""
from __future__ import annotations

import datetime as dt
import uuid

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select, tuple_

from domain.clock import aware_utc
from server.api import cursors
from server.extensions import db
from server.models import Submission
from server.schemas.reviews import ReviewArgsSchema, ReviewPageSchema
from server.security import ALL_ROLES, current_api_user, require_role
from server.subjects import subject_of

bp = Blueprint("reviews", __name__, description="Review decisions on the caller's own records")

PAGE_SIZE = 200
DEFAULT_DAYS = 90


def reviews_page(user_id: int, since: str | None, now: dt.datetime) -> dict:
    """One page of the feed of ``user_id`` after the cursor ``since`` (None: the last 90 days)."""
    if since:
        at, sid = cursors.decode(since, "since")
    else:
        at, sid = now - dt.timedelta(days=DEFAULT_DAYS), uuid.UUID(int=0)
    s = Submission
    rows = db.session.scalars(
        select(s).where(s.user_id == user_id, s.reviewed_at.is_not(None),
                        tuple_(s.reviewed_at, s.id) > tuple_(at, sid))
        .order_by(s.reviewed_at, s.id).limit(PAGE_SIZE)).all()
    out = [{"id": str(r.id), "form": r.form_code, "form_version": r.form_version, "subject": subject_of(r),
            "ref": str(r.ref) if r.ref else None, "supersedes": str(r.supersedes) if r.supersedes else None,
            "observed_at": aware_utc(r.observed_at).isoformat(), "data": r.data, "status": r.review_status,
            "reason": r.review_reason, "reviewed_at": aware_utc(r.reviewed_at).isoformat(),
            "superseded_by": str(r.superseded_by) if r.superseded_by else None} for r in rows]
    if rows:
        next_cursor = cursors.encode(aware_utc(rows[-1].reviewed_at), rows[-1].id)
    else:
        next_cursor = since or cursors.encode(at, sid)
    return {"reviews": out, "next_cursor": next_cursor}


@bp.route("/reviews")
class Reviews(MethodView):
    @require_role(*ALL_ROLES)  # authenticate before the query string is parsed
    @bp.doc(security=[{"bearer": []}])
    @bp.arguments(ReviewArgsSchema, location="query")
    @bp.response(200, ReviewPageSchema)
    @bp.alt_response(400, description="Bad cursor")
    @bp.alt_response(401, description="No valid bearer token")
    def get(self, args: dict):
        """Decisions on the caller's own submissions since the cursor, oldest first (at most 200)."""
        page = reviews_page(current_api_user().id, args.get("since"), dt.datetime.now(dt.timezone.utc))
        resp = jsonify(page)
        resp.headers["Cache-Control"] = "private, no-store"
        return resp

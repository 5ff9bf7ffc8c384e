"""POST /api/v1/submissions (devices sync a batch) and GET /api/v1/submissions (admins read).

Limits of POST (config): at most MAX_BATCH_ITEMS items (default 100) and MAX_CONTENT_LENGTH bytes
(default 2 MiB) per request, else 413 in the error shape. Malformed JSON is 400, another content
type 415, an envelope that is not ``{"submissions": [...]}`` 422. Everything about one item (its
form, role, subject, scope, data) is that item's `invalid` result, never the batch's status.

GET pages by (received_at, id). `received_at` is stamped when a batch starts and becomes visible
when it commits, a moment later; an incremental reader should ask again with `since` a minute
before the newest `received_at` it has seen and skip the ids it already holds.
"""
from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import select, tuple_

from domain.clock import aware_utc
from server import sync
from server.api import cursors
from server.errors import ApiError
from server.jsonio import MAX_DEPTH, depth_exceeds
from server.extensions import db
from server.forms.catalogue import registry
from server.forms.validate import parse_datetime, photo_hashes
from server.models import Attachment, Submission
from server.schemas.submissions import (
    SubmissionBatchDocSchema, SubmissionBatchResultSchema, SubmissionBatchSchema, SubmissionListArgsSchema,
    SubmissionPageSchema,
)
from server.subjects import subject_of
from server.security import (
    ADMIN_ROLES, ALL_ROLES, current_device_token_id, current_scope, pending_token_guard, require_role, verify_again,
)
from server.token_guard import TokenChanged

bp = Blueprint("submissions", __name__, description="Sync submissions from devices; read them back (admins)")

batch_schema = SubmissionBatchSchema()
page_schema = SubmissionPageSchema()


def _load_batch() -> list:
    """Parse and load the batch envelope, or raise the fitting 4xx in the error shape."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Kirim JSON (Content-Type: application/json).")
    body = request.get_data(cache=False)  # 413 from Werkzeug beyond MAX_CONTENT_LENGTH
    try:
        payload = current_app.json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "Badan permintaan bukan JSON yang valid.") from None
    if depth_exceeds(payload):
        raise ApiError(400, "too_deep", f"JSON bersarang terlalu dalam (maksimal {MAX_DEPTH} tingkat).")
    try:
        items = batch_schema.load(payload if isinstance(payload, dict) else {"_": payload})["submissions"]
    except ValidationError as err:
        raise ApiError(422, "invalid", "Amplop batch tidak valid.", err.messages_dict) from None
    if not items:
        raise ApiError(400, "bad_request", "Batch kosong: kirim sedikitnya satu pengajuan.",
                       {"submissions": "min 1 item"})
    limit = current_app.config["MAX_BATCH_ITEMS"]
    if len(items) > limit:
        raise ApiError(413, "payload_too_large", f"Terlalu banyak pengajuan dalam satu batch (maksimal {limit}).",
                       {"submissions": f"max {limit} items"})
    return items


@bp.route("/submissions")
class Submissions(MethodView):
    @bp.doc(security=[{"bearer": []}], requestBody={
        "required": True, "content": {"application/json": {"schema": SubmissionBatchDocSchema}},
        "description": "At most MAX_BATCH_ITEMS (100) items and MAX_CONTENT_LENGTH (2 MiB) per request, else 413."})
    @bp.response(200, SubmissionBatchResultSchema)
    @bp.alt_response(400, description="Malformed JSON")
    @bp.alt_response(413, description="Too many items or body too large")
    @bp.alt_response(415, description="Not application/json")
    @bp.alt_response(422, description="The envelope is not {\"submissions\": [...]}")
    @require_role(*ALL_ROLES, guarded_write=True)
    def post(self):
        """Store a batch of submissions idempotently; one result per item, in order."""
        items = _load_batch()
        try:
            results = sync.sync_batch(items, current_scope(), current_device_token_id(), pending_token_guard())
        except TokenChanged:  # the token this process verified earlier changed since: check it now
            db.session.rollback()
            verify_again(ALL_ROLES)  # 401 when it was revoked (a changed anchor revokes it)
            results = sync.sync_batch(items, current_scope(), current_device_token_id())
        return jsonify({"results": results})  # already in the documented shape: no second pass

    @require_role(*ADMIN_ROLES)  # authenticate before the query string is parsed
    @bp.doc(security=[{"bearer": []}])
    @bp.arguments(SubmissionListArgsSchema, location="query")
    @bp.response(200, SubmissionPageSchema)
    @bp.alt_response(400, description="Bad cursor")
    def get(self, args: dict):
        """List the submissions of one form within the admin's scope, oldest received first.

        `since` (ISO 8601 with offset) keeps those received at or after it; `next_cursor` is null
        on the last page. Officers and kiosks get 403; a bad cursor 400.
        """
        return list_submissions(args)


def _db_time(value: dt.datetime, name: str) -> dt.datetime:
    """A bound datetime: aware UTC (SQLite stores it without an offset, so keep everything in UTC)."""
    try:
        return value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise ApiError(400 if name == "cursor" else 422, "bad_request" if name == "cursor" else "invalid",
                       "Parameter tidak valid.", {name: "Di luar rentang waktu."}) from None


def list_submissions(args: dict) -> dict:
    """One page of submissions of a form in the current scope (keyset on received_at, id)."""
    scope = current_scope()
    t = Submission.__table__
    stmt = select(t).where(t.c.form_code == args["form"])
    if scope.kelurahan_ids is not None:
        stmt = stmt.where(t.c.kelurahan_id.in_(scope.kelurahan_ids))
    elif scope.kecamatan_id is not None:
        stmt = stmt.where(t.c.kecamatan_id == scope.kecamatan_id)
    if args.get("since"):
        since = parse_datetime(args["since"])
        if since is None:
            raise ApiError(422, "invalid", "Parameter tidak valid.", {"since": "Wajib ISO 8601 dengan zona waktu."})
        stmt = stmt.where(t.c.received_at >= _db_time(since, "since"))
    if args.get("cursor"):
        at, sid = cursors.decode(args["cursor"], "cursor")
        stmt = stmt.where(tuple_(t.c.received_at, t.c.id) > tuple_(_db_time(at, "cursor"), sid))
    limit = args["limit"]
    rows = db.session.execute(stmt.order_by(t.c.received_at, t.c.id).limit(limit + 1)).mappings().all()
    more = len(rows) > limit
    rows = rows[:limit]
    # Incomplete = names a photo that is not uploaded yet (one query for the page).
    photos: dict[uuid.UUID, list[str]] = {}
    for r in rows:
        form = registry.form(r["form_code"], r["form_version"])
        if form is not None and isinstance(r["data"], dict):
            found = photo_hashes(form.definition, r["data"])
            if found:
                photos[r["id"]] = found
    wanted = {h for hs in photos.values() for h in hs}
    have = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(wanted)))) if wanted else set()
    out = []
    for r in rows:
        out.append({
            **r, "subject": subject_of(r), "observed_at": aware_utc(r["observed_at"]),
            "received_at": aware_utc(r["received_at"]),
            "incomplete": any(h not in have for h in photos.get(r["id"], ())),
        })
    next_cursor = cursors.encode(aware_utc(rows[-1]["received_at"]), rows[-1]["id"]) if more else None
    return {"submissions": out, "next_cursor": next_cursor}


"""Submissions: the scoped list, one record's page (data, photos, location, officer, device,
times, review), its photos, the review form, and the map of inspection locations."""
from __future__ import annotations

import uuid

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from server.admin.access import admin_required, current_admin, may_see_submission, scope_submissions
from server.admin.blueprint import bp
from server.admin.basemap import base_layer, located
from server.admin.charts import MapPoint, points_svg
from server.admin.context import page_context
from server.admin.describe import (coordinates, definition_of, device_label, fields_in_order, form_titles, place_label,
                                   record_label, state_label)
from server.admin.navigation import back_target
from server.admin.queue import filter_from_q, next_record
from server.admin.i18n import current_language, translate
from server.admin.lookups import names_of, period_filter
from server.admin.review import ReviewError, review_submission
from server import attachment_links
from server.extensions import db
from server.params import bounded_int
from server.forms.catalogue import registry
from server.forms.validate import photo_hashes
from server.models import REVIEW_STATES, Attachment, DeviceToken, FormDefinition, ServiceType, Submission, User

PAGE_SIZE = 50
MAX_MAP_POINTS = 2000
MAP_WIDTH, MAP_HEIGHT = 960, 600  # the SVG frame; it shrinks to the screen


def form_codes() -> list[tuple[str, str]]:
    """(code, title) of every form, newest title per code."""
    rows = db.session.execute(select(FormDefinition.code, FormDefinition.title).order_by(FormDefinition.version)).all()
    return sorted({code: title for code, title in rows}.items())


def _get_visible(submission_id: str) -> Submission:
    """The submission, or 404 when it does not exist or lies outside the admin's scope."""
    try:
        key = uuid.UUID(submission_id)
    except ValueError:
        abort(404)
    submission = db.session.get(Submission, key)
    if submission is None or not may_see_submission(submission):
        abort(404)
    return submission


@bp.get("/pengajuan")
@admin_required
def submissions():
    """List the submissions of the period in scope, filtered by form and review status."""
    ctx = page_context()
    form = request.args.get("form") or None
    status = request.args.get("status") or None
    page = bounded_int("page", 1)  # a 4xx, never an overflow in SQL
    stmt = scope_submissions(select(Submission.id, Submission.form_code, Submission.observed_at,
                                    Submission.received_at, Submission.kelurahan_id, Submission.rw_id,
                                    Submission.review_status, Submission.superseded_by, User.name)
                             .outerjoin(User, User.id == Submission.user_id), ctx.kecamatan.id)
    stmt = period_filter(stmt, ctx.period)
    if ctx.kelurahan_id:
        stmt = stmt.where(Submission.kelurahan_id == ctx.kelurahan_id)
    if form:
        stmt = stmt.where(Submission.form_code == form)
    if status in REVIEW_STATES:
        stmt = stmt.where(Submission.review_status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(Submission.observed_at.desc(), Submission.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    extra = {k: v for k, v in (("form", form), ("status", status)) if v}
    return render_template("admin/submissions.html", ctx=ctx, rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), forms=form_codes(), form=form, status=status,
                           names=names_of(ctx.kecamatan.id), extra_fields=extra)


@bp.get("/pengajuan/<submission_id>")
@admin_required
def submission_detail(submission_id: str):
    """One record in people's words (form title, answers in form order, place, officer, device), its
    chain, and the review form; ``q`` keeps the review queue it was opened from, ``kembali`` the list."""
    submission = _get_visible(submission_id)
    definition = definition_of(submission.form_code, submission.form_version)
    english = current_language() == "en"
    data = submission.data or {}
    photo_keys = {f["key"] for f in definition.get("fields", []) if f.get("type") == "photo"}
    photos = photo_hashes(definition, data)
    present = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(photos)))) if photos else set()
    officer = db.session.get(User, submission.user_id) if submission.user_id else None
    device = db.session.get(DeviceToken, submission.device_token_id) if submission.device_token_id else None
    reviewer = db.session.get(User, submission.reviewed_by) if submission.reviewed_by else None
    lokasi = data.get("lokasi") if isinstance(data.get("lokasi"), dict) else None
    names = names_of(submission.kecamatan_id) if submission.kecamatan_id else None
    services = dict(db.session.execute(select(ServiceType.code, ServiceType.name)).all())
    titles = form_titles()
    related = {key: _related(getattr(submission, key), titles, names)
               for key in ("ref", "supersedes", "superseded_by")}
    q = request.args.get("q", "")[:500]
    decided = request.args.get("diputuskan") == "1"
    next_url = None
    if decided or "q" in request.args:
        f = filter_from_q(q, submission.kecamatan_id or 0)
        following = next_record(f, submission.kecamatan_id or 0, submission.id)
        next_url = (url_for("admin.submission_detail", submission_id=str(following), q=f.query_string())
                    if following else url_for("admin.review_queue", **f.args(), selesai=1))
    return render_template(
        "admin/submission.html", s=submission, title=titles.get(submission.form_code, definition.get("title")),
        fields=fields_in_order(definition, data, english, skip=photo_keys, service_names=services),
        photos=photos, present=present, officer=officer, device=device_label(device.device if device else None),
        reviewer=reviewer, lokasi=lokasi, names=names, place=place_label(names, submission.kelurahan_id,
                                                                        submission.rw_id) if names else "–",
        state=state_label(submission.review_status), related=related, q=q,
        back=back_target(url_for("admin.review_queue") + (f"?{q}" if q else "") if "q" in request.args
                         else url_for("admin.submissions")),
        decided=decided, next_url=next_url, tile_url=current_app.config.get("MAP_TILE_URL"),
        coordinates=coordinates(lokasi) if lokasi else "–")


def _related(sid, titles: dict, names) -> dict | None:
    """A linked record (follow-up's record, the version it corrects or its correction) named in words."""
    if sid is None:
        return None
    row = db.session.execute(select(Submission.form_code, Submission.kelurahan_id, Submission.rw_id,
                                    Submission.observed_at, Submission.kecamatan_id)
                             .where(Submission.id == sid)).first()
    if row is None or names is None:
        return {"id": str(sid), "label": str(sid)}
    return {"id": str(sid), "label": record_label(titles.get(row.form_code, row.form_code), names, row.kelurahan_id,
                                                  row.rw_id, row.observed_at)}


@bp.get("/pengajuan/<submission_id>/foto/<sha256>")
@admin_required
def submission_photo(submission_id: str, sha256: str):
    """Serve a photo of a submission in scope (the admin route: scope-checked, never by hash alone)."""
    submission = _get_visible(submission_id)
    form = registry.form(submission.form_code, submission.form_version)
    if form is None or not attachment_links.submission_shows(submission.id, sha256):  # stored with it, by its holder
        abort(404)
    attachment = db.session.get(Attachment, sha256)
    if attachment is None:
        abort(404)
    resp = Response(attachment.content, mimetype=attachment.content_type)
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp


@bp.post("/pengajuan/<submission_id>/tinjau")
@admin_required
def submission_review(submission_id: str):
    """Accept, reject or return a record (reject and return need an Alasan); audited; its scores recompute.

    Back on the record's page afterwards, with the queue it came from and ``Berikutnya``.
    """
    submission = _get_visible(submission_id)
    q = request.form.get("q", "")[:500]
    kembali = request.form.get("kembali", "")[:500]
    keep = {k: v for k, v in (("q", q), ("kembali", kembali)) if v}
    try:
        review_submission(submission, request.form.get("decision", ""), request.form.get("reason", ""),
                          current_admin().id)
    except ReviewError as err:
        flash(translate(str(err)), "error")
        return redirect(url_for("admin.submission_detail", submission_id=submission_id, **keep), 303)
    flash(translate("Tersimpan.") + " " + translate("Status") + ": " + translate(state_label(submission.review_status)),
          "ok")
    return redirect(url_for("admin.submission_detail", submission_id=submission_id, diputuskan=1, **keep), 303)


@bp.get("/peta")
@admin_required
def inspection_map():
    """Plot the period's RW inspections that carry a location (server-made SVG), with the list.

    Each point links to its record. The base layer works offline: the labelled centroid of every
    kelurahan and RW in view, stored with the wilayah or else derived from inspections (see
    server/admin/basemap.py), so a kecamatan without located inspections still gets its map; map
    tiles go underneath only when ``SIKK_MAP_TILE_URL`` is configured.
    """
    ctx = page_context()
    data = Submission.data
    stmt = scope_submissions(select(Submission.id, Submission.rw_id, Submission.observed_at, data["lokasi"],
                                    data["kebun_toga"], data["pengelolaan_sampah"], data["status_kumuh"],
                                    data["lembaga_aktif"])
                             .where(Submission.form_code == "inspeksi-rw", Submission.superseded_by.is_(None)),
                             ctx.kecamatan.id)
    stmt = period_filter(stmt, ctx.period)
    if ctx.kelurahan_id:
        stmt = stmt.where(Submission.kelurahan_id == ctx.kelurahan_id)
    names = names_of(ctx.kecamatan.id)
    items, points = [], []
    # Only the five keys the map needs are read out of each record's JSON (not the whole document).
    for sid, rw_id, observed_at, lokasi, toga, sampah, kumuh, lembaga in db.session.execute(
            stmt.order_by(Submission.observed_at).limit(MAX_MAP_POINTS)):
        if not located(lokasi):
            continue
        # JSON booleans come back as True from PostgreSQL and as 1 from SQLite's json_extract.
        baik = toga in (True, 1) and sampah == "baik" and kumuh == "tidak_kumuh" and lembaga in (True, 1)
        label = f"{names.rw_label(rw_id)} · {observed_at:%d/%m/%Y}"
        href = url_for("admin.submission_detail", submission_id=str(sid), kembali=request.full_path.rstrip("?"))
        points.append(MapPoint(float(lokasi["lat"]), float(lokasi["lon"]), label, baik, href))
        items.append({"id": sid, "label": label, "lat": round(float(lokasi["lat"]), 6),
                      "lon": round(float(lokasi["lon"]), 6), "baik": baik})
    tile_url = current_app.config.get("MAP_TILE_URL")
    places = base_layer(ctx)
    title = f"Kelurahan {ctx.kelurahan_nama}" if ctx.kelurahan_id else f"Kecamatan {ctx.kecamatan.nama}"
    return render_template("admin/map.html", ctx=ctx, svg=points_svg(points, width=MAP_WIDTH, height=MAP_HEIGHT, tile_url=tile_url, places=places),
                           items=items, tile_url=tile_url, title=title)

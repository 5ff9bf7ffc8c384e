"""Search across records (/admin/cari): by kelurahan, RW, officer, form, state, period and text.

The text is matched, case-insensitively, against the whole record as stored (so the words of a
complaint's ``uraian``, an inspection's ``catatan`` or a service's type all match). The page
shows the total for the filters and the count per form, each a link that narrows to that form.
Everything is limited to the admin's scope.
"""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import String, cast, func, select

from server.admin.access import active_kecamatan, admin_required, admin_scope, scope_submissions, visible_kelurahan
from server.admin.blueprint import bp
from server.admin.context import valid_period
from server.admin.describe import STATE_LABELS, form_titles, record_label
from server.admin.lookups import names_of, period_filter
from server.admin.queue import officers_in_scope, positive_int
from server.extensions import db
from server.models import REVIEW_STATES, RW, Submission, User

PAGE_SIZE = 50
MAX_TEXT = 100


def _like_pattern(text: str) -> str:
    """A LIKE pattern that matches ``text`` literally (``%``, ``_`` and ``\\`` escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


@bp.get("/cari")
@admin_required
def search():
    """Records matching the filters, newest first, with the total and the count per form."""
    kecamatan = active_kecamatan()
    visible = visible_kelurahan(kecamatan.id)
    visible_ids = {k.id for k in visible}
    args = request.args
    text = (args.get("q") or "").strip()[:MAX_TEXT]
    kel = positive_int(args.get("kelurahan_id"))
    kel = kel if kel in visible_ids else 0
    rw_choices = db.session.execute(select(RW.id, RW.nomor, RW.kelurahan_id)
                                    .where(RW.kelurahan_id.in_(visible_ids or {0}))
                                    .order_by(RW.kelurahan_id, RW.nomor)).all()
    rw = positive_int(args.get("rw_id"))
    rw = rw if rw in {r.id for r in rw_choices} else 0
    petugas = positive_int(args.get("petugas"))
    form = (args.get("form") or "")[:40]
    status = args.get("status") if args.get("status") in REVIEW_STATES else ""
    period = args.get("period") or ""
    period = period if valid_period(period) else ""

    base = scope_submissions(select(Submission.id), kecamatan.id)
    if not admin_scope().whole_kecamatan:
        base = base.where(Submission.kelurahan_id.in_(visible_ids))
    if kel:
        base = base.where(Submission.kelurahan_id == kel)
    if rw:
        base = base.where(Submission.rw_id == rw)
    if petugas:
        base = base.where(Submission.user_id == petugas)
    if status:
        base = base.where(Submission.review_status == status)
    if period:
        base = period_filter(base, period)
    if text:
        base = base.where(func.lower(cast(Submission.data, String)).like(_like_pattern(text), escape="\\"))
    per_form = dict(db.session.execute(
        select(Submission.form_code, func.count()).where(Submission.id.in_(base)).group_by(Submission.form_code)).all())
    if form:
        base = base.where(Submission.form_code == form)
    total = per_form.get(form, 0) if form else sum(per_form.values())
    page = max(1, min(positive_int(args.get("page")) or 1, 10_000))
    rows = db.session.execute(
        select(Submission.id, Submission.form_code, Submission.kelurahan_id, Submission.rw_id, Submission.observed_at,
               Submission.review_status, User.name, Submission.superseded_by)
        .outerjoin(User, User.id == Submission.user_id).where(Submission.id.in_(base))
        .order_by(Submission.observed_at.desc(), Submission.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    names, titles = names_of(kecamatan.id), form_titles()
    items = [{"id": str(r.id), "label": record_label(titles.get(r.form_code, r.form_code), names, r.kelurahan_id,
                                                      r.rw_id, r.observed_at),
              "officer": r.name, "status": r.review_status, "superseded": r.superseded_by is not None} for r in rows]
    filters = {k: v for k, v in (("q", text), ("kelurahan_id", kel), ("rw_id", rw), ("petugas", petugas),
                                  ("status", status), ("period", period)) if v}
    return render_template(
        "admin/search.html", items=items, total=total, per_form=sorted(per_form.items(), key=lambda kv: -kv[1]),
        titles=titles, text=text, kel=kel, rw=rw, petugas=petugas, form=form, status=status, period=period,
        kelurahan=visible, rw_choices=[(r.id, names.rw_label(r.id)) for r in rw_choices],
        officers=officers_in_scope(kecamatan.id), states=STATE_LABELS, filters=filters, page=page,
        pages=max(1, -(-total // PAGE_SIZE)))

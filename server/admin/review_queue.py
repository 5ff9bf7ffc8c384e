"""The review queue at /admin/tinjau/ (the records waiting for a decision, with filters, counts per
state and bulk accept) and the kecamatan admin's per-form setting "records wait for review".

The queue itself (filters, order, the next record) is :mod:`server.admin.queue`.
"""
from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from server import review_policy
from server.admin import audit_trail
from server.admin.access import (active_kecamatan, admin_required, admin_scope, current_admin, manager_required,
                                 may_see_submission, visible_kelurahan)
from server.admin.blueprint import bp
from server.admin.describe import STATE_LABELS, form_titles, record_label
from server.admin.i18n import translate
from server.admin.lookups import names_of
from server.admin.queue import (QueueFilter, filter_from_q, officers_in_scope, positive_int, queue_select,
                                with_status)
from server.admin.review import apply_decision, kick_scoring
from server.extensions import db
from server.models import Submission, User

PAGE_SIZE = 50
MAX_BULK = 200


@bp.get("/tinjau/")
@admin_required
def review_queue():
    """The records waiting for a decision, with filters, counts per state and bulk accept."""
    kecamatan = active_kecamatan()
    f = QueueFilter.parse(request.args, kecamatan.id)
    page = max(1, min(positive_int(request.args.get("page")) or 1, 10_000))
    counts = dict(db.session.execute(queue_select(f, kecamatan.id, Submission.review_status, func.count())
                                     .group_by(Submission.review_status)).all())
    total = sum(counts.values()) if f.status == "all" else counts.get(f.status, 0)
    stmt = with_status(queue_select(f, kecamatan.id, Submission.id, Submission.form_code, Submission.kelurahan_id,
                                     Submission.rw_id, Submission.observed_at, Submission.received_at,
                                     Submission.review_status, Submission.review_reason, User.name)
                        .outerjoin(User, User.id == Submission.user_id), f)
    rows = db.session.execute(stmt.order_by(Submission.received_at, Submission.id)
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    names, titles = names_of(kecamatan.id), form_titles()
    items = [{"id": str(r.id), "label": record_label(titles.get(r.form_code, r.form_code), names, r.kelurahan_id,
                                                      r.rw_id, r.observed_at),
              "title": titles.get(r.form_code, r.form_code), "officer": r.name, "received_at": r.received_at,
              "status": r.review_status, "reason": r.review_reason} for r in rows]
    return render_template("admin/review_queue.html", f=f, items=items, counts=counts, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), titles=sorted(titles.items(), key=lambda kv: kv[1]),
                           kelurahan=visible_kelurahan(kecamatan.id), officers=officers_in_scope(kecamatan.id),
                           whole=admin_scope().whole_kecamatan, states=STATE_LABELS, q=f.query_string(),
                           may_configure=current_admin().role == "kecamatan_admin" and admin_scope().whole_kecamatan)


@bp.post("/tinjau/terima")
@admin_required
def review_bulk_accept():
    """Accept every selected record (in scope) in one transaction; audited one by one."""
    kecamatan = active_kecamatan()
    f = filter_from_q(request.form.get("q", "")[:500], kecamatan.id)
    ids = request.form.getlist("ids")[:MAX_BULK + 1]
    if not ids:
        flash(translate("Pilih dulu rekaman yang akan diterima."), "error")
        return redirect(url_for("admin.review_queue", **f.args()), 303)
    if len(ids) > MAX_BULK:
        flash(translate("Terlalu banyak rekaman sekaligus.") + f" (maks. {MAX_BULK})", "error")
        return redirect(url_for("admin.review_queue", **f.args()), 303)
    keys = []
    for raw in ids:
        try:
            keys.append(uuid.UUID(raw))
        except ValueError:
            abort(400)
    reviewer = current_admin().id
    done = 0
    for submission in db.session.scalars(select(Submission).where(Submission.id.in_(keys))):
        if may_see_submission(submission):  # outside the scope: skipped, as if it did not exist
            apply_decision(submission, "accept", "", reviewer)
            done += 1
    db.session.commit()
    kick_scoring()
    flash(f"{done} {translate('rekaman diterima.')}", "ok")
    return redirect(url_for("admin.review_queue", **f.args()), 303)


@bp.route("/tinjau/pengaturan", methods=["GET", "POST"])
@manager_required
def review_settings():
    """Per form: do new records wait for review (count only once accepted) or count at once (default)."""
    kecamatan = active_kecamatan()
    titles = sorted(form_titles().items(), key=lambda kv: kv[1])
    if request.method == "POST":
        wanted = set(request.form.getlist("wait"))
        changed = []
        for code, _title in titles:
            if review_policy.save_setting(kecamatan.id, code, code in wanted, current_admin().id):
                changed.append(code)
                audit_trail.record("review_setting.update", f"form:{code}", kecamatan_id=kecamatan.id,
                                   wait_for_review=code in wanted)
        db.session.commit()
        flash(translate("Tersimpan.") if changed else translate("Tidak ada perubahan."), "ok")
        return redirect(url_for("admin.review_settings"), 303)
    return render_template("admin/review_settings.html", titles=titles, settings=review_policy.settings_of(kecamatan.id),
                           kecamatan=kecamatan)

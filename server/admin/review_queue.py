"""The review queue at /admin/tinjau/: what waits for a decision, the next record after each one,
bulk accept, and the kecamatan admin's per-form setting "records wait for review".

The queue lists records in the admin's scope, oldest received first, filtered by form, kelurahan,
officer, state (default ``pending``, menunggu) and period (default: every period). A record
replaced by a correction never waits: its correction does. The filters travel with the admin to
a record's page (``q``, the queue's own query string), so the page links back to the same queue
and ``Berikutnya`` opens the next record of it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select, tuple_

from server import review_policy
from server.admin import audit
from server.admin.access import (admin_required, admin_scope, current_admin, manager_required, may_see_submission,
                                 scope_submissions, visible_kelurahan, active_kecamatan)
from server.admin.blueprint import bp
from server.admin.context import valid_period
from server.admin.describe import STATE_LABELS, form_titles, record_label
from server.admin.i18n import translate
from server.admin.lookups import names_of, period_filter
from server.admin.review import ReviewError, apply_decision, kick_scoring
from server.extensions import db
from server.models import REVIEW_STATES, Submission, User

PAGE_SIZE = 50
MAX_BULK = 200
QUEUE_KEYS = ("form", "kelurahan_id", "petugas", "status", "period", "page")


@dataclass
class QueueFilter:
    """The queue's filters, read from a query string and checked against the admin's scope."""

    form: str = ""
    kelurahan_id: int = 0
    petugas: int = 0
    status: str = "pending"
    period: str = ""

    @classmethod
    def parse(cls, args: dict, kecamatan_id: int) -> "QueueFilter":
        """Unknown or out-of-scope values fall back to "all" (a stale link never fails)."""
        f = cls()
        f.form = str(args.get("form") or "")[:40]
        visible = {k.id for k in visible_kelurahan(kecamatan_id)}
        kel = _int(args.get("kelurahan_id"))
        f.kelurahan_id = kel if kel in visible else 0
        f.petugas = _int(args.get("petugas"))
        status = args.get("status")
        f.status = status if status in REVIEW_STATES or status == "all" else "pending"
        period = str(args.get("period") or "")
        f.period = period if valid_period(period) else ""
        return f

    def args(self, **extra) -> dict:
        """The filters as query-string arguments (defaults left out)."""
        out = {"form": self.form, "kelurahan_id": self.kelurahan_id or "", "petugas": self.petugas or "",
               "status": self.status if self.status != "pending" else "", "period": self.period}
        out.update(extra)
        return {k: v for k, v in out.items() if v not in ("", None, 0)}

    def query_string(self) -> str:
        return urlencode(self.args())


def _int(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**31 else 0


def queue_select(f: QueueFilter, kecamatan_id: int, *columns):
    """The select of the queue's records (the given columns) in the admin's scope."""
    stmt = scope_submissions(select(*columns), kecamatan_id).where(Submission.superseded_by.is_(None))
    if f.form:
        stmt = stmt.where(Submission.form_code == f.form)
    if f.kelurahan_id:
        stmt = stmt.where(Submission.kelurahan_id == f.kelurahan_id)
    elif not admin_scope().whole_kecamatan:
        stmt = stmt.where(Submission.kelurahan_id.in_([k.id for k in visible_kelurahan(kecamatan_id)]))
    if f.petugas:
        stmt = stmt.where(Submission.user_id == f.petugas)
    if f.period:
        stmt = period_filter(stmt, f.period)
    return stmt


def _with_status(stmt, f: QueueFilter):
    return stmt if f.status == "all" else stmt.where(Submission.review_status == f.status)


def _officers(kecamatan_id: int) -> list[tuple[int, str]]:
    """(id, name) of the users who sent records in scope (the officer filter's choices)."""
    sent = scope_submissions(select(Submission.user_id).distinct(), kecamatan_id).where(Submission.user_id.is_not(None))
    return [(uid, name) for uid, name in db.session.execute(
        select(User.id, User.name).where(User.id.in_(sent)).order_by(User.name))]


@bp.get("/tinjau/")
@admin_required
def review_queue():
    """The records waiting for a decision, with filters, counts per state and bulk accept."""
    kecamatan = active_kecamatan()
    f = QueueFilter.parse(request.args, kecamatan.id)
    page = max(1, min(_int(request.args.get("page")) or 1, 10_000))
    counts = dict(db.session.execute(queue_select(f, kecamatan.id, Submission.review_status, func.count())
                                     .group_by(Submission.review_status)).all())
    total = sum(counts.values()) if f.status == "all" else counts.get(f.status, 0)
    stmt = _with_status(queue_select(f, kecamatan.id, Submission.id, Submission.form_code, Submission.kelurahan_id,
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
                           kelurahan=visible_kelurahan(kecamatan.id), officers=_officers(kecamatan.id),
                           whole=admin_scope().whole_kecamatan, states=STATE_LABELS, q=f.query_string(),
                           may_configure=current_admin().role == "kecamatan_admin" and admin_scope().whole_kecamatan)


def filter_from_q(q: str, kecamatan_id: int) -> QueueFilter:
    """The queue filter carried by a record page's ``q`` (the queue's query string)."""
    return QueueFilter.parse(dict(parse_qsl(q or "")[:20]), kecamatan_id)


@bp.get("/tinjau/berikutnya")
@admin_required
def review_next():
    """Open the next record of the queue after ``setelah`` (or the first one); the queue when none is left."""
    kecamatan = active_kecamatan()
    q = request.args.get("q", "")[:500]
    f = filter_from_q(q, kecamatan.id)
    base = _with_status(queue_select(f, kecamatan.id, Submission.id), f).order_by(Submission.received_at, Submission.id)
    after = None
    try:
        after_id = uuid.UUID(request.args.get("setelah", ""))
        after = db.session.execute(select(Submission.received_at, Submission.id)
                                   .where(Submission.id == after_id)).first()
    except ValueError:
        after_id = None
    found = None
    if after is not None:
        found = db.session.scalar(base.where(tuple_(Submission.received_at, Submission.id)
                                             > tuple_(after.received_at, after.id)).limit(1))
    if found is None:
        found = db.session.scalar((base.where(Submission.id != after_id) if after_id else base).limit(1))
    if found is None:
        flash(translate("Tidak ada lagi rekaman dalam antrian ini."), "ok")
        return redirect(url_for("admin.review_queue", **f.args()), 303)
    return redirect(url_for("admin.submission_detail", submission_id=str(found), q=f.query_string() or None), 303)


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
        if not may_see_submission(submission):
            continue
        try:
            apply_decision(submission, "accept", "", reviewer)
        except ReviewError:  # pragma: no cover - accept needs no reason
            continue
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
                audit.record("review_setting.update", f"form:{code}", kecamatan_id=kecamatan.id,
                             wait_for_review=code in wanted)
        db.session.commit()
        flash(translate("Tersimpan.") if changed else translate("Tidak ada perubahan."), "ok")
        return redirect(url_for("admin.review_settings"), 303)
    return render_template("admin/review_settings.html", titles=titles, settings=review_policy.settings_of(kecamatan.id),
                           kecamatan=kecamatan)

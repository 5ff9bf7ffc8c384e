"""The audit log page (/admin/audit): every admin action, newest first, within the reader's own scope.

- A kelurahan admin sees only their own actions.
- A kecamatan admin sees the actions of their kecamatan's users, and the actions with no acting
  user of the kecamatan (CLI commands, city-level admins) only when they are *about* the kecamatan:
  one of its users (``user:N``), one of its submissions (``submission:…``) or its targets
  (``target:CODE:YEAR:K``, K = the kecamatan or 0 = every kecamatan). An operator's command about
  another kecamatan's user never shows. Deployment-wide entries (a wilayah import, the demo seed)
  are shown to city-level admins only.
"""
from __future__ import annotations

from flask import render_template
from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from server.admin.access import active_kecamatan, admin_required, admin_scope, current_admin
from server.admin.blueprint import bp
from server.extensions import db
from server.models import AuditLog, Submission, User
from server.params import bounded_int

PAGE_SIZE = 100


def _about_kecamatan(kecamatan_id: int):
    """SQL: the entry's target is a user, a submission or a target of this kecamatan."""
    subject = aliased(User)
    about_user = exists().where(subject.kecamatan_id == kecamatan_id,
                                AuditLog.target == literal("user:") + cast(subject.id, String))
    about_submission = exists().where(Submission.kecamatan_id == kecamatan_id,
                                      AuditLog.target == literal("submission:") + cast(Submission.id, String))
    about_target = or_(AuditLog.target.like(f"target:%:%:{kecamatan_id}"), AuditLog.target.like("target:%:%:0"))
    return or_(about_user, about_submission, about_target)


@bp.get("/audit")
@admin_required
def audit_log():
    """List audit entries in the reader's scope (see the module docstring)."""
    scope = admin_scope()
    kecamatan = active_kecamatan()
    page = bounded_int("page", 1)
    stmt = select(AuditLog, User.name, User.username).outerjoin(User, User.id == AuditLog.user_id)
    if not scope.whole_kecamatan:
        stmt = stmt.where(AuditLog.user_id == current_admin().id)
    else:
        no_local_actor = or_(AuditLog.user_id.is_(None), User.kecamatan_id.is_(None))
        visible = or_(User.kecamatan_id == kecamatan.id, and_(no_local_actor, _about_kecamatan(kecamatan.id)))
        if scope.kecamatan_id is None:  # a city-level admin also sees the deployment-wide entries
            visible = or_(visible, and_(no_local_actor, ~AuditLog.target.like("user:%"),
                                        ~AuditLog.target.like("submission:%"), ~AuditLog.target.like("target:%"))
                          | and_(no_local_actor, AuditLog.target.is_(None)))
        stmt = stmt.where(visible)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("admin/audit.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))

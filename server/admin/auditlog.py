"""The audit log page: every admin action, newest first (a lurah sees only their own actions)."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, or_, select

from server.admin.access import active_kecamatan, admin_required, admin_scope, current_admin
from server.admin.blueprint import bp
from server.extensions import db
from server.params import bounded_int
from server.models import AuditLog, User

PAGE_SIZE = 100


@bp.get("/audit")
@admin_required
def audit_log():
    """List audit entries: a kecamatan admin sees those of their kecamatan's users, a lurah their own."""
    scope = admin_scope()
    kecamatan = active_kecamatan()
    page = bounded_int("page", 1)
    stmt = select(AuditLog, User.name, User.username).outerjoin(User, User.id == AuditLog.user_id)
    if not scope.whole_kecamatan:
        stmt = stmt.where(AuditLog.user_id == current_admin().id)
    else:
        stmt = stmt.where(or_(User.kecamatan_id == kecamatan.id, User.kecamatan_id.is_(None)))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("admin/audit.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))

"""Export every form's submissions (scoped, by period) as CSV or XLSX."""
from __future__ import annotations

from flask import Response, abort
from sqlalchemy import select

from server.admin import audit_trail
from server.admin.access import admin_required, scope_submissions
from server.admin.blueprint import bp
from server.admin.context import page_context
from server.admin.formatting import local_zone, safe_name
from server.admin.lookups import period_filter
from server.extensions import db
from server.forms.catalogue import registry
from server.models import RW, Kelurahan, Submission, User
from server.reports.submissions_export import ExportRecord, field_keys, header_row, to_csv, to_xlsx

MAX_EXPORT_ROWS = 200_000
_MIME = {"csv": "text/csv",  # Flask adds "; charset=utf-8" to text/* itself
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/ekspor/<form_code>.<fmt>")
@admin_required
def export_submissions(form_code: str, fmt: str):
    """Download the period's submissions of one form within the admin's scope."""
    if fmt not in _MIME:
        abort(404)
    versions = registry.versions(form_code)
    if not versions:
        abort(404)
    ctx = page_context()
    stmt = (select(Submission, Kelurahan.kode, Kelurahan.nama, RW.nomor, User.username)
            .outerjoin(Kelurahan, Kelurahan.id == Submission.kelurahan_id)
            .outerjoin(RW, RW.id == Submission.rw_id)
            .outerjoin(User, User.id == Submission.user_id)
            .where(Submission.form_code == form_code))
    stmt = period_filter(scope_submissions(stmt, ctx.kecamatan.id), ctx.period)
    if ctx.kelurahan_id:
        stmt = stmt.where(Submission.kelurahan_id == ctx.kelurahan_id)
    records = [
        ExportRecord(str(s.id), s.form_version, kode, nama, nomor, s.observed_at, s.received_at, username,
                     s.review_status, s.review_reason, str(s.superseded_by) if s.superseded_by else None,
                     str(s.ref) if s.ref else None, s.data)
        for s, kode, nama, nomor, username in db.session.execute(
            stmt.order_by(Submission.observed_at, Submission.id).limit(MAX_EXPORT_ROWS))
    ]
    keys = field_keys(v.definition for v in versions)
    header = header_row([v.definition for v in versions], keys)
    zone = local_zone()
    content = to_csv(records, keys, zone, header) if fmt == "csv" else to_xlsx(records, keys, zone, form_code, header)
    audit_trail.record("export.submissions", f"form:{form_code}", format=fmt, period=ctx.period,
                       kelurahan_id=ctx.kelurahan_id, kecamatan_id=ctx.kecamatan.id, rows=len(records))
    db.session.commit()
    suffix = f"-{ctx.kelurahan_id}" if ctx.kelurahan_id else ""
    filename = f"{form_code}-{safe_name(ctx.kecamatan.nama)}{suffix}-{ctx.period}.{fmt}"
    return Response(content, mimetype=_MIME[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

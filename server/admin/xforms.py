"""Forms the kecamatan writes itself, in the admin view (issue #13).

- ``/admin/kelola/formulir/`` — the forms and their versions; upload an XLSForm (refusals listed by
  row); download any version as an XLSForm to edit.
- ``/admin/kelola/odk/`` — a QR code in ODK Collect's settings format (zlib + base64 of the settings
  JSON) holding the OpenRosa server URL with a new device token of the chosen user.
- ``/admin/formulir/<code>/ringkasan`` — per-question summaries with period and kelurahan filters,
  and exports: XLSX (labels as headers), CSV, GeoJSON (forms with a location).
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import tempfile
import zlib
from pathlib import Path

from flask import Response, abort, render_template, request, url_for
from sqlalchemy import select

from server.admin import audit_trail
from server.admin.access import (active_kecamatan, admin_required, admin_scope, chosen_kelurahan_id,
                                 current_admin, manager_required, scope_submissions, visible_kelurahan)
from server.admin.blueprint import bp
from server.admin.formatting import local_zone
from server.admin.lookups import period_filter
from server.extensions import db
from server.models import RW, FormDefinition, Submission, User
from server.reports import form_summary
from server.scores import parse_period
from server.security import issue_token
from server.xlsform.convert import XLSFormError
from server.xlsform.publish import import_xlsform_file
from server.xlsform.writer import workbook_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_XLSFORM_BYTES = 2 * 1024 * 1024
QR_ROLES = ("officer", "kiosk", "kelurahan_admin", "kecamatan_admin")


def _forms() -> dict[str, list[FormDefinition]]:
    rows = db.session.scalars(select(FormDefinition).order_by(FormDefinition.code, FormDefinition.version))
    out: dict[str, list[FormDefinition]] = {}
    for row in rows:
        out.setdefault(row.code, []).append(row)
    return out


@bp.route("/kelola/formulir/", methods=["GET", "POST"])
@manager_required
def xforms():
    """List the forms; a POST uploads an XLSForm and publishes it (or lists what is refused)."""
    published, errors = None, []
    if request.method == "POST":
        upload = request.files.get("file")
        body = upload.read(MAX_XLSFORM_BYTES + 1) if upload and upload.filename else b""
        if not body:
            errors = ["Pilih berkas XLSForm (.xlsx)."]
        elif len(body) > MAX_XLSFORM_BYTES:
            errors = [f"Berkas terlalu besar (maksimal {MAX_XLSFORM_BYTES} byte)."]
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "form.xlsx"
                path.write_bytes(body)
                try:
                    published = import_xlsform_file(str(path), user_id=current_admin().id, via="admin")
                    audit_trail.record("form.upload", f"form:{published.code}", version=published.version,
                                       filename=upload.filename)
                    db.session.commit()
                except XLSFormError as err:
                    db.session.rollback()
                    errors = err.problems
    return render_template("admin/xforms.html", forms=_forms(), published=published, errors=errors), \
        (422 if errors else 200)


@bp.route("/kelola/formulir/<string:code>/<int:version>.xlsx")
@manager_required
def xform_download(code: str, version: int):
    """One form version as an XLSForm workbook."""
    row = db.session.scalar(select(FormDefinition).where(FormDefinition.code == code, FormDefinition.version == version))
    if row is None:
        abort(404)
    resp = Response(workbook_bytes(row.definition), mimetype=XLSX_MIME)
    resp.headers["Content-Disposition"] = f'attachment; filename="{code}.v{version}.xlsx"'
    return resp


# -- ODK Collect setup -------------------------------------------------------------------------------

def collect_settings(server_url: str, project: str) -> str:
    """ODK Collect's QR payload: base64 of the zlib-compressed settings JSON."""
    settings = {
        "general": {"server_url": server_url, "username": "", "form_update_mode": "match_exactly",
                    "autosend": "wifi_and_cellular", "delete_send": False},
        "admin": {"change_server": False, "automatic_update": True},
        "project": {"name": project, "icon": "S", "color": "#155e75"},
    }
    raw = json.dumps(settings, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(raw)).decode()


def _users_in_kecamatan(kecamatan_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.kecamatan_id == kecamatan_id, User.active.is_(True),
                                                      User.role.in_(QR_ROLES)).order_by(User.username)))


@bp.route("/kelola/odk/", methods=["GET", "POST"])
@manager_required
def odk_setup():
    """Make a device token for a user and show it as an ODK Collect QR code (shown once)."""
    import segno

    kecamatan = active_kecamatan()
    users = _users_in_kecamatan(kecamatan.id)
    qr_svg = server_url = chosen = None
    errors: list[str] = []
    if request.method == "POST":
        chosen = next((u for u in users if str(u.id) == request.form.get("user_id")), None)
        if chosen is None:
            errors = ["Pilih pengguna."]
        else:
            token = issue_token(chosen, "ODK Collect (QR)")
            audit_trail.record("device.qr", f"user:{chosen.id}", username=chosen.username)
            db.session.commit()
            server_url = request.host_url.rstrip("/") + url_for("openrosa.form_list", token=token).removesuffix("/formList")
            payload = collect_settings(server_url, f"SIKK {kecamatan.nama} · {chosen.username}")
            qr_svg = segno.make(payload, error="m").svg_inline(scale=4, title="ODK Collect")
    return render_template("admin/odk_setup.html", users=users, qr_svg=qr_svg, server_url=server_url, chosen=chosen,
                           errors=errors), (422 if errors else 200)


# -- summaries and exports ---------------------------------------------------------------------------

def _definition(code: str) -> dict:
    row = db.session.scalar(select(FormDefinition.definition).where(FormDefinition.code == code)
                            .order_by(FormDefinition.version.desc()).limit(1))
    if row is None:
        abort(404)
    return row


def _rows(code: str, definition: dict) -> tuple[list[form_summary.Row], str, int]:
    kecamatan = active_kecamatan()
    period = request.args.get("periode", "")
    if period and parse_period(period) is None:
        abort(400, "periode: 2026 atau 2026-Q1")
    kelurahan_id = chosen_kelurahan_id(kecamatan.id)
    names = {k.id: k.nama for k in visible_kelurahan(kecamatan.id)}
    rw_names = {rw_id: nomor for rw_id, nomor in db.session.execute(
        select(RW.id, RW.nomor).where(RW.kelurahan_id.in_(list(names) or [-1])))}
    s = Submission
    stmt = scope_submissions(select(s.id, s.observed_at, s.kelurahan_id, s.rw_id, s.data), kecamatan.id) \
        .where(s.form_code == code, s.superseded_by.is_(None), s.review_status != "rejected")
    if period:
        stmt = period_filter(stmt, period)
    if kelurahan_id:
        stmt = stmt.where(s.kelurahan_id == kelurahan_id)
    zone = local_zone()
    rows = []
    for r in db.session.execute(stmt.order_by(s.observed_at, s.id).limit(50_000)):
        observed = r.observed_at if r.observed_at.tzinfo else r.observed_at.replace(tzinfo=dt.timezone.utc)
        when = observed.astimezone(zone).strftime("%d/%m/%Y %H:%M")
        rows.append(form_summary.Row(str(r.id), when, names.get(r.kelurahan_id, ""),
                                     rw_names.get(r.rw_id, "") if r.rw_id else "", r.data or {}))
    return rows, period, kelurahan_id


@bp.route("/formulir/<string:code>/ringkasan")
@admin_required
def form_summary_page(code: str):
    """Per-question summaries of one form, filtered by period and kelurahan."""
    definition = _definition(code)
    rows, period, kelurahan_id = _rows(code, definition)
    kecamatan = active_kecamatan()
    return render_template("admin/form_summary.html", definition=definition, rows=rows,
                           summaries=form_summary.summarize(definition, rows), period=period,
                           kelurahan_id=kelurahan_id, kelurahan=visible_kelurahan(kecamatan.id),
                           whole=admin_scope().whole_kecamatan, forms=sorted(_forms()),
                           has_location=form_summary.location_key(definition) is not None)


@bp.route("/formulir/<string:code>/ekspor.<string:fmt>")
@admin_required
def form_export(code: str, fmt: str):
    """The filtered records as XLSX, CSV or GeoJSON."""
    definition = _definition(code)
    rows, period, _ = _rows(code, definition)
    stem = f"{code}-{period or 'semua'}"
    if fmt == "xlsx":
        resp = Response(form_summary.to_xlsx(definition, rows), mimetype=XLSX_MIME)
    elif fmt == "csv":
        resp = Response(form_summary.to_csv(definition, rows), mimetype="text/csv", content_type="text/csv; charset=utf-8")
    elif fmt == "geojson" and form_summary.location_key(definition):
        resp = Response(json.dumps(form_summary.to_geojson(definition, rows), ensure_ascii=False),
                        mimetype="application/geo+json")
    else:
        abort(404)
    resp.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return resp


"""Uploads (kecamatan admins only): the wilayah file (same logic as `flask import-wilayah`) and last
year's records from XLSX, which go through the sync API's own use case and validation."""
from __future__ import annotations

from collections import Counter

from flask import Response, current_app, render_template, request
from sqlalchemy import select

from server.admin import audit_trail
from server.admin.access import active_kecamatan, admin_scope, manager_required
from server.admin.blueprint import bp
from server.admin.formatting import local_zone
from server.admin.i18n import translate
from server.extensions import db
from server.forms.catalogue import registry
from server.models import RW, Kelurahan
from server.reports.records_import import ImportRow, Places, read_records, template_workbook

MAX_UPLOAD_ROWS = 20_000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload() -> tuple[bytes, str] | None:
    file = request.files.get("file")
    if file is None or not file.filename:
        return None
    return file.read(), file.filename


@bp.route("/kelola/impor-wilayah", methods=["GET", "POST"])
@manager_required
def wilayah_import():
    """Upload a CSV/XLSX of kecamatan, kode_kelurahan, kelurahan, rw; only the admin's own kecamatan."""
    from server import wilayah_import as importer

    report, errors = None, []
    if request.method == "POST":
        upload = _upload()
        if upload is None:
            errors.append(translate("Berkas tidak dapat dibaca."))
        else:
            kecamatan = active_kecamatan()
            try:
                rows = importer.parse_wilayah(upload[0], upload[1])
                foreign = [r for r in rows if r.kecamatan.casefold() != kecamatan.nama.casefold()
                           and (kecamatan.kode is None or r.kode_kecamatan != kecamatan.kode)]
                if foreign and admin_scope().kecamatan_id is not None:
                    errors = [f"baris {r.line}: kecamatan '{r.kecamatan}' bukan kecamatan Anda." for r in foreign[:20]]
                else:
                    report = importer.import_rows(rows)
                    audit_trail.record("wilayah.import", f"kecamatan:{kecamatan.id}", filename=upload[1],
                                       rows=report.rows, kelurahan_created=report.kelurahan_created,
                                       rw_created=report.rw_created, kelurahan_renamed=report.kelurahan_renamed)
                    db.session.commit()
            except importer.WilayahImportError as err:
                db.session.rollback()
                errors = err.errors[:50]
    return render_template("admin/wilayah_import.html", report=report, errors=errors), (422 if errors else 200)


def _places(kecamatan_id: int) -> Places:
    kel = dict(db.session.execute(select(Kelurahan.kode, Kelurahan.id)
                                  .where(Kelurahan.kecamatan_id == kecamatan_id)).tuples().all())
    rws = {(kode, nomor): rw_id for kode, nomor, rw_id in db.session.execute(
        select(Kelurahan.kode, RW.nomor, RW.id).join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
        .where(Kelurahan.kecamatan_id == kecamatan_id)).tuples()}
    return Places(kecamatan_id, kel, rws)


def _definition(code: str, version: int | None) -> dict | None:
    if version is None:
        versions = [v for v in registry.versions(code) if v.published]
        return versions[-1].definition if versions else None
    found = registry.form(code, version)
    return found.definition if found else None


def import_rows_through_sync(rows: list[ImportRow]) -> None:
    """Send the readable rows through :func:`server.sync.sync_batch` in API-sized batches.

    Each row gets its result back: its status and, when invalid, the sync's own field errors.
    """
    from server import sync

    scope = admin_scope()
    ready = [r for r in rows if r.item is not None]
    size = current_app.config.get("MAX_BATCH_ITEMS", 100)
    for start in range(0, len(ready), size):
        chunk = ready[start:start + size]
        results = sync.sync_batch([r.item for r in chunk], scope, None)
        for row, result in zip(chunk, results):
            row.status = result["status"]
            if result.get("errors"):
                row.errors.update(result["errors"])


@bp.route("/kelola/impor-rekaman", methods=["GET", "POST"])
@manager_required
def records_import():
    """Upload last year's records (XLSX, one sheet per form) and store them as the sync API would.

    ``?template=1`` downloads the empty workbook to fill (one sheet per form, the header row ready).
    """
    if request.method == "GET" and request.args.get("template"):
        return Response(template_workbook(_latest_forms()), mimetype=XLSX_MIME,
                        headers={"Content-Disposition": 'attachment; filename="templat-impor-rekaman.xlsx"'})
    rows: list[ImportRow] = []
    errors: list[str] = []
    if request.method == "POST":
        upload = _upload()
        kecamatan = active_kecamatan()
        try:
            if upload is None:
                raise ValueError
            rows = read_records(upload[0], _definition, _places(kecamatan.id), local_zone())
        except Exception:  # noqa: BLE001 - any unreadable workbook is the user's file, not our bug
            current_app.logger.info("unreadable records workbook", exc_info=True)
            errors.append(translate("Berkas tidak dapat dibaca."))
        if len(rows) > MAX_UPLOAD_ROWS:
            errors.append(f"Maksimal {MAX_UPLOAD_ROWS} baris per unggahan.")
            rows = []
        for row in rows:
            row.status = "invalid" if row.errors else None
        if rows and not errors:
            import_rows_through_sync(rows)
            audit_trail.record("records.import", f"kecamatan:{kecamatan.id}", filename=upload[1], counts=_summary(rows))
            db.session.commit()
    summary = _summary(rows)
    return render_template("admin/records_import.html", rows=rows, summary=summary, errors=errors,
                           forms=_latest_forms()), (422 if errors else 200)


def _summary(rows: list[ImportRow]) -> dict[str, int]:
    """How many rows ended in each status (created, duplicate, invalid, conflict)."""
    return dict(Counter(row.status or "invalid" for row in rows))


def _latest_forms() -> list[dict]:
    """The newest published definition of every form (the columns each sheet may have)."""
    from server.models import FormDefinition

    codes = sorted(set(db.session.scalars(select(FormDefinition.code))))
    return [d for d in (_definition(code, None) for code in codes) if d is not None]

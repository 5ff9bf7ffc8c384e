"""The dashboard: the six IKU of a period as the seed's table, with figures, trend and freshness."""
from __future__ import annotations

import datetime as dt

from flask import Response, render_template
from sqlalchemy import select

from server.admin import audit_trail
from server.admin.access import admin_required
from server.admin.blueprint import bp
from server.admin.charts import trend_svg
from server.admin.context import page_context
from server.admin.formatting import local_zone, safe_name
from server.extensions import db
from server.models import ScoreOutbox, ScoringSetAside
from server.reports.performance import kelurahan_breakdown, performance_table
from server.reports.performance_xlsx import build_performance_xlsx, period_label


# What each row's drill-down answers (the link under the indikator's name).
DRILL_HINTS = {"IKU1": "IKM per unit dan responden", "IKU2": "Pengaduan dan tindak lanjutnya",
               "IKU3": "Layanan tepat waktu dan terlambat", "IKU4": "Layanan per seksi",
               "IKU5": "Kriteria K1–K7 per kelurahan", "IKU6": "RW yang berubah"}


@bp.get("/")
@admin_required
def dashboard():
    """Show the performance table of the chosen period and scope."""
    ctx = page_context()
    table = performance_table(ctx.kecamatan.id, ctx.kelurahan_id, ctx.period)
    trends = {row.code: trend_svg(row.trend, row.target, title=f"{row.code} {ctx.year}") for row in table.rows}
    return render_template("admin/dashboard.html", ctx=ctx, table=table, trends=trends, spans=sasaran_spans(table),
                           drill_hints=DRILL_HINTS, summary=table.summary(), scope_title=scope_title(ctx),
                           period_label=period_label(ctx.period),
                           recompute_pending=recompute_pending(ctx.kecamatan.id, ctx.year),
                           scoring_failure=scoring_failure(ctx.kecamatan.id, ctx.year))


def scope_title(ctx) -> str:
    """What the pages are about: "Kelurahan Cipaganti" for one kelurahan (a lurah's pages), else the kecamatan."""
    if ctx.kelurahan_id:
        return f"Kelurahan {ctx.kelurahan_nama}"
    return f"Kecamatan {ctx.kecamatan.nama}"


def recompute_pending(kecamatan_id: int, year: int) -> bool:
    """True while records that change the year's figures wait for their recompute.

    An outbox row lives until the recompute that read its records commits, and a year's figures also
    read earlier years (K2, the RW baseline): a row of this year or an earlier one means "about to change".
    """
    return db.session.scalar(select(ScoreOutbox.id).where(ScoreOutbox.kecamatan_id == kecamatan_id,
                                                          ScoreOutbox.year <= year).limit(1)) is not None


def scoring_failure(kecamatan_id: int, year: int) -> ScoringSetAside | None:
    """The recompute of this year (or an earlier one it reads) that failed for good, if any."""
    return db.session.scalars(select(ScoringSetAside).where(ScoringSetAside.kecamatan_id == kecamatan_id,
                                                            ScoringSetAside.year <= year)
                              .order_by(ScoringSetAside.failed_at.desc()).limit(1)).first()


def sasaran_spans(table) -> dict[str, int]:
    """How many rows each sasaran cell spans (0: covered by the row above), as the seed's table merges them."""
    spans: dict[str, int] = {}
    first = None
    for row in table.rows:
        if first is not None and row.meta.sasaran_no == first.meta.sasaran_no:
            spans[first.code] += 1
            spans[row.code] = 0
        else:
            first = row
            spans[row.code] = 1
    return spans


@bp.get("/kinerja.xlsx")
@admin_required
def performance_xlsx():
    """Download the dashboard's table as a government-report XLSX (`Unduh Excel`)."""
    ctx = page_context()
    table = performance_table(ctx.kecamatan.id, ctx.kelurahan_id, ctx.period)
    scope_label = f"Kelurahan {ctx.kelurahan_nama}" if ctx.kelurahan_id else "Seluruh kecamatan"
    now = dt.datetime.now(local_zone())
    breakdown = None
    if ctx.kelurahan_id == 0:
        breakdown = kelurahan_breakdown(ctx.kecamatan.id, ctx.period, [(k.id, k.kode, k.nama) for k in ctx.kelurahan])
    signer = f"Lurah {ctx.kelurahan_nama}" if ctx.kelurahan_id else f"Camat {ctx.kecamatan.nama}"
    content = build_performance_xlsx(table, ctx.kecamatan.nama, scope_label, now, breakdown, signer)
    audit_trail.record("export.performance", f"kecamatan:{ctx.kecamatan.id}", period=ctx.period,
                       kelurahan_id=ctx.kelurahan_id)
    db.session.commit()
    # Named after what it covers: kinerja-cipaganti-2026.xlsx for one kelurahan, the kecamatan's name otherwise.
    filename = f"kinerja-{safe_name(ctx.kelurahan_nama or ctx.kecamatan.nama)}-{ctx.period}.xlsx"
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/laporan")
@admin_required
def print_report():
    """A print-friendly page of the same table (print CSS; the browser's print makes the PDF)."""
    ctx = page_context()
    table = performance_table(ctx.kecamatan.id, ctx.kelurahan_id, ctx.period)
    breakdown = kelurahan_breakdown(ctx.kecamatan.id, ctx.period, [(k.id, k.kode, k.nama) for k in ctx.kelurahan]) \
        if ctx.kelurahan_id == 0 else []
    return render_template("admin/report_print.html", ctx=ctx, table=table, period_label=period_label(ctx.period),
                           printed_at=dt.datetime.now(local_zone()), breakdown=breakdown,
                           codes=[row.code for row in table.rows])

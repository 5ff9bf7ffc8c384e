"""Drill-down from every number of the dashboard to what stands behind it.

IKU1 → per unit IKM, mutu, respondents against the minimum sample; IKU2–4 → the complaints and
services counted (IKU4 also by section); IKU5 → the kelurahan criteria matrix K1–K7; IKU6 → the RW
table (now, baseline, changed). Everything shown is filtered to the admin's scope, also inside the
stored details (a lurah never sees another kelurahan's row, RW or record).
"""
from __future__ import annotations

from flask import abort, render_template, request
from sqlalchemy import select

from server.admin.access import admin_required
from server.admin.blueprint import bp
from server.admin.context import PageContext, page_context
from server.admin.lookups import PAGE_SIZE, ids_in_section, load_records, names_of
from server.extensions import db
from server.params import bounded_int
from server.models import IndicatorResult
from server.reports.iku_meta import CRITERIA, IKU_CODES, META_BY_CODE, MUTU_LABELS


def _result(ctx: PageContext, code: str) -> IndicatorResult | None:
    return db.session.scalar(select(IndicatorResult).where(
        IndicatorResult.kecamatan_id == ctx.kecamatan.id, IndicatorResult.kelurahan_id == ctx.kelurahan_id,
        IndicatorResult.period == ctx.period, IndicatorResult.code == code))


def _in_scope(ctx: PageContext, kelurahan_id) -> bool:
    """May this page show a row about this kelurahan (None/0 = the kecamatan office)?"""
    if not kelurahan_id:
        return ctx.whole_kecamatan and ctx.kelurahan_id == 0
    if ctx.kelurahan_id:
        return kelurahan_id == ctx.kelurahan_id
    return kelurahan_id in ctx.visible_ids


@bp.get("/iku/<code>")
@admin_required
def drilldown(code: str):
    """Show what stands behind one indicator's figure for the chosen period and scope."""
    if code not in IKU_CODES:
        abort(404)
    ctx = page_context()
    result = _result(ctx, code)
    details = (result.details or {}) if result is not None else {}
    names = names_of(ctx.kecamatan.id)
    view: dict = {"ctx": ctx, "code": code, "meta": META_BY_CODE[code], "result": result, "names": names,
                  "details": details, "criteria": CRITERIA, "mutu_labels": MUTU_LABELS,
                  "extra_fields": {}}
    if code == "IKU1":
        view["units"] = [u for u in details.get("units") or [] if _in_scope(ctx, u.get("kelurahan_id"))]
        view["nrr"] = details.get("nrr") or {}
    elif code == "IKU5":
        view["kelurahan_rows"] = [k for k in details.get("kelurahan") or [] if _in_scope(ctx, k.get("id"))]
    elif code == "IKU6":
        rows = [r for r in details.get("rw") or [] if _in_scope(ctx, r.get("kelurahan_id"))]
        # The RW that changed come first: "which RW changed" is the question this page answers.
        view["rw_rows"] = sorted(rows, key=lambda r: (not r.get("changed"), names.rw_label(r.get("id"))))
    elif code == "IKU4":
        view["sections"] = details.get("sections") or {}
    record_ids = details.get("record_ids") or []
    section = request.args.get("section") if code == "IKU4" else None
    if section:
        record_ids = ids_in_section(record_ids, ctx.kecamatan.id, section)
    view["section"] = section
    view["pager_args"] = ctx.args(**({"section": section} if section else {}))
    page = bounded_int("page", 1)
    view["records"] = load_records(record_ids, ctx.kecamatan.id, page)
    view["record_total"] = len(record_ids)
    view["page"], view["pages"] = page, max(1, -(-len(record_ids) // PAGE_SIZE))
    view["followed_up"] = {str(i) for i in details.get("followed_up_ids") or []}
    view["on_time"] = {str(i) for i in details.get("on_time_ids") or []}
    view["late"] = {str(i) for i in details.get("late_ids") or []}
    return render_template("admin/drilldown.html", **view)

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
from server.admin.lookups import PAGE_SIZE, as_uuids, ids_in_section, load_records, names_of
from server.extensions import db
from server.params import bounded_int
from server.models import IndicatorResult, Submission
from server.reports.iku_meta import CRITERIA, IKU_CODES, META_BY_CODE, MUTU_LABELS


def _result(ctx: PageContext, code: str) -> IndicatorResult | None:
    return db.session.scalar(select(IndicatorResult).where(
        IndicatorResult.kecamatan_id == ctx.kecamatan.id, IndicatorResult.kelurahan_id == ctx.kelurahan_id,
        IndicatorResult.period == ctx.period, IndicatorResult.code == code))


# The four conditions of an RW's status "Baik" (IKU6, and K3–K5 of IKU5): kebun_toga, pengelolaan_sampah = baik,
# status_kumuh = tidak_kumuh and lembaga_aktif all hold — in the words of the inspection form.
RW_CONDITIONS = (("kebun_toga", "kebun TOGA"), ("pengelolaan_sampah", "sampah dikelola baik"),
                 ("status_kumuh", "tidak kumuh"), ("lembaga_aktif", "lembaga aktif"))
RW_FILTERS = {"semua": "Semua RW", "berubah": "Berubah", "baik": "Baik sekarang", "tidak_baik": "Tidak Baik sekarang",
              "tanpa_awal": "Tanpa data awal"}


def _conditions(data: dict | None) -> dict[str, bool] | None:
    """Which of the four conditions an inspection's data holds (None without an inspection)."""
    if data is None:
        return None
    return {"kebun_toga": data.get("kebun_toga") is True, "pengelolaan_sampah": data.get("pengelolaan_sampah") == "baik",
            "status_kumuh": data.get("status_kumuh") == "tidak_kumuh", "lembaga_aktif": data.get("lembaga_aktif") is True}


def why_rw(now: dict[str, bool] | None, baseline: dict[str, bool] | None) -> str:
    """Why an RW counts or not, in words: which conditions changed between the baseline and now."""
    if now is None:
        return "Belum ada inspeksi sampai akhir periode."
    gained = [label for key, label in RW_CONDITIONS if now[key] and not (baseline or {}).get(key)]
    lost = [label for key, label in RW_CONDITIONS if baseline and baseline[key] and not now[key]]
    missing = [label for key, label in RW_CONDITIONS if not now[key]]
    parts = []
    if baseline is None:
        parts.append("Tanpa data awal (dianggap belum Baik)")
    if gained and baseline is not None:
        parts.append("Kini terpenuhi: " + ", ".join(gained))
    if lost:
        parts.append("Tidak lagi: " + ", ".join(lost))
    if missing:
        parts.append("Belum terpenuhi: " + ", ".join(missing))
    elif baseline is not None and not gained:
        parts.append("Keempat syarat terpenuhi sejak awal")
    elif not missing:
        parts.append("Keempat syarat terpenuhi")
    return "; ".join(parts) + "."


def rw_rows_explained(rows: list[dict], names, rw_filter: str, rw_sort: str) -> list[dict]:
    """The IKU6 RW rows with the conditions behind them (one query for the inspections), filtered and sorted."""
    ids = as_uuids([r.get("inspection_now") for r in rows] + [r.get("inspection_baseline") for r in rows])
    data = dict(db.session.execute(select(Submission.id, Submission.data).where(Submission.id.in_(ids))).all()) \
        if ids else {}
    out = []
    for r in rows:
        now = _conditions(data.get(_uuid_or_none(r.get("inspection_now"))))
        baseline = _conditions(data.get(_uuid_or_none(r.get("inspection_baseline"))))
        out.append({**r, "label": names.rw_label(r.get("id")), "why": why_rw(now, baseline), "now_conditions": now,
                    "no_baseline": not r.get("inspection_baseline")})
    keep = {"semua": lambda r: True, "berubah": lambda r: r.get("changed"), "baik": lambda r: r.get("now"),
            "tidak_baik": lambda r: not r.get("now"), "tanpa_awal": lambda r: r["no_baseline"]}[rw_filter]
    out = [r for r in out if keep(r)]
    if rw_sort == "rw":
        return sorted(out, key=lambda r: r["label"])
    # Default: the RW that changed come first ("which RW changed" is the question this page answers).
    return sorted(out, key=lambda r: (not r.get("changed"), not r.get("now"), r["label"]))


def _uuid_or_none(value):
    found = as_uuids([value]) if value else []
    return found[0] if found else None


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
        rw_filter = request.args.get("rw_filter") if request.args.get("rw_filter") in RW_FILTERS else "semua"
        rw_sort = request.args.get("rw_sort") if request.args.get("rw_sort") in ("berubah", "rw") else "berubah"
        view["rw_rows"] = rw_rows_explained(rows, names, rw_filter, rw_sort)
        view["rw_filter"], view["rw_sort"], view["rw_filters"] = rw_filter, rw_sort, RW_FILTERS
        view["rw_total"] = len(rows)
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

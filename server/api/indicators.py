"""GET /api/v1/indicators (docs/api.md) and the drill-downs the admin view reads.

Every endpoint reads stored results (``server.scores``), never computes: the workers keep them
fresh. Scope, for admins only (officers and kiosks get 403):

- ``kecamatan_admin``: its kecamatan, kecamatan-wide by default, any of its kelurahan with
  ``kelurahan_id``. A city-level admin (no kecamatan) names one with ``kecamatan_id`` (or gets
  the only one there is).
- ``kelurahan_admin``: only the kelurahan of its scope. Without ``kelurahan_id`` it gets its own
  kelurahan's figures (the first of its scope by kode when it has several).

A bad ``period`` is 400. A kelurahan or kecamatan outside the caller's scope answers exactly like
one that does not exist (404, same body), so ids tell nothing about what exists elsewhere.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from domain.clock import aware_utc
from domain.indicators import CODES
from domain.periods import Period
from server import scores
from server.errors import ApiError
from server.extensions import db
from server.models import Kecamatan, Kelurahan
from server.schemas.indicators import (CriteriaPageSchema, IndicatorArgsSchema, IndicatorPageSchema, RecordsArgsSchema,
                                       RecordsPageSchema, RwPageSchema)
from server.subjects import subject_of
from server.security import ADMIN_ROLES, Scope, current_scope, require_role

bp = Blueprint("indicators", __name__, description="The six IKU per period, and the records behind them")

_CODES = CODES


# -- scope -------------------------------------------------------------------------------------------

def _period(args: dict) -> str:
    """The period asked for, spelled as stored (``2026``, ``2026-Q1``), or 400."""
    parsed = Period.parse_or_none(args["period"])
    if parsed is None:
        raise ApiError(400, "bad_request", "Periode tidak valid (YYYY atau YYYY-Qn).", {"period": "YYYY atau YYYY-Qn"})
    return parsed.label


def _kecamatan_of(scope: Scope, requested: int | None) -> int:
    """The kecamatan the request reads, within the user's scope."""
    if scope.kecamatan_id is not None:
        if requested is not None and requested != scope.kecamatan_id:  # as if it did not exist: no oracle
            raise ApiError(404, "not_found", "Kecamatan tidak ditemukan.")
        return scope.kecamatan_id
    if requested is not None:
        if db.session.get(Kecamatan, requested) is None:
            raise ApiError(404, "not_found", "Kecamatan tidak ditemukan.")
        return requested
    ids = db.session.scalars(select(Kecamatan.id).order_by(Kecamatan.id).limit(2)).all()
    if len(ids) != 1:
        raise ApiError(400, "bad_request", "Sebutkan kecamatan_id.", {"kecamatan_id": "Wajib diisi."})
    return ids[0]


def resolve_scope(args: dict) -> tuple[int, int]:
    """(kecamatan_id, kelurahan_id or 0 for the whole kecamatan) the request may read, or 404."""
    scope = current_scope()
    requested_kel = args.get("kelurahan_id")
    if requested_kel is not None:
        kel = db.session.get(Kelurahan, requested_kel)
        if kel is None or not scope.allows_kelurahan(kel.id, kel.kecamatan_id):  # out of scope looks absent
            raise ApiError(404, "not_found", "Kelurahan tidak ditemukan.")
        if args.get("kecamatan_id") not in (None, kel.kecamatan_id):
            raise ApiError(400, "bad_request", "Kelurahan itu bukan bagian dari kecamatan itu.")
        return kel.kecamatan_id, kel.id
    if scope.kelurahan_ids is not None:  # a kelurahan admin: its own kelurahan
        own = db.session.scalars(scope.kelurahan_query()).first()
        if own is None:
            raise ApiError(403, "forbidden", "Tidak ada kelurahan dalam wilayah Anda.")
        return own.kecamatan_id, own.id
    kecamatan_id = _kecamatan_of(scope, args.get("kecamatan_id"))
    return kecamatan_id, scores.WHOLE_KECAMATAN


def _details(kecamatan_id: int, kelurahan_id: int, period: str, code: str) -> tuple[dict, object]:
    row = scores.read_result(db.session, kecamatan_id, kelurahan_id, period, code)
    if row is None:
        return {}, None
    return row.details or {}, aware_utc(row.computed_at)


# -- endpoints ---------------------------------------------------------------------------------------

_OUT_OF_SCOPE = "Unknown kelurahan/kecamatan, or outside the admin's scope (alike)"


def _admin_read(args_schema, page_schema, not_found: str = _OUT_OF_SCOPE):
    """The decorators every endpoint here stacks, in one place, so they cannot drift apart.

    Admins only (checked before the query string is parsed), bearer auth, the endpoint's query
    arguments and page shape, and the 400/403/404 it may answer (``not_found`` says when).
    """
    decorators = (require_role(*ADMIN_ROLES), bp.doc(security=[{"bearer": []}]),
                  bp.arguments(args_schema, location="query"), bp.response(200, page_schema),
                  bp.alt_response(400, description="Bad period"), bp.alt_response(403, description="Not an admin"),
                  bp.alt_response(404, description=not_found))

    def decorate(view):
        for decorator in reversed(decorators):  # the innermost first, as stacked decorators apply
            view = decorator(view)
        return view
    return decorate


def _drill_down(args: dict, code: str, key: str, in_kelurahan) -> dict:
    """The rows of one indicator's stored ``details[key]`` for the scope asked, with its period and time.

    :param in_kelurahan: ``(row, kelurahan_id) -> bool``, whether a row belongs to one kelurahan
        (every row is kept for the whole kecamatan).
    """
    period = _period(args)
    kecamatan_id, kelurahan_id = resolve_scope(args)
    details, computed_at = _details(kecamatan_id, kelurahan_id, period, code)
    rows = [row for row in details.get(key, []) if not kelurahan_id or in_kelurahan(row, kelurahan_id)]
    return {"period": period, "computed_at": computed_at, key: rows}


@bp.route("/indicators")
class Indicators(MethodView):
    @_admin_read(IndicatorArgsSchema, IndicatorPageSchema)
    def get(self, args: dict):
        """The six IKU of one period (a year or a quarter), kecamatan-wide or for one kelurahan.

        All six are always present; ``value`` is null while nothing can be computed. IKU1 also
        carries ``mutu`` (A–D).
        """
        period = _period(args)
        kecamatan_id, kelurahan_id = resolve_scope(args)
        return {"period": period, "indicators": scores.read_indicators(db.session, kecamatan_id, kelurahan_id, period)}


@bp.route("/indicators/criteria")
class Criteria(MethodView):
    @_admin_read(IndicatorArgsSchema, CriteriaPageSchema)
    def get(self, args: dict):
        """The K1–K7 matrix behind IKU5: per kelurahan in scope, each criterion held or not, and why."""
        return _drill_down(args, "IKU5", "kelurahan", lambda row, kelurahan_id: row.get("id") == kelurahan_id)


@bp.route("/indicators/rw")
class RwStatuses(MethodView):
    @_admin_read(IndicatorArgsSchema, RwPageSchema)
    def get(self, args: dict):
        """The RW statuses behind IKU6: Baik now and at the baseline, changed, and the inspections read."""
        return _drill_down(args, "IKU6", "rw", lambda row, kelurahan_id: row.get("kelurahan_id") == kelurahan_id)


@bp.route("/indicators/<string:code>/records")
class Records(MethodView):
    @_admin_read(RecordsArgsSchema, RecordsPageSchema,
                 not_found="Unknown indicator code, kelurahan or kecamatan, or outside the scope")
    def get(self, args: dict, code: str):
        """The submissions counted in one indicator's denominator (``details.record_ids``), oldest observed first.

        Paged with ``limit``/``offset``; ``total`` counts them all.
        """
        code = code.upper()
        if code not in _CODES:
            raise ApiError(404, "not_found", "Indikator tidak dikenal.")
        period = _period(args)
        kecamatan_id, kelurahan_id = resolve_scope(args)
        details, _computed_at = _details(kecamatan_id, kelurahan_id, period, code)
        total, page = scores.records_behind(db.session, details.get("record_ids", []), args["limit"], args["offset"])
        records = [{**r, "form": r["form_code"], "subject": subject_of(r),
                    "observed_at": aware_utc(r["observed_at"]), "received_at": aware_utc(r["received_at"])}
                   for r in page]
        return {"period": period, "code": code, "kecamatan_id": kecamatan_id, "kelurahan_id": kelurahan_id or None,
                "total": total, "offset": args["offset"], "records": records}

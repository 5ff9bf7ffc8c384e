"""GET /api/v1/bootstrap: everything a device needs to work offline, in one cacheable document.

The user; their kecamatan; the kelurahan and RW they may report on; `units`, the subjects of the
unit forms (`skm`, `pengaduan`, `layanan`: the kecamatan office and/or kelurahan offices); every
published version of the forms their role may fill (the latest for new records, older ones to
reopen drafts made with them); the active service types; the periods (this year and last, with
their quarters); ``report_due_days``, the days after a quarter's end a ``laporan-kelurahan`` is due
(the value of the rule set in force today; the phone's plan of due work reads it); and the
server's clock. Each form carries a one-line Indonesian ``description`` (the definition's own,
else the shipped one of the default catalogue).

A kiosk stands at one service desk: with kelurahan in its scope it surveys for those kelurahan
offices, without it for the kecamatan office; it never reports on RW, so its RW lists are empty.

The ETag is the SHA-256 of the body without `server_time` (which changes every second and would
defeat the cache); `If-None-Match` with it answers 304. `Cache-Control: private, no-cache` makes
every cache revalidate, so a device sees a new form version or a new RW at its next sync.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from domain import clock
from domain.clock import aware_utc
from domain.periods import year_and_quarters
from server.extensions import db
from server.models import (FormDefinition, Kecamatan, Kelurahan, RuleSetVersion, ServiceType, Submission, User,
                           counts_clause)
from server.schemas.bootstrap import BootstrapSchema
from server.security import ALL_ROLES, Scope, current_scope, require_role
from server.xlsform.assign import assigned_forms
from server.settings import settings

bp = Blueprint("bootstrap", __name__, description="What a device needs to work offline")


# -- building the document ---------------------------------------------------------------------------

def _user(user: User) -> dict:
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role}


def _kelurahan_in_scope(scope: Scope) -> list[Kelurahan]:
    """The kelurahan the user reports on (a kiosk: the kelurahan offices it surveys)."""
    stmt = scope.kelurahan_query().options(selectinload(Kelurahan.rw))
    return list(db.session.scalars(stmt))


def _last_inspections(kelurahan: list[Kelurahan]) -> dict[int, str]:
    """rw_id → ISO observed_at of its latest accepted, not superseded inspection (one grouped query)."""
    rw_ids = [rw.id for kel in kelurahan for rw in kel.rw]
    if not rw_ids:
        return {}
    t = Submission.__table__
    rows = db.session.execute(
        select(t.c.rw_id, func.max(t.c.observed_at))
        .where(t.c.form_code == "inspeksi-rw", t.c.rw_id.in_(rw_ids), counts_clause(t),
               t.c.superseded_by.is_(None))
        .group_by(t.c.rw_id)).all()
    return {rw_id: aware_utc(at).isoformat() for rw_id, at in rows}


def _kelurahan_doc(kelurahan: list[Kelurahan], with_rw: bool) -> list[dict]:
    last = _last_inspections(kelurahan) if with_rw else {}
    return [{"id": kel.id, "kode": kel.kode, "nama": kel.nama,
             "rw": [{"id": rw.id, "nomor": rw.nomor, "last_inspected_at": last.get(rw.id)}
                    for rw in kel.rw] if with_rw else []}
            for kel in kelurahan]


def _units(kecamatan: Kecamatan | None, kelurahan: list[Kelurahan], scope: Scope) -> list[dict]:
    units = []
    if kecamatan is not None and scope.whole_kecamatan:
        units.append({"kind": "kecamatan", "nama": f"Kantor Kecamatan {kecamatan.nama}",
                      "subject": {"kecamatan_id": kecamatan.id}})
    units.extend({"kind": "kelurahan", "nama": f"Kantor Kelurahan {kel.nama}", "subject": {"kelurahan_id": kel.id}}
                 for kel in kelurahan)
    return units


def _forms(role: str) -> list[dict]:
    """Every published version of each form the role may fill, by code then version.

    The latest version is what new records use; older published ones are still accepted by the
    server, and a device needs them to reopen drafts and outbox items made with them.
    """
    rows = db.session.scalars(
        select(FormDefinition.definition).where(FormDefinition.published.is_(True))
        .order_by(FormDefinition.code, FormDefinition.version)
    )
    return [_described(definition) for definition in rows if role in definition.get("roles", ())]


# One line per default form, for the home screen; a definition's own `description` wins.
DESCRIPTIONS = {
    "inspeksi-rw": "Kunjungan ke RW: TOGA, sampah, kekumuhan, lembaga, kejadian.",
    "laporan-kelurahan": "Laporan triwulan kelurahan: lembaga, kejadian dan tanggal laporan.",
    "skm": "Survei kepuasan masyarakat setelah dilayani (9 unsur).",
    "pengaduan": "Pengaduan warga dari kotak, langsung, telepon atau daring.",
    "tindak-lanjut": "Tindak lanjut atas pengaduan yang sudah tercatat.",
    "layanan": "Buku register layanan: jenis layanan, waktu terima dan selesai.",
    "layanan-selesai": "Waktu selesai untuk layanan yang sudah tercatat.",
}


def _described(definition: dict) -> dict:
    if definition.get("description") or definition.get("code") not in DESCRIPTIONS:
        return definition
    return {**definition, "description": DESCRIPTIONS[definition["code"]]}


def _period_start(label: str) -> dt.date | None:
    """The first day of a period label ("2026" or "2026-Q3"), None when it is not one."""
    try:
        year, _, quarter = label.partition("-Q")
        return dt.date(int(year), 3 * int(quarter or 1) - 2, 1)
    except (ValueError, TypeError):
        return None


def report_due_days(today: dt.date) -> int:
    """``report_due_days`` of the rule set in force today: the latest ``effective_from`` on or before
    the current quarter's start, the highest version among equals (as the scoring picks); 10 without one."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    in_force = []
    for version, effective_from, rules in db.session.execute(
            select(RuleSetVersion.version, RuleSetVersion.effective_from, RuleSetVersion.rules)):
        start = _period_start(effective_from)
        if start is not None and start <= quarter_start:
            in_force.append((start, version, rules))
    if in_force:
        rules = max(in_force, key=lambda r: (r[0], r[1]))[2]
        if isinstance(rules, dict) and isinstance(rules.get("report_due_days"), int):
            return rules["report_due_days"]
    return 10


def _service_types() -> list[dict]:
    rows = db.session.scalars(select(ServiceType).where(ServiceType.active.is_(True)).order_by(ServiceType.code))
    return [{"code": st.code, "name": st.name, "group": st.group, "section": st.section,
             "sop_value": st.sop_value, "sop_unit": st.sop_unit} for st in rows]


def periods(today: dt.date) -> list[dict]:
    """This year and last, each followed by its quarters; `current` marks the ones holding today."""
    return [{"code": p.label, "kind": "year" if p.is_year else "quarter", "start": p.start.isoformat(),
             "end": p.end.isoformat(), "current": p.contains(today)}
            for year in (today.year, today.year - 1) for p in year_and_quarters(year)]


def build_bootstrap(scope: Scope, today: dt.date) -> dict:
    """The bootstrap document of one user (without `server_time`)."""
    user = scope.user
    kecamatan = db.session.get(Kecamatan, scope.kecamatan_id) if scope.kecamatan_id is not None else None
    kelurahan = _kelurahan_in_scope(scope)
    return {
        "user": _user(user),
        "kecamatan": None if kecamatan is None else {"id": kecamatan.id, "kode": kecamatan.kode,
                                                     "nama": kecamatan.nama},
        "kelurahan": _kelurahan_doc(kelurahan, with_rw=user.role != "kiosk"),
        "units": _units(kecamatan, kelurahan, scope),
        "forms": assigned_forms(_forms(user.role), user.role,
                                None if scope.whole_kecamatan else [kel.kode for kel in kelurahan]),
        "service_types": _service_types(),
        "periods": periods(today),
        "report_due_days": report_due_days(today),
    }


def etag_of(document: dict) -> str:
    """A strong ETag: the SHA-256 of the document's canonical JSON."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@bp.route("/bootstrap")
class Bootstrap(MethodView):
    @bp.doc(security=[{"bearer": []}], responses={"304": {"description": "Not modified (If-None-Match)"}})
    @bp.response(200, BootstrapSchema)
    @bp.alt_response(401, description="No valid bearer token")
    @require_role(*ALL_ROLES)
    def get(self):
        """Everything the device needs offline for the current user; revalidate with If-None-Match."""
        now = dt.datetime.now(dt.timezone.utc)
        today = clock.local_day(now, settings().timezone)
        document = build_bootstrap(current_scope(), today)
        etag = etag_of(document)
        if request.if_none_match.contains_weak(etag):  # RFC 9110: weak comparison for If-None-Match
            resp = Response(status=304)
        else:
            resp = jsonify({**document, "server_time": now.isoformat()})
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "private, no-cache"
        resp.headers["Vary"] = "Authorization, Cookie"
        return resp

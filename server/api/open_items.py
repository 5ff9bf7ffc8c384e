"""GET /api/v1/open-items: complaints without a follow-up and services not finished, in the caller's scope.

The field app caches this list (refreshed on every sync) so an officer can follow up, offline,
any open record of their kelurahan, not only the ones made on their own phone. A follow-up made
from it sends ``ref`` = the item's ``id`` (the current version of the record's chain).

Open complaint: a ``pengaduan`` chain whose current version (the latest version that is not
rejected) exists, with no counting ``tindak-lanjut`` referring to any of its versions.
Unfinished service: a ``layanan`` chain whose current version has no ``waktu_selesai`` and no
counting ``layanan-selesai``. "Counting" follows :func:`server.models.counts_clause` applied to the
follow-up chain's current version. At most :data:`LIMIT` of each, newest (``observed_at``) first.

Cacheable: the ETag is the SHA-256 of the body; ``If-None-Match`` answers 304.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from server.extensions import db
from server.models import Kecamatan, Kelurahan, Submission
from server.schemas.open_items import OpenItemsSchema
from server.security import ALL_ROLES, Scope, current_scope, require_role

bp = Blueprint("open_items", __name__, description="Open complaints and unfinished services in scope")

LIMIT = 500
# record form → its follow-up form
FOLLOW_UPS = {"pengaduan": "tindak-lanjut", "layanan": "layanan-selesai"}


@dataclass
class _Version:
    id: uuid.UUID
    supersedes: uuid.UUID | None
    review_status: str
    needs_acceptance: bool
    observed_at: object
    received_at: object
    row: object = None


def counts(version: _Version) -> bool:
    """The Python twin of :func:`server.models.counts_clause` for one loaded version."""
    return version.review_status == "accepted" or (
        version.review_status in ("pending", "returned") and not version.needs_acceptance)


def chains(versions: Iterable[_Version]) -> list[tuple[list[_Version], _Version | None]]:
    """Group versions into correction chains: (versions oldest first, current version or None).

    The current version is the latest one that is not rejected (rejecting a correction restores
    the version before it); a chain whose every version is rejected has none.
    """
    by_id = {v.id: v for v in versions}
    successors: dict[uuid.UUID, list[_Version]] = {}
    for v in by_id.values():
        if v.supersedes in by_id:
            successors.setdefault(v.supersedes, []).append(v)
    out = []
    for root in by_id.values():
        if root.supersedes in by_id:
            continue
        chain, seen = [root], {root.id}
        while chain[-1].id in successors:
            nxt = min(successors[chain[-1].id], key=lambda v: (v.received_at, str(v.id)))
            if nxt.id in seen:
                break
            chain.append(nxt)
            seen.add(nxt.id)
        current = next((v for v in reversed(chain) if v.review_status != "rejected"), None)
        out.append((chain, current))
    return out


def _scoped(stmt, scope: Scope):
    t = Submission
    if scope.kelurahan_ids is not None:
        return stmt.where(t.kelurahan_id.in_(scope.kelurahan_ids))
    if scope.kecamatan_id is not None:
        return stmt.where(t.kecamatan_id == scope.kecamatan_id)
    return stmt


def _version(r) -> _Version:
    return _Version(r.id, r.supersedes, r.review_status, bool(r.needs_acceptance), r.observed_at, r.received_at, r)


def _open_records(scope: Scope, form: str) -> list:
    """The current versions of the open chains of ``form`` in scope, newest first."""
    s = Submission
    records = [_version(r) for r in db.session.scalars(_scoped(select(s).where(s.form_code == form), scope))]
    if not records:
        return []
    record_ids = select(s.id).where(s.form_code == form)
    record_ids = _scoped(record_ids, scope)
    follow_rows = db.session.execute(
        select(s.id, s.supersedes, s.review_status, s.needs_acceptance, s.observed_at, s.received_at, s.ref)
        .where(s.form_code == FOLLOW_UPS[form], s.ref.in_(record_ids))).all()
    done: set[uuid.UUID] = set()  # record version ids that have a counting follow-up
    refs = {r.id: r.ref for r in follow_rows}
    for _chain, current in chains(_version(r) for r in follow_rows):
        if current is not None and counts(current):
            done.add(refs[current.id])
    open_ = []
    for chain, current in chains(records):
        if current is None or any(v.id in done for v in chain):
            continue
        if form == "layanan" and (current.row.data or {}).get("waktu_selesai"):
            continue
        open_.append(current.row)
    open_.sort(key=lambda r: (r.observed_at, str(r.id)), reverse=True)
    return open_[:LIMIT]


def _place(row, kelurahan: dict[int, str], kecamatan: dict[int, str]) -> tuple[dict, str]:
    if row.kelurahan_id is not None:
        return {"kelurahan_id": row.kelurahan_id}, kelurahan.get(row.kelurahan_id, "")
    return {"kecamatan_id": row.kecamatan_id}, f"Kantor Kecamatan {kecamatan.get(row.kecamatan_id, '')}".strip()


def _iso(value) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).isoformat()


def open_items(scope: Scope) -> dict:
    """The document of ``GET /api/v1/open-items`` for one caller (kiosks: empty lists)."""
    if scope.user.role == "kiosk":
        return {"complaints": [], "services": []}
    complaints = _open_records(scope, "pengaduan")
    services = _open_records(scope, "layanan")
    kel_ids = {r.kelurahan_id for r in complaints + services if r.kelurahan_id is not None}
    kec_ids = {r.kecamatan_id for r in complaints + services if r.kelurahan_id is None and r.kecamatan_id}
    kelurahan = dict(db.session.execute(select(Kelurahan.id, Kelurahan.nama).where(Kelurahan.id.in_(kel_ids))).all()) \
        if kel_ids else {}
    kecamatan = dict(db.session.execute(select(Kecamatan.id, Kecamatan.nama).where(Kecamatan.id.in_(kec_ids))).all()) \
        if kec_ids else {}
    out_c, out_s = [], []
    for r in complaints:
        subject, name = _place(r, kelurahan, kecamatan)
        data = r.data or {}
        out_c.append({"id": str(r.id), "subject": subject, "kelurahan": name,
                      "tanggal_terima": data.get("tanggal_terima"), "kategori": data.get("kategori"),
                      "uraian": data.get("uraian"), "observed_at": _iso(r.observed_at)})
    for r in services:
        subject, name = _place(r, kelurahan, kecamatan)
        data = r.data or {}
        out_s.append({"id": str(r.id), "subject": subject, "kelurahan": name,
                      "jenis_layanan": data.get("jenis_layanan"), "waktu_terima": data.get("waktu_terima")})
    return {"complaints": out_c, "services": out_s}


@bp.route("/open-items")
class OpenItems(MethodView):
    @bp.doc(security=[{"bearer": []}], responses={"304": {"description": "Not modified (If-None-Match)"}})
    @bp.response(200, OpenItemsSchema)
    @bp.alt_response(401, description="No valid bearer token")
    @require_role(*ALL_ROLES)
    def get(self):
        """Open complaints and unfinished services in the caller's scope (at most 500 each, newest first)."""
        document = open_items(current_scope())
        etag = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        if request.if_none_match.contains_weak(etag):
            resp = Response(status=304)
        else:
            resp = jsonify(document)
        resp.set_etag(etag)
        resp.headers["Cache-Control"] = "private, no-cache"
        resp.headers["Vary"] = "Authorization, Cookie"
        return resp

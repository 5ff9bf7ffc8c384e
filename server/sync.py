"""The sync use case: check a batch of submissions, store it idempotently, record what went stale.

One batch is one transaction: a single multi-row ``INSERT … ON CONFLICT (id) DO NOTHING RETURNING
id`` lets the database decide duplicates (two identical batches racing each other both succeed,
each item is stored once), and the scoring outbox rows are written in the same transaction.
The hot path avoids ORM objects and per-item queries: form definitions are cached per process
(versions are immutable), and every other lookup (subjects, referenced rows, photos) is one query
per batch.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, literal, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from server import jobs, review_policy
from server.extensions import db
from server.forms.catalogue import registry
from server.forms.validate import parse_datetime, photo_hashes, validate
from server.models import RW, Attachment, Kecamatan, Kelurahan, Submission
from server.security import Scope

_ITEM_KEYS = frozenset({"id", "form", "form_version", "subject", "ref", "supersedes", "observed_at", "data"})
_SUBJECT_KEYS = {"rw": ("rw_id",), "kelurahan": ("kelurahan_id",), "unit": ("kelurahan_id", "kecamatan_id")}
_SUBJECT_TYPE = {"rw_id": "rw", "kelurahan_id": "kelurahan", "kecamatan_id": "kecamatan"}
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
_table = Submission.__table__
_ATTEMPTS = 3


@dataclass
class _Item:
    """One item of the batch on its way through."""

    index: int
    raw_id: Any
    id: uuid.UUID | None = None
    errors: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    row: dict | None = None
    subject_key: tuple[str, int] | None = None
    ref_pending: bool = False
    ref_year: int | None = None  # the period year of the record a follow-up refers to
    photos: list[str] = field(default_factory=list)


# -- where subjects are ------------------------------------------------------------------------------

_MAX_ID = 2**31 - 1


@dataclass
class _Places:
    """The wilayah rows a batch names: rw_id → (kelurahan_id, kecamatan_id), kelurahan → kecamatan."""

    rw: dict[int, tuple[int, int]] = field(default_factory=dict)
    kelurahan: dict[int, int] = field(default_factory=dict)
    kecamatan: set[int] = field(default_factory=set)


def _load_places(rw_ids: set[int], kelurahan_ids: set[int], kecamatan_ids: set[int]) -> _Places:
    """Look up every subject of the batch in one query (unknown ids simply stay absent)."""
    places = _Places()
    if not (rw_ids or kelurahan_ids or kecamatan_ids):
        return places
    none = [-1]
    stmt = union_all(
        select(RW.id, Kelurahan.id, Kelurahan.kecamatan_id).join(Kelurahan, Kelurahan.id == RW.kelurahan_id)
        .where(RW.id.in_(rw_ids or none)),
        select(literal(-1), Kelurahan.id, Kelurahan.kecamatan_id).where(Kelurahan.id.in_(kelurahan_ids or none)),
        select(literal(-1), literal(-1), Kecamatan.id).where(Kecamatan.id.in_(kecamatan_ids or none)),
    )
    for rw_id, kel_id, kec_id in db.session.execute(stmt).all():
        if rw_id != -1:
            places.rw[rw_id] = (kel_id, kec_id)
        elif kel_id != -1:
            places.kelurahan[kel_id] = kec_id
        else:
            places.kecamatan.add(kec_id)
    return places


# -- helpers ---------------------------------------------------------------------------------------

def content_hash(item: dict, observed: dt.datetime, ref: uuid.UUID | None, supersedes: uuid.UUID | None) -> str:
    """The SHA-256 of the item's canonical JSON (what `duplicate` versus `conflict` compares).

    Spelling that does not change the meaning is normalised first: the instant of `observed_at`
    (``Z`` = ``+00:00``), the case of UUIDs, the order of keys.
    """
    canonical = {
        "form": item["form"], "form_version": item["form_version"], "subject": item.get("subject"),
        "ref": str(ref) if ref else None, "supersedes": str(supersedes) if supersedes else None,
        "observed_at": observed.astimezone(dt.timezone.utc).isoformat(), "data": item["data"],
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _insert(table):
    """The dialect's INSERT (with ON CONFLICT support)."""
    name = db.engine.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {name}")


def _period(form_code: str, observed: dt.datetime, data: dict) -> tuple[int, int]:
    """(year, quarter) of a record: observed_at's local date as written; laporan-kelurahan: `periode`."""
    if form_code == "laporan-kelurahan":
        periode = data.get("periode")
        return int(periode[:4]), int(periode[-1])
    return observed.year, (observed.month - 1) // 3 + 1


def _subject_of(row: dict) -> dict | None:
    kind = row["subject_type"]
    if kind == "rw":
        return {"rw_id": row["rw_id"]}
    if kind == "kelurahan":
        return {"kelurahan_id": row["kelurahan_id"]}
    if kind == "kecamatan":
        return {"kecamatan_id": row["kecamatan_id"]}
    return None


def _mark_stale(pairs: set[tuple[int, int]]) -> None:
    """Record (kecamatan_id, year) pairs as stale in the current transaction (the scoring outbox)."""
    if pairs:
        jobs.mark_stale(db.session, pairs)


# -- the use case ----------------------------------------------------------------------------------

def sync_batch(items: list, scope: Scope, device_token_id: int | None) -> list[dict]:
    """Check and store one batch; return one result per item, in input order.

    A transaction that loses to a concurrent one (deadlock, serialization failure, a busy SQLite
    file) is retried from the start: every step is idempotent.

    :param items: the raw items of the envelope (anything JSON can hold).
    :param scope: the sender's scope; its user's role decides which forms are allowed.
    :return: ``[{"id", "status", "errors"?, "ref_pending"?, "missing_attachments"?}]``.
    """
    for attempt in range(_ATTEMPTS):
        try:
            return _sync_once(items, scope, device_token_id)
        except OperationalError:
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            current_app.logger.warning("sync batch retried after a transient database error", exc_info=True)
    raise AssertionError("unreachable")


def _sync_once(items: list, scope: Scope, device_token_id: int | None) -> list[dict]:
    user = scope.user
    role = user.role
    now = dt.datetime.now(dt.timezone.utc)
    latest = now + dt.timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"])
    service_types = registry.service_types()
    work: list[_Item] = []
    forms: dict[tuple[str, int], Any] = {}  # each unknown (code, version) costs one lookup per batch

    # 1. Each item on its own: envelope, form, role, data, observed_at.
    for index, raw in enumerate(items):
        it = _Item(index, raw.get("id") if isinstance(raw, dict) else None)
        work.append(it)
        if not isinstance(raw, dict):
            it.errors["_item"] = "Harus berupa objek."
            continue
        errors = it.errors
        for key in raw:
            if key not in _ITEM_KEYS:
                errors[str(key)] = "Isian tidak dikenal."
        it.id = _uuid(raw.get("id"))
        if it.id is None:
            errors["id"] = "Wajib berupa UUID."
        code, version = raw.get("form"), raw.get("form_version")
        form = None
        if isinstance(code, str) and _is_int(version):
            if (code, version) not in forms:
                forms[(code, version)] = registry.form(code, version)
            form = forms[(code, version)]
        if form is None or not form.published:
            errors["form"] = "Formulir atau versinya tidak dikenal."
            continue
        definition = form.definition
        if role not in definition.get("roles", ()):
            errors["form"] = f"Peran '{role}' tidak boleh mengisi formulir ini."
            continue
        observed = parse_datetime(raw.get("observed_at"))
        if observed is None:
            errors["observed_at"] = "Wajib berupa waktu ISO 8601 dengan zona waktu."
        elif observed > latest:
            errors["observed_at"] = "Tidak boleh di masa depan."
        elif observed < _EARLIEST:
            errors["observed_at"] = "Terlalu lampau."
        data = raw.get("data")
        field_errors = validate(definition, data, service_types)
        for key, message in field_errors.items():
            errors[f"data.{key}"] = message
        kind = definition["subject"]
        subject = raw.get("subject")
        ref, supersedes = raw.get("ref"), raw.get("supersedes")
        ref_id = sup_id = None
        if kind == "ref":
            ref_id = _uuid(ref)
            if ref_id is None:
                errors["ref"] = "Wajib berupa UUID rekaman yang ditindaklanjuti."
        elif ref is not None:
            errors["ref"] = "Formulir ini tidak merujuk rekaman lain."
        if supersedes is not None:
            sup_id = _uuid(supersedes)
            if sup_id is None:
                errors["supersedes"] = "Wajib berupa UUID."
            elif sup_id == it.id:
                errors["supersedes"] = "Tidak boleh menggantikan dirinya sendiri."
        if subject is not None or kind != "ref":
            allowed = _SUBJECT_KEYS.get(kind, ("rw_id", "kelurahan_id", "kecamatan_id"))
            if (not isinstance(subject, dict) or len(subject) != 1 or next(iter(subject)) not in allowed
                    or not _is_int(next(iter(subject.values()))) or not 0 < next(iter(subject.values())) <= _MAX_ID):
                errors["subject"] = "Wajib berisi tepat satu dari: " + ", ".join(allowed) + "."
            else:
                it.subject_key = next(iter(subject.items()))
        if errors:
            continue
        year, quarter = _period(code, observed, data)
        it.photos = photo_hashes(definition, data)
        it.row = {
            "id": it.id, "form_code": code, "form_version": version, "subject_type": "ref",
            "kecamatan_id": None, "kelurahan_id": None, "rw_id": None,
            "ref": ref_id, "supersedes": sup_id,
            "observed_at": observed.astimezone(dt.timezone.utc),
            "period_year": year, "period_quarter": quarter, "received_at": now, "data": data,
            "content_hash": content_hash(raw, observed, ref_id, sup_id), "user_id": user.id, "device_token_id": device_token_id,
            "review_status": "accepted", "review_reason": None, "reviewed_by": None, "reviewed_at": None,
            "superseded_by": None,
        }
        it.row["_ref_form"] = definition.get("ref_form")

    valid = [it for it in work if it.row is not None]

    # 2. Subjects: where they are, and whether the user may write there (one query).
    wanted: dict[str, set[int]] = {"rw_id": set(), "kelurahan_id": set(), "kecamatan_id": set()}
    for it in valid:
        if it.subject_key:
            wanted[it.subject_key[0]].add(it.subject_key[1])
    places = _load_places(wanted["rw_id"], wanted["kelurahan_id"], wanted["kecamatan_id"])
    for it in valid:
        if it.subject_key is None:
            continue
        place = _place(places, it.subject_key)
        if place is None or not _writable(scope, place):
            it.errors["subject"] = "Di luar wilayah Anda atau tidak dikenal."
            continue
        it.row.update(place)

    # 3. Follow-ups and corrections: the rows they name (one query), or earlier items of this batch.
    valid = [it for it in valid if not it.errors]
    named = {it.row["ref"] for it in valid if it.row["ref"]} | {it.row["supersedes"] for it in valid if it.row["supersedes"]}
    stored: dict[uuid.UUID, dict] = {}
    if named:
        cols = (_table.c.id, _table.c.form_code, _table.c.subject_type, _table.c.kecamatan_id,
                _table.c.kelurahan_id, _table.c.rw_id, _table.c.superseded_by, _table.c.period_year)
        for r in db.session.execute(select(*cols).where(_table.c.id.in_(named))).mappings():
            stored[r["id"]] = dict(r)
    earlier: dict[uuid.UUID, dict] = {}
    for it in valid:
        _check_links(it, stored, earlier, scope)
        if not it.errors and it.id not in earlier:
            earlier[it.id] = it.row

    # 4. Store: the first occurrence of each id goes to one multi-row INSERT … ON CONFLICT DO NOTHING.
    to_insert: dict[uuid.UUID, _Item] = {}
    repeats: list[_Item] = []
    for it in work:
        if it.errors or it.row is None:
            it.status = "invalid"
        elif it.id in to_insert:
            repeats.append(it)
        else:
            to_insert[it.id] = it
    missing_photos: set[str] = set()
    if to_insert:
        # Sorted by id: concurrent batches holding the same ids lock them in the same order (no deadlock).
        rows = [{k: v for k, v in to_insert[sid].row.items() if not k.startswith("_")} for sid in sorted(to_insert)]
        review_policy.set_initial_state(rows)  # pending; needs_acceptance from the form's review setting
        stmt = _insert(_table).on_conflict_do_nothing(index_elements=["id"]).returning(_table.c.id)
        created = set(db.session.execute(stmt, rows).scalars())
        not_created = [i for i in to_insert if i not in created]
        hashes = {}
        if not_created:
            found = db.session.execute(
                select(_table.c.id, _table.c.content_hash).where(_table.c.id.in_(not_created))).all()
            hashes = {sid: digest for sid, digest in found}
        stale: set[tuple[int, int]] = set()
        superseding: list[dict] = []
        linkable: list[dict] = []
        for sid, it in to_insert.items():
            row = it.row
            if sid in created:
                it.status = "created"
                if row["kecamatan_id"] is not None:
                    stale.add((row["kecamatan_id"], row["period_year"]))
                    if it.ref_year is not None:
                        stale.add((row["kecamatan_id"], it.ref_year))
                if row["supersedes"] is not None:
                    superseding.append({"old": row["supersedes"], "new": sid})
                if row["subject_type"] != "ref" and row["form_code"] in ("pengaduan", "layanan"):
                    linkable.append(row)
            else:
                it.status = "duplicate" if hashes.get(sid) == row["content_hash"] else "conflict"
        if superseding:
            old_years = _supersede(superseding)
            stale |= old_years
        if linkable:
            _link_pending_follow_ups(linkable)
        _mark_stale(stale)
        photos = {h for it in to_insert.values() if it.status == "created" for h in it.photos}
        if photos:
            have = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(photos))))
            missing_photos = photos - have
    for it in repeats:
        first = to_insert[it.id]
        it.status = "duplicate" if first.row["content_hash"] == it.row["content_hash"] else "conflict"
    db.session.commit()
    if to_insert and stale:  # a replay of stored items makes nothing stale: no kick
        jobs.after_commit_kick()  # never raises: a broker outage delays scores, never a sync
    return [_result(it, missing_photos) for it in work]


def _place(places: _Places, subject_key: tuple[str, int]) -> dict | None:
    key, value = subject_key
    if key == "rw_id":
        found = places.rw.get(value)
        return None if found is None else {"subject_type": "rw", "rw_id": value, "kelurahan_id": found[0],
                                           "kecamatan_id": found[1]}
    if key == "kelurahan_id":
        kec = places.kelurahan.get(value)
        return None if kec is None else {"subject_type": "kelurahan", "rw_id": None, "kelurahan_id": value,
                                         "kecamatan_id": kec}
    if value not in places.kecamatan:
        return None
    return {"subject_type": "kecamatan", "rw_id": None, "kelurahan_id": None, "kecamatan_id": value}


def _writable(scope: Scope, place: dict) -> bool:
    if place["kelurahan_id"] is not None:
        return scope.allows_kelurahan(place["kelurahan_id"], place["kecamatan_id"])
    if place["kecamatan_id"] is not None and place["subject_type"] == "kecamatan":
        return scope.allows_kecamatan(place["kecamatan_id"])
    return False


def _check_links(it: _Item, stored: dict, earlier: dict, scope: Scope) -> None:
    """Resolve `ref` (follow-ups) and check `supersedes` (corrections) of one item."""
    row = it.row
    ref = row["ref"]
    if ref is not None:
        record = stored.get(ref) or earlier.get(ref)
        if record is None:
            # The record has not arrived yet: accept, scoped to the sender's kecamatan until it does.
            it.ref_pending = True
            if it.subject_key is None:
                row.update(subject_type="ref", kecamatan_id=scope.kecamatan_id)
        elif record["form_code"] != row["_ref_form"]:
            it.errors["ref"] = f"Harus merujuk formulir {row['_ref_form']}."
            return
        else:
            place = {k: record[k] for k in ("subject_type", "kecamatan_id", "kelurahan_id", "rw_id")}
            if place["subject_type"] == "ref" or not _writable(scope, place):
                it.errors["ref"] = "Rekaman yang dirujuk di luar wilayah Anda."
                return
            if it.subject_key is not None and any(row[k] != place[k] for k in place):
                it.errors["subject"] = "Harus sama dengan subjek rekaman yang dirujuk."
                return
            row.update(place)
            # A follow-up dated in a later year still changes its record's year (IKU2–IKU4).
            it.ref_year = record["period_year"]
    sup = row["supersedes"]
    if sup is not None:
        old = stored.get(sup) or earlier.get(sup)
        if old is None or old["form_code"] != row["form_code"]:
            it.errors["supersedes"] = "Harus merujuk pengajuan formulir yang sama yang sudah tersimpan."
            return
        place = {k: old[k] for k in ("subject_type", "kecamatan_id", "kelurahan_id", "rw_id")}
        if place["subject_type"] == "ref":
            if place["kecamatan_id"] != scope.kecamatan_id:
                it.errors["supersedes"] = "Pengajuan yang digantikan di luar wilayah Anda."
                return
        elif not _writable(scope, place):
            it.errors["supersedes"] = "Pengajuan yang digantikan di luar wilayah Anda."
            return
        if old.get("superseded_by") not in (None, it.id):
            it.errors["supersedes"] = "Pengajuan itu sudah digantikan oleh pengajuan lain."
            return
        old["superseded_by"] = it.id  # a second correction of it in this batch is refused


def _supersede(pairs: list[dict]) -> set[tuple[int, int]]:
    """Mark the old rows superseded (first correction wins); return their (kecamatan, year) pairs."""
    t = _table
    olds = [p["old"] for p in pairs]
    db.session.execute(
        update(t).where(t.c.id == bindparam("b_old"), t.c.superseded_by.is_(None))
        .values(superseded_by=bindparam("b_new")),
        [{"b_old": p["old"], "b_new": p["new"]} for p in pairs],
    )
    rows = db.session.execute(select(t.c.kecamatan_id, t.c.period_year).where(t.c.id.in_(olds))).tuples()
    return {(k, y) for k, y in rows if k is not None}


def _link_pending_follow_ups(records: list[dict]) -> None:
    """Give follow-ups that arrived before their record the record's subject."""
    t = _table
    db.session.execute(
        update(t).where(t.c.ref == bindparam("b_ref"), t.c.subject_type == "ref",
                        (t.c.kecamatan_id == bindparam("b_kec")) | t.c.kecamatan_id.is_(None))
        .values(subject_type=bindparam("b_type"), kecamatan_id=bindparam("b_kec"),
                kelurahan_id=bindparam("b_kel"), rw_id=bindparam("b_rw")),
        [{"b_ref": r["id"], "b_type": r["subject_type"], "b_kec": r["kecamatan_id"], "b_kel": r["kelurahan_id"],
          "b_rw": r["rw_id"]} for r in records],
    )


def _result(it: _Item, missing_photos: set[str]) -> dict:
    out: dict[str, Any] = {"id": str(it.id) if it.id else (it.raw_id if isinstance(it.raw_id, str) else None),
                           "status": it.status}
    if it.status == "invalid":
        out["errors"] = it.errors or {"_item": "Tidak valid."}
    elif it.status == "created":
        if it.ref_pending:
            out["ref_pending"] = True
        missing = [h for h in it.photos if h in missing_photos]
        if missing:
            out["missing_attachments"] = missing
    return out


def photos_in(definitions: Iterable[dict], data: dict) -> list[str]:
    """Photo hashes named by `data` under any of the definitions (for read paths)."""
    found: list[str] = []
    for definition in definitions:
        found.extend(photo_hashes(definition, data))
    return found

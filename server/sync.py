"""The sync use case: check a batch of submissions, store it idempotently, record what went stale.

One batch is one transaction: a single multi-row ``INSERT … ON CONFLICT (id) DO NOTHING RETURNING
id`` lets the database decide duplicates (two identical batches racing each other both succeed,
each item is stored once), and the scoring outbox rows are written in the same transaction.
The hot path avoids ORM objects and per-item queries: form definitions are cached per process
(versions are immutable), and every other lookup (subjects, referenced rows, photos) is one query
per batch.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from flask import current_app
from marshmallow import ValidationError
import orjson
import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import bindparam, literal, select, union_all, update
from sqlalchemy.exc import OperationalError

from server import attachment_links, jobs, local_cache, review_policy, token_guard
from server.chains import touched_pairs
from server.dialect import upsertable_insert
from server.extensions import db
from server.forms.catalogue import registry
from server.forms.validate import parse_date, parse_datetime, photo_fields, refuses_non_finite
from server.models import RW, Attachment, Kecamatan, Kelurahan, Submission, User, UserScope
from server.models._types import utcnow
from server.periods import affected_years, record_period
from server.schemas.submissions import (
    NOT_AN_OBJECT, ItemContext, SubmissionItemSchema, as_uuid, result_errors,
)
from server.security import Scope
from server.settings import settings

_table = Submission.__table__
_ATTEMPTS = 3
ITEM_SCHEMA = SubmissionItemSchema()  # built once: the item check of every batch


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
    photo_fields: list[tuple[str, str]] = field(default_factory=list)  # (field key, hash) in field order
    years: Iterable[int] = ()
    ref_form: str | None = None  # the form a follow-up must refer to (its definition's ``ref_form``)
    kelurahan_codes: list[str] | None = None  # a form assigned to some kelurahan only

    @property
    def photos(self) -> list[str]:
        """The photo hashes the item names, in field order."""
        return [sha for _key, sha in self.photo_fields]


# -- where subjects are ------------------------------------------------------------------------------


@dataclass
class _Places:
    """The wilayah rows a batch names: rw_id → (kelurahan_id, kecamatan_id), kelurahan → kecamatan."""

    rw: dict[int, tuple[int, int]] = field(default_factory=dict)
    kelurahan: dict[int, int] = field(default_factory=dict)
    kecamatan: set[int] = field(default_factory=set)


def _load_places(rw_ids: set[int], kelurahan_ids: set[int], kecamatan_ids: set[int]) -> _Places:
    """Look up every subject of the batch: from this process's cache, the rest in one query.

    Where a wilayah row is (RW → kelurahan → kecamatan) is kept per process for
    WILAYAH_CACHE_SECONDS (default 60; only ids that exist are kept): a wilayah import or edit by
    another process is seen at most that long after, one through this process at once
    (server.local_cache). Unknown ids simply stay absent.
    """
    places = _Places()
    cache = local_cache.cache_of(current_app, "wilayah")
    missing: dict[str, set[int]] = {"rw": set(), "kel": set(), "kec": set()}
    for kind, ids, into in (("rw", rw_ids, places.rw), ("kel", kelurahan_ids, places.kelurahan)):
        for place_id in ids:
            found = cache.get((kind, place_id))
            if found is None:
                missing[kind].add(place_id)
            else:
                into[place_id] = found
    for place_id in kecamatan_ids:
        if cache.get(("kec", place_id)):
            places.kecamatan.add(place_id)
        else:
            missing["kec"].add(place_id)
    if any(missing.values()):
        generation = local_cache.generation()
        read = _query_places(missing["rw"], missing["kel"], missing["kec"])
        ttl = current_app.config.get("WILAYAH_CACHE_SECONDS", 0)
        for rw_id, where in read.rw.items():
            cache.put(("rw", rw_id), where, ttl, generation)
        for kel_id, kec_id in read.kelurahan.items():
            cache.put(("kel", kel_id), kec_id, ttl, generation)
        for kec_id in read.kecamatan:
            cache.put(("kec", kec_id), True, ttl, generation)
        places.rw.update(read.rw)
        places.kelurahan.update(read.kelurahan)
        places.kecamatan |= read.kecamatan
    return places


def _query_places(rw_ids: set[int], kelurahan_ids: set[int], kecamatan_ids: set[int]) -> _Places:
    """Where the given wilayah rows are, in one query."""
    places = _Places()
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

def content_hash(item: dict, observed: dt.datetime, ref: uuid.UUID | None, supersedes: uuid.UUID | None,
                 finite: bool = False) -> str:
    """The SHA-256 of the item's canonical JSON (what `duplicate` versus `conflict` compares).

    Spelling that does not change the meaning is normalised first: the instant of `observed_at`
    (``Z`` = ``+00:00``), the case of UUIDs, the order of keys.

    :param finite: the caller vouches that the item holds no NaN or infinity (its data passed a
        check that refuses them): see :func:`canonical_json`.
    """
    canonical = {
        "form": item["form"], "form_version": item["form_version"], "subject": item.get("subject"),
        "ref": str(ref) if ref else None, "supersedes": str(supersedes) if supersedes else None,
        "observed_at": observed.astimezone(dt.timezone.utc).isoformat(), "data": item["data"],
    }
    return hashlib.sha256(canonical_json(canonical, finite)).hexdigest()


# The canonical JSON of content_hash (built once: json.dumps with options builds an encoder per call).
_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(document: Any, finite: bool = False) -> bytes:
    """``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` in UTF-8.

    The stored hashes of every submission are of these exact bytes, so they may never change. With
    ``finite`` orjson writes them, ten times faster, wherever it writes the same bytes: the same
    escapes, key order and numbers, except numbers below 1e-4 (``1e-05`` against ``0.00001``) —
    any output holding ``e-`` or ``0.0000`` is written again by the standard library, as is what
    orjson refuses (integers beyond 64 bits, lone surrogates). NaN and infinity, which orjson
    writes as ``null``, cannot be seen in its output: hence ``finite``, the caller's word that
    there are none (tests/server/test_canonical_json.py holds both writers to the same bytes).
    """
    if finite:
        try:
            out = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
        else:
            if b"e-" not in out and b"0.0000" not in out:
                return out
    return _canonical_json(document).encode()


def _mark_stale(pairs: set[tuple[int, int]]) -> None:
    """Record (kecamatan_id, year) pairs as stale in the current transaction (the scoring outbox)."""
    if pairs:
        jobs.mark_stale(db.session, pairs)


# -- the use case ----------------------------------------------------------------------------------

def sync_batch(items: list, scope: Scope, device_token_id: int | None,
               guard: token_guard.TokenGuard | None = None) -> list[dict]:
    """Check and store one batch; return one result per item, in input order.

    A transaction that loses to a concurrent one (deadlock, serialization failure, a busy SQLite
    file) is retried from the start: every step is idempotent.

    :param items: the raw items of the envelope (anything JSON can hold).
    :param scope: the sender's scope; its user's role decides which forms are allowed.
    :param guard: what the batch's write must find unchanged about the sender's token (a token
        this process verified earlier, server.token_guard); None: verified by this request.
    :raise token_guard.TokenChanged: the guard failed; nothing was written (the caller rolls back).
    :return: ``[{"id", "status", "errors"?, "ref_pending"?, "missing_attachments"?}]``.
    """
    for attempt in range(_ATTEMPTS):
        try:
            return _sync_once(items, scope, device_token_id, guard)
        except OperationalError:
            db.session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            current_app.logger.warning("sync batch retried after a transient database error", exc_info=True)
    raise AssertionError("unreachable")


@dataclass
class _Batch:
    """What every step of one batch shares: the sender, the clock, the catalogue read once."""

    scope: Scope
    device_token_id: int | None
    now: dt.datetime
    latest: dt.datetime  # the latest acceptable observed_at (now plus the allowed clock skew)
    tz: str | None
    service_types: Any
    guard: token_guard.TokenGuard | None = None
    forms: dict[tuple[str, int], Any] = field(default_factory=dict)  # each unknown (code, version): one lookup

    @classmethod
    def start(cls, scope: Scope, device_token_id: int | None, guard: token_guard.TokenGuard | None = None) -> _Batch:
        now = dt.datetime.now(dt.timezone.utc)
        return cls(scope, device_token_id, now, now + dt.timedelta(seconds=current_app.config["CLOCK_SKEW_SECONDS"]),
                   settings().timezone, registry.service_types(), guard)

    @property
    def role(self) -> str:
        return self.scope.user.role

    def form(self, code: Any, version: Any) -> Any:
        """The form definition of (code, version), or None when the pair is not even well-formed."""
        if not (isinstance(code, str) and isinstance(version, int) and not isinstance(version, bool)):
            return None
        if (code, version) not in self.forms:
            self.forms[(code, version)] = registry.form(code, version)
        return self.forms[(code, version)]


def _sync_once(items: list, scope: Scope, device_token_id: int | None,
               guard: token_guard.TokenGuard | None) -> list[dict]:
    """One attempt: parse → validate → locate → link → insert → mark stale, then commit and kick."""
    batch = _Batch.start(scope, device_token_id, guard)
    with ItemContext(batch):
        work = [_parse_item(batch, index, raw) for index, raw in enumerate(items)]
    valid = [it for it in work if it.row is not None]
    _locate_subjects(scope, valid)
    _resolve_links(scope, [it for it in valid if not it.errors])
    to_insert, repeats = _first_occurrences(work)
    stale: set[tuple[int, int]] = set()
    missing_photos: set[str] = set()
    if to_insert:
        created, marked = _insert_new(to_insert, guard)
        stale = _settle_created(to_insert, created, batch.tz)
        _mark_stale(stale - marked)
        stale |= marked
        missing_photos = _missing_photos(to_insert)
    elif guard is not None:  # nothing to write: the guard is checked on its own
        with _driver_cursor() as cursor:
            token_guard.confirm(cursor, guard)
    for it in repeats:
        first = to_insert[it.id]
        it.status = "duplicate" if first.row["content_hash"] == it.row["content_hash"] else "conflict"
    db.session.commit()
    if to_insert and stale:  # a replay of stored items makes nothing stale: no kick
        jobs.after_commit_kick()  # never raises: a broker outage delays scores, never a sync
    return [_result(it, missing_photos) for it in work]


# -- 1. parse and validate: each item on its own -----------------------------------------------------

def _parse_item(batch: _Batch, index: int, raw: Any) -> _Item:
    """Check one item with its schema (THE item check, server.schemas.submissions); build its row."""
    it = _Item(index, raw.get("id") if isinstance(raw, dict) else None)
    if not isinstance(raw, dict):
        it.errors["_item"] = NOT_AN_OBJECT
        return it
    try:
        checked = ITEM_SCHEMA.load(raw)
    except ValidationError as err:
        it.id = as_uuid(raw.get("id"))
        it.errors.update(result_errors(err.messages))
        return it
    it.id, it.subject_key = checked.id, checked.subject_key
    it.row = _new_row(batch, it, raw, checked.form.definition, checked.observed, checked.ref, checked.supersedes)
    return it


def _new_row(batch: _Batch, it: _Item, raw: dict, definition: dict, observed: dt.datetime,
             ref_id: uuid.UUID | None, sup_id: uuid.UUID | None) -> dict:
    """The ``submissions`` row of a valid item (its place filled in by the next steps)."""
    code, version, data = raw["form"], raw["form_version"], raw.get("data")
    year, quarter = record_period(code, observed, data, batch.tz)
    it.years = affected_years(code, observed, data, batch.tz, own_year=year)  # the years whose scores it can change
    it.photo_fields = photo_fields(definition, data)
    it.ref_form, it.kelurahan_codes = definition.get("ref_form"), definition.get("kelurahan")
    return {
        "id": it.id, "form_code": code, "form_version": version, "subject_type": "ref",
        "kecamatan_id": None, "kelurahan_id": None, "rw_id": None,
        "ref": ref_id, "supersedes": sup_id,
        "observed_at": observed.astimezone(dt.timezone.utc),
        "period_year": year, "period_quarter": quarter, "received_at": batch.now, "data": data,
        "content_hash": content_hash(raw, observed, ref_id, sup_id, finite=refuses_non_finite(definition)),
        "user_id": batch.scope.user.id,
        "device_token_id": batch.device_token_id,
        "review_status": "pending", "review_reason": None, "reviewed_by": None, "reviewed_at": None,
        "superseded_by": None,
    }


# -- 2. locate: where the subjects are, and whether the user may write there (one query) -------------

def _locate_subjects(scope: Scope, valid: list[_Item]) -> None:
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
    _check_assignment([it for it in valid if not it.errors])


def _check_assignment(located: list[_Item]) -> None:
    """A form assigned to some kelurahan (its definition's ``kelurahan`` codes) is refused elsewhere."""
    assigned = [it for it in located if it.kelurahan_codes and it.row["kelurahan_id"] is not None]
    if not assigned:
        return
    ids = {it.row["kelurahan_id"] for it in assigned}
    codes = dict(db.session.execute(select(Kelurahan.id, Kelurahan.kode).where(Kelurahan.id.in_(ids))).all())
    for it in assigned:
        if codes.get(it.row["kelurahan_id"]) not in it.kelurahan_codes:
            it.errors["subject"] = "Formulir ini tidak ditugaskan untuk kelurahan ini."


# -- 3. link: follow-ups and corrections, to stored rows (one query) or earlier items of the batch ---

def _resolve_links(scope: Scope, valid: list[_Item]) -> None:
    named = {it.row["ref"] for it in valid if it.row["ref"]} | {it.row["supersedes"] for it in valid if it.row["supersedes"]}
    stored: dict[uuid.UUID, dict] = {}
    if named:
        cols = (_table.c.id, _table.c.form_code, _table.c.subject_type, _table.c.kecamatan_id,
                _table.c.kelurahan_id, _table.c.rw_id, _table.c.superseded_by, _table.c.period_year, _table.c.data)
        for r in db.session.execute(select(*cols).where(_table.c.id.in_(named))).mappings():
            stored[r["id"]] = dict(r)
    earlier: dict[uuid.UUID, dict] = {}
    for it in valid:
        _check_links(it, stored, earlier, scope)
        if not it.errors and it.id not in earlier:
            earlier[it.id] = it.row


# -- 4. insert: the first occurrence of each id, one multi-row INSERT … ON CONFLICT DO NOTHING -------

def _first_occurrences(work: list[_Item]) -> tuple[dict[uuid.UUID, _Item], list[_Item]]:
    """Mark invalid items; return the first valid item of each id, and the later repeats in the batch."""
    to_insert: dict[uuid.UUID, _Item] = {}
    repeats: list[_Item] = []
    for it in work:
        if it.errors or it.row is None:
            it.status = "invalid"
        elif it.id in to_insert:
            repeats.append(it)
        else:
            to_insert[it.id] = it
    return to_insert, repeats


def _insert_new(to_insert: dict[uuid.UUID, _Item],
                guard: token_guard.TokenGuard | None) -> tuple[set[uuid.UUID], set[tuple[int, int]]]:
    """Insert the rows; return the ids the database created (the others existed already) and the pairs marked.

    On PostgreSQL one statement inserts the rows, gives each its review flag and writes the outbox
    rows of the (kecamatan, year) pairs the rows reach by themselves, when it created any row (one
    round trip). A pair of a row that existed already may be marked too: a needless recompute, never
    a missed one. Pairs only chains and late links reach are marked by the caller. With a token
    guard (PostgreSQL only) the statement writes nothing unless the guard holds.
    """
    # Sorted by id: concurrent batches holding the same ids lock them in the same order (no deadlock).
    rows = [to_insert[sid].row for sid in sorted(to_insert)]
    if db.engine.dialect.name == "postgresql":
        pairs = _direct_pairs(to_insert.values())
        created = _pg_insert_with_outbox(rows, sorted(pairs), guard)
    else:
        pairs = set()
        review_policy.set_initial_state(rows)  # pending; needs_acceptance from the form's review setting
        stmt = upsertable_insert(_table).on_conflict_do_nothing(index_elements=["id"]).returning(_table.c.id)
        created = set(db.session.execute(stmt, rows).scalars())
    marked = pairs if created else set()
    if marked:
        jobs.remember_stale(db.session, marked)
    attachment_links.link_photos((sid, key, sha) for sid in created  # who may see its photos
                                 for key, sha in to_insert[sid].photo_fields)
    return created, marked


_PG_SQL: dict[tuple[tuple[str, ...], bool], str] = {}


def _pg_insert_sql(columns: tuple[str, ...], guarded: bool) -> str:
    """The SQL of :func:`_pg_insert_with_outbox` for these columns (written once per process).

    The rows travel as ONE jsonb array, read back into the table's own row type
    (``jsonb_populate_recordset``): the text does not depend on the number of rows, so PostgreSQL
    keeps it prepared for every batch size, and the driver dumps one value instead of an array per
    column. ``needs_acceptance`` is the form's "records wait for review" setting of the row's
    kecamatan, read by the same statement. ``guarded``: the token guard's condition comes first
    (its parameters before the rows); the statement then inserts nothing unless it holds. It answers
    ONE row: whether the guard held, and the ids it created — NULL when it created every row (the
    usual batch: no id to send back and parse), an array (maybe empty) otherwise.
    """
    sql = _PG_SQL.get((columns, guarded))
    if sql is None:
        for name in columns:
            _table.c[name]  # every name a column of the table (else KeyError)
        names = ", ".join(columns)
        settings_table = review_policy.SETTINGS_TABLE
        # Table and column names come from the model; every value is a parameter.
        guard_cte = f"token_ok AS (SELECT {token_guard.CONDITION_SQL} AS ok), " if guarded else ""
        only_if = " WHERE (SELECT ok FROM token_ok)" if guarded else ""
        held = "(SELECT ok FROM token_ok)" if guarded else "TRUE"
        sql = (f"WITH {guard_cte}"  # nosec B608
               f"incoming AS (SELECT * FROM jsonb_populate_recordset(NULL::{_table.name}, %s){only_if}), "
               f"created_rows AS (INSERT INTO {_table.name} ({names}, needs_acceptance) "
               f"SELECT {names}, EXISTS (SELECT 1 FROM {settings_table} AS setting "
               "WHERE setting.kecamatan_id = incoming.kecamatan_id AND setting.form_code = incoming.form_code "
               "AND setting.wait_for_review) FROM incoming ON CONFLICT (id) DO NOTHING RETURNING id), "
               f"stale_outbox AS (INSERT INTO {jobs.OUTBOX_TABLE} (kecamatan_id, year, created_at) "
               "SELECT kecamatan_id, year, %s FROM unnest(%s::integer[], %s::integer[]) "
               "AS stale_pairs (kecamatan_id, year) WHERE EXISTS (SELECT 1 FROM created_rows)) "
               # One row: did the guard hold, and the created ids unless every row was created.
               f"SELECT {held}, CASE WHEN count(*) < %s THEN coalesce(array_agg(id), '{{}}') END FROM created_rows")
        sql = _PG_SQL.setdefault((columns, guarded), sql)
    return sql


def _json_value(value: Any) -> str:
    """JSON for what ``json`` cannot write itself: ids and instants (ISO 8601 with offset)."""
    if isinstance(value, (uuid.UUID, dt.datetime)):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dump_rows(rows: list[dict]) -> bytes | str:
    """The rows as one JSON array (orjson: ids and instants written natively, ISO 8601 with offset).

    An integer beyond 64 bits (data a form's rules let through) is more than orjson writes: then
    the standard library writes the rows.
    """
    try:
        return orjson.dumps(rows)
    except orjson.JSONEncodeError:
        return json.dumps(rows, default=_json_value, separators=(",", ":"), ensure_ascii=False)


def _pg_insert_with_outbox(rows: list[dict], pairs: list[tuple[int, int]],
                           guard: token_guard.TokenGuard | None) -> set[uuid.UUID]:
    """PostgreSQL: insert the rows and, when any was created, the pairs' outbox rows, in ONE statement.

    Hand-written SQL, sent on the session's connection: the SQLAlchemy construct cost more to
    compile per request than the round trip it saves. The ids the database created come back.

    :raise token_guard.TokenChanged: the guard did not hold (nothing was written).
    """
    columns = tuple(rows[0])
    params = guard.params() if guard is not None else []
    params += [Jsonb(rows, dumps=_dump_rows), utcnow(),
               [kecamatan_id for kecamatan_id, _ in pairs], [year for _, year in pairs]]
    params.append(len(rows))
    with _driver_cursor() as cursor:
        cursor.execute(_pg_insert_sql(columns, guard is not None), params)
        held, some_created = cursor.fetchone()
    if not held:
        raise token_guard.TokenChanged()
    return {row["id"] for row in rows} if some_created is None else set(some_created)


@contextlib.contextmanager
def _driver_cursor():
    """A driver cursor on the session's connection; its errors raised as SQLAlchemy's own execute would
    (SQLAlchemy's exception classes, a dead connection invalidated)."""
    connection = db.session.connection()
    try:
        with connection.connection.dbapi_connection.cursor() as cursor:
            yield cursor
    except psycopg.Error as err:
        connection._handle_dbapi_exception(err, None, None, None, None)
        raise


def _direct_pairs(items: Iterable[_Item]) -> set[tuple[int, int]]:
    """The (kecamatan, year) pairs new rows make stale by themselves (not through chains or late links)."""
    return {(it.row["kecamatan_id"], year) for it in items if it.row["kecamatan_id"] is not None
            for year in it.years}


def _settle_created(to_insert: dict[uuid.UUID, _Item], created: set[uuid.UUID], tz: str | None) -> set[tuple[int, int]]:
    """Give each item its status, apply corrections and late links; return the (kecamatan, year) made stale."""
    not_created = [i for i in to_insert if i not in created]
    hashes = {}
    if not_created:
        found = db.session.execute(
            select(_table.c.id, _table.c.content_hash).where(_table.c.id.in_(not_created))).all()
        hashes = {sid: digest for sid, digest in found}
    stale: set[tuple[int, int]] = set()
    superseding: list[dict] = []
    linkable: list[dict] = []
    chained: set[uuid.UUID] = set()  # created rows whose chain or record decides more years
    for sid, it in to_insert.items():
        row = it.row
        if sid not in created:
            it.status = "duplicate" if hashes.get(sid) == row["content_hash"] else "conflict"
            continue
        it.status = "created"
        stale |= _direct_pairs([it])
        if row["supersedes"] is not None:
            superseding.append({"old": row["supersedes"], "new": sid})
        if row["supersedes"] is not None or (row["ref"] is not None and not it.ref_pending):
            chained.add(sid)
        if row["subject_type"] != "ref" and row["form_code"] in ("pengaduan", "layanan"):
            linkable.append(row)
    if superseding:
        _supersede(superseding)
    if linkable:
        chained |= _link_pending_follow_ups(linkable)
    if chained:
        stale |= touched_pairs(chained, tz)
    return stale


def _missing_photos(to_insert: dict[uuid.UUID, _Item]) -> set[str]:
    """The photo hashes the created items name that no stored attachment has yet."""
    photos = {h for it in to_insert.values() if it.status == "created" for h in it.photos}
    if not photos:
        return set()
    have = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(photos))))
    return photos - have


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
        elif record["form_code"] != it.ref_form:
            it.errors["ref"] = f"Harus merujuk formulir {it.ref_form}."
            return
        else:
            place = {k: record[k] for k in ("subject_type", "kecamatan_id", "kelurahan_id", "rw_id")}
            if place["subject_type"] == "ref" or not _writable(scope, place):
                it.errors["ref"] = "Rekaman yang dirujuk di luar wilayah Anda."
                return
            if it.subject_key is not None and any(row[k] != place[k] for k in place):
                it.errors["subject"] = "Harus sama dengan subjek rekaman yang dirujuk."
                return
            late = follow_up_too_early(row["form_code"], row["data"], record.get("data"))
            if late:
                it.errors[late[0]] = late[1]
                return
            row.update(place)
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


def _supersede(pairs: list[dict]) -> None:
    """Mark the old rows superseded (first correction wins: the sync's guard and the admin's display).

    Which version of a chain counts is decided by the scoring loader from the whole chain (the
    latest version eligible to count), not by this column alone.
    """
    t = _table
    db.session.execute(
        update(t).where(t.c.id == bindparam("b_old"), t.c.superseded_by.is_(None))
        .values(superseded_by=bindparam("b_new")),
        [{"b_old": p["old"], "b_new": p["new"]} for p in pairs],
    )


def follow_up_too_early(form_code: str, data: dict, record_data: Any) -> tuple[str, str] | None:
    """A follow-up dated before its record (§ follow-ups keep time): (error key, message), else None.

    ``tindak-lanjut.tanggal`` may not precede the complaint's ``tanggal_terima``;
    ``layanan-selesai.waktu_selesai`` may not precede the service's ``waktu_terima``.
    """
    if not isinstance(record_data, dict):
        return None
    if form_code == "tindak-lanjut":
        done, received = parse_date(data.get("tanggal")), parse_date(record_data.get("tanggal_terima"))
        if done and received and done < received:
            return ("data.tanggal", "Tanggal tindak lanjut tidak boleh sebelum tanggal pengaduan diterima "
                                    f"({received.strftime('%d/%m/%Y')}).")
    elif form_code == "layanan-selesai":
        done, received = parse_datetime(data.get("waktu_selesai")), parse_datetime(record_data.get("waktu_terima"))
        if done and received and done < received:
            return ("data.waktu_selesai", "Waktu selesai tidak boleh sebelum waktu terima layanan "
                                          f"({received.strftime('%d/%m/%Y %H:%M')}).")
    return None


def _link_pending_follow_ups(records: list[dict]) -> set[uuid.UUID]:
    """Give follow-ups that arrived before their record the record's subject; return their ids.

    Only follow-ups whose sender's scope allows the record's place are linked: a follow-up sent by
    another kelurahan's officer (a guessed or mistyped ref) stays unlinked and never counts.
    One query finds the pending follow-ups of the whole batch (usually none).
    """
    t = _table
    by_id = {r["id"]: r for r in records}
    pending = db.session.execute(
        select(t.c.id, t.c.ref, t.c.kecamatan_id, t.c.user_id)
        .where(t.c.ref.in_(by_id), t.c.subject_type == "ref")).all()
    if not pending:
        return set()
    senders = {user_id for *_rest, user_id in pending if user_id is not None}
    user_kec = dict(db.session.execute(select(User.id, User.kecamatan_id).where(User.id.in_(senders))).tuples().all())
    scopes: dict[int, set[int]] = {}
    for user_id, kel_id in db.session.execute(
            select(UserScope.user_id, UserScope.kelurahan_id).where(UserScope.user_id.in_(senders))):
        scopes.setdefault(user_id, set()).add(kel_id)
    linked: set[uuid.UUID] = set()
    for fid, ref, kec_id, user_id in pending:
        record = by_id[ref]
        if kec_id is not None and kec_id != record["kecamatan_id"]:
            continue
        if user_id is not None:
            if user_kec.get(user_id) not in (None, record["kecamatan_id"]):
                continue
            if user_id in scopes and record["kelurahan_id"] not in scopes[user_id]:
                continue
        db.session.execute(
            update(t).where(t.c.id == fid)
            .values(subject_type=record["subject_type"], kecamatan_id=record["kecamatan_id"],
                    kelurahan_id=record["kelurahan_id"], rw_id=record["rw_id"]))
        linked.add(fid)
    return linked


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

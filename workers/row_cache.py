"""Read only the submission rows that changed since this process last read them (PostgreSQL).

A recompute of a (kecamatan, year) reads every scored row of the kecamatan in ``year - 1 ..
year + 1`` (and every inspection and follow-up before): about 10,000 rows for a kecamatan of the
city dataset, 0.3–0.8 s of fetching JSON and turning it into scoring records — and the count grows
with every row a load adds. Under a stream of syncs almost all of those rows are the same as at
the previous recompute of the same pair, seconds earlier.

So each worker process keeps, per (database, kecamatan, years read, timezone), the rows it read
last time, each with its PostgreSQL ``xmin`` (the transaction that wrote that row version) and its
parsed item (``workers.loader.parse_row``), plus a watermark: the oldest transaction id still
running just before that read (``txid_snapshot_xmin``) — every transaction older than it had
ended, so the read saw all they wrote. A trigger (migration 0008) stamps every row version with
the transaction that wrote it (``submissions.changed_xid``, indexed): an insert, a review
decision, a supersede, a follow-up link, any UPDATE at all, COPY included. The next read asks the
index for the rows written from the watermark on — wherever they are, with whether they are in
the selection — drops the ones that left it, and fetches in full only those that are new or carry
another ``xmin``. Its cost follows what changed, not the size of the kecamatan's history.
Everything else a recompute reads (wilayah, targets, rule sets, service types and their versions,
holidays, chain links outside the selection) is read fresh every time, as before. The rows are
therefore exactly those a full read returns (in another order, which no result depends on), so
the scores are identical to a full recompute (``tests/invariant`` checks it after every step).

Why it is sound: ``changed_xid`` and the watermark are 64-bit transaction ids (``txid_current``),
which never wrap; a transaction that wrote a row is either older than the watermark (ended, its
rows were read) or not (its rows are asked for again). Each statement runs under READ COMMITTED,
so a row written again between the two statements is fetched at its newer version and kept with
the ``xmin`` it was fetched with. When more than half of the held rows (and over 1,000) were
written since (a selection not read for a long time — the other process of the pool did the
recent recomputes —; a write transaction left open anywhere in the cluster holds the watermark
back), the ``xmin`` of every row of the selection is compared instead (no JSON read) and again
only new or changed rows are fetched; when most rows are, or on the first read of a selection,
everything is read in full. SQLite has no such stamp (nor has a database before 0008): there every read is in full.

The rows are held by form, and a form none of whose rows changed keeps the very same group
object (``_Group``, its ``FormRows``): the loader keeps each record collection it built on it
(``workers.loader._collection``), so a read that found three new inspections rebuilds the
inspections and nothing else.

Memory is bounded: the ``MAX_ENTRIES`` (32: every kecamatan of a city) most recently used
selections, each replaced (never mutated) by its newest read, and the JSON documents are not kept
— only the parsed items: about 0.9 KB per row held (7.4 MB for a city kecamatan-year of 8,200
rows), so up to ~250 MB per worker process at city scale.
"""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, case, cast, literal_column, select, text
from sqlalchemy.orm import Session

from server.models import Submission
from workers.loader import SCORED_FORMS, FormRows, Item, parse_row, submissions_query

MAX_ENTRIES = 32  # a city's kecamatan (30), current year
# When more rows than this share of the held ones (and at least _FULL_READ_AT_LEAST) were written
# since the last read, one full read is cheaper than fetching them by id.
_FULL_READ_SHARE = 0.5
_FULL_READ_AT_LEAST = 1000
_FETCH_AT_ONCE = 5000  # ids per fetch of changed rows

_ID, _FORM, _DATA = 0, 1, 6
_Entry = tuple[str, tuple, Item]  # (xmin, the row without its JSON document, its parsed item)


@dataclass(frozen=True)
class _Group:
    """The held rows of one form by id, and the same rows as the loader takes them (``FormRows``).

    Replaced, never changed, when a row of the form changes; a form none of whose rows changed
    keeps the same object, so the loader keeps what it derived from it (``FormRows.derived``).
    """

    entries: dict[str, _Entry]
    rows: FormRows

    @classmethod
    def of(cls, entries: dict[str, _Entry]) -> _Group:
        values = entries.values()
        return cls(entries, FormRows([entry[1] for entry in values], [entry[2] for entry in values]))


@dataclass(frozen=True)
class _Held:
    """One selection as last read: its rows by form, and the watermark taken just before that read."""

    groups: dict[str, _Group]
    watermark: int

    def __len__(self) -> int:
        return sum(len(group.entries) for group in self.groups.values())

    def form_of(self, sid: str) -> str | None:
        """The form of a held row (None: not held)."""
        return next((form for form, group in self.groups.items() if sid in group.entries), None)


_cache: OrderedDict[tuple, _Held] = OrderedDict()
_columns: dict[str, bool] = {}
_lock = threading.Lock()
_CHANGED_XID = literal_column("submissions.changed_xid")


def _xmin():
    return cast(literal_column("submissions.xmin"), Text)


def _kept(row: Any, tz: str) -> tuple[str, _Entry]:
    """A fetched row (its ``xmin`` last) → its id and cache entry."""
    values = tuple(row)
    body = values[:-1]
    light = (*body[:_DATA], None, *body[_DATA + 1:])
    return str(body[_ID]), (str(values[-1]), light, parse_row(body, tz))


def supported(session: Session) -> bool:
    """True on PostgreSQL with ``submissions.changed_xid`` (revision 0008), checked once per database."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    url = str(bind.url)
    if url not in _columns:
        _columns[url] = bool(session.scalar(text(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'submissions' "
            "AND column_name = 'changed_xid' AND table_schema = current_schema()")))
    return _columns[url]


def read_rows(session: Session, kecamatan_id: int, first_year: int, last_year: int, tz: str) -> dict[str, FormRows]:
    """The rows of ``submissions_query`` (ids as text, JSON documents left out) and their parsed items, by form.

    Only where :func:`supported`. Fetches in full only the rows written since this process's
    previous read of the same selection; the first read of a selection reads everything. Every
    scored form has an entry (maybe empty), the same object as last time when none of its rows changed.
    """
    key = (str(session.get_bind().url), kecamatan_id, first_year, last_year, tz)
    with _lock:
        held = _cache.get(key)
    # Taken before the read: every transaction older than the oldest one running now has ended, so
    # the read below sees all it wrote; the next read asks again for anything written from here on.
    watermark = int(session.scalar(text("SELECT txid_snapshot_xmin(txid_current_snapshot())")))
    query = submissions_query(kecamatan_id, first_year, last_year, ids_as_text=True)
    groups = _changed_since(session, query, held, tz) if held is not None else None
    if groups is None:
        groups = _grouped(_kept(row, tz) for row in session.execute(query.add_columns(_xmin())).all())
    with _lock:
        _cache[key] = _Held(groups, watermark)
        _cache.move_to_end(key)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return {form: group.rows for form, group in groups.items()}


def _grouped(kept: Iterable[tuple[str, _Entry]]) -> dict[str, _Group]:
    """Fetched rows (``_kept``) by form, every scored form present."""
    entries: dict[str, dict[str, _Entry]] = {form: {} for form in SCORED_FORMS}
    for sid, entry in kept:
        entries.setdefault(entry[1][_FORM], {})[sid] = entry
    return {form: _Group.of(form_entries) for form, form_entries in entries.items()}


def _changed_since(session: Session, query, held: _Held, tz: str) -> dict[str, _Group] | None:
    """The held rows updated with every row written from the held watermark on (None: read in full).

    One index scan over ``changed_xid`` finds those rows anywhere (a row may also have left the
    selection); only the ones in the selection that are new or have another ``xmin`` are fetched.
    Only the forms with such a row get a new group. A selection far behind (more rows written
    since than the limit: a process that has not read it for a while) compares instead the
    ``xmin`` of every row of the selection (:func:`_far_behind`).
    """
    t = Submission.__table__
    limit = max(_FULL_READ_AT_LEAST, int(len(held) * _FULL_READ_SHARE)) + 1
    changes = session.execute(
        select(cast(t.c.id, Text), _xmin(), case((query.whereclause, True), else_=False))
        .where(_CHANGED_XID >= held.watermark).limit(limit)).all()
    if len(changes) >= limit:
        return _far_behind(session, query, held, tz)
    gone, wanted = [], []
    for sid, xmin, inside in changes:
        form = held.form_of(sid)
        if not inside:
            if form is not None:
                gone.append(sid)
        elif form is None or held.groups[form].entries[sid][0] != xmin:
            wanted.append(sid)
    return _updated(session, query, held, tz, gone, wanted)


def _far_behind(session: Session, query, held: _Held, tz: str) -> dict[str, _Group] | None:
    """The held rows updated by comparing the ``xmin`` of every row of the selection (no JSON read);
    None when most rows are new or changed (one full read is cheaper then)."""
    t = Submission.__table__
    now = dict(session.execute(select(cast(t.c.id, Text), _xmin()).where(query.whereclause)).all())
    form_of = {sid: form for form, group in held.groups.items() for sid in group.entries}
    wanted = [sid for sid, xmin in now.items()
              if (form := form_of.get(sid)) is None or held.groups[form].entries[sid][0] != xmin]
    if len(wanted) > len(now) * _FULL_READ_SHARE:
        return None
    return _updated(session, query, held, tz, [sid for sid in form_of if sid not in now], wanted)


def _updated(session: Session, query, held: _Held, tz: str, gone: list[str],
             wanted: list[str]) -> dict[str, _Group]:
    """The held groups without the rows ``gone`` (out of the selection) and with the rows ``wanted``
    (new, or another ``xmin``) fetched again; a group no such row belongs to is the held one."""
    t = Submission.__table__
    touched: dict[str, dict[str, _Entry]] = {}  # form → its entries, copied at its first change

    def entries(form: str) -> dict[str, _Entry]:
        if form not in touched:
            group = held.groups.get(form)
            touched[form] = dict(group.entries) if group is not None else {}
        return touched[form]

    for sid in gone:
        entries(held.form_of(sid)).pop(sid, None)
    fetched: dict[str, _Entry] = {}
    for start in range(0, len(wanted), _FETCH_AT_ONCE):
        ids = [uuid.UUID(sid) for sid in wanted[start:start + _FETCH_AT_ONCE]]
        rows = session.execute(query.add_columns(_xmin()).where(t.c.id.in_(ids))).all()
        fetched.update(_kept(row, tz) for row in rows)
    for sid in wanted:
        form, entry = held.form_of(sid), fetched.get(sid)
        if form is not None and (entry is None or entry[1][_FORM] != form):
            entries(form).pop(sid, None)  # written again since, out of the selection (or its form) now
        if entry is not None:
            entries(entry[1][_FORM])[sid] = entry
    return {**held.groups, **{form: _Group.of(form_entries) for form, form_entries in touched.items()}}


def clear() -> None:
    """Forget every kept row (tests; a process that wants its next reads in full)."""
    with _lock:
        _cache.clear()
        _columns.clear()

"""Read only the submission rows that changed since this process last read them (PostgreSQL).

A recompute of a (kecamatan, year) reads every scored row of the kecamatan in ``year - 1 ..
year + 1`` (and every inspection and follow-up before): about 10,000 rows for a kecamatan of the
city dataset, 0.3–0.8 s of fetching JSON and turning it into scoring records — and the count grows
with every row a load adds. Under a stream of syncs almost all of those rows are the same as at
the previous recompute of the same pair, seconds earlier.

So each worker process keeps, per (database, kecamatan, years read, timezone), the rows it read
last time, each with its PostgreSQL ``xmin`` (the transaction that wrote that row version) and its
parsed item (``workers.rows.parse_row``), plus a watermark: the oldest transaction id still
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

A read hands back every row held and what changed since the read before (``RowsRead``: per form
the entries gone and the entries new or written again, and the ids written outside the
selection), and the held rows are updated in place — its cost follows what changed, also in
Python: no copy of what is held. What the loader derives from the rows (``workers.record_state``:
chains and record collections) is kept with them (``RowsRead.kept``) and updated from the same
changes; each read is numbered, so derived state that missed a read is built again, never patched.
A selection is owned by one read at a time: it leaves the cache while it is read (a concurrent read
of the same selection reads in full) and a read that fails drops it.

The ids of the rows to fetch again go to PostgreSQL as one array parameter (``= ANY``), not as one
bind parameter each: rendering 10,000 of them cost more than fetching the rows.

Memory is bounded: the ``MAX_ENTRIES`` (32: every kecamatan of a city) most recently used
selections, and the JSON documents are not kept — only the parsed items: about 0.9 KB per row held
(7.4 MB for a city kecamatan-year of 8,200 rows), so up to ~250 MB per worker process at city scale.
"""
from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from psycopg.types.json import set_json_loads
from sqlalchemy import Text, any_, bindparam, case, cast, literal_column, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Session

from server.models import Submission
from workers.rows import DATA, FORM, ID, SCORED_FORMS, Entry, RowsRead, parse_row, submissions_query

MAX_ENTRIES = 32  # a city's kecamatan (30), current year
# When more rows than this share of the held ones (and at least _FULL_READ_AT_LEAST) were written
# since the last read, the selection's xmin are compared instead (``_far_behind``); when more than
# this share of the held rows were rewritten or left, one full read is cheaper than updating them.
_FULL_READ_SHARE = 0.5
_FULL_READ_AT_LEAST = 1000
_FETCH_AT_ONCE = 20000  # ids per fetch of changed rows (one array parameter)


@dataclass(eq=False)
class _Held:
    """One selection as last read: its rows by form and id (updated in place by the read that owns
    it), the watermark taken just before that read, the read's number, and what the loader keeps."""

    groups: dict[str, dict[str, Entry]]
    watermark: int
    generation: int = 1
    kept: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(group) for group in self.groups.values())

    def form_of(self, sid: str) -> str | None:
        """The form of a held row (None: not held)."""
        return next((form for form, group in self.groups.items() if sid in group), None)


_cache: OrderedDict[tuple, _Held] = OrderedDict()
_columns: dict[str, bool] = {}
_lock = threading.Lock()
_CHANGED_XID = literal_column("submissions.changed_xid")


def _xmin():
    return cast(literal_column("submissions.xmin"), Text)


def _kept(row: Any, tz: str) -> tuple[str, Entry]:
    """A fetched row (its ``xmin`` last) → its id and entry (the JSON document dropped once parsed)."""
    values = tuple(row)
    body = values[:-1]
    light = (*body[:DATA], None, *body[DATA + 1:])
    return str(body[ID]), (str(values[-1]), light, parse_row(body, tz))


_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def _loads(document: bytes | str):
    """A JSON document exactly as ``json.loads`` reads it, in a third of its time (most of a changed
    row's decoding) through orjson. orjson reads an integer beyond 64 bits as a float (the standard
    library keeps it an int, and the scoring tells them apart): a document with 19 digits in a row
    anywhere, or one orjson refuses, is read by the standard library."""
    raw = document.encode() if isinstance(document, str) else bytes(document)
    if _LONG_NUMBER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def _fast_json(session: Session) -> None:
    """Decode this connection's ``json``/``jsonb`` values with :func:`_loads` (set once per connection)."""
    connection = session.connection().connection.driver_connection
    if getattr(connection, "_sikk_fast_json", False) is False:
        set_json_loads(_loads, connection)
        connection._sikk_fast_json = True


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


def read_rows(session: Session, kecamatan_id: int, first_year: int, last_year: int, tz: str) -> RowsRead:
    """The rows of ``submissions_query`` (ids as text, JSON documents left out, items parsed), by form
    and id, and what changed since this process's previous read of the same selection.

    Only where :func:`supported`. Fetches in full only the rows written since that read; the first
    read of a selection reads everything (``RowsRead.changed`` None). Every scored form has a group.
    """
    key = (str(session.get_bind().url), kecamatan_id, first_year, last_year, tz)
    _fast_json(session)
    with _lock:
        held = _cache.pop(key, None)  # this read owns it until it is put back
    # Taken before the read: every transaction older than the oldest one running now has ended, so
    # the read below sees all it wrote; the next read asks again for anything written from here on.
    watermark = int(session.scalar(text("SELECT txid_snapshot_xmin(txid_current_snapshot())")))
    query = submissions_query(kecamatan_id, first_year, last_year, ids_as_text=True)
    read = _changed_since(session, query, held, tz) if held is not None else None
    if read is None:
        groups = _grouped(_kept(row, tz) for row in session.execute(query.add_columns(_xmin())).all())
        held = _Held(groups, watermark)
        read = RowsRead(groups, kept=held.kept, generation=held.generation)
    else:
        held.watermark = watermark
    with _lock:
        _cache[key] = held
        _cache.move_to_end(key)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return read


def _grouped(kept: Iterable[tuple[str, Entry]]) -> dict[str, dict[str, Entry]]:
    """Fetched rows (``_kept``) by form and id, every scored form present."""
    groups: dict[str, dict[str, Entry]] = {form: {} for form in SCORED_FORMS}
    for sid, entry in kept:
        groups.setdefault(entry[1][FORM], {})[sid] = entry
    return groups


def _changed_since(session: Session, query, held: _Held, tz: str) -> RowsRead | None:
    """The held rows brought up to date with every row written from the held watermark on (None:
    read in full instead).

    One statement, one index scan over ``changed_xid``, finds those rows anywhere — with whether
    each is in the selection (a row may also have left it) — and fetches them whole, the JSON
    document only of those in the selection; a row held with the same ``xmin`` is not parsed again.
    A selection far behind (more rows written since than the limit: a process that has not read it
    for a while) compares instead the ``xmin`` of every row of the selection (:func:`_far_behind`).
    """
    t = Submission.__table__
    limit = max(_FULL_READ_AT_LEAST, int(len(held) * _FULL_READ_SHARE)) + 1
    inside = case((query.whereclause, True), else_=False)
    columns = [case((query.whereclause, column), else_=None) if index == DATA else column
               for index, column in enumerate(query.selected_columns)]
    changes = session.execute(select(*columns, _xmin(), inside)
                              .where(_CHANGED_XID >= held.watermark).limit(limit)).all()
    if len(changes) >= limit:  # those fetched are used, the others compared
        return _far_behind(session, query, held, tz, {str(row[ID]): row for row in changes if row[-1]})
    gone, fetched, outside = [], {}, set()
    for row in changes:
        sid, xmin = str(row[ID]), row[-2]
        form = held.form_of(sid)
        if not row[-1]:
            outside.add(sid)
            if form is not None:
                gone.append(sid)
        elif form is None or held.groups[form][sid][0] != xmin:
            fetched[sid] = _kept(row[:-1], tz)[1]
    return _updated(session, query, held, tz, gone, fetched, outside)


def _far_behind(session: Session, query, held: _Held, tz: str, fetched_rows: dict[str, Any]) -> RowsRead | None:
    """The held rows brought up to date by comparing the ``xmin`` of every row of the selection (no
    JSON read); None when most held rows were rewritten or left the selection (one full read is
    cheaper then). New rows, however many, are added: a pool process that did not read the pair
    while the other one did (prefork hands a pair's recomputes to either) catches up on them
    without reading again what it holds. What was written outside the selection is not known then
    (``RowsRead.outside`` None). ``fetched_rows``: rows of the selection the caller fetched already
    (with their ``xmin`` and whether in the selection last), used when they are still the version there."""
    t = Submission.__table__
    now = dict(session.execute(select(cast(t.c.id, Text), _xmin()).where(query.whereclause)).all())
    form_of = {sid: form for form, group in held.groups.items() for sid in group}
    wanted = [sid for sid, xmin in now.items()
              if (form := form_of.get(sid)) is None or held.groups[form][sid][0] != xmin]
    gone = [sid for sid in form_of if sid not in now]
    if len(gone) + sum(1 for sid in wanted if sid in form_of) > len(form_of) * _FULL_READ_SHARE:
        return None
    fetched = {sid: _kept(row[:-1], tz)[1] for sid in wanted
               if (row := fetched_rows.get(sid)) is not None and row[-2] == now[sid]}
    fetched.update(_fetch(session, query, [sid for sid in wanted if sid not in fetched], tz))
    for sid in wanted:
        fetched.setdefault(sid, None)  # written again since, out of the selection now
    return _updated(session, query, held, tz, gone, fetched, None)


def _fetch(session: Session, query, ids: list[str], tz: str) -> dict[str, Entry]:
    """The rows of the selection with these ids (one array parameter per ``_FETCH_AT_ONCE`` ids)."""
    t = Submission.__table__
    fetched: dict[str, Entry] = {}
    for start in range(0, len(ids), _FETCH_AT_ONCE):
        wanted = cast(bindparam("ids", ids[start:start + _FETCH_AT_ONCE], type_=ARRAY(Text)), ARRAY(UUID))
        rows = session.execute(query.add_columns(_xmin()).where(t.c.id == any_(wanted))).all()
        fetched.update(_kept(row, tz) for row in rows)
    return fetched


def _updated(session: Session, query, held: _Held, tz: str, gone: list[str], fetched: dict[str, Entry | None],
             outside: set[str] | None) -> RowsRead:
    """Take the rows ``gone`` (out of the selection) out of the held ones and put the rows ``fetched``
    (new, or another ``xmin``; None: out of the selection since) in, in place; return the read with
    what changed."""
    changed: dict[str, tuple[dict[str, Entry], dict[str, Entry]]] = {}

    def slot(form: str) -> tuple[dict[str, Entry], dict[str, Entry]]:
        return changed.setdefault(form, ({}, {}))

    for sid in gone:
        form = held.form_of(sid)
        slot(form)[0][sid] = held.groups[form].pop(sid)
    for sid, entry in fetched.items():
        form = held.form_of(sid)
        if form is not None:  # written again: the version held goes
            slot(form)[0][sid] = held.groups[form].pop(sid)
            if entry is None and outside is not None:
                outside.add(sid)
        if entry is not None:
            held.groups.setdefault(entry[1][FORM], {})[sid] = entry
            slot(entry[1][FORM])[1][sid] = entry
    held.generation += 1
    return RowsRead(held.groups, changed, None if outside is None else frozenset(outside), held.kept,
                    held.generation, held.generation - 1)


def clear() -> None:
    """Forget every kept row (tests; a process that wants its next reads in full)."""
    with _lock:
        _cache.clear()
        _columns.clear()

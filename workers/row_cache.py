"""Read only the submission rows that changed since this process last read them (PostgreSQL).

A recompute of a (kecamatan, year) reads every scored row of the kecamatan in ``year - 1 ..
year + 1`` (and every inspection and follow-up before): about 10,000 rows for a kecamatan of the
city dataset, 0.3–0.8 s of fetching JSON and turning it into scoring records — and the count grows
with every row a load adds. Under a stream of syncs almost all of those rows are the same as at
the previous recompute of the same pair, seconds earlier.

So each worker process keeps, per (database, kecamatan, years read, timezone), the rows it read
last time with their PostgreSQL ``xmin`` (the id of the transaction that wrote that row version)
and their parsed item (``workers.loader.parse_row``). The next read asks only for ``(id, xmin)``
of the same selection — a narrow scan, no JSON — and fetches in full just the rows whose id is new
or whose ``xmin`` differs: a new row, a review decision, a supersede, a follow-up link, any UPDATE
at all gives the row version a new ``xmin``. Rows gone from the selection drop out. Everything
else a recompute reads (wilayah, targets, rule sets, service types and their versions, holidays,
chain links outside the selection) is read fresh every time, as before. The result is therefore
exactly the rows a full read returns, in the scan's order, so the scores are identical to a full
recompute (``tests/invariant`` checks it after every step).

Why ``xmin`` is a sound "changed since": PostgreSQL writes a new row version with the writing
transaction's id on every UPDATE; transaction ids are cluster-wide, so a re-created database never
reuses one within a process's life; a frozen row keeps its ``xmin`` (PostgreSQL ≥ 9.4) and
anything else only makes the ids differ, which costs a fetch, never a stale row. Each statement
runs under READ COMMITTED, so a row updated between the scan and the fetch is fetched at its newer
version and kept with the ``xmin`` it was fetched with. SQLite has no ``xmin``: it always reads
everything (the small deployments it serves never had the problem).

Memory is bounded: the ``MAX_ENTRIES`` most recently used selections, each replaced (never
mutated) by its newest read, and the JSON documents are not kept — only the parsed items.
"""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any

from sqlalchemy import Text, cast, literal_column
from sqlalchemy.orm import Session

from server.models import Submission
from workers.loader import Item, parse_row, submissions_query

MAX_ENTRIES = 8
# When more than this share of the rows changed, one full read is cheaper than fetching them by id.
_FULL_READ_SHARE = 0.5

_ID, _DATA = 0, 6
_Entry = tuple[str, tuple, Item]  # (xmin, the row without its JSON document, its parsed item)
_cache: OrderedDict[tuple, dict[str, _Entry]] = OrderedDict()
_lock = threading.Lock()


def _xmin():
    return cast(literal_column("submissions.xmin"), Text)


def _kept(row: Any, tz: str) -> tuple[str, _Entry]:
    """A fetched row (its ``xmin`` last) → its id and cache entry."""
    values = tuple(row)
    body = values[:-1]
    light = (*body[:_DATA], None, *body[_DATA + 1:])
    return str(body[_ID]), (str(values[-1]), light, parse_row(body, tz))


def read_rows(session: Session, kecamatan_id: int, first_year: int, last_year: int,
              tz: str) -> tuple[list[tuple], list[Item]]:
    """The rows of ``submissions_query`` (ids as text, JSON documents left out) and their parsed items.

    Only PostgreSQL (``xmin``). Fetches in full only the rows new or changed since this process's
    previous read of the same selection; the first read of a selection reads everything.
    """
    key = (str(session.get_bind().url), kecamatan_id, first_year, last_year, tz)
    with _lock:
        held = _cache.get(key)
    query = submissions_query(kecamatan_id, first_year, last_year, ids_as_text=True)
    if held is None:
        fresh = dict(_kept(row, tz) for row in session.execute(query.add_columns(_xmin())))
    else:
        fresh = _refresh(session, query, held, tz)
    with _lock:
        _cache[key] = fresh
        _cache.move_to_end(key)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return [entry[1] for entry in fresh.values()], [entry[2] for entry in fresh.values()]


def _refresh(session: Session, query, held: dict[str, _Entry], tz: str) -> dict[str, _Entry]:
    """Scan ``(id, xmin)`` of the selection; fetch only what is new or changed; keep the scan's order."""
    t = Submission.__table__
    scan = session.execute(query.with_only_columns(cast(t.c.id, Text), _xmin())).all()
    changed = [sid for sid, xmin in scan if (found := held.get(sid)) is None or found[0] != xmin]
    if len(changed) > len(scan) * _FULL_READ_SHARE:
        return dict(_kept(row, tz) for row in session.execute(query.add_columns(_xmin())))
    fetched: dict[str, _Entry] = {}
    if changed:
        by_id = query.add_columns(_xmin()).where(t.c.id.in_([uuid.UUID(sid) for sid in changed]))
        fetched = dict(_kept(row, tz) for row in session.execute(by_id))
    fresh: dict[str, _Entry] = {}
    for sid, xmin in scan:
        entry = fetched.get(sid)
        if entry is None:
            entry = held.get(sid)
            if entry is None or entry[0] != xmin:
                continue  # changed after the scan so that it left the selection
        fresh[sid] = entry
    return fresh


def clear() -> None:
    """Forget every kept row (tests; a process that wants its next reads in full)."""
    with _lock:
        _cache.clear()

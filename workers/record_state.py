"""The record collections of one selection, kept from read to read and updated from the rows that changed.

A stale mark's recompute reads only the rows written since the previous read of the same
selection (``workers.row_cache``). Turning all the selection's rows into ``KecamatanData``'s
record collections again was the part of it that still grew with the kecamatan's history: after a
burst of 10,000 new inspections, every inspection ever held was walked, filtered by its chain and
collected again. So the collections are kept (``Records``, held by the row cache beside the rows)
and brought up to date from the read's changes alone:

- **Chains** (:class:`Chains`): the held versions that have a link (``supersedes`` /
  ``superseded_by``) and the current version of each chain (``workers.scoring.chains``). They are
  resolved again only when a read changed a linked row or a version outside the selection that a
  chain runs through — then over the chains' versions (never over every row); a read of plain new
  records leaves them as they are. The ids whose current version changed (``moved``) are handed on.
- **Collections** (:class:`Collection`): a record is built again only for the rows that changed,
  the ids that moved, and the records a changed or moved follow-up names (before and after). The
  result is the same record a full build makes from the same rows — one function builds both
  (:meth:`Collection.rebuild` is the update with every row changed) — and a collection none of
  whose records changed is handed back as the very same tuple.

Each update also says what changed in each collection (``workers.scoring.records.Changes``: the
records gone and the records new, relative to the tuple handed out by the read before), which the
scoring's indexes (``RecordIndex.updated``) and the result memo use to do work in proportion to it.

Order: a collection's tuple keeps its records in the order they were added, which is not the order
a full read gives; no result depends on the order of a collection (``tests/workers/
test_scoring_properties.py``), and the warnings are sorted. The state is owned by one read at a
time (the row cache hands a selection to one read at once) and is set aside while it is updated,
so a failure half-way leaves nothing half-updated behind: the next read builds it again from the rows.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Text, case, cast, select
from sqlalchemy.orm import Session

from server.models import Submission, counts_clause
from workers.rows import (
    ELIGIBLE, FOLLOW_UPS, SOURCES, SUBJECT_TYPE, SUPERSEDED_BY, SUPERSEDES, Entry, RowsRead, linked, parse_row,
)
from workers.scoring import Complaint, ServiceEntry
from workers.scoring.chains import Version, current_versions
from workers.scoring.records import Changes

_MISSING = object()
_REF = 4  # the column of a follow-up's ref in a submissions_query row


def _version(row: Any) -> Version:
    sup, by = row[SUPERSEDES], row[SUPERSEDED_BY]
    return Version(str(row[0]), None if sup is None else str(sup), None if by is None else str(by), bool(row[ELIGIBLE]))


def _links_query(ids: Iterable[str], ids_as_text: bool):
    """The chain links of versions outside the main read (another year or kecamatan), by id."""
    t = Submission.__table__
    if ids_as_text:
        cols = (cast(t.c.id, Text), cast(t.c.supersedes, Text), cast(t.c.superseded_by, Text))
        wanted = list(ids)
    else:
        import uuid

        cols = (t.c.id, t.c.supersedes, t.c.superseded_by)
        wanted = [uuid.UUID(str(i)) for i in ids]
    return select(*cols, case((counts_clause(t), True), else_=False)).where(t.c.id.in_(wanted))


def resolve(held: Mapping[str, Version], session: Session | None,
            ids_as_text: bool) -> tuple[dict[str, str | None], frozenset[str]]:
    """Every version id of the held chains → its chain's current version id (None: the chain does not
    count), and the ids of the versions outside the selection the chains run through.

    Versions a chain runs through that the selection left out (corrected into another year or
    place) are fetched by id, a few at a time, until every chain is whole.
    """
    versions = dict(held)
    outside: set[str] = set()
    if session is not None:
        for _round in range(20):
            missing = {link for v in versions.values() for link in (v.supersedes, v.superseded_by)
                       if link is not None and link not in versions}
            if not missing:
                break
            for vid, sup, by, eligible in session.execute(_links_query(missing, ids_as_text)):
                vid = str(vid)
                versions[vid] = Version(vid, None if sup is None else str(sup), None if by is None else str(by),
                                        bool(eligible))
            for vid in missing - versions.keys():  # named but not stored (cannot happen via the sync)
                versions[vid] = Version(vid, None, None, False)
            outside |= missing
    return current_versions(versions.values()), frozenset(outside)


class Chains:
    """The selection's correction chains: each linked version's chain's current version."""

    def __init__(self) -> None:
        self.versions: dict[str, Version] = {}  # the held rows that have a link
        self.outside: frozenset[str] = frozenset()  # versions outside the selection the chains run through
        self.current: dict[str, str | None] = {}
        self.before: dict[str, str | None] = {}  # ``current`` as the read before left it
        self.members: dict[str, list[str]] = {}  # a current version → every version of its chain

    def counts(self, sid: str, row: Any) -> bool:
        """True when the row is the current version of its chain (a row without links: when eligible)."""
        return self.current.get(sid, sid if row[ELIGIBLE] else None) == sid

    def target(self, ref: str | None, before: bool = False) -> str | None:
        """The record a follow-up naming ``ref`` completes: the current version of ``ref``'s chain."""
        if ref is None:
            return None
        return (self.before if before else self.current).get(ref, ref)

    def versions_of(self, sid: str) -> Iterable[str]:
        """Every version whose chain's current version is ``sid`` (``sid`` itself when it has no link)."""
        return self.members.get(sid, (sid,)) if sid in self.current else (sid,)

    def refresh(self, read: RowsRead, session: Session | None, ids_as_text: bool) -> set[str]:
        """Bring the chains up to date with ``read``; return the ids whose current version changed."""
        if read.changed is None:
            self.versions = {sid: _version(entry[1]) for group in read.groups.values()
                             for sid, entry in group.items() if linked(entry[1])}
            touched = True
        else:
            touched = read.outside is None or not read.outside.isdisjoint(self.outside)
            for gone, new in read.changed.values():
                for sid in gone:
                    touched = self.versions.pop(sid, None) is not None or touched
                for sid, entry in new.items():
                    if linked(entry[1]):
                        self.versions[sid] = _version(entry[1])
                        touched = True
        self.before = self.current
        if not touched:
            return set()
        self.current, self.outside = resolve(self.versions, session, ids_as_text)
        members: dict[str, list[str]] = {}
        for vid, current in self.current.items():
            if current is not None:
                members.setdefault(current, []).append(vid)
        self.members = members
        before = self.before
        return {sid for sid in before.keys() | self.current.keys()
                if before.get(sid, _MISSING) != self.current.get(sid, _MISSING)}


def _ref(row: Any) -> str | None:
    return None if row[_REF] is None else str(row[_REF])


class Collection:
    """One record collection of ``KecamatanData``, built from its forms' rows (``workers.rows.SOURCES``:
    the records' form, and for complaints and services the follow-up form that completes them)."""

    def __init__(self, name: str, forms: tuple[str, ...], tz: str) -> None:
        self.name, self.primary, self.tz = name, forms[0], tz
        self.follow = forms[1] if len(forms) > 1 else None
        self.records: dict[str, Any] = {}  # id of a record's current version → the record
        self.record_warnings: dict[str, str] = {}  # id of a record row that counts → why it is left out
        self.follow_warnings: dict[str, str] = {}  # id of a follow-up row that counts → why it is left out
        self.refs: dict[str, set[str]] = {}  # the id a follow-up names → the follow-up rows naming it
        self.snapshot: tuple = ()
        self.warnings: list[str] = []

    def _item(self, group: dict[str, Entry], sid: str, entry: Entry):
        if entry[2] is None:  # a row read in full, not parsed yet: parse it once
            entry = group[sid] = (entry[0], entry[1], parse_row(entry[1], self.tz))
        return entry[2]

    def rebuild(self, read: RowsRead, chains: Chains) -> None:
        """Build the collection from every row of ``read`` (what a full read gives)."""
        self.records, self.record_warnings, self.follow_warnings, self.refs = {}, {}, {}, {}
        follows = read.groups.get(self.follow, {}) if self.follow else {}
        for sid, entry in follows.items():
            if (ref := _ref(entry[1])) is not None:
                self.refs.setdefault(ref, set()).add(sid)
        self._evaluate(read, chains, list(read.groups.get(self.primary, {})), list(follows))
        self.snapshot = tuple(self.records.values())
        self.warnings = sorted([*self.record_warnings.values(), *self.follow_warnings.values()])

    def update(self, read: RowsRead, chains: Chains, moved: set[str]) -> Changes | None:
        """Bring the collection up to date with ``read``'s changes and the ``moved`` chains; return what
        changed relative to the tuple handed out before (None: nothing, the same tuple)."""
        records, follows = set(), set()
        gone, new = read.changed.get(self.primary, ({}, {}))
        records.update(gone, new)
        if self.follow:
            gone, new = read.changed.get(self.follow, ({}, {}))
            for sid, entry in gone.items():
                ref = _ref(entry[1])
                if ref is not None and ref in self.refs:
                    self.refs[ref].discard(sid)
                    if not self.refs[ref]:
                        del self.refs[ref]
                records.add(chains.target(ref, before=True))
            for sid, entry in new.items():
                if (ref := _ref(entry[1])) is not None:
                    self.refs.setdefault(ref, set()).add(sid)
                records.add(chains.target(ref))
            follows.update(gone, new)
        group = read.groups.get(self.follow, {}) if self.follow else {}
        for sid in moved:  # its chain's current version changed: the records before and after, what names it
            records.update((sid, chains.before.get(sid), chains.current.get(sid)))
            if self.follow:
                follows.update(self.refs.get(sid, ()))
                if sid in group:
                    follows.add(sid)
                    ref = _ref(group[sid][1])
                    records.update((chains.target(ref, before=True), chains.target(ref)))
        records.discard(None)
        before_warnings = len(self.record_warnings), len(self.follow_warnings)
        removed, added, warned = self._evaluate(read, chains, records, follows)
        if warned or before_warnings != (len(self.record_warnings), len(self.follow_warnings)):
            self.warnings = sorted([*self.record_warnings.values(), *self.follow_warnings.values()])
        if not removed and not added:
            return None
        before, self.snapshot = self.snapshot, tuple(self.records.values())
        return Changes(before, tuple(removed), tuple(added))

    def _evaluate(self, read: RowsRead, chains: Chains, record_ids: Iterable[str],
                  follow_ids: Iterable[str]) -> tuple[list, list, bool]:
        """Build again the records (and warnings) of these ids; return (records gone, records new,
        whether a warning changed). A record built equal to the one held is kept as it was."""
        warned = False
        follows = read.groups.get(self.follow, {}) if self.follow else {}
        for fid in follow_ids:
            warned = _put(self.follow_warnings, fid, self._follow_warning(follows, fid, chains)) or warned
        removed, added = [], []
        primary = read.groups.get(self.primary, {})
        for sid in record_ids:
            record, warning = self._record(primary, follows, sid, chains)
            warned = _put(self.record_warnings, sid, warning) or warned
            old = self.records.get(sid)
            if old is record or (old is not None and old == record):
                continue
            if old is not None:
                removed.append(old)
                del self.records[sid]
            if record is not None:
                added.append(record)
                self.records[sid] = record
        return removed, added, warned

    def _counted(self, group: dict[str, Entry], sid: str, chains: Chains, follow: bool):
        """The parsed item of a row that counts (None: no such row, or another version counts)."""
        entry = group.get(sid)
        if entry is None or not chains.counts(sid, entry[1]) or (follow and entry[1][SUBJECT_TYPE] == "ref"):
            return None  # a follow-up never linked to its record: its sender may not write there
        return self._item(group, sid, entry)

    def _follow_warning(self, follows: dict[str, Entry], fid: str, chains: Chains) -> str | None:
        item = self._counted(follows, fid, chains, follow=True)
        if item is None:
            return None
        if item[0] == "warning":
            return item[1]
        if item[0] == "follow-up-error" and chains.target(item[1]) is not None:
            return item[2]  # (when every version of its record is rejected, it is not read at all)
        return None

    def _record(self, primary: dict[str, Entry], follows: dict[str, Entry], sid: str,
                chains: Chains) -> tuple[Any, str | None]:
        """(the record of row ``sid`` when it counts, its warning when it has one)."""
        item = self._counted(primary, sid, chains, follow=False)
        if item is None or item[0] != self.primary:
            return None, (item[1] if item is not None and item[0] == "warning" else None)
        if self.follow is None:
            return item[1], None
        done = [found for v in chains.versions_of(sid) for fid in self.refs.get(v, ())
                if (found := self._counted(follows, fid, chains, follow=True)) is not None
                and found[0] in FOLLOW_UPS and found[2] is not None]
        if self.name == "complaints":
            _sid, kel_id, received = item[1]
            follow_ups = sorted((found[2], found[3]) for found in done)
            return Complaint(sid, kel_id, received, follow_ups[0][0] if follow_ups else None,
                             tuple(fid for _day, fid in follow_ups)), None
        _sid, kel_id, code, received, own = item[1]
        completed = own if own is not None else min((found[2] for found in done), default=None)
        return ServiceEntry(sid, kel_id, code, received, completed), None


def _put(found: dict[str, str], key: str, value: str | None) -> bool:
    """Set or (None) drop ``found[key]``; True when that changed it."""
    if value is None:
        return found.pop(key, None) is not None
    if found.get(key) == value:
        return False
    found[key] = value
    return True


class Records:
    """What the loader keeps with one selection's rows: its chains and record collections."""

    def __init__(self, tz: str) -> None:
        self.tz = tz
        self.generation: int | None = None  # the read it is up to date with
        self.chains = Chains()
        self.collections = {name: Collection(name, forms, tz) for name, forms in SOURCES.items()}


def records_of(read: RowsRead, session: Session | None, ids_as_text: bool,
               tz: str) -> tuple[dict[str, tuple], list[str], dict[str, Changes]]:
    """The record collections of the rows ``read`` holds, their warnings, and what changed in each
    since the read before (a collection not in it is the same tuple as then).

    Updated from the read's changes when the kept state is exactly one read behind it; built from
    every held row otherwise (the first read, a read in full, a state lost to a failure).
    """
    state = read.kept.pop("records", None)  # set aside while it is updated (a failure drops it)
    changes: dict[str, Changes] = {}
    if (state is None or state.tz != tz or read.changed is None or read.previous is None
            or state.generation != read.previous):
        state = Records(tz)
        state.chains.refresh(RowsRead(read.groups), session, ids_as_text)
        for collection in state.collections.values():
            collection.rebuild(read, state.chains)
    else:
        moved = state.chains.refresh(read, session, ids_as_text)
        for name, collection in state.collections.items():
            if (change := collection.update(read, state.chains, moved)) is not None:
                changes[name] = change
    state.generation = read.generation
    read.kept["records"] = state
    collections = {name: collection.snapshot for name, collection in state.collections.items()}
    warnings = [text for collection in state.collections.values() for text in collection.warnings]
    return collections, warnings, changes

"""Which (kecamatan, year) scores a change to some records can move: their chains and follow-ups.

A record lives in a chain of versions (each correction ``supersedes`` the one before), and
follow-ups (``tindak-lanjut``, ``layanan-selesai``) referring to ANY version of a chain apply to the
chain's current version. So a new correction, a follow-up, or a review decision (accepting or
rejecting one version changes which version is current) can move the scores of every year any
version of the chain — or any of its follow-ups — belongs to. :func:`touched_pairs` finds them
with a few set-based queries; the sync and the review mark them stale in their own transaction.

The years of one row come from :func:`server.periods.affected_years` (the one clock).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import or_, select

from server.extensions import db
from server.models import Submission
from server.periods import EARLIEST_DATE, affected_years, latest_date

_t = Submission.__table__
_MAX_ROUNDS = 50  # a chain longer than this is not a real one; stop walking


def chain_members(ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Every version of the chains the given submissions belong to (both directions)."""
    members: set[uuid.UUID] = set(ids)
    frontier = set(members)
    for _round in range(_MAX_ROUNDS):
        if not frontier:
            break
        rows = db.session.execute(
            select(_t.c.id, _t.c.supersedes, _t.c.superseded_by)
            .where(or_(_t.c.id.in_(frontier), _t.c.supersedes.in_(frontier)))
        ).all()
        found = {value for row in rows for value in row if value is not None}
        frontier = found - members
        members |= found
    return members


def touched_pairs(ids: Iterable[uuid.UUID], timezone: str | None = None) -> set[tuple[int, int]]:
    """(kecamatan_id, year) pairs whose scores a change to these submissions can move.

    The chains of the submissions, the follow-ups referring to any version of them, and — for a
    follow-up among them — the chain of the record it refers to.
    """
    ids = set(ids)
    if not ids:
        return set()
    refs = set(db.session.scalars(select(_t.c.ref).where(_t.c.id.in_(ids), _t.c.ref.is_not(None))))
    members = chain_members(ids | refs)
    follow_ups = set(db.session.scalars(select(_t.c.id).where(_t.c.ref.in_(members))))
    members |= chain_members(follow_ups) if follow_ups else set()
    pairs: set[tuple[int, int]] = set()
    rows = db.session.execute(
        select(_t.c.kecamatan_id, _t.c.form_code, _t.c.observed_at, _t.c.data, _t.c.period_year)
        .where(_t.c.id.in_(members))
    )
    for kecamatan_id, form_code, observed_at, data, period_year in rows:
        if kecamatan_id is None:
            continue
        pairs.add((kecamatan_id, period_year))
        try:
            pairs |= {(kecamatan_id, year) for year in affected_years(form_code, observed_at, data, timezone)}
        except (ValueError, OverflowError):  # a hostile legacy row: its stored year is enough
            pass
    # A hostile legacy row (year 0, 9999) must not queue recomputes of years nobody reports on.
    low, high = EARLIEST_DATE.year, latest_date().year
    return {(k, y) for k, y in pairs if low <= y <= high}


def review_pairs(submission: Submission) -> set[tuple[int, int]]:
    """The (kecamatan, year) pairs a review decision on ``submission`` can change.

    Accepting or rejecting a version changes which version of its chain is current, so every year
    of the chain, of its follow-ups and — for a follow-up — of the record it refers to.
    """
    from server.settings import settings  # the review runs in a request; keep this module importable alone

    return touched_pairs({submission.id}, settings().timezone)

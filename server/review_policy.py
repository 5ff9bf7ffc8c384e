"""Where a new record starts its review life, from the kecamatan admin's per-form setting.

Every new record is ``pending`` (menunggu). Whether it counts at once is the setting "records wait
for review" of its kecamatan and form (:class:`server.models.ReviewSetting`): off (the default, no
row) → ``needs_acceptance`` False, the record counts at once and stays reviewable; on →
``needs_acceptance`` True, it counts only once accepted (:func:`server.models.counts_clause`).
The flag is fixed at sync: changing the setting later never moves records already stored.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, tuple_

from server.extensions import db
from server.models import ReviewSetting
from server.models._types import utcnow

SETTINGS_TABLE = ReviewSetting.__tablename__  # the sync's insert reads it in SQL on PostgreSQL


def waiting_forms(pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """The (kecamatan_id, form_code) pairs among ``pairs`` whose records wait for review (one query)."""
    wanted = {p for p in pairs if p[0] is not None}
    if not wanted:
        return set()
    rows = db.session.execute(
        select(ReviewSetting.kecamatan_id, ReviewSetting.form_code)
        .where(tuple_(ReviewSetting.kecamatan_id, ReviewSetting.form_code).in_(sorted(wanted)),
               ReviewSetting.wait_for_review.is_(True))).tuples()
    return set(rows)


def set_initial_state(rows: list[dict]) -> None:
    """Give new submission rows (dicts about to be inserted, already ``pending``) their flag, in place
    (one query). The embedded SQLite path; on PostgreSQL the sync's INSERT reads the setting itself."""
    waiting = waiting_forms((row["kecamatan_id"], row["form_code"]) for row in rows)
    for row in rows:
        row["needs_acceptance"] = (row["kecamatan_id"], row["form_code"]) in waiting


def settings_of(kecamatan_id: int) -> dict[str, bool]:
    """form_code → wait_for_review for one kecamatan (forms without a row: absent, i.e. False)."""
    rows = db.session.execute(select(ReviewSetting.form_code, ReviewSetting.wait_for_review)
                              .where(ReviewSetting.kecamatan_id == kecamatan_id)).all()
    return dict(rows)


def save_setting(kecamatan_id: int, form_code: str, wait: bool, user_id: int | None) -> bool:
    """Set one form's setting in the current transaction; True when it changed."""
    row = db.session.scalar(select(ReviewSetting).where(ReviewSetting.kecamatan_id == kecamatan_id,
                                                        ReviewSetting.form_code == form_code))
    if row is None:
        if not wait:
            return False
        db.session.add(ReviewSetting(kecamatan_id=kecamatan_id, form_code=form_code, wait_for_review=True,
                                     updated_at=utcnow(), updated_by=user_id))
        return True
    if row.wait_for_review == wait:
        return False
    row.wait_for_review, row.updated_at, row.updated_by = wait, utcnow(), user_id
    return True

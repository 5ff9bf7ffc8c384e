"""The review use case: accept, reject or return a submission, audited, scores marked stale.

States (``Submission.review_status``): ``pending`` (menunggu, every new record), ``accepted``
(diterima), ``rejected`` (ditolak: leaves the scores; a reason is required) and ``returned`` (perlu
perbaikan: sent back to the officer, who sees the reason on the next sync and sends a correction;
a reason is required). Whether pending and returned records count is decided by
:func:`server.models.counts_clause`. A review changes metadata only (the record stays as the device
sent it); a decision may be changed later (each one is audited). The (kecamatan, year) it counted in is marked stale in the same transaction (an outbox
row), and the relay is kicked after the commit, as the sync does.
"""
from __future__ import annotations


from server import jobs
from server.admin import audit_trail
from server.chains import review_pairs
from server.extensions import db
from server.models import Submission
from server.models._types import utcnow

DECISIONS = {"accept": "accepted", "reject": "rejected", "return": "returned"}


class ReviewError(ValueError):
    """A review that cannot be applied (unknown decision, missing reason)."""


def review_submission(submission: Submission, decision: str, reason: str, reviewer_id: int) -> None:
    """Apply a review, audit it, mark the period stale and commit; then kick the scoring relay.

    :raise ReviewError: unknown decision, or a rejection or return without a reason.
    """
    apply_decision(submission, decision, reason, reviewer_id)
    db.session.commit()
    kick_scoring()


def check_decision(decision: str, reason: str) -> tuple[str, str]:
    """The state a decision leads to and the cleaned reason.

    :raise ReviewError: unknown decision, or a rejection or return without a reason.
    """
    status = DECISIONS.get(decision)
    if status is None:
        raise ReviewError("Keputusan tidak dikenal.")
    reason = (reason or "").strip()
    if status == "rejected" and not reason:
        raise ReviewError("Alasan wajib diisi untuk penolakan.")
    if status == "returned" and not reason:
        raise ReviewError("Alasan wajib diisi untuk pengembalian.")
    return status, reason


def apply_decision(submission: Submission, decision: str, reason: str, reviewer_id: int) -> None:
    """Apply one decision in the current transaction (audit row and stale mark included); no commit."""
    status, reason = check_decision(decision, reason)
    before = submission.review_status
    submission.review_status = status
    submission.review_reason = reason[:500] or None
    submission.reviewed_by = reviewer_id
    submission.reviewed_at = utcnow()
    audit_trail.record(f"submission.{decision}", f"submission:{submission.id}", before=before, after=status,
                       reason=reason[:500], form=submission.form_code, kecamatan_id=submission.kecamatan_id)
    mark_stale(review_pairs(submission))  # the chain's years and a follow-up's record's


def mark_stale(pairs: set[tuple[int, int]]) -> None:
    """Record (kecamatan_id, year) pairs as stale in the current transaction."""
    jobs.mark_stale(db.session, pairs)


def kick_scoring() -> None:
    """Hand the outbox to Celery after the commit (never raises; a broker outage only delays scores)."""
    jobs.after_commit_kick()

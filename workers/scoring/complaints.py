"""IKU2: complaints followed up — received in the period, with a follow-up by the period's end."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import Complaint, Period


@dataclass(frozen=True, slots=True)
class FollowUpCount:
    """Complaints received in the period (``record_ids``) and those followed up by its end."""

    record_ids: list[str]
    followed_up_ids: list[str]

    @property
    def numerator(self) -> int:
        """Complaints followed up by the period's end."""
        return len(self.followed_up_ids)

    @property
    def denominator(self) -> int:
        """Complaints received in the period."""
        return len(self.record_ids)


def count_follow_ups(complaints: Iterable[Complaint], period: Period) -> FollowUpCount:
    """Count the complaints received within ``period`` and those with a follow-up on or before its end.

    A follow-up dated after the period's end does not count for this period: a complaint received in
    March and followed up in April is open in 2026-Q1 and followed up in the year 2026.
    """
    received = sorted((c for c in complaints if period.contains(c.received)), key=lambda c: c.id)
    followed = [c.id for c in received if c.followed_up is not None and c.followed_up <= period.end]
    return FollowUpCount([c.id for c in received], followed)

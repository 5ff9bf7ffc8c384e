"""Correction chains: which version of a record counts, and where its follow-ups go.

A correction is a new submission that ``supersedes`` the one before it, so the versions of one
record form a chain ``v1 ← v2 ← v3``. The chain's *current* version is the latest one that is
eligible to count (not rejected; a form that waits for review: accepted). Rejecting a correction
therefore restores the version before it, and a chain whose every version is rejected does not
count at all. Follow-ups (``tindak-lanjut``, ``layanan-selesai``) that refer to ANY version of a
chain apply to its current version, so a corrected complaint keeps its follow-up.

When two versions claim to supersede the same one (two corrections racing), the one the sync
recorded in ``superseded_by`` ("first correction wins") continues the chain; the other is a
side branch that never counts.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version: its links and whether it is eligible to count (its review state)."""

    id: str
    supersedes: str | None
    superseded_by: str | None
    eligible: bool


def current_versions(versions: Iterable[Version]) -> dict[str, str | None]:
    """Map every version's id to its chain's current version id (None: no version of it counts).

    A version whose ``supersedes`` names a version not given is the start of its chain (the caller
    loads every version it can reach).
    """
    by_id = {v.id: v for v in versions}
    children: dict[str, list[str]] = {}
    for v in by_id.values():
        if v.supersedes is not None and v.supersedes in by_id:
            children.setdefault(v.supersedes, []).append(v.id)
    out: dict[str, str | None] = {}
    for root in sorted(v.id for v in by_id.values() if v.supersedes is None or v.supersedes not in by_id):
        # The main line: from the root, follow the winning correction at each step.
        line, seen = [], set()
        node: str | None = root
        while node is not None and node not in seen:
            seen.add(node)
            line.append(node)
            kids = children.get(node, [])
            winner = by_id[node].superseded_by
            node = winner if winner in kids else (min(kids) if kids else None)
        current = next((vid for vid in reversed(line) if by_id[vid].eligible), None)
        # Every version reachable from the root (side branches too) belongs to this chain.
        stack = [root]
        reached: set[str] = set()
        while stack:
            node = stack.pop()
            if node in reached:
                continue
            reached.add(node)
            out[node] = current
            stack.extend(children.get(node, ()))
    for vid in by_id:  # unreachable only through a cycle, which the sync cannot store; be safe
        out.setdefault(vid, vid if by_id[vid].eligible else None)
    return out

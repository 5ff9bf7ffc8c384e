"""The audit trail's writer: every admin action adds one AuditLog row, in the caller's transaction.

The entry commits (or rolls back) with the change it describes, so the trail never records an
action that did not happen nor misses one that did. The page that reads the trail is
:mod:`server.admin.audit_page`.
"""
from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from server.extensions import db
from server.models import AuditLog


def record(action: str, target: str | None = None, **detail: Any) -> AuditLog:
    """Add an AuditLog row for the current admin; the caller commits with the change it describes.

    :param action: a short dotted verb, e.g. ``submission.reject``, ``user.create``.
    :param target: what it was done to, e.g. ``submission:<uuid>``, ``user:12``.
    """
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    detail.setdefault("ip", request.remote_addr)
    entry = AuditLog(user_id=user_id, action=action, target=target, detail=detail)
    db.session.add(entry)
    return entry

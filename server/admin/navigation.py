"""Back links that return where the admin came from.

A list that links to a record adds ``kembali`` (its own path and query string); the record page's
back link goes there. Only a path inside /admin/ is followed (never another site: an open redirect
would let a crafted link send an admin elsewhere).
"""
from __future__ import annotations

from flask import request


def safe_admin_path(value: str | None) -> str | None:
    """``value`` when it is a local path under /admin/, else None."""
    if not value or len(value) > 500 or not value.startswith("/admin/") or value.startswith("//"):
        return None
    if any(ch in value for ch in ("\\", "\r", "\n", "\t")) or "://" in value.split("?", 1)[0]:
        return None
    return value


def back_target(default: str) -> str:
    """Where the page's back link goes: the list in ``kembali`` when safe, else ``default``."""
    return safe_admin_path(request.args.get("kembali")) or default

"""The only place the web talks to Celery: send tasks by name, after commit (being built)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to bind yet."""

"""API area 'auth' (being built)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("auth", __name__, description="auth")

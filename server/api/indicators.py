"""API area 'indicators' (being built)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("indicators", __name__, description="indicators")

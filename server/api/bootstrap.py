"""API area 'bootstrap' (being built)."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("bootstrap", __name__, description="bootstrap")

"""The admin blueprint object (kept apart so view modules import it without a cycle)."""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from server.admin.i18n import current_language, translate

# review_status → words (kept here, not imported from describe, so importing the blueprint stays cheap).
STATE_LABELS = {"pending": "menunggu", "accepted": "diterima", "rejected": "ditolak", "returned": "perlu perbaikan"}

bp = Blueprint("admin", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


@bp.context_processor
def _template_globals() -> dict:
    """Give every admin template the translator, the language and whether to show management links."""
    manager = bool(current_user and current_user.is_authenticated and current_user.role == "kecamatan_admin")
    return {"_": translate, "lang": current_language(), "nav_manage": manager,
            "here": request.full_path.rstrip("?"), "state_labels": STATE_LABELS}

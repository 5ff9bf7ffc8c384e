"""Which forms a user sees: by role (the definition's ``roles``) and by kelurahan (``kelurahan`` codes).

A form without ``kelurahan`` is for every kelurahan. A user whose scope holds kelurahan sees a form
assigned to any of them; a user of the whole kecamatan sees every form of their role.
"""
from __future__ import annotations

from collections.abc import Iterable


def assigned(definition: dict, role: str, kelurahan_codes: Iterable[str] | None) -> bool:
    """Whether the form is for this role and these kelurahan (None: the whole kecamatan)."""
    if role not in definition.get("roles", ()):
        return False
    wanted = definition.get("kelurahan")
    if not wanted or kelurahan_codes is None:
        return True
    return bool(set(wanted) & set(kelurahan_codes))


def assigned_forms(forms: list[dict], role: str, kelurahan_codes: Iterable[str] | None) -> list[dict]:
    """The definitions of `forms` assigned to the role and kelurahan."""
    codes = None if kelurahan_codes is None else set(kelurahan_codes)
    return [d for d in forms if assigned(d, role, codes)]

"""Publish an imported definition as a new version of a SIKK form (one home for the CLI and the admin page).

Versions are immutable: the same (code, version) again is accepted only when it is identical
(importing the same file twice changes nothing); with other content it is refused. A sheet without
`version` gets the next one. A form the scores read (the default catalogue) must keep the subject
and every required field, with its type, of its latest version: the indicators read them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from server.extensions import db
from server.forms.catalogue import default_forms, registry
from server.models import AuditLog, FormDefinition
from server.xlsform.convert import XLSFormError


@dataclass(frozen=True)
class Published:
    code: str
    version: int
    created: bool  # False: this exact version was already published

    def line(self) -> str:
        """The one line the CLI prints."""
        state = "diterbitkan" if self.created else "sudah ada (tidak berubah)"
        return f"Formulir {self.code} versi {self.version} {state}."


def _comparable(definition: dict) -> dict:
    return {k: v for k, v in definition.items() if k != "version"}


def _check_compatible(definition: dict, latest: dict | None) -> list[str]:
    problems: list[str] = []
    builtin = {d["code"] for d in default_forms()}
    if latest is None:
        return problems
    if definition.get("subject") != latest.get("subject"):
        problems.append(f"subjek '{definition.get('subject')}' berbeda dari versi sebelumnya "
                        f"('{latest.get('subject')}'); pakai form_id baru")
    if latest.get("ref_form") != definition.get("ref_form"):
        problems.append("sikk_ref_form berbeda dari versi sebelumnya")
    if definition["code"] in builtin:
        mine = {f["key"]: f for f in definition["fields"]}
        for field in latest["fields"]:
            if not field.get("required"):
                continue
            new = mine.get(field["key"])
            if new is None or new["type"] != field["type"]:
                problems.append(f"isian wajib '{field['key']}' ({field['type']}) dibaca skor indikator: "
                                f"harus tetap ada dengan jenis yang sama")
    return problems


def publish(definition: dict, *, user_id: int | None = None, via: str = "cli") -> Published:
    """Store the definition as a published form version (the caller commits).

    :raise XLSFormError: the version exists with other content, or the change would break scoring.
    """
    code = definition["code"]
    rows = db.session.execute(
        select(FormDefinition).where(FormDefinition.code == code).order_by(FormDefinition.version)
    ).scalars().all()
    latest = rows[-1].definition if rows else None
    if definition.get("version") is None:
        top = db.session.scalar(select(func.max(FormDefinition.version)).where(FormDefinition.code == code))
        definition = {**definition, "version": (top or 0) + 1}
    version = definition["version"]
    same = next((r for r in rows if r.version == version), None)
    if same is not None:
        if _comparable(same.definition) == _comparable(definition):
            return Published(code, version, False)
        raise XLSFormError([f"formulir {code} versi {version} sudah ada dengan isi lain: naikkan 'version' "
                            f"di lembar settings (versi yang ada: {', '.join(str(r.version) for r in rows)})"])
    problems = _check_compatible(definition, latest)
    if problems:
        raise XLSFormError(problems)
    db.session.add(FormDefinition(code=code, version=version, title=definition["title"][:120],
                                  definition=definition, published=True))
    db.session.add(AuditLog(user_id=user_id, action="form.import", target=f"{code} v{version}",
                            detail={"via": via, "fields": len(definition["fields"])}))
    db.session.flush()
    registry.invalidate()
    return Published(code, version, True)


def import_xlsform_file(path: str, *, roles: list[str] | None = None, user_id: int | None = None,
                        via: str = "cli") -> Published:
    """Read, check and publish an XLSForm workbook (the caller commits)."""
    from server.xlsform.convert import ROLES, read_xlsform

    definition = read_xlsform(path)
    if roles:
        bad = [r for r in roles if r not in ROLES]
        if bad:
            raise XLSFormError([f"peran tidak dikenal: {', '.join(bad)}"])
        definition["roles"] = list(roles)
    return publish(definition, user_id=user_id, via=via)

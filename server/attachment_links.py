"""Who may see a photo (one home for the rule; the API and the admin pages both ask here).

A photo is readable by a caller when

- the caller uploaded these bytes themselves (the PWA uploads photos before the submission that
  names them and asks ``HEAD`` to skip a retry), or
- the caller may read a submission that was **stored with the photo in a photo field** (an
  ``attachment_links`` row, written at sync) **and whose sender uploaded those bytes** (an
  ``attachment_uploads`` row). Naming a hash one never held — in a photo field of one's own
  inspection, or in free text — links nothing that counts.

A kiosk reads nothing back but its own uploads. A photo the caller may not read answers exactly
like one that does not exist (same status, body and headers), so the API is no existence oracle.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import and_, exists, select

from server.extensions import db
from server.forms.catalogue import registry
from server.forms.validate import photo_fields
from server.models import AttachmentLink, AttachmentUpload, Submission
from server.security import Scope


def link_created(rows: Iterable[dict]) -> None:
    """Link each newly stored submission to the photos of its photo fields (in the sync's transaction).

    :param rows: the inserted submission rows (``id``, ``form_code``, ``form_version``, ``data``).
    """
    links = []
    for row in rows:
        form = registry.form(row["form_code"], row["form_version"])
        data = row.get("data")
        if form is not None and isinstance(data, dict):
            links += [(row["id"], key, sha) for key, sha in photo_fields(form.definition, data)]
    link_photos(links)


def link_photos(links: Iterable[tuple[uuid.UUID, str, str]]) -> None:
    """Store (submission id, photo field key, photo hash) links; only well-formed hashes link anything.

    The sync passes the photo fields it read while checking its items (one walk of each item).
    """
    found = {(sid, sha, key) for sid, key, sha in links if isinstance(sha, str) and len(sha) == 64}
    if found:
        db.session.execute(AttachmentLink.__table__.insert(),
                           [{"submission_id": s, "sha256": h, "field_key": k} for s, h, k in sorted(found)])


def record_upload(sha256: str, user_id: int) -> None:
    """Remember that this user holds these bytes (idempotent; the caller commits)."""
    from server.dialect import upsertable_insert

    db.session.execute(upsertable_insert(AttachmentUpload.__table__).values(sha256=sha256, user_id=user_id)
                       .on_conflict_do_nothing(index_elements=["sha256", "user_id"]))


def _vouched_links(sha256: str):
    """A select of submissions linked to the photo by a sender who uploaded it."""
    s = Submission.__table__
    link = AttachmentLink.__table__
    up = AttachmentUpload.__table__
    return (select(s.c.id).select_from(link.join(s, s.c.id == link.c.submission_id))
            .where(link.c.sha256 == sha256,
                   exists().where(and_(up.c.sha256 == sha256, up.c.user_id == s.c.user_id))))


def uploaded_by(sha256: str, user_id: int) -> bool:
    """True when the user uploaded these bytes."""
    up = AttachmentUpload.__table__
    return db.session.execute(select(up.c.user_id).where(up.c.sha256 == sha256, up.c.user_id == user_id)).first() is not None


def may_read(sha256: str, scope: Scope) -> bool:
    """True when the scope's user may read the photo (see the module docstring)."""
    if uploaded_by(sha256, scope.user.id):
        return True
    if scope.user.role == "kiosk":
        return False
    s = Submission.__table__
    stmt = _vouched_links(sha256)
    if scope.kelurahan_ids is not None:
        stmt = stmt.where(s.c.kelurahan_id.in_(scope.kelurahan_ids))
    elif scope.kecamatan_id is not None:
        stmt = stmt.where(s.c.kecamatan_id == scope.kecamatan_id)
    return db.session.execute(stmt.limit(1)).first() is not None


def submission_shows(submission_id: uuid.UUID, sha256: str) -> bool:
    """True when this submission was stored with the photo in a photo field by a sender who uploaded it
    (the admin's photo route: the admin may read the submission; may it show this photo?)."""
    s = Submission.__table__
    stmt = _vouched_links(sha256).where(s.c.id == submission_id)
    return db.session.execute(stmt.limit(1)).first() is not None


def vouch_senders(sha256s: Iterable[str]) -> None:
    """Record the senders of the submissions linked to these photos as their uploaders.

    For photos stored by the operator on the senders' behalf (the demo seed), not for requests.
    """
    wanted = set(sha256s)
    if not wanted:
        return
    s = Submission.__table__
    link = AttachmentLink.__table__
    pairs = db.session.execute(select(link.c.sha256, s.c.user_id).distinct()
                               .join(s, s.c.id == link.c.submission_id)
                               .where(link.c.sha256.in_(wanted), s.c.user_id.is_not(None))).all()
    for sha, user_id in pairs:
        record_upload(sha, user_id)

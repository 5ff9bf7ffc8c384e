"""Photos by content hash: PUT is idempotent (a retry after a cut connection never stores twice)."""
from __future__ import annotations

import hashlib
import io
import re

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from PIL import Image
from sqlalchemy import select

from server.api.submissions import submissions_naming
from server.errors import ApiError
from server.extensions import db
from server.models import Attachment, Submission
from server.schemas.submissions import AttachmentSchema
from server.security import ALL_ROLES, current_api_user, current_scope, require_role
from server.sync import _insert

blp = Blueprint("attachments", __name__, description="Photo uploads, addressed by SHA-256")

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_MAGIC = {
    "image/jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
    "image/png": lambda b: b[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
_BINARY_BODY = {"required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _MAGIC}}


_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_MAX_PIXELS = 40_000_000  # a 1600 px phone photo has 2 M; refuse decompression bombs before decoding


def _is_image(body: bytes, content_type: str) -> bool:
    """Tell whether the bytes decode as a whole image of the declared type (a header alone is not enough)."""
    if not _MAGIC[content_type](body):
        return False
    try:
        with Image.open(io.BytesIO(body)) as image:
            if image.format != _PIL_FORMAT[content_type] or image.width * image.height > _MAX_PIXELS:
                return False
            image.load()
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken input; all mean "not an image"
        return False
    return True


def _check_hash(sha256: str) -> None:
    if not _SHA256_RE.match(sha256):
        raise ApiError(400, "bad_request", "Alamat lampiran harus SHA-256 (64 karakter heksadesimal kecil).")


def _may_read(sha256: str, uploaded_by: int | None) -> bool:
    user = current_api_user()
    if uploaded_by is not None and uploaded_by == user.id:
        return True
    if user.role == "kiosk":
        return False  # a kiosk submits surveys; it reads nothing back
    scope = current_scope()
    t = Submission.__table__
    stmt = submissions_naming(sha256)
    if scope.kelurahan_ids is not None:
        stmt = stmt.where(t.c.kelurahan_id.in_(scope.kelurahan_ids))
    elif scope.kecamatan_id is not None:
        stmt = stmt.where(t.c.kecamatan_id == scope.kecamatan_id)
    return db.session.execute(stmt.limit(1)).first() is not None


@blp.route("/attachments/<string:sha256>")
class AttachmentResource(MethodView):
    @blp.doc(security=[{"bearer": []}], requestBody=_BINARY_BODY)
    @blp.response(201, AttachmentSchema, description="Stored")
    @blp.alt_response(200, schema=AttachmentSchema, description="Already stored (idempotent retry)")
    @blp.alt_response(400, description="The body's SHA-256 is not the one in the URL")
    @blp.alt_response(413, description="Larger than MAX_ATTACHMENT_BYTES")
    @blp.alt_response(415, description="Not a JPEG, PNG or WebP image")
    @require_role(*ALL_ROLES)
    def put(self, sha256: str):
        """Upload a photo's bytes under their SHA-256."""
        _check_hash(sha256)
        content_type = request.mimetype
        if content_type not in _MAGIC:
            raise ApiError(415, "unsupported_media_type", "Foto harus JPEG, PNG atau WebP.")
        limit = current_app.config["MAX_ATTACHMENT_BYTES"]
        if request.content_length is not None and request.content_length > limit:
            raise ApiError(413, "payload_too_large", f"Foto terlalu besar (maksimal {limit} byte).")
        request.max_content_length = limit  # photos may be larger than a JSON body (Flask ≥ 3.1)
        body = request.get_data(cache=False)
        if len(body) > limit:
            raise ApiError(413, "payload_too_large", f"Foto terlalu besar (maksimal {limit} byte).")
        if not _is_image(body, content_type):
            raise ApiError(415, "unsupported_media_type", f"Isi berkas bukan {content_type}.")
        if hashlib.sha256(body).hexdigest() != sha256:
            raise ApiError(400, "hash_mismatch", "SHA-256 isi berkas tidak sama dengan alamatnya.")
        t = Attachment.__table__
        stmt = (_insert(t).values(sha256=sha256, content_type=content_type, size=len(body), content=body,
                                  uploaded_by=current_api_user().id)
                .on_conflict_do_nothing(index_elements=["sha256"]).returning(t.c.sha256))
        created = db.session.execute(stmt).first() is not None
        db.session.commit()
        resp = jsonify({"sha256": sha256, "content_type": content_type, "size": len(body)})
        resp.status_code = 201 if created else 200
        return resp

    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, description="The photo's bytes", content_type="image/jpeg")
    @blp.alt_response(403, description="No submission in your scope names it")
    @blp.alt_response(404, description="Not uploaded (yet)")
    @require_role(*ALL_ROLES)
    def get(self, sha256: str):
        """Download a photo (its uploader, or users whose scope covers a submission naming it)."""
        _check_hash(sha256)
        row = db.session.execute(
            select(Attachment.content_type, Attachment.content, Attachment.uploaded_by).where(Attachment.sha256 == sha256)
        ).first()
        if row is None:
            raise ApiError(404, "not_found", "Lampiran belum diunggah.")
        if not _may_read(sha256, row.uploaded_by):
            raise ApiError(403, "forbidden", "Lampiran ini di luar wilayah Anda.")
        resp = Response(row.content, mimetype=row.content_type)
        resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
        resp.headers["ETag"] = f'"{sha256}"'
        return resp

    @blp.doc(security=[{"bearer": []}])
    @blp.response(200, description="Uploaded")
    @blp.alt_response(404, description="Not uploaded (yet)")
    @require_role(*ALL_ROLES)
    def head(self, sha256: str):
        """Tell whether a photo is uploaded (lets a device skip a retry)."""
        _check_hash(sha256)
        size = db.session.scalar(select(Attachment.size).where(Attachment.sha256 == sha256))
        if size is None:
            return Response(status=404)
        resp = Response(status=200)
        resp.headers["X-Attachment-Size"] = str(size)
        return resp

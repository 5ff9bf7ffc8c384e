"""Photos by content hash: PUT is idempotent (a retry after a cut connection never stores twice).

The address is the SHA-256 of the bytes the device sent, checked on upload; what is stored and
served is the image decoded and encoded again (no EXIF/GPS block, no trailing bytes), so the served
bytes hash to something else — the address and the ETag stay the device's hash, which is what its
submissions name. Who may read a photo is decided in :mod:`server.attachment_links`; a photo the
caller may not read answers exactly like one that is not stored (404, same body, same headers), on
GET and on HEAD.
"""
from __future__ import annotations

import hashlib
import io
import re
import warnings

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from PIL import Image, ImageOps
from sqlalchemy import select

from server import attachment_links
from server.errors import ApiError
from server.extensions import db
from server.models import Attachment
from server.schemas.submissions import AttachmentSchema
from server.security import ALL_ROLES, current_api_user, current_scope, require_role
from server.dialect import upsertable_insert

bp = Blueprint("attachments", __name__, description="Photo uploads, addressed by SHA-256")

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_MAGIC = {
    "image/jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
    "image/png": lambda b: b[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
}
_BINARY_BODY = {"required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in _MAGIC}}

_PIL_FORMAT = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_SAVE_OPTIONS: dict[str, dict] = {"JPEG": {"quality": 85, "optimize": True}, "PNG": {}, "WEBP": {"quality": 85}}


class _TooManyPixels(Exception):
    """The image declares more pixels than MAX_ATTACHMENT_PIXELS (a decompression bomb)."""

    def __init__(self, pixels: int | None) -> None:
        super().__init__(pixels)
        self.pixels = pixels


def _reencoded(body: bytes, content_type: str, max_pixels: int) -> bytes | None:
    """Decode the whole image and encode it again; None when it is not an image of that type.

    Only the pixels are kept (turned upright by their EXIF orientation first): every EXIF block —
    GPS position, phone model, a bystander's whereabouts — and any trailing bytes are dropped. The
    size in pixels is read from the header and checked before anything is decoded.

    :raise _TooManyPixels: more than ``max_pixels`` pixels.
    """
    if not _MAGIC[content_type](body):
        return None
    fmt = _PIL_FORMAT[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                if image.format != fmt:
                    return None
                if image.width * image.height > max_pixels:
                    raise _TooManyPixels(image.width * image.height)
                image.load()
                options = _SAVE_OPTIONS[fmt]
                if image.getexif().get(0x0112, 1) in (1, None):  # already upright
                    upright = image
                    if fmt == "JPEG":  # the phone's own quantization: no second loss, no bigger file
                        options = {"quality": "keep", "subsampling": "keep", "optimize": True}
                else:
                    upright = ImageOps.exif_transpose(image)
                if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                    upright, options = upright.convert("RGB"), _SAVE_OPTIONS[fmt]
                out = io.BytesIO()
                upright.save(out, format=fmt, **options)
                return out.getvalue()
    except Image.DecompressionBombError:  # beyond Pillow's own hard limit, raised while reading the header
        raise _TooManyPixels(None) from None
    except _TooManyPixels:
        raise
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken input; all mean "not an image"
        return None


def _number_id(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _check_hash(sha256: str) -> None:
    if not _SHA256_RE.match(sha256):
        raise ApiError(400, "bad_request", "Alamat lampiran harus SHA-256 (64 karakter heksadesimal kecil).")


def _not_found() -> ApiError:
    """The one answer for a photo that is not stored *and* for one the caller may not read."""
    return ApiError(404, "not_found", "Lampiran tidak ditemukan.")


def _readable(sha256: str):
    """The stored photo row when the caller may read it, else None (absent and forbidden look alike)."""
    row = db.session.execute(
        select(Attachment.content_type, Attachment.content, Attachment.size).where(Attachment.sha256 == sha256)
    ).first()
    if row is None or not attachment_links.may_read(sha256, current_scope()):
        return None
    return row


@bp.route("/attachments/<string:sha256>")
class AttachmentResource(MethodView):
    @bp.doc(security=[{"bearer": []}], requestBody=_BINARY_BODY)
    @bp.response(201, AttachmentSchema, description="Stored")
    @bp.alt_response(200, schema=AttachmentSchema, description="Already stored (idempotent retry)")
    @bp.alt_response(400, description="The body's SHA-256 is not the one in the URL")
    @bp.alt_response(413, description="Larger than MAX_ATTACHMENT_BYTES, or more pixels than MAX_ATTACHMENT_PIXELS")
    @bp.alt_response(415, description="Not a JPEG, PNG or WebP image")
    @require_role(*ALL_ROLES)
    def put(self, sha256: str):
        """Upload a photo's bytes under their SHA-256 (stored re-encoded, without EXIF)."""
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
        max_pixels = current_app.config["MAX_ATTACHMENT_PIXELS"]
        try:
            stored = _reencoded(body, content_type, max_pixels)
        except _TooManyPixels as err:
            found = f"{_number_id(err.pixels)} piksel" if err.pixels else "lebih dari batas Pillow"
            raise ApiError(413, "too_many_pixels",
                           f"Foto terlalu besar dalam piksel ({found}; maksimal {_number_id(max_pixels)} piksel). "
                           "Perkecil foto lalu kirim lagi.", {"body": f"max {max_pixels} pixels"}) from None
        if stored is None:
            raise ApiError(415, "unsupported_media_type", f"Isi berkas bukan {content_type}.")
        if hashlib.sha256(body).hexdigest() != sha256:
            raise ApiError(400, "hash_mismatch", "SHA-256 isi berkas tidak sama dengan alamatnya.")
        user = current_api_user()
        t = Attachment.__table__
        stmt = (upsertable_insert(t).values(sha256=sha256, content_type=content_type, size=len(stored), content=stored,
                                  uploaded_by=user.id)
                .on_conflict_do_nothing(index_elements=["sha256"]).returning(t.c.sha256))
        created = db.session.execute(stmt).first() is not None
        attachment_links.record_upload(sha256, user.id)  # holding the bytes is the right to attach them
        db.session.commit()
        size = len(stored) if created else db.session.scalar(select(Attachment.size).where(Attachment.sha256 == sha256))
        resp = jsonify({"sha256": sha256, "content_type": content_type, "size": size})
        resp.status_code = 201 if created else 200
        return resp

    @bp.doc(security=[{"bearer": []}])
    @bp.response(200, description="The photo's bytes (as re-encoded on upload)", content_type="image/jpeg")
    @bp.alt_response(404, description="Not uploaded, or not yours to read (the two look alike)")
    @require_role(*ALL_ROLES)
    def get(self, sha256: str):
        """Download a photo: its uploader, or users who may read a submission stored with it."""
        _check_hash(sha256)
        row = _readable(sha256)
        if row is None:
            raise _not_found()
        resp = Response(row.content, mimetype=row.content_type)
        resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
        resp.headers["ETag"] = f'"{sha256}"'
        return resp

    @bp.doc(security=[{"bearer": []}])
    @bp.response(200, description="Uploaded (and yours to read)")
    @bp.alt_response(404, description="Not uploaded, or not yours to read (the two look alike)")
    @require_role(*ALL_ROLES)
    def head(self, sha256: str):
        """Tell whether a photo is uploaded (lets a device skip a retry); the same rule as GET."""
        _check_hash(sha256)
        row = _readable(sha256)
        if row is None:
            raise _not_found()
        resp = Response(status=200)
        resp.headers["X-Attachment-Size"] = str(row.size)
        return resp

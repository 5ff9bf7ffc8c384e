"""The OpenRosa routes (see the package docstring for the contract)."""
from __future__ import annotations

import hashlib
import io
import uuid

from flask import Response, current_app, g, request, url_for
from PIL import Image
from pyxform.errors import PyXFormError
from sqlalchemy import select

from server import attachment_links
from server.extensions import db
from server.models import Attachment, FormDefinition, Kecamatan, Kelurahan
from server.openrosa import NS_LIST, OpenRosaError, bp, current_scope, escape, max_bytes, message_response
from server.openrosa.instance import InstanceError, data_of, parse_instance, subject_of
from server.dialect import upsertable_insert
from server.sync import sync_batch
from server.xlsform.assign import assigned
from server.xlsform.xform import xform_hash, xform_xml

_PIL = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_MAX_PIXELS = 40_000_000


# -- forms ------------------------------------------------------------------------------------------

def _kelurahan_codes() -> set[str] | None:
    scope = current_scope()
    if scope.whole_kecamatan:
        return None
    return set(db.session.scalars(select(Kelurahan.kode).where(Kelurahan.id.in_(scope.kelurahan_ids))))


def _latest_forms() -> dict[str, dict]:
    """code → the latest published definition the token's user may fill."""
    role = g.openrosa_user.role
    codes = _kelurahan_codes()
    latest: dict[str, dict] = {}
    rows = db.session.scalars(select(FormDefinition.definition).where(FormDefinition.published.is_(True))
                              .order_by(FormDefinition.code, FormDefinition.version))
    for definition in rows:
        if assigned(definition, role, codes):
            latest[definition["code"]] = definition
    return latest


def _places() -> dict[str, list[tuple[int, str]]]:
    """Choice lists of the subject elements: the user's RW, kelurahan and kecamatan office."""
    scope = current_scope()
    kelurahan = list(db.session.scalars(scope.kelurahan_query()))
    places: dict[str, list[tuple[int, str]]] = {
        "kelurahan_id": [(kel.id, kel.nama) for kel in kelurahan],
        "rw_id": [(rw.id, f"RW {rw.nomor} · {kel.nama}") for kel in kelurahan for rw in kel.rw],
    }
    if g.openrosa_user.role == "kiosk" and scope.whole_kecamatan:
        places["kelurahan_id"] = []
    if scope.whole_kecamatan and scope.kecamatan_id is not None:
        kec = db.session.get(Kecamatan, scope.kecamatan_id)
        places["kecamatan_id"] = [(kec.id, f"Kantor Kecamatan {kec.nama}")]
    return {k: v for k, v in places.items() if v}


def _xform(definition: dict) -> str:
    return xform_xml(definition, _places())


@bp.route("/formList", methods=["GET", "HEAD"])
def form_list() -> Response:
    """The OpenRosa xforms list (``?formID=`` narrows it to one form)."""
    wanted = request.args.get("formID")
    items = []
    for code, definition in sorted(_latest_forms().items()):
        if wanted and code != wanted:
            continue
        try:
            xml = _xform(definition)
        except PyXFormError:  # one definition pyxform cannot express must not hide the others
            current_app.logger.warning("form %s v%s has no XForm", code, definition.get("version"), exc_info=True)
            continue
        url = url_for("openrosa.form_xml", code=code, _external=True)
        items.append(f"<xform><formID>{escape(code)}</formID><name>{escape(definition.get('title') or code)}</name>"
                     f"<version>{definition['version']}</version><hash>{xform_hash(xml)}</hash>"
                     f"<downloadUrl>{escape(url)}</downloadUrl></xform>")
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="{NS_LIST}">{"".join(items)}</xforms>'
    return Response(body, mimetype="text/xml", content_type="text/xml; charset=utf-8")


@bp.route("/forms/<string:code>.xml", methods=["GET", "HEAD"])
def form_xml(code: str) -> Response:
    """The XForm of the latest version (``?version=N``: that version) the user may fill."""
    latest = _latest_forms().get(code)
    if latest is None:
        raise OpenRosaError(404, f"Formulir '{code}' tidak ada atau bukan untuk Anda.")
    definition = latest
    if request.args.get("version"):
        row = db.session.scalar(select(FormDefinition.definition).where(
            FormDefinition.code == code, FormDefinition.version == request.args.get("version", type=int) or -1,
            FormDefinition.published.is_(True)))
        if row is None:
            raise OpenRosaError(404, f"Versi formulir '{code}' tidak ada.")
        definition = row
    xml = _xform(definition)
    resp = Response(xml, mimetype="text/xml", content_type="text/xml; charset=utf-8")
    resp.headers["ETag"] = f'"{xform_hash(xml)[4:]}"'
    return resp


# -- submissions -------------------------------------------------------------------------------------

@bp.route("/submission", methods=["HEAD", "GET"])
def submission_head() -> Response:
    """Tell a client the largest submission accepted (ODK Collect asks before every POST)."""
    resp = Response(status=204)
    resp.headers["X-OpenRosa-Accept-Content-Length"] = str(max_bytes())
    return resp


def _image_type(body: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(body)) as image:
            kind = _PIL.get(image.format or "")
            if kind is None or image.width * image.height > _MAX_PIXELS:
                return None
            image.load()
            return kind
    except Exception:  # noqa: BLE001 - Pillow raises many types for broken input; all mean "not an image"
        return None


def _store_photo(key: str, name: str, limit: int) -> str:
    """Store one attached photo by its SHA-256 (idempotent, like PUT /api/v1/attachments); return the hash."""
    part = request.files.get(name)
    if part is None:
        raise OpenRosaError(400, f"{key}: berkas '{name}' tidak terlampir dalam kiriman.")
    body = part.read(limit + 1)
    if len(body) > limit:
        raise OpenRosaError(413, f"{key}: foto terlalu besar (maksimal {limit} byte).")
    kind = _image_type(body)
    if kind is None:
        raise OpenRosaError(400, f"{key}: berkas '{name}' bukan foto JPEG, PNG atau WebP.")
    sha = hashlib.sha256(body).hexdigest()
    t = Attachment.__table__
    db.session.execute(upsertable_insert(t).values(sha256=sha, content_type=kind, size=len(body), content=body,
                                         uploaded_by=g.openrosa_user.id)
                       .on_conflict_do_nothing(index_elements=["sha256"]))
    attachment_links.record_upload(sha, g.openrosa_user.id)  # committed with the photo
    return sha


def _definition(code: str, version: int | None) -> dict:
    stmt = select(FormDefinition.definition, FormDefinition.version).where(FormDefinition.code == code)
    if version is not None:
        stmt = stmt.where(FormDefinition.version == version)
    row = db.session.execute(stmt.order_by(FormDefinition.version.desc()).limit(1)).first()
    if row is None:
        raise OpenRosaError(400, f"form: formulir '{code}' versi {version} tidak dikenal.")
    return row.definition


def _message_of(errors: dict) -> str:
    parts = [f"{key.removeprefix('data.')}: {message}" for key, message in errors.items()]
    return "Tidak valid — " + "; ".join(parts)


@bp.route("/submission", methods=["POST"])
def submission_post() -> Response:
    """Store one XForm instance through the same sync use case as JSON submissions."""
    limit = max_bytes()
    if request.content_length is not None and request.content_length > limit:
        raise OpenRosaError(413, f"Kiriman terlalu besar (maksimal {limit} byte).")
    request.max_content_length = limit
    upload = request.files.get("xml_submission_file")
    if upload is None:
        raise OpenRosaError(400, "xml_submission_file: bagian multipart ini wajib ada.")
    try:
        instance = parse_instance(upload.read(limit + 1))
        uuid.UUID(instance.instance_id)
    except InstanceError as err:
        raise OpenRosaError(400, str(err)) from None
    except ValueError:
        raise OpenRosaError(400, "meta/instanceID: harus uuid:<UUID>.") from None
    definition = _definition(instance.code, instance.version)
    data, photo_names = data_of(definition, instance.values)
    per_photo = current_app.config["MAX_ATTACHMENT_BYTES"]
    for key, name in photo_names.items():
        data[key] = [_store_photo(key, name, per_photo)]
    if instance.start is None:
        raise OpenRosaError(400, "start: waktu formulir dibuka wajib ada (menjadi observed_at).")
    subject, ref = subject_of(definition, instance.values)
    item = {"id": instance.instance_id, "form": instance.code, "form_version": definition["version"],
            "observed_at": instance_start(instance.start), "data": data}
    if subject is not None:
        item["subject"] = subject
    if ref is not None:
        item["ref"] = ref
    db.session.commit()  # the photos are stored whatever becomes of the record (like PUT attachments)
    scope = current_scope()
    result = sync_batch([item], scope, g.openrosa_device.id)[0]
    status = result["status"]
    if status in ("created", "duplicate"):
        text = "Formulir diterima." if status == "created" else "Formulir ini sudah diterima sebelumnya."
        return message_response(201, text, "submit_success")
    if status == "conflict":
        return message_response(409, f"instanceID {instance.instance_id} sudah ada dengan isi lain.")
    return message_response(400, _message_of(result.get("errors") or {}))


def instance_start(text: str) -> str:
    """`start` as an ISO datetime with offset (ODK writes milliseconds: kept, the instant is the same)."""
    return text.strip()


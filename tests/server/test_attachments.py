"""PUT/HEAD/GET /api/v1/attachments/<sha256>: idempotent, verified, re-encoded, readable only by right."""
from __future__ import annotations

import hashlib
import io
import random
import threading

import pytest
from PIL import Image

from tests.factories import auth, make_user, make_wilayah
from tests.server.test_submissions import inspeksi



def _image(fmt: str, colour: tuple[int, int, int]) -> bytes:
    """A real, small image: the server decodes uploads, so a magic header alone is refused."""
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, fmt)
    return out.getvalue()


JPEG = _image("JPEG", (200, 40, 40))
PNG = _image("PNG", (40, 200, 40))


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


@pytest.fixture
def tokens(app):
    with app.app_context():
        w = make_wilayah()
        kel1, kel2 = w.kelurahan
        return {
            "rw1": w.rw[kel1.id][0].id,
            "officer": make_user("petugas", "officer", w.kecamatan, [kel1])[1],
            "other": make_user("petugas2", "officer", w.kecamatan, [kel2])[1],
            "camat": make_user("camat", "kecamatan_admin", w.kecamatan)[1],
        }


def put(client, token, body, content_type="image/jpeg", digest=None):
    return client.put(f"/api/v1/attachments/{digest or sha(body)}", data=body, content_type=content_type,
                      headers=auth(token))


def test_upload_is_idempotent_and_completes_the_submission(client, tokens):
    digest = sha(JPEG)
    item = inspeksi(tokens["rw1"], foto=[digest])
    result = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(tokens["officer"])).json
    assert result["results"][0]["missing_attachments"] == [digest]
    assert client.head(f"/api/v1/attachments/{digest}", headers=auth(tokens["officer"])).status_code == 404
    first = put(client, tokens["officer"], JPEG)
    assert first.status_code == 201 and first.json["sha256"] == digest and first.json["content_type"] == "image/jpeg"
    retry = put(client, tokens["officer"], JPEG)  # a retry after a cut connection
    assert retry.status_code == 200 and retry.json == first.json
    assert client.head(f"/api/v1/attachments/{digest}", headers=auth(tokens["officer"])).status_code == 200
    listed = client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(tokens["camat"])).json
    assert listed["submissions"][0]["incomplete"] is False
    got = client.get(f"/api/v1/attachments/{digest}", headers=auth(tokens["camat"]))
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and got.headers["ETag"] == f'"{digest}"'
    assert len(got.data) == first.json["size"]
    with Image.open(io.BytesIO(got.data)) as image:  # the same picture, re-encoded
        assert image.size == (32, 24)


def _same_as_absent(client, token, digest):
    """GET and HEAD of `digest` answer exactly like a hash that was never uploaded."""
    absent = "0" * 64
    for method in ("GET", "HEAD"):
        got = client.open(f"/api/v1/attachments/{digest}", method=method, headers=auth(token))
        none = client.open(f"/api/v1/attachments/{absent}", method=method, headers=auth(token))
        assert got.status_code == none.status_code == 404, (method, got.status_code)
        assert got.data == none.data
        assert sorted(got.headers.items()) == sorted(none.headers.items())


def test_read_needs_a_linked_submission_or_the_upload(client, tokens):
    put(client, tokens["officer"], PNG, "image/png")
    # The uploader reads it back before any submission names it (the PWA asks HEAD to skip a retry).
    assert client.get(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["officer"])).status_code == 200
    assert client.head(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["officer"])).status_code == 200
    _same_as_absent(client, tokens["other"], sha(PNG))
    _same_as_absent(client, tokens["camat"], sha(PNG))  # in scope, but no submission was stored with it
    assert client.get(f"/api/v1/attachments/{sha(PNG)}").status_code == 401
    item = inspeksi(tokens["rw1"], foto=[sha(PNG)])
    assert client.post("/api/v1/submissions", json={"submissions": [item]},
                       headers=auth(tokens["officer"])).json["results"][0]["status"] == "created"
    assert client.get(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["camat"])).status_code == 200
    _same_as_absent(client, tokens["other"], sha(PNG))  # another kelurahan's officer


def test_naming_a_hash_one_never_held_grants_nothing(app, client, tokens):
    """The probe: another kelurahan's officer names the photo in its own inspection (photo field and
    free text) and still gets exactly what a missing photo gets."""
    put(client, tokens["officer"], PNG, "image/png")
    client.post("/api/v1/submissions", json={"submissions": [inspeksi(tokens["rw1"], foto=[sha(PNG)])]},
                headers=auth(tokens["officer"]))
    with app.app_context():
        from server.extensions import db
        from server.models import RW, UserScope, User
        from sqlalchemy import select

        other = db.session.scalar(select(User).where(User.username == "petugas2"))
        kel2 = db.session.scalar(select(UserScope.kelurahan_id).where(UserScope.user_id == other.id))
        rw2 = db.session.scalar(select(RW.id).where(RW.kelurahan_id == kel2))
    sneaky = inspeksi(rw2, foto=[sha(PNG)], catatan=sha(PNG))
    resp = client.post("/api/v1/submissions", json={"submissions": [sneaky]}, headers=auth(tokens["other"]))
    assert resp.json["results"][0]["status"] == "created"
    _same_as_absent(client, tokens["other"], sha(PNG))


def test_a_second_uploader_of_the_same_bytes_may_attach_them(client, tokens):
    put(client, tokens["officer"], PNG, "image/png")
    assert put(client, tokens["other"], PNG, "image/png").status_code == 200  # they hold the bytes too
    assert client.get(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["other"])).status_code == 200


def test_uploads_are_reencoded_without_exif_and_keep_their_address(client, tokens):
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif[0x8825] = {1: "S", 2: (6.0, 53.0, 0.0), 3: "E", 4: (107.0, 36.0, 0.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    body = out.getvalue()
    assert b"PhoneMaker" in body
    assert put(client, tokens["officer"], body).status_code == 201
    got = client.get(f"/api/v1/attachments/{sha(body)}", headers=auth(tokens["officer"]))
    assert got.status_code == 200 and b"PhoneMaker" not in got.data
    with Image.open(io.BytesIO(got.data)) as served:
        assert not served.getexif()
        assert served.size == (20, 40)  # turned upright before the orientation tag was dropped
    assert put(client, tokens["officer"], body).status_code == 200  # still addressed by the sent bytes
    del exif[0x0112]  # already upright: the phone's JPEG quality is kept, the EXIF still dropped
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=70)
    upright = out.getvalue()
    assert put(client, tokens["officer"], upright).status_code == 201
    got = client.get(f"/api/v1/attachments/{sha(upright)}", headers=auth(tokens["officer"]))
    assert b"PhoneMaker" not in got.data and len(got.data) <= len(upright)


def test_a_decompression_bomb_is_refused_as_too_many_pixels(client, tokens, app):
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 M pixels in a few dozen kilobytes
    bomb = out.getvalue()
    assert len(bomb) < app.config["MAX_ATTACHMENT_BYTES"]
    resp = put(client, tokens["officer"], bomb, "image/png")
    assert resp.status_code == 413, resp.json
    assert resp.json["error"]["code"] == "too_many_pixels"
    assert "piksel" in resp.json["error"]["message"] and "bukan" not in resp.json["error"]["message"]
    out = io.BytesIO()
    Image.new("1", (6000, 5000)).save(out, "PNG")  # above the 24 M default, below Pillow's own warning
    resp = put(client, tokens["officer"], out.getvalue(), "image/png")
    assert resp.status_code == 413 and "30.000.000 piksel" in resp.json["error"]["message"]


def test_bad_uploads(client, tokens, app):
    t = tokens["officer"]
    assert put(client, t, JPEG, digest=sha(b"other")).status_code == 400
    assert put(client, t, JPEG, digest="XYZ").status_code == 400
    assert put(client, t, JPEG, "image/gif").status_code == 415
    assert put(client, t, b"GIF89a....", "image/jpeg").status_code == 415  # magic bytes
    assert put(client, t, PNG, "image/jpeg").status_code == 415
    big = b"\xff\xd8\xff" + b"z" * app.config["MAX_ATTACHMENT_BYTES"]
    resp = put(client, t, big)
    assert resp.status_code == 413 and resp.json["error"]["code"] == "payload_too_large"
    # Larger than a JSON body may be, smaller than the photo limit: accepted.
    noise = Image.frombytes("RGB", (900, 900), random.Random(7).randbytes(900 * 900 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    medium = out.getvalue()
    assert app.config["MAX_CONTENT_LENGTH"] < len(medium) < app.config["MAX_ATTACHMENT_BYTES"]
    assert put(client, t, medium, "image/png").status_code == 201


def test_concurrent_uploads_store_once(app, tokens):
    body = _image("JPEG", (1, 2, 3))
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(put(client, tokens["officer"], body).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(statuses) == [200, 200, 200, 201]

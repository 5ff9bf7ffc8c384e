"""PUT/HEAD/GET /api/v1/attachments/<sha256>: idempotent, verified, scoped."""
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
    assert first.status_code == 201 and first.json == {"sha256": digest, "content_type": "image/jpeg", "size": len(JPEG)}
    assert put(client, tokens["officer"], JPEG).status_code == 200  # a retry after a cut connection
    assert client.head(f"/api/v1/attachments/{digest}", headers=auth(tokens["officer"])).status_code == 200
    listed = client.get("/api/v1/submissions?form=inspeksi-rw", headers=auth(tokens["camat"])).json
    assert listed["submissions"][0]["incomplete"] is False
    got = client.get(f"/api/v1/attachments/{digest}", headers=auth(tokens["camat"]))
    assert got.status_code == 200 and got.data == JPEG and got.mimetype == "image/jpeg"


def test_read_needs_scope_or_uploader(client, tokens):
    put(client, tokens["officer"], PNG, "image/png")
    assert client.get(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["officer"])).status_code == 200
    assert client.get(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["other"])).status_code == 403
    assert client.get(f"/api/v1/attachments/{sha(PNG)}", headers=auth(tokens["camat"])).status_code == 403
    assert client.get(f"/api/v1/attachments/{'0' * 64}", headers=auth(tokens["camat"])).status_code == 404
    assert client.get(f"/api/v1/attachments/{sha(PNG)}").status_code == 401


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

"""The world of the authorization tests: two kecamatan with data and one user per role.

"In scope" is kelurahan 1 of kecamatan A (the scope of every role but the other kecamatan's
admin); its sibling kelurahan 2 is in the kecamatan admin's scope only; "out of scope" is
kecamatan B.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient

from server.extensions import db
from server.models import DeviceToken, Kecamatan, Kelurahan, User
from server.models._types import utcnow
from server.security import token_digest
from tests import factories
from tests.factories import auth, make_wilayah
from tests.hardening.helpers import inspeksi_item, png_bytes

ROLES = ("anonymous", "officer", "kiosk", "kelurahan_admin", "kecamatan_admin", "other_admin", "revoked")
SCOPES = ("in", "sibling", "out")  # kelurahan 1 of A, kelurahan 2 of A, kecamatan B
PASSWORD = "rahasia123"  # tests.factories.make_user's default
USERNAMES = {"officer": "petugas", "kiosk": "kios", "kelurahan_admin": "lurah", "kecamatan_admin": "camat",
             "other_admin": "camat-b", "revoked": "petugas-lama"}


@dataclass
class World:
    """Two kecamatan with data, one token per role, and the ids the requests name."""

    tokens: dict[str, str | None]
    kel_in: int
    kel_in_sibling: int
    kel_out: int
    rw_in: int
    rw_out: int
    photo_in: str
    photo_out: str
    rw_sibling: int = 0  # an RW of kelurahan 2
    photo_sibling: str = ""  # named by sub_sibling
    sub_in: str = ""  # inspection of an RW of kelurahan 1 (with photo_in)
    sub_sibling: str = ""  # inspection of an RW of kelurahan 2
    sub_out: str = ""  # inspection in kecamatan B (with photo_out)
    user_ids: dict[str, int] = field(default_factory=dict)  # by role
    # Submission ids each role may list (GET /submissions), by role.
    visible: dict[str, set[str]] = field(default_factory=dict)
    every_submission: set[str] = field(default_factory=set)


def _store(client: FlaskClient, token: str, items: list[dict]) -> None:
    resp = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token))
    assert [r["status"] for r in resp.json["results"]] == ["created"] * len(items), resp.json


def _upload(client: FlaskClient, token: str, body: bytes) -> str:
    sha = hashlib.sha256(body).hexdigest()
    resp = client.put(f"/api/v1/attachments/{sha}", data=body, content_type="image/png", headers=auth(token))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return sha


def make_user(username: str, role: str, kecamatan: Kecamatan | None,
              scope: list[Kelurahan] | None = None) -> tuple[User, str]:
    """tests.factories.make_user with PASSWORD (its hash made once per test process)."""
    return factories.make_user(username, role, kecamatan, scope, password=PASSWORD)


def build_world(app: Flask) -> World:
    """Create both kecamatan, the users, a revoked token, two photos and three inspections."""
    client = app.test_client()
    with app.app_context():
        a = make_wilayah(nama="Coblong", kode="32.73.02", kelurahan=2, rw=2)
        b = make_wilayah(nama="Sukasari", kode="32.73.01", kelurahan=1, rw=1)
        kel1, kel2 = a.kelurahan
        kel_b = b.kelurahan[0]
        tokens: dict[str, str | None] = {"anonymous": None}
        user_ids: dict[str, int] = {}
        for role, kind, kecamatan, scope in (
            ("officer", "officer", a.kecamatan, [kel1]), ("kiosk", "kiosk", a.kecamatan, [kel1]),
            ("kelurahan_admin", "kelurahan_admin", a.kecamatan, [kel1]),
            ("kecamatan_admin", "kecamatan_admin", a.kecamatan, None),
            ("other_admin", "kecamatan_admin", b.kecamatan, None), ("revoked", "officer", a.kecamatan, [kel1]),
        ):
            user, tokens[role] = make_user(USERNAMES[role], kind, kecamatan, scope)
            user_ids[role] = user.id
        revoked = tokens["revoked"]
        db.session.execute(DeviceToken.__table__.update().where(DeviceToken.token_hash == token_digest(revoked))
                           .values(revoked_at=utcnow()))
        _, seeder = make_user("kota", "kecamatan_admin", None)  # a city-level admin plants the data
        ids = {"kel1": kel1.id, "kel2": kel2.id, "kel_b": kel_b.id, "rw1": a.rw[kel1.id][0].id,
               "rw2": a.rw[kel2.id][0].id, "rw_b": b.rw[kel_b.id][0].id}
        db.session.commit()
    photo_in, photo_out = _upload(client, seeder, png_bytes(101)), _upload(client, seeder, png_bytes(102))
    photo_sibling = _upload(client, seeder, png_bytes(103))
    in1 = inspeksi_item(ids["rw1"], foto=[photo_in])
    in2 = inspeksi_item(ids["rw2"], foto=[photo_sibling])
    out = inspeksi_item(ids["rw_b"], foto=[photo_out])
    _store(client, seeder, [in1, in2, out])
    w = World(tokens=tokens, kel_in=ids["kel1"], kel_in_sibling=ids["kel2"], kel_out=ids["kel_b"],
              rw_in=ids["rw1"], rw_out=ids["rw_b"], photo_in=photo_in, photo_out=photo_out,
              rw_sibling=ids["rw2"], photo_sibling=photo_sibling,
              sub_in=in1["id"], sub_sibling=in2["id"], sub_out=out["id"], user_ids=user_ids)
    w.visible = {"kelurahan_admin": {in1["id"]}, "kecamatan_admin": {in1["id"], in2["id"]},
                 "other_admin": {out["id"]}}
    w.every_submission = {in1["id"], in2["id"], out["id"]}
    return w

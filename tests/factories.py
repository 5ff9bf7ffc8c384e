"""Tiny factories for test data (wilayah, users, tokens, submissions)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache

from server.extensions import db
from server.models import RW, Kecamatan, Kelurahan, User, UserScope
from server.security import hash_password, issue_token


@dataclass
class Wilayah:
    kecamatan: Kecamatan
    kelurahan: list[Kelurahan]
    rw: dict[int, list[RW]]  # by kelurahan id


def make_wilayah(nama: str = "Coblong", kode: str = "32.73.02", kelurahan: int = 2, rw: int = 3) -> Wilayah:
    """Create a kecamatan with `kelurahan` kelurahan of `rw` RW each."""
    kec = Kecamatan(nama=nama, kode=kode)
    db.session.add(kec)
    db.session.flush()
    kels, rws = [], {}
    for i in range(1, kelurahan + 1):
        kel = Kelurahan(kecamatan_id=kec.id, kode=f"{kode}.{1000 + i}", nama=f"{nama} Kel {i}")
        db.session.add(kel)
        db.session.flush()
        kels.append(kel)
        rws[kel.id] = []
        for n in range(1, rw + 1):
            r = RW(kelurahan_id=kel.id, nomor=f"{n:02d}")
            db.session.add(r)
            rws[kel.id].append(r)
    db.session.flush()
    return Wilayah(kec, kels, rws)


@cache
def hashed(password: str) -> str:
    """``password`` through the real scrypt hash, once per test process: a hash costs 0.1–0.7 s and
    the suite makes hundreds of users with the same few passwords. Logging in still verifies it with
    the real check; a test about salts or rehashing calls server.security.hash_password itself."""
    return hash_password(password)


def make_user(username: str, role: str, kecamatan: Kecamatan | None, scope: list[Kelurahan] | None = None,
              password: str = "rahasia123") -> tuple[User, str]:
    """Create a user (and return it with a fresh bearer token)."""
    user = User(username=username, name=username.title(), role=role,
                password_hash=hashed(password), kecamatan_id=kecamatan.id if kecamatan else None)
    db.session.add(user)
    db.session.flush()
    for kel in scope or []:
        db.session.add(UserScope(user_id=user.id, kelurahan_id=kel.id))
    token = issue_token(user, "pytest")
    db.session.commit()
    return user, token


def new_id() -> str:
    """A device-made submission id."""
    return str(uuid.uuid4())


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

"""Admin fixtures: two kecamatan, a camat, a lurah of one kelurahan, an officer and a kiosk."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from server.extensions import db
from server.models import Kelurahan, User
from tests.factories import Wilayah, make_user, make_wilayah


@dataclass
class World:
    """The data every admin test starts from."""

    wilayah: Wilayah
    other: Wilayah  # another kecamatan nobody here may see
    camat: User
    lurah: User
    petugas: User
    kiosk: User

    @property
    def kec_id(self) -> int:
        return self.wilayah.kecamatan.id

    @property
    def kel1(self) -> Kelurahan:
        return self.wilayah.kelurahan[0]

    @property
    def kel2(self) -> Kelurahan:
        return self.wilayah.kelurahan[1]


@pytest.fixture
def world(app) -> World:
    """Coblong (2 kelurahan × 3 RW) with its users, and Sukasari next door."""
    with app.app_context():
        wilayah = make_wilayah("Coblong", "32.73.02", kelurahan=2, rw=3)
        other = make_wilayah("Sukasari", "32.73.01", kelurahan=1, rw=2)
        camat, _ = make_user("camat", "kecamatan_admin", wilayah.kecamatan)
        lurah, _ = make_user("lurah", "kelurahan_admin", wilayah.kecamatan, scope=[wilayah.kelurahan[0]])
        petugas, _ = make_user("petugas", "officer", wilayah.kecamatan, scope=[wilayah.kelurahan[0]])
        kiosk, _ = make_user("kiosk", "kiosk", wilayah.kecamatan)
        db.session.commit()
        for obj in (wilayah.kecamatan, other.kecamatan, camat, lurah, petugas, kiosk, *wilayah.kelurahan,
                    *other.kelurahan,
                    *[r for rws in (*wilayah.rw.values(), *other.rw.values()) for r in rws]):
            db.session.refresh(obj)
        db.session.expunge_all()
        return World(wilayah, other, camat, lurah, petugas, kiosk)

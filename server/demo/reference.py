"""The demo's fixed world: Kecamatan Coblong and its RW, the demo users, targets and holidays.

Everything here is added only when missing, so a second run changes nothing, and a user whose
password an operator changed keeps it.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from server.extensions import db
from server.models import Holiday, Kecamatan, Kelurahan, Target, User, UserScope
from server.security import hash_password
from server.wilayah_import import ImportReport, import_rows, parse_wilayah

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
KELURAHAN_CSV = DATA_DIR / "kota-bandung-kelurahan.csv"
# Approximate centroids of Coblong's kelurahan (hand-placed from public maps) and of RW 01–13 of
# each (synthesized around them), for the demo map only; an operator imports real ones.
CENTROIDS_CSV = DATA_DIR / "coblong-centroids.csv"
DEMO_KECAMATAN_KODE = "32.73.02"  # Coblong, Kota Bandung
DEMO_PASSWORD = "demo123"  # nosec B105 - the published demo password (README.md, scripts/run-local.sh)
RW_PER_KELURAHAN = (8, 13)  # "about ten" (no public list of Bandung's RW exists)
KECAMATAN_SERVICE_POPULATION = 5000
KELURAHAN_SERVICE_POPULATION = (1200, 2600)


class DemoUserClash(RuntimeError):
    """A demo username is taken by a user of another role or kecamatan (a real deployment)."""


@dataclass(frozen=True)
class DemoUser:
    """A demo login; `scope` lists kelurahan by the last four digits of their code (none: whole kecamatan)."""

    username: str
    name: str
    role: str
    scope: tuple[str, ...] = ()


# The four logins the README and run-local.sh announce come first; the others make the data realistic
# (one officer per two kelurahan, one survey kiosk per kelurahan office).
DEMO_USERS = (
    DemoUser("camat", "Camat Coblong", "kecamatan_admin"),
    DemoUser("lurah", "Lurah Cipaganti", "kelurahan_admin", ("1001",)),
    DemoUser("petugas", "Petugas Cipaganti & Lebak Gede", "officer", ("1001", "1002")),
    DemoUser("kiosk", "Kiosk Kantor Kecamatan Coblong", "kiosk"),
    DemoUser("petugas2", "Petugas Sadang Serang & Dago", "officer", ("1003", "1004")),
    DemoUser("petugas3", "Petugas Sekeloa & Lebak Siliwangi", "officer", ("1005", "1006")),
    *(DemoUser(f"kiosk-{suffix}", f"Kiosk Kelurahan {suffix}", "kiosk", (suffix,))
      for suffix in ("1001", "1002", "1003", "1004", "1005", "1006")),
)

# Targets of the kecamatan's performance agreement (IKU1 on the 25–100 IKM scale, the rest in %).
DEMO_TARGETS = {"IKU1": 82.0, "IKU2": 85.0, "IKU3": 90.0, "IKU4": 85.0, "IKU5": 50.0, "IKU6": 20.0}

# National holidays and collective leave (SKB 3 Menteri) that fall on weekdays; fixed-date ones are
# added for any year.
_HOLIDAYS = {
    "2025-01-27": "Isra Mikraj", "2025-01-29": "Tahun Baru Imlek", "2025-03-31": "Idul Fitri",
    "2025-04-01": "Idul Fitri", "2025-04-18": "Wafat Isa Almasih", "2025-05-12": "Waisak",
    "2025-05-29": "Kenaikan Isa Almasih", "2025-06-06": "Idul Adha", "2025-06-27": "Tahun Baru Islam",
    "2025-09-05": "Maulid Nabi", "2026-01-16": "Isra Mikraj", "2026-02-17": "Tahun Baru Imlek",
    "2026-03-19": "Nyepi", "2026-03-20": "Idul Fitri", "2026-04-03": "Wafat Isa Almasih",
    "2026-05-14": "Kenaikan Isa Almasih", "2026-05-27": "Idul Adha", "2026-06-16": "Tahun Baru Islam",
    "2026-08-25": "Maulid Nabi",
}
_FIXED_HOLIDAYS = {(1, 1): "Tahun Baru Masehi", (5, 1): "Hari Buruh", (6, 1): "Hari Lahir Pancasila",
                   (8, 17): "Hari Kemerdekaan", (12, 25): "Natal"}


def load_wilayah(rng: random.Random) -> tuple[Kecamatan, list[Kelurahan], ImportReport]:
    """Import Coblong's real kelurahan from the shipped code list, each with 8–13 synthetic RW."""
    rows = [r for r in parse_wilayah(KELURAHAN_CSV.read_bytes(), KELURAHAN_CSV.name)
            if r.kode_kecamatan == DEMO_KECAMATAN_KODE]
    with_rw = [replace(row, rw=f"{n:02d}") for row in rows for n in range(1, rng.randint(*RW_PER_KELURAHAN) + 1)]
    report = import_rows(with_rw)
    kecamatan = db.session.scalar(select(Kecamatan).where(Kecamatan.kode == DEMO_KECAMATAN_KODE))
    if kecamatan.service_population is None:
        kecamatan.service_population = KECAMATAN_SERVICE_POPULATION
    kelurahan = list(kecamatan.kelurahan)
    for kel in kelurahan:
        population = rng.randint(*KELURAHAN_SERVICE_POPULATION)  # drawn every run: the sequence stays fixed
        if kel.service_population is None:
            kel.service_population = population
    report.coordinates_set += place_centroids(kelurahan)
    db.session.flush()
    return kecamatan, kelurahan, report


def place_centroids(kelurahan: list[Kelurahan]) -> int:
    """Give the demo's kelurahan and RW the shipped approximate centroids where they have none yet
    (an operator's own coordinates are kept); return how many places got one."""
    spots = {(r.kode_kelurahan, r.rw): (r.lat, r.lon)
             for r in parse_wilayah(CENTROIDS_CSV.read_bytes(), CENTROIDS_CSV.name) if r.lat is not None}
    placed = 0
    for kel in kelurahan:
        for target, key in ((kel, (kel.kode, None)), *((rw, (kel.kode, rw.nomor)) for rw in kel.rw)):
            if target.lat is None and key in spots:
                target.lat, target.lon = spots[key]
                placed += 1
    return placed


def ensure_users(kecamatan: Kecamatan, kelurahan: list[Kelurahan]) -> tuple[dict[str, User], int]:
    """Create the demo users that are missing; return every demo user by username and how many were new."""
    by_suffix = {kel.kode[-4:]: kel for kel in kelurahan}
    users: dict[str, User] = {}
    created = 0
    for spec in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == spec.username))
        if user is None:
            name = spec.name
            if spec.username.startswith("kiosk-"):
                name = f"Kiosk Kelurahan {by_suffix[spec.scope[0]].nama}"
            # Each user its own salt and hash, even with the one published password: a hash copied from
            # one account says nothing about another, and changing one password changes only that one.
            user = User(username=spec.username, name=name, role=spec.role, kecamatan_id=kecamatan.id,
                        password_hash=hash_password(DEMO_PASSWORD), active=True)
            db.session.add(user)
            db.session.flush()
            db.session.add_all(UserScope(user_id=user.id, kelurahan_id=by_suffix[s].id) for s in spec.scope)
            created += 1
        elif user.kecamatan_id != kecamatan.id or user.role != spec.role:
            raise DemoUserClash(f"User '{spec.username}' already exists as {user.role} elsewhere; the demo needs it "
                                f"as {spec.role} of Kecamatan {kecamatan.nama}. Seed the demo into its own database.")
        users[spec.username] = user
    db.session.flush()
    return users, created


def ensure_targets(kecamatan: Kecamatan, years: tuple[int, ...]) -> int:
    """Targets for these years where neither a deployment-wide nor the kecamatan's own one is set.

    They are stored deployment-wide (kecamatan 0), as `flask set-target` without --kecamatan does,
    so an operator's later `set-target IKU1 2026 80` replaces them.
    """
    have = set(db.session.execute(select(Target.code, Target.year)
                                  .where(Target.kecamatan_id.in_((0, kecamatan.id)))).tuples())
    added = 0
    for year in years:
        for code, value in DEMO_TARGETS.items():
            if (code, year) not in have:
                db.session.add(Target(code=code, year=year, kecamatan_id=0, value=value))
                added += 1
    db.session.flush()
    return added


def demo_holidays(years: tuple[int, ...]) -> dict[dt.date, str]:
    """The demo's holidays in these years."""
    found = {dt.date.fromisoformat(day): name for day, name in _HOLIDAYS.items() if int(day[:4]) in years}
    found.update({dt.date(year, month, day): name for year in years for (month, day), name in _FIXED_HOLIDAYS.items()})
    return found


def ensure_holidays(holidays: dict[dt.date, str]) -> int:
    """Add the holidays that are missing; return how many were added."""
    have = set(db.session.scalars(select(Holiday.date).where(Holiday.date.in_(holidays))))
    db.session.add_all(Holiday(date=day, name=name) for day, name in sorted(holidays.items()) if day not in have)
    db.session.flush()
    return len(holidays) - len(have)

"""`flask --app server seed-demo`: a realistic demo kecamatan with a year of data, idempotently.

Loads Kecamatan Coblong (Kota Bandung) from the shipped code list with synthetic RW, the demo users
(password ``demo123``), targets for this year and last, a few holidays, and a year of submissions
of every form (`server.demo.generate`), with photos, sent through `server.sync.sync_batch` — the
same validation and storage as `POST /api/v1/submissions`.

Idempotent and deterministic: the first run records its seed and the day it ran in the audit log;
later runs with the same seed regenerate exactly the same items (same ids, same content) from that
day, so the sync answers `duplicate` for each and nothing changes — and a run that was cut off half
way is completed. When the last item is already stored, sending is skipped altogether.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from domain import clock
from server.demo.generate import DemoGenerator, DemoWorld, Outgoing, Place
from server import attachment_links
from server.demo.photos import PhotoStore
from server.demo.reference import (
    DEMO_KECAMATAN_KODE, DemoUserClash, demo_holidays, ensure_holidays, ensure_targets, ensure_users, load_wilayah,
)
from server.extensions import db
from server.forms.catalogue import default_service_types, ensure_default_catalogue
from server.models import AuditLog, Submission, User
from server.security import scope_of
from server.settings import settings
from server.sync import sync_batch

AUDIT_ACTION = "seed_demo"
BATCH_SIZE = 250


class DemoSeedError(RuntimeError):
    """The demo cannot be loaded here, or the server refused an item (a bug in the generator)."""


@dataclass
class SeedReport:
    """What one run of seed-demo added."""

    today: dt.date
    wilayah: str = ""
    wilayah_changed: bool = False
    users_created: int = 0
    targets_created: int = 0
    holidays_created: int = 0
    photos_created: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_form: Counter = field(default_factory=Counter)
    skipped_sync: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.wilayah_changed or self.users_created or self.targets_created or self.holidays_created
                    or self.photos_created or self.statuses["created"])

    def lines(self) -> list[str]:
        sync = ("submissions already loaded" if self.skipped_sync else
                ", ".join(f"{n} {status}" for status, n in sorted(self.statuses.items())) or "nothing sent")
        return [
            f"Demo kecamatan {DEMO_KECAMATAN_KODE} (Coblong), data up to {self.today.isoformat()}.",
            f"  wilayah: {self.wilayah}",
            f"  users created: {self.users_created} (password demo123: camat, lurah, petugas, kiosk)",
            f"  targets: {self.targets_created}, holidays: {self.holidays_created}, photos: {self.photos_created}",
            f"  submissions: {sync}",
            *(f"    {form}: {n}" for form, n in sorted(self.by_form.items())),
        ]


def _anchor_day(seed: int, today: dt.date | None) -> tuple[dt.date, bool]:
    """The day the demo year ends: given, else the first run's with this seed, else today (WIB)."""
    if today is not None:
        return today, False
    for detail in db.session.scalars(select(AuditLog.detail).where(AuditLog.action == AUDIT_ACTION)):
        if isinstance(detail, dict) and detail.get("seed") == seed and detail.get("today"):
            return dt.date.fromisoformat(detail["today"]), True
    return clock.today(settings().timezone), False


def _world(kecamatan, kelurahan, users: dict[str, User], holidays: set[dt.date]) -> DemoWorld:
    """Who works where: each kelurahan's officer, reporter and kiosk (see reference.DEMO_USERS)."""
    officer_of = {}
    for name in ("petugas", "petugas2", "petugas3"):
        for kel_id in scope_of(users[name]).kelurahan_ids or ():
            officer_of[kel_id] = name
    lurah_scope = scope_of(users["lurah"]).kelurahan_ids or frozenset()
    places = []
    for kel in kelurahan:
        officer = officer_of.get(kel.id, "camat")
        kiosk = f"kiosk-{kel.kode[-4:]}"
        places.append(Place(kel.id, kel.kode, kel.nama, tuple((rw.id, rw.nomor) for rw in kel.rw), officer,
                            "lurah" if kel.id in lurah_scope else officer, kiosk if kiosk in users else "camat",
                            tuple((rw.id, rw.lat, rw.lon) for rw in kel.rw if rw.lat is not None)))
    service_types = {st["code"]: st for st in default_service_types()}
    return DemoWorld(kecamatan.id, kecamatan.nama, "camat", "kiosk", places, service_types, holidays)


def _queues(outgoing: list[Outgoing]) -> dict[str, list[dict]]:
    """The items of each sender in sending order: the `early` ones first, then the rest in order."""
    queues: dict[str, list[dict]] = defaultdict(list)
    for o in sorted(outgoing, key=lambda o: not o.early):  # stable: keeps the order within each group
        queues[o.sender].append(o.item)
    return dict(queues)


def _send(queues: dict[str, list[dict]], users: dict[str, User], report: SeedReport) -> None:
    """Sync each sender's items in batches, as that user; any refusal is a generator bug."""
    for sender, items in queues.items():
        scope = scope_of(users[sender])
        for start in range(0, len(items), BATCH_SIZE):
            batch = items[start:start + BATCH_SIZE]
            results = sync_batch(batch, scope, None)
            for item, result in zip(batch, results):
                if result["status"] not in ("created", "duplicate"):
                    raise DemoSeedError(f"{sender}: {item['form']} {item['id']} {result}")
                report.statuses[result["status"]] += 1
                report.by_form[item["form"]] += 1


def seed_demo(seed: int = 20260101, today: dt.date | None = None) -> SeedReport:
    """Load (or complete) the demo; a second run with the same seed changes nothing.

    :param seed: the random seed; the same seed always gives the same demo.
    :param today: the day after the demo year ends (default: the first run's day, else today in WIB).
    """
    ensure_default_catalogue()
    day, recorded = _anchor_day(seed, today)
    report = SeedReport(today=day)
    rng = random.Random(f"{seed}:wilayah")  # nosec B311 - demo data must be reproducible, not secret
    kecamatan, kelurahan, imported = load_wilayah(rng)
    report.wilayah, report.wilayah_changed = imported.summary(), imported.changed
    years = (day.year - 1, day.year)
    holidays = demo_holidays(years)
    report.holidays_created = ensure_holidays(holidays)
    try:
        users, report.users_created = ensure_users(kecamatan, kelurahan)
    except DemoUserClash as clash:
        db.session.rollback()
        raise DemoSeedError(str(clash)) from None
    report.targets_created = ensure_targets(kecamatan, years)
    if not recorded and today is None:
        db.session.add(AuditLog(action=AUDIT_ACTION, target=DEMO_KECAMATAN_KODE,
                                detail={"seed": seed, "today": day.isoformat()}))
    db.session.commit()

    photos = PhotoStore(random.Random(f"{seed}:photos"))  # nosec B311 - reproducible demo photos
    generator = DemoGenerator(_world(kecamatan, kelurahan, users, set(holidays)), seed, day, photos.take)
    queues = _queues(generator.all())
    report.photos_created = photos.save(users["petugas"].id)
    db.session.commit()
    last_sent = list(queues.values())[-1][-1] if queues else None
    if last_sent is not None and db.session.get(Submission, uuid.UUID(last_sent["id"])) is not None:
        report.skipped_sync = True  # a complete earlier run: nothing to send
    else:
        _send(queues, users, report)
    # The operator stored the photos on the senders' behalf: each sender holds the photos they named.
    attachment_links.vouch_senders(photos.hashes())
    db.session.commit()
    return report

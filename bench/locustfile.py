"""Locust scenario of a city's morning (driven by bench/load.py, which sets everything up).

* 300 field officers, each syncing 20 inspections with one photo: 4 syncs of 5, each sync uploads
  its 5 photos (PUT by SHA-256) then posts the batch, spread at random over the run.
* 20 admins browsing: the indicators API (year, criteria, RW statuses, drill-down records) and the
  admin dashboard page, a few seconds apart.

Configuration comes from the JSON file named by ``SIKK_LOAD_CONFIG`` (tokens, RW ids, admin logins,
run length) written by bench/load.py. Every unexpected status is a locust failure.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import threading
import time
import uuid

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

CONFIG = json.loads(open(os.environ["SIKK_LOAD_CONFIG"], encoding="utf-8").read())
SYNCS_PER_OFFICER = CONFIG["syncs_per_officer"]
ITEMS_PER_SYNC = CONFIG["items_per_sync"]
_officer_tokens = list(CONFIG["officer_tokens"])
_admin_logins = list(CONFIG["admin_logins"])
_lock = threading.Lock()
_counter = 0
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _base_jpeg(size_bytes: int) -> bytes:
    """A real JPEG of roughly `size_bytes` (noise compresses badly, like a photo)."""
    from PIL import Image

    side = 64
    while True:
        image = Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        if out.tell() >= size_bytes or side > 2048:
            return out.getvalue()
        side = int(side * 1.4)


BASE_PHOTO = _base_jpeg(CONFIG["photo_bytes"])


def unique_photo() -> bytes:
    """The base photo with unique bytes after its end marker: a distinct, still valid JPEG."""
    global _counter
    with _lock:
        _counter += 1
        n = _counter
    return BASE_PHOTO + f"sikk-load-{n}-{uuid.uuid4()}".encode()


def _observed() -> str:
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    return (now - dt.timedelta(minutes=random.randint(5, 600))).replace(microsecond=0).isoformat()


class Officer(HttpUser):
    """A field officer: 4 syncs of 5 inspections with a photo each, at random moments of the run."""

    fixed_count = CONFIG["officers"]
    wait_time = between(0, 0)

    def on_start(self) -> None:
        with _lock:
            self.token = _officer_tokens.pop()
        self.headers = {"Authorization": f"Bearer {self.token}"}
        boot = self.client.get("/api/v1/bootstrap", headers=self.headers, name="GET /api/v1/bootstrap")
        self.rw_ids = [rw["id"] for kel in boot.json()["kelurahan"] for rw in kel["rw"]]
        span = CONFIG["run_seconds"] * 0.85  # users arrive over the first tenth of the run
        self.started = time.time()
        left = max(CONFIG["run_seconds"] * 0.95 - (self.started - CONFIG.get("t0", self.started)), 10)
        self.moments = sorted(random.uniform(0, min(span, left)) for _ in range(SYNCS_PER_OFFICER))
        self.done = 0

    @task
    def sync(self) -> None:
        if self.done >= SYNCS_PER_OFFICER:
            gevent.sleep(3600)
            return
        wait = self.moments[self.done] - (time.time() - self.started)
        if wait > 0:
            gevent.sleep(wait)
        items = []
        for _ in range(ITEMS_PER_SYNC):
            photo = unique_photo()
            sha = hashlib.sha256(photo).hexdigest()
            with self.client.put(f"/api/v1/attachments/{sha}", data=photo, name="PUT /api/v1/attachments/{sha256}",
                                 headers={**self.headers, "Content-Type": "image/jpeg"}, catch_response=True) as resp:
                if resp.status_code not in (200, 201):
                    resp.failure(f"photo {resp.status_code}: {resp.text[:200]}")
            items.append({
                "id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1,
                "subject": {"rw_id": random.choice(self.rw_ids)}, "observed_at": _observed(),
                "data": {"kebun_toga": random.random() < 0.6, "pengelolaan_sampah": random.choice(["baik", "cukup", "buruk"]),
                         "status_kumuh": random.choice(["kumuh", "tidak_kumuh", "tidak_kumuh"]),
                         "lembaga_aktif": random.random() < 0.8, "kejadian_kriminal": random.randint(0, 3),
                         "konflik_sosial": random.randint(0, 1), "foto": [sha],
                         "lokasi": {"lat": -6.89 + random.random() / 100, "lon": 107.61 + random.random() / 100}},
            })
        with self.client.post("/api/v1/submissions", json={"submissions": items}, headers=self.headers,
                              name="POST /api/v1/submissions", catch_response=True) as resp:
            statuses = {r["status"] for r in resp.json()["results"]} if resp.status_code == 200 else set()
            if statuses != {"created"}:
                resp.failure(f"sync {resp.status_code}: {resp.text[:300]}")
        self.done += 1


class Admin(HttpUser):
    """An admin at the office: dashboards and indicators every few seconds."""

    fixed_count = CONFIG["admins"]
    wait_time = between(2, 6)

    def on_start(self) -> None:
        with _lock:
            login = _admin_logins.pop()
        self.headers = {"Authorization": f"Bearer {login['token']}"}
        self.kelurahan_ids = login["kelurahan_ids"]
        page = self.client.get("/admin/login", name="GET /admin/login")
        token = CSRF_RE.search(page.text)
        resp = self.client.post("/admin/login", data={"username": login["username"], "password": login["password"],
                                                       "csrf_token": token.group(1) if token else ""},
                                name="POST /admin/login", allow_redirects=False)
        if resp.status_code != 302:
            raise StopUser()

    def _get(self, url: str, name: str, **kw) -> None:
        with self.client.get(url, name=name, catch_response=True, **kw) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")

    @task(3)
    def indicators(self) -> None:
        self._get("/api/v1/indicators?period=2026", "GET /api/v1/indicators", headers=self.headers)

    @task(1)
    def indicators_kelurahan(self) -> None:
        kel = random.choice(self.kelurahan_ids)
        self._get(f"/api/v1/indicators?period=2026-Q{random.randint(1, 4)}&kelurahan_id={kel}",
                  "GET /api/v1/indicators?kelurahan_id", headers=self.headers)

    @task(1)
    def criteria(self) -> None:
        self._get("/api/v1/indicators/criteria?period=2026", "GET /api/v1/indicators/criteria", headers=self.headers)

    @task(1)
    def rw_statuses(self) -> None:
        self._get("/api/v1/indicators/rw?period=2026", "GET /api/v1/indicators/rw", headers=self.headers)

    @task(1)
    def records(self) -> None:
        code = random.choice(["IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"])
        self._get(f"/api/v1/indicators/{code}/records?period=2026", "GET /api/v1/indicators/{code}/records",
                  headers=self.headers)

    @task(2)
    def dashboard(self) -> None:
        self._get("/admin/?period=2026", "GET /admin/ (dashboard)")


@events.quitting.add_listener
def _exit_code(environment, **_kw) -> None:
    """Non-zero exit when anything failed (load.py also checks the budget)."""
    if environment.stats.total.num_failures:
        environment.process_exit_code = 1

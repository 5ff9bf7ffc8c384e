"""Small builders shared by the hardening tests: valid submissions and real image bytes."""
from __future__ import annotations

import datetime as dt
import io
import uuid

from PIL import Image

JAKARTA = dt.timezone(dt.timedelta(hours=7))


def observed_yesterday() -> str:
    """An `observed_at` one day ago, Jakarta time, ISO 8601 with offset."""
    return (dt.datetime.now(JAKARTA) - dt.timedelta(days=1)).replace(microsecond=0).isoformat()


def inspeksi_item(rw_id: int, **data) -> dict:
    """A valid `inspeksi-rw` item for the RW (fields overridable)."""
    body = {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh",
            "lembaga_aktif": True, "kejadian_kriminal": 0, "konflik_sosial": 0}
    body.update(data)
    return {"id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw_id},
            "observed_at": observed_yesterday(), "data": body}


def png_bytes(seed: int = 0, size: int = 8) -> bytes:
    """A real, tiny PNG whose bytes differ per seed (so each has its own SHA-256)."""
    image = Image.new("RGB", (size, size), ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(seed: int = 0, size: int = 64) -> bytes:
    """A real JPEG (a phone photo's format), different per seed."""
    image = Image.new("RGB", (size, size), ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()

"""Small, deterministic JPEG "field photos" for the demo, stored as Attachments by SHA-256.

Each photo is a 240×180 picture (sky, ground, a few houses, a caption) drawn from the seeded
random generator, so the same seed gives the same bytes and the same hashes.
"""
from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw
from sqlalchemy import select

from server.extensions import db
from server.models import Attachment

SIZE = (240, 180)
QUALITY = 70


def draw_photo(rng: random.Random, caption: str) -> bytes:
    """A JPEG of an imaginary RW scene with the caption written on it."""
    width, height = SIZE
    image = Image.new("RGB", SIZE, (rng.randint(120, 190), rng.randint(170, 220), rng.randint(210, 250)))
    draw = ImageDraw.Draw(image)
    horizon = rng.randint(80, 120)
    draw.rectangle((0, horizon, width, height), fill=(rng.randint(60, 110), rng.randint(110, 160), rng.randint(50, 90)))
    for _ in range(rng.randint(2, 5)):
        left = rng.randint(0, width - 50)
        top = horizon - rng.randint(20, 60)
        wall = (rng.randint(150, 240), rng.randint(120, 220), rng.randint(90, 200))
        draw.rectangle((left, top, left + rng.randint(30, 50), horizon + 10), fill=wall, outline=(60, 50, 40))
        draw.polygon([(left - 4, top), (left + 27, top - 18), (left + 58, top)], fill=(150, 60, 40))
    draw.rectangle((0, height - 18, width, height), fill=(0, 0, 0))
    draw.text((4, height - 15), caption[:38], fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY)
    return out.getvalue()


class PhotoStore:
    """Collects the demo's photos and stores the missing ones (by hash) in one go."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._photos: dict[str, bytes] = {}

    def take(self, caption: str) -> str:
        """Draw a photo and return its SHA-256 (what a submission names)."""
        content = draw_photo(self._rng, caption)
        digest = hashlib.sha256(content).hexdigest()
        self._photos[digest] = content
        return digest

    def hashes(self) -> list[str]:
        """The SHA-256 of every photo drawn so far."""
        return list(self._photos)

    def save(self, uploaded_by: int | None) -> int:
        """Add the photos not stored yet to the session; return how many were added."""
        have = set(db.session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(self._photos))))
        new = [(h, c) for h, c in self._photos.items() if h not in have]
        db.session.add_all(Attachment(sha256=h, content_type="image/jpeg", size=len(c), content=c,
                                      uploaded_by=uploaded_by) for h, c in new)
        db.session.flush()
        return len(new)

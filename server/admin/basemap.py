"""The map's offline base layer: a labelled centroid for every kelurahan and RW in view.

Stored coordinates come first (``kelurahan.lat/lon`` and ``rw.lat/lon``, from the wilayah import or
Kelola → Wilayah; the demo ships approximate ones for Coblong), so a kecamatan whose inspections
carry no location still gets a map. Where none is stored, an RW's centroid is the mean location of
all its inspections on the server (any period) and a kelurahan's the mean of its RW centroids; a
place with neither is left off.
"""
from __future__ import annotations

from sqlalchemy import select

from server.admin.access import scope_submissions
from server.admin.charts import Place
from server.extensions import db
from server.models import RW, Submission

MAX_LOCATIONS_READ = 10_000  # inspections read to derive the centroids of RW without stored ones


def located(lokasi) -> bool:
    """Whether a record's ``lokasi`` answer is a usable point (a dict with numeric lat/lon on Earth)."""
    if not isinstance(lokasi, dict):
        return False
    try:
        lat, lon = float(lokasi["lat"]), float(lokasi["lon"])
    except (KeyError, TypeError, ValueError):
        return False
    return -90 <= lat <= 90 and -180 <= lon <= 180


def _derived_rw_centroids(kecamatan_id: int, kelurahan_ids: set[int],
                          skip: set[int]) -> dict[int, tuple[float, float]]:
    """The mean inspection location of each RW in the kelurahan given, except the RW in ``skip``."""
    stmt = scope_submissions(select(Submission.rw_id, Submission.data["lokasi"])
                             .where(Submission.form_code == "inspeksi-rw", Submission.rw_id.is_not(None),
                                    Submission.kelurahan_id.in_(kelurahan_ids or {-1})),
                             kecamatan_id)
    sums: dict[int, list[float]] = {}
    for rw_id, lokasi in db.session.execute(stmt.limit(MAX_LOCATIONS_READ)):
        if rw_id in skip or not located(lokasi):
            continue
        acc = sums.setdefault(rw_id, [0.0, 0.0, 0])
        acc[0] += float(lokasi["lat"])
        acc[1] += float(lokasi["lon"])
        acc[2] += 1
    return {rw: (lat / n, lon / n) for rw, (lat, lon, n) in sums.items()}


def base_layer(ctx) -> list[Place]:
    """Kelurahan (first, drawn underneath) and RW centroids of the page's scope, stored before derived."""
    kelurahan = [k for k in ctx.kelurahan if not ctx.kelurahan_id or k.id == ctx.kelurahan_id]
    kel_ids = {k.id for k in kelurahan}
    rws = list(db.session.scalars(select(RW).where(RW.kelurahan_id.in_(kel_ids or {-1})).order_by(RW.nomor)))
    stored = {rw.id for rw in rws if rw.lat is not None and rw.lon is not None}
    derived = _derived_rw_centroids(ctx.kecamatan.id, kel_ids, stored)
    rw_places: list[Place] = []
    spots: dict[int, list[tuple[float, float]]] = {}
    for rw in rws:
        spot = (rw.lat, rw.lon) if rw.id in stored else derived.get(rw.id)
        if spot is None:
            continue
        spots.setdefault(rw.kelurahan_id, []).append(spot)
        rw_places.append(Place(spot[0], spot[1], f"RW {rw.nomor}", "rw"))
    kel_places = []
    for kel in kelurahan:
        if kel.lat is not None and kel.lon is not None:
            kel_places.append(Place(kel.lat, kel.lon, kel.nama, "kelurahan"))
        elif spots.get(kel.id):
            own = spots[kel.id]
            kel_places.append(Place(sum(p[0] for p in own) / len(own), sum(p[1] for p in own) / len(own),
                                    kel.nama, "kelurahan"))
    return kel_places + rw_places

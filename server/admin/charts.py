"""Server-made SVG: the quarterly trend of an indicator and a plot of inspection locations.

No chart library and no script: the SVG is markup in the page (presentation attributes only, so
the strict CSP holds), readable without JavaScript and printable. Every text is escaped.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

from server.admin.formatting import number


def trend_svg(points: list[tuple[str, float | None]], target: float | None = None,
              width: int = 184, height: int = 48, title: str = "") -> Markup:
    """A small line chart of quarterly values (gaps where a quarter has none), with the target line.

    The value axis is labelled at its top and bottom (Indonesian numbers), the quarters below.
    """
    values = [v for _, v in points if v is not None]
    if target is not None:
        values.append(target)
    pad_left, pad_x, pad_top, pad_bottom = 32, 8, 6, 14
    plot_h = height - pad_top - pad_bottom
    low, high = (min(values), max(values)) if values else (0.0, 100.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = (width - pad_left - pad_x) / max(1, len(points) - 1)

    def y_of(value: float) -> float:
        return pad_top + plot_h - (value - low) / (high - low) * plot_h

    parts = [f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    decimals = 0 if high - low >= 10 else 1
    for value in (high, low):
        parts.append(f'<text class="axis" x="{pad_left - 4}" y="{y_of(value) + 3:.1f}" font-size="9" '
                     f'text-anchor="end" fill="#374151">{escape(number(value, decimals))}</text>')
    parts.append(f'<line x1="{pad_left}" x2="{pad_left}" y1="{pad_top}" y2="{pad_top + plot_h}" stroke="#9ca3af" '
                 'stroke-width="1"/>')
    if target is not None:
        ty = y_of(target)
        parts.append(f'<line x1="{pad_left}" x2="{width - pad_x}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#b45309" '
                     'stroke-dasharray="3 3" stroke-width="1"/>')
    segment: list[str] = []
    for index, (label, value) in enumerate(points):
        x = pad_left + index * step
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" font-size="9" text-anchor="middle" '
                     f'fill="#555">{escape(label)}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        y = y_of(value)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1d4ed8">'
                     f'<title>{escape(label)}: {number(value)}</title></circle>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="{" ".join(segment)}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 - every text is escape()d; the rest are our numbers


@dataclass(frozen=True)
class MapPoint:
    """One inspection location to plot."""

    lat: float
    lon: float
    label: str
    baik: bool | None = None
    href: str | None = None  # the record's page: the point is a link


@dataclass(frozen=True)
class Place:
    """A labelled centroid of the offline base layer (a kelurahan or an RW)."""

    lat: float
    lon: float
    label: str
    kind: str  # "kelurahan" | "rw"


def _mercator(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at a zoom level (256-px tiles), as tile servers use."""
    size = 256 * 2 ** zoom
    lat = max(min(lat, 85.0511), -85.0511)
    x = (lon + 180.0) / 360.0 * size
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * size
    return x, y


def _fit(located: list[tuple[float, float]], width: int, height: int,
         whole_zoom: bool) -> tuple[int, tuple[float, ...], tuple[float, ...]]:
    """The zoom level and pixel coordinates that fit every location in the frame (28 px margin).

    Tiles only exist at whole zoom levels; without tiles the picture is scaled up further (less than
    the next level's 2×) so the kecamatan fills the frame and its RW labels have room.
    """
    pad = 28
    zoom = 18
    while zoom > 1:
        xs, ys = zip(*(_mercator(lat, lon, zoom) for lat, lon in located))
        if max(xs) - min(xs) <= width - 2 * pad and max(ys) - min(ys) <= height - 2 * pad:
            break
        zoom -= 1
    xs, ys = zip(*(_mercator(lat, lon, zoom) for lat, lon in located))
    if whole_zoom:
        return zoom, xs, ys
    spans = (max(xs) - min(xs), max(ys) - min(ys))
    scale = min([2.0] + [(room - 2 * pad) / span for room, span in zip((width, height), spans) if span > 0])
    scale = max(1.0, scale)
    return zoom, tuple(x * scale for x in xs), tuple(y * scale for y in ys)


_HALO = 'stroke="#fff" stroke-width="3" paint-order="stroke" pointer-events="none"'


def _place_marks(places: list[Place], spots: list[tuple[float, float]]) -> tuple[list[str], list[str]]:
    """The base layer's marks (a pale disc per kelurahan, a small grey square per RW) and their labels."""
    marks, labels = [], []
    for place, (px, py) in zip(places, spots):
        if place.kind == "kelurahan":
            marks.append(f'<ellipse cx="{px:.1f}" cy="{py:.1f}" rx="44" ry="44" fill="#dbeafe" fill-opacity=".55" '
                         'stroke="#93c5fd"/>')
            labels.append(f'<text x="{px:.1f}" y="{py - 48:.1f}" font-size="12" font-weight="700" text-anchor="middle" '
                          f'fill="#1e3a8a" {_HALO}>{escape(place.label)}</text>')
        else:
            marks.append(f'<rect x="{px - 2.5:.1f}" y="{py - 2.5:.1f}" width="5" height="5" fill="#6b7280"/>')
            labels.append(f'<text x="{px + 6:.1f}" y="{py + 4:.1f}" font-size="10" fill="#374151" {_HALO}>'
                          f'{escape(place.label)}</text>')
    return marks, labels


def points_svg(points: list[MapPoint], width: int = 640, height: int = 400, tile_url: str | None = None,
               places: list[Place] | None = None) -> Markup:
    """Plot points in Web Mercator, zoomed to fit.

    Underneath, the built-in base layer works offline: ``places`` (kelurahan and RW centroids) drawn
    as labelled marks (a kelurahan as a pale disc, an RW as a small grey square; points are circles). With ``tile_url`` (``…/{z}/{x}/{y}.png``) map tiles are drawn under that.
    A point with ``href`` is a link to its record (keyboard-focusable, named by its label).
    """
    places = places or []
    if not points and not places:
        return Markup("")
    located = [(p.lat, p.lon) for p in points] + [(p.lat, p.lon) for p in places]
    zoom, xs, ys = _fit(located, width, height, whole_zoom=bool(tile_url))
    left = (max(xs) + min(xs)) / 2 - width / 2
    top = (max(ys) + min(ys)) / 2 - height / 2
    parts = [f'<svg class="map" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" '
             f'aria-labelledby="map-title"><title id="map-title">Peta lokasi inspeksi</title>'
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f3f4f6" stroke="#9ca3af"/>']
    if tile_url:
        last = 2 ** zoom - 1
        for tx in range(int(left // 256), int((left + width) // 256) + 1):
            for ty in range(max(0, int(top // 256)), min(last, int((top + height) // 256)) + 1):
                href = tile_url.replace("{z}", str(zoom)).replace("{x}", str(tx % (last + 1))).replace("{y}", str(ty))
                parts.append(f'<image href="{escape(href)}" x="{tx * 256 - left:.1f}" y="{ty * 256 - top:.1f}" '
                             'width="256" height="256"/>')
    n = len(points)
    marks, labels = _place_marks(places, [(x - left, y - top) for x, y in zip(xs[n:], ys[n:])])
    parts.extend(marks)
    for point, x, y in zip(points, xs[:n], ys[:n]):
        colour = "#15803d" if point.baik else ("#b91c1c" if point.baik is False else "#1d4ed8")
        circle = (f'<circle cx="{x - left:.1f}" cy="{y - top:.1f}" r="7" fill="{colour}" stroke="#fff" '
                  f'stroke-width="1.5"><title>{escape(point.label)}</title></circle>')
        if point.href:
            circle = f'<a href="{escape(point.href)}" aria-label="{escape(point.label)}">{circle}</a>'
        parts.append(circle)
    parts.extend(labels)  # names on top of the points, with a white halo; clicks go through to the points
    parts.append("</svg>")
    return Markup("".join(parts))  # nosec B704 - labels, links and tile URLs are escape()d; the rest are our numbers

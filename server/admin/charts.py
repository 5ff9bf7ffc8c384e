"""Server-made SVG: the quarterly trend of an indicator and a plot of inspection locations.

No chart library and no script: the SVG is markup in the page (presentation attributes only, so
the strict CSP holds), readable without JavaScript and printable. Every text is escaped.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from server.admin.formatting import number


def trend_svg(points: list[tuple[str, float | None]], target: float | None = None,
              width: int = 160, height: int = 48, title: str = "") -> Markup:
    """A small line chart of quarterly values (gaps where a quarter has none), with the target line."""
    values = [v for _, v in points if v is not None]
    if target is not None:
        values.append(target)
    pad_x, pad_top, pad_bottom = 8, 6, 14
    plot_h = height - pad_top - pad_bottom
    low, high = (min(values), max(values)) if values else (0.0, 100.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = (width - 2 * pad_x) / max(1, len(points) - 1)

    def y_of(value: float) -> float:
        return pad_top + plot_h - (value - low) / (high - low) * plot_h

    parts = [f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    if target is not None:
        ty = y_of(target)
        parts.append(f'<line x1="{pad_x}" x2="{width - pad_x}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#b45309" '
                     'stroke-dasharray="3 3" stroke-width="1"/>')
    segment: list[str] = []
    for index, (label, value) in enumerate(points):
        x = pad_x + index * step
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
    return Markup("".join(parts))


@dataclass(frozen=True)
class MapPoint:
    """One inspection location to plot."""

    lat: float
    lon: float
    label: str
    baik: bool | None = None


def points_svg(points: list[MapPoint], width: int = 320, height: int = 240) -> Markup:
    """Plot points by longitude/latitude in their bounding box (equirectangular; fine at city scale)."""
    if not points:
        return Markup("")
    lats = [p.lat for p in points]
    lons = [p.lon for p in points]
    min_lat, max_lat, min_lon, max_lon = min(lats), max(lats), min(lons), max(lons)
    span_lat = max(max_lat - min_lat, 1e-4)
    span_lon = max(max_lon - min_lon, 1e-4)
    pad = 12
    parts = [f'<svg class="map" role="img" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
             f'<title>Lokasi inspeksi</title>'
             f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f3f4f6" stroke="#9ca3af"/>']
    for point in points:
        x = pad + (point.lon - min_lon) / span_lon * (width - 2 * pad)
        y = pad + (max_lat - point.lat) / span_lat * (height - 2 * pad)
        colour = "#15803d" if point.baik else ("#b91c1c" if point.baik is False else "#1d4ed8")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" stroke="#fff" stroke-width="1">'
                     f'<title>{escape(point.label)}</title></circle>')
    parts.append("</svg>")
    return Markup("".join(parts))

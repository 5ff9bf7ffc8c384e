"""Per-form summaries and exports (issue #13), for every form, built-in or imported.

Per question: counts for choices (and booleans, likert), a histogram for numbers, the points of a
geopoint, how many answered for the rest. Exports: XLSX with the questions' labels as headers,
CSV, and GeoJSON for forms with a location. Records counted: the current version of each chain
(not superseded) that is not rejected, within the admin's scope, period and kelurahan.
"""
from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CHOICE_TYPES = {"select_one", "select_multiple", "boolean", "likert"}
NUMBER_TYPES = {"integer", "decimal"}
SKIPPED = {"note", "photo"}


@dataclass
class Row:
    """One record as the summaries read it."""

    id: str
    observed_at: str
    kelurahan: str
    rw: str
    data: dict


@dataclass
class QuestionSummary:
    key: str
    label: str
    type: str
    answered: int
    counts: list[tuple[str, int]] = field(default_factory=list)  # choice label → count
    bins: list[tuple[str, int]] = field(default_factory=list)  # "10–20" → count
    points: list[tuple[float, float]] = field(default_factory=list)
    mean: float | None = None

    @property
    def peak(self) -> int:
        values = [c for _, c in self.counts or self.bins]
        return max(values) if values else 0


def _choice_label(f: dict, value: Any) -> str:
    if f["type"] == "boolean":
        return "Ya" if value is True else "Tidak" if value is False else str(value)
    for c in f.get("choices") or ():
        if str(c["value"]) == str(value):
            return c.get("label") or str(value)
    return str(value)


def _histogram(values: list[float], bins: int = 6) -> list[tuple[str, int]]:
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return [(_fmt(low), len(values))]
    width = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / width))] += 1
    return [(f"{_fmt(low + i * width)}–{_fmt(low + (i + 1) * width)}", counts[i]) for i in range(bins)]


def _fmt(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".") if not float(x).is_integer() else str(int(x))
    return text.replace(".", ",")


def summarize(definition: dict, rows: list[Row]) -> list[QuestionSummary]:
    """One summary per question of the definition."""
    out = []
    for f in definition["fields"]:
        kind = f["type"]
        if kind in SKIPPED or f.get("subject_field"):
            continue
        values = [r.data.get(f["key"]) for r in rows]
        present = [v for v in values if v not in (None, "", [])]
        s = QuestionSummary(f["key"], f.get("label") or f["key"], kind, len(present))
        if kind in CHOICE_TYPES:
            counter: Counter = Counter()
            for v in present:
                for item in (v if isinstance(v, list) else [v]):
                    counter[_choice_label(f, item)] += 1
            order = [_choice_label(f, c["value"]) for c in f.get("choices") or ()]
            if kind == "boolean":
                order = ["Ya", "Tidak"]
            s.counts = [(label, counter.pop(label, 0)) for label in order] + sorted(counter.items())
        elif kind in NUMBER_TYPES or (kind == "calculate" and present and all(isinstance(v, (int, float)) for v in present)):
            numbers = [float(v) for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)
                       and math.isfinite(v)]
            s.bins = _histogram(numbers)
            s.mean = sum(numbers) / len(numbers) if numbers else None
        elif kind == "geopoint":
            s.points = [(v["lat"], v["lon"]) for v in present if isinstance(v, dict) and "lat" in v and "lon" in v]
        out.append(s)
    return out


def _cell(f: dict | None, value: Any) -> Any:
    if value is None:
        return None
    if f is None:
        return value if isinstance(value, (str, int, float)) else json.dumps(value, ensure_ascii=False)
    kind = f["type"]
    if kind in ("select_one", "likert", "boolean"):
        return _choice_label(f, value) if kind != "likert" else value
    if kind == "select_multiple" and isinstance(value, list):
        return ", ".join(_choice_label(f, v) for v in value)
    if kind == "geopoint" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lon')}"
    if kind == "photo" and isinstance(value, list):
        return " ".join(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def table(definition: dict, rows: list[Row]) -> tuple[list[str], list[list[Any]]]:
    """Headers (the questions' labels) and one row per record."""
    fields = [f for f in definition["fields"] if f["type"] != "note" and not f.get("subject_field")]
    headers = ["ID", "Waktu pengamatan", "Kelurahan", "RW"] + [f.get("label") or f["key"] for f in fields]
    body = [[r.id, r.observed_at, r.kelurahan, r.rw] + [_cell(f, r.data.get(f["key"])) for f in fields] for r in rows]
    return headers, body


def to_xlsx(definition: dict, rows: list[Row]) -> bytes:
    """The records as an XLSX sheet with the labels as headers (numbers stay numbers)."""
    from openpyxl import Workbook

    headers, body = table(definition, rows)
    wb = Workbook()
    ws = wb.active
    ws.title = definition["code"][:31]
    ws.append(headers)
    for line in body:
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(definition: dict, rows: list[Row]) -> str:
    """The records as CSV (UTF-8, comma separated, labels as headers)."""
    headers, body = table(definition, rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for line in body:
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue()


def location_key(definition: dict) -> str | None:
    """The first geopoint question of a form, or None."""
    return next((f["key"] for f in definition["fields"] if f["type"] == "geopoint"), None)


def to_geojson(definition: dict, rows: list[Row]) -> dict:
    """A FeatureCollection: one Point per record with a location, its answers as properties."""
    key = location_key(definition)
    headers, body = table(definition, rows)
    features = []
    for r, line in zip(rows, body):
        point = r.data.get(key) if key else None
        if not isinstance(point, dict) or "lat" not in point or "lon" not in point:
            continue
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [point["lon"], point["lat"]]},
                         "properties": dict(zip(headers, line))})
    return {"type": "FeatureCollection", "features": features}

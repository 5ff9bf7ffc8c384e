"""Management, part 3 (kecamatan admins only): the kelurahan and RW of the kecamatan with their
centroids (lat/lon), which the map draws as its offline base layer.

One page lists the kelurahan with how many of their RW are placed; each kelurahan has a page that
edits its own centroid and those of its RW in one form. The coordinates are checked exactly as the
wilayah import checks them (server/wilayah_import.py: decimal degrees inside Indonesia, both or
neither); a bad value is a 422 naming the place, and nothing is saved until every value is good.
Changes are audited.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from server.admin import audit_trail
from server.admin.access import active_kecamatan, manager_required
from server.admin.blueprint import bp
from server.admin.i18n import translate
from server.extensions import db
from server.models import RW, Kelurahan
from server.wilayah_import import CoordinateError, parse_coordinates


def _shown(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


@bp.get("/kelola/wilayah")
@manager_required
def wilayah():
    """The kecamatan's kelurahan, each with its centroid and how many of its RW have one."""
    kecamatan = active_kecamatan()
    rows = []
    for kel in kecamatan.kelurahan:
        placed = sum(1 for rw in kel.rw if rw.lat is not None)
        rows.append({"kel": kel, "lat": _shown(kel.lat), "lon": _shown(kel.lon), "rw": len(kel.rw), "placed": placed})
    return render_template("admin/wilayah.html", kecamatan=kecamatan, rows=rows)


def _read_form(kel: Kelurahan) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[float | None, float | None]],
                                        list[str]]:
    """The submitted texts by field prefix (``kel``, ``rw-<id>``), the parsed pairs, and the errors."""
    texts, pairs, errors = {}, {}, []
    places = [("kel", f"Kelurahan {kel.nama}")] + [(f"rw-{rw.id}", f"RW {rw.nomor}") for rw in kel.rw]
    for prefix, name in places:
        texts[prefix] = (request.form.get(f"{prefix}-lat", "")[:40], request.form.get(f"{prefix}-lon", "")[:40])
        try:
            pairs[prefix] = parse_coordinates(*texts[prefix])
        except CoordinateError as err:
            errors.append(f"{name}: {err}")
    return texts, pairs, errors


@bp.route("/kelola/wilayah/<int:kelurahan_id>", methods=["GET", "POST"])
@manager_required
def wilayah_kelurahan(kelurahan_id: int):
    """Edit the centroid of one kelurahan and of its RW (empty fields: no stored centroid)."""
    kel = db.session.get(Kelurahan, kelurahan_id)
    if kel is None or kel.kecamatan_id != active_kecamatan().id:
        abort(404)
    texts = {"kel": (_shown(kel.lat), _shown(kel.lon))}
    texts.update({f"rw-{rw.id}": (_shown(rw.lat), _shown(rw.lon)) for rw in kel.rw})
    errors: list[str] = []
    if request.method == "POST":
        texts, pairs, errors = _read_form(kel)
        if not errors:
            changed = _store(kel, pairs)
            audit_trail.record("wilayah.coordinates", f"kelurahan:{kel.id}", changed=changed)
            db.session.commit()
            flash(translate("Tersimpan.") + f" {changed} " + translate("titik diubah."), "ok")
            return redirect(url_for("admin.wilayah_kelurahan", kelurahan_id=kel.id), 303)
    return render_template("admin/wilayah_kelurahan.html", kel=kel, texts=texts, errors=errors), (
        422 if errors else 200)


def _store(kel: Kelurahan, pairs: dict[str, tuple[float | None, float | None]]) -> int:
    """Write the parsed centroids; return how many places changed."""
    targets: list[tuple[Kelurahan | RW, str]] = [(kel, "kel")] + [(rw, f"rw-{rw.id}") for rw in kel.rw]
    changed = 0
    for target, prefix in targets:
        pair = pairs.get(prefix, (None, None))
        if (target.lat, target.lon) != pair:
            target.lat, target.lon = pair
            changed += 1
    return changed


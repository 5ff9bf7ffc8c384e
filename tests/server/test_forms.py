"""The default catalogue: form codes, keys, choices; loading it is idempotent and never edits."""
from __future__ import annotations

from sqlalchemy import func, select

from server.extensions import db
from server.forms.catalogue import default_forms, ensure_default_catalogue, registry
from server.models import FormDefinition, ServiceType

TITLES = {
    "inspeksi-rw": "Inspeksi RW", "laporan-kelurahan": "Laporan Kelurahan", "skm": "Survei Kepuasan Masyarakat",
    "pengaduan": "Pengaduan", "tindak-lanjut": "Tindak Lanjut Pengaduan", "layanan": "Register Layanan",
    "layanan-selesai": "Layanan Selesai",
}


def test_catalogue_shape():
    forms = {f["code"]: f for f in default_forms()}
    assert {c: f["title"] for c, f in forms.items()} == TITLES
    for form in forms.values():
        assert form["subject"] in {"rw", "kelurahan", "unit", "ref"}
        assert form["roles"] and form["title_en"]
        for field in form["fields"]:
            assert {"key", "type", "label", "label_en", "required"} <= field.keys()
    assert forms["tindak-lanjut"]["ref_form"] == "pengaduan"
    assert forms["layanan-selesai"]["ref_form"] == "layanan"
    assert forms["skm"]["roles"][0] == "kiosk"
    assert all("kiosk" not in f["roles"] for c, f in forms.items() if c != "skm")
    u4 = next(f for f in forms["skm"]["fields"] if f["key"] == "u4")
    assert [c["label"] for c in u4["choices"]] == ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"]
    assert [c["value"] for c in u4["choices"]] == [1, 2, 3, 4]
    values = {f["key"]: [c["value"] for c in f.get("choices", [])] for f in forms["skm"]["fields"]}
    assert values["pendidikan"] == ["SD", "SMP", "SMA", "D3", "S1", "S2", "S3"]
    assert values["pekerjaan"] == ["PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya"]
    assert "pindah-datang" in values["jenis_layanan"]


def test_ensure_default_catalogue_is_idempotent_and_never_edits(app):
    with app.app_context():
        row = db.session.scalar(select(FormDefinition).where(FormDefinition.code == "skm"))
        row.definition = {**row.definition, "title": "Edited"}
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(FormDefinition))
        ensure_default_catalogue()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(FormDefinition)) == before == len(default_forms())
        assert db.session.scalar(select(FormDefinition).where(FormDefinition.code == "skm")).definition["title"] == "Edited"
        assert db.session.scalar(select(func.count()).select_from(ServiceType)) == 9
        row.definition = {**row.definition, "title": TITLES["skm"]}
        db.session.commit()


def test_old_version_keeps_validating(app, client):
    """A new version of a form never breaks submissions of the old one."""
    from tests.factories import auth, make_user, make_wilayah
    from tests.server.test_submissions import inspeksi

    with app.app_context():
        v1 = db.session.scalar(select(FormDefinition).where(FormDefinition.code == "inspeksi-rw",
                                                           FormDefinition.version == 1))
        v2 = {**v1.definition, "version": 2, "fields": [f for f in v1.definition["fields"] if f["key"] != "catatan"]}
        db.session.add(FormDefinition(code="inspeksi-rw", version=2, title="Inspeksi RW", definition=v2))
        w = make_wilayah()
        _, token = make_user("petugas", "officer", w.kecamatan)
        rw_id = w.rw[w.kelurahan[0].id][0].id
    registry.invalidate()
    try:
        old = inspeksi(rw_id, catatan="ok")
        new = {**inspeksi(rw_id, catatan="not in v2"), "form_version": 2}
        results = client.post("/api/v1/submissions", json={"submissions": [old, new]}, headers=auth(token)).json
        assert [r["status"] for r in results["results"]] == ["created", "invalid"]
        assert "data.catatan" in results["results"][1]["errors"]
    finally:
        with app.app_context():
            db.session.execute(FormDefinition.__table__.delete().where(FormDefinition.version == 2))
            db.session.commit()
        registry.invalidate()

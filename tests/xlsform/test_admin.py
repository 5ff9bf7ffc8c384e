"""Admin pages of issue #13: XLSForm upload (refusals shown), ODK Collect QR, per-form summaries and exports."""
from __future__ import annotations

import base64
import csv
import io
import json
import re
import uuid
import zlib

from openpyxl import load_workbook
from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, FormDefinition
from tests.admin.conftest import world  # noqa: F401 - the admin tests' world fixture
from tests.admin.helpers import csrf_from, login
from tests.factories import auth
from tests.openrosa.helpers import ODK_HEADERS
from tests.xlsform.helpers import posyandu, write_xlsform


def _upload(client, content: bytes, filename: str = "form.xlsx"):
    url = "/admin/kelola/formulir/"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_upload_publishes_and_lists_the_form(app, client, world, tmp_path):
    login(client, "camat")
    resp = _upload(client, posyandu(tmp_path / "p.xlsx", version="2").read_bytes())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Formulir posyandu versi 2 diterbitkan" in html
    assert "Kunjungan Posyandu" in client.get("/admin/kelola/formulir/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(FormDefinition.version).where(FormDefinition.code == "posyandu")) == 2
        assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "form.upload")) is not None


def test_upload_shows_refusals_with_rows(app, client, world, tmp_path):
    login(client, "camat")
    bad = write_xlsform(tmp_path / "b.xlsx", [["text", "a", "A"], ["begin repeat", "r", "R"], ["text", "b", "B"],
                                              ["end repeat", "r"]],
                        settings={"form_id": "ulang", "version": "1", "form_title": "Ulang"})
    resp = _upload(client, bad.read_bytes())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "baris 3" in html and "repeat" in html
    assert _upload(client, b"junk").status_code == 422


def test_upload_is_for_kecamatan_admins_only(client, world, tmp_path):
    login(client, "lurah")
    assert client.get("/admin/kelola/formulir/").status_code == 403


def test_download_a_version_as_xlsform(client, world):
    login(client, "camat")
    resp = client.get("/admin/kelola/formulir/inspeksi-rw/1.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    assert {"survey", "choices", "settings"} <= set(book.sheetnames)


def test_odk_collect_qr_holds_the_server_url_with_a_working_token(app, client, world):
    login(client, "camat")
    page = client.get("/admin/kelola/odk/")
    resp = client.post("/admin/kelola/odk/", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                   "user_id": str(world.petugas.id)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<svg" in html
    url = re.search(r'id="odk-server-url">([^<]+)<', html).group(1)
    token = url.rsplit("/key/", 1)[1]
    from server.admin.xforms import collect_settings
    settings = json.loads(zlib.decompress(base64.b64decode(collect_settings(url, "x"))))
    assert settings["general"]["server_url"] == url and settings["project"]["name"] == "x"
    assert client.get(f"/openrosa/key/{token}/formList", headers=ODK_HEADERS).status_code == 200


def _send(client, token: str, items: list[dict]) -> None:
    res = client.post("/api/v1/submissions", json={"submissions": items}, headers=auth(token)).get_json()
    assert {r["status"] for r in res["results"]} == {"created"}, res


def test_summary_counts_histogram_map_and_exports(app, client, world):
    from server.security import issue_token
    with app.app_context():
        from server.models import User
        token = issue_token(db.session.get(User, world.camat.id), "t")
        db.session.commit()
    rw = world.wilayah.rw[world.kel1.id][0].id
    items = []
    for i, sampah in enumerate(["baik", "baik", "buruk"]):
        items.append({"id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw},
                      "observed_at": f"2026-0{i + 1}-10T09:00:00+07:00",
                      "data": {"kebun_toga": i != 2, "pengelolaan_sampah": sampah, "status_kumuh": "tidak_kumuh",
                               "lembaga_aktif": True, "kejadian_kriminal": i * 3, "konflik_sosial": 0,
                               "lokasi": {"lat": -6.89 + i / 100, "lon": 107.61}}})
    _send(client, token, items)
    login(client, "camat")
    html = client.get("/admin/formulir/inspeksi-rw/ringkasan?periode=2026").get_data(as_text=True)
    assert "Rekaman: 3" in html
    section = html[html.index('id="q-pengelolaan_sampah"'):]
    assert re.search(r"<th scope=\"row\">Baik</th><td>2</td>", section)
    assert re.search(r"<th scope=\"row\">Buruk</th><td>1</td>", section)
    assert "<circle" in html[html.index('id="q-lokasi"'):]
    q1 = client.get("/admin/formulir/inspeksi-rw/ringkasan?periode=2026-Q1").get_data(as_text=True)
    assert "Rekaman: 3" in q1  # Jan, Feb, Mar
    kel2 = client.get(f"/admin/formulir/inspeksi-rw/ringkasan?kelurahan_id={world.kel2.id}").get_data(as_text=True)
    assert "Rekaman: 0" in kel2
    xlsx = client.get("/admin/formulir/inspeksi-rw/ekspor.xlsx?periode=2026")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    headers = [c.value for c in sheet[1]]
    assert "Pengelolaan sampah" in headers and "Jumlah kejadian kriminal" in headers
    col = headers.index("Jumlah kejadian kriminal")
    assert sorted(row[col].value for row in sheet.iter_rows(min_row=2)) == [0, 3, 6]  # numbers, not text
    text = client.get("/admin/formulir/inspeksi-rw/ekspor.csv?periode=2026").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(text)))) == 4
    geo = json.loads(client.get("/admin/formulir/inspeksi-rw/ekspor.geojson").data)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 3
    assert geo["features"][0]["geometry"]["coordinates"][0] == 107.61
    assert client.get("/admin/formulir/skm/ekspor.geojson").status_code == 404  # no location in skm
    assert client.get("/admin/formulir/nope/ringkasan").status_code == 404


def test_summary_is_scoped_for_a_lurah(app, client, world):
    login(client, "lurah")
    assert client.get(f"/admin/formulir/inspeksi-rw/ringkasan?kelurahan_id={world.kel2.id}").status_code == 404
    assert client.get("/admin/formulir/inspeksi-rw/ringkasan").status_code == 200

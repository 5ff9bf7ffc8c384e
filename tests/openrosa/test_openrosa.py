"""OpenRosa 1.0 conformance: formList, form download, HEAD/POST submission, duplicates, conflicts, photos."""
from __future__ import annotations

import hashlib
import io
import json
import threading
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from server import create_app
from server.extensions import db
from server.models import Attachment, Submission
from tests.factories import auth, make_user, make_wilayah
from tests.openrosa.helpers import ODK_HEADERS, instance_xml, post_instance
from tests.xlsform.helpers import posyandu

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NS_LIST = "{http://openrosa.org/xforms/xformsList}"
XF = "{http://www.w3.org/2002/xforms}"
OBSERVED = "2026-01-05T09:00:00+07:00"


def jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(app):
    with app.app_context():
        w = make_wilayah()
        kel1 = w.kelurahan[0]
        return {"officer": make_user("petugas", "officer", w.kecamatan, [kel1])[1],
                "kiosk": make_user("kios", "kiosk", w.kecamatan)[1],
                "camat": make_user("camat", "kecamatan_admin", w.kecamatan)[1],
                "kel1": kel1.id, "rw1": w.rw[kel1.id][0].id, "kec": w.kecamatan.id,
                "rw_other_kel": w.rw[w.kelurahan[1].id][0].id}


def inspeksi(rw_id: int, **data) -> dict:
    body = {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh", "lembaga_aktif": True,
            "kejadian_kriminal": 0, "konflik_sosial": 1, "lokasi": {"lat": -6.8915, "lon": 107.6107}}
    body.update(data)
    return {"id": str(uuid.uuid4()), "form": "inspeksi-rw", "form_version": 1, "subject": {"rw_id": rw_id},
            "observed_at": OBSERVED, "data": body}


def form_list(client, token: str):
    return client.get(f"/openrosa/key/{token}/formList", headers=ODK_HEADERS)


# -- formList and download -----------------------------------------------------------------------------

def test_form_list_lists_the_users_forms_with_hash_and_download_url(client, world):
    resp = form_list(client, world["officer"])
    assert resp.status_code == 200 and resp.headers["X-OpenRosa-Version"] == "1.0" and resp.headers.get("Date")
    assert resp.mimetype == "text/xml"
    root = ET.fromstring(resp.data)
    assert root.tag == f"{NS_LIST}xforms"
    forms = {x.findtext(f"{NS_LIST}formID"): x for x in root.findall(f"{NS_LIST}xform")}
    assert {"inspeksi-rw", "skm", "pengaduan", "tindak-lanjut", "layanan", "layanan-selesai",
            "laporan-kelurahan"} == set(forms)
    entry = forms["inspeksi-rw"]
    assert entry.findtext(f"{NS_LIST}version") == "1" and entry.findtext(f"{NS_LIST}name") == "Inspeksi RW"
    url = entry.findtext(f"{NS_LIST}downloadUrl")
    assert url.endswith(f"/openrosa/key/{world['officer']}/forms/inspeksi-rw.xml")
    xform = client.get(url.split("localhost", 1)[1], headers=ODK_HEADERS)
    assert xform.status_code == 200 and xform.headers["X-OpenRosa-Version"] == "1.0"
    assert entry.findtext(f"{NS_LIST}hash") == "md5:" + hashlib.md5(xform.data).hexdigest()
    kiosk = {x.findtext(f"{NS_LIST}formID") for x in ET.fromstring(form_list(client, world["kiosk"]).data)}
    assert kiosk == {"skm"}


def test_form_download_has_the_instance_shape(client, world):
    resp = client.get(f"/openrosa/key/{world['officer']}/forms/inspeksi-rw.xml", headers=ODK_HEADERS)
    root = ET.fromstring(resp.data)
    instance = root.find(f".//{XF}instance/{XF}inspeksi-rw")
    assert instance.get("id") == "inspeksi-rw" and instance.get("version") == "1"
    children = [el.tag.removeprefix(XF) for el in instance]
    assert children[:2] == ["start", "rw_id"] and children[-1] == "meta"
    assert instance.find(f"{XF}meta/{XF}instanceID") is not None
    # the RW are offered as choices of the officer's own kelurahan
    assert b"RW 01" in resp.data
    follow_up = ET.fromstring(client.get(f"/openrosa/key/{world['officer']}/forms/tindak-lanjut.xml").data)
    assert follow_up.find(f".//{XF}instance/{XF}tindak-lanjut/{XF}ref") is not None
    missing = client.get(f"/openrosa/key/{world['kiosk']}/forms/inspeksi-rw.xml")
    assert missing.status_code == 404 and missing.headers["X-OpenRosa-Version"] == "1.0"


def test_imported_form_is_in_form_list_and_downloads(app, runner, client, world, tmp_path):
    assert runner.invoke(args=["import-form", str(posyandu(tmp_path / "p.xlsx", version="4"))]).exit_code == 0
    root = ET.fromstring(form_list(client, world["officer"]).data)
    entry = next(x for x in root if x.findtext(f"{NS_LIST}formID") == "posyandu")
    assert entry.findtext(f"{NS_LIST}version") == "4"
    xform = ET.fromstring(client.get(f"/openrosa/key/{world['officer']}/forms/posyandu.xml").data)
    instance = xform.find(f".//{XF}instance/{XF}posyandu")
    assert instance.get("version") == "4" and instance.find(f"{XF}kelurahan_id") is not None
    assert instance.find(f"{XF}balita/{XF}umur_bulan") is not None  # groups stay groups


# -- submission ----------------------------------------------------------------------------------------

def test_head_submission_answers_204_with_the_accepted_length(client, world):
    resp = client.head(f"/openrosa/key/{world['officer']}/submission", headers=ODK_HEADERS)
    assert resp.status_code == 204 and resp.headers["X-OpenRosa-Version"] == "1.0"
    assert int(resp.headers["X-OpenRosa-Accept-Content-Length"]) >= 5 * 1024 * 1024


def test_bad_token_is_401_everywhere(client, world):
    for method, path in (("get", "formList"), ("get", "forms/skm.xml"), ("head", "submission"), ("post", "submission")):
        resp = getattr(client, method)(f"/openrosa/key/nope/{path}", headers=ODK_HEADERS)
        assert resp.status_code == 401, path
        assert resp.headers["X-OpenRosa-Version"] == "1.0"


def test_odk_collect_request_shapes_replayed(app, client, world):
    shapes = json.loads((FIXTURES / "odk_collect_requests.json").read_text())
    token = world["officer"]
    head = client.open(f"/openrosa/key/{token}/{shapes['head']['path']}", method="HEAD", headers=shapes["head"]["headers"])
    assert head.status_code == 204
    photo = jpeg()
    photo_name = "1736042400123.jpg"
    instance_id = str(uuid.uuid4())
    xml = shapes["instance"].replace("{rw_id}", str(world["rw1"])).replace("{photo}", photo_name).replace("{uuid}", instance_id)
    post = shapes["post"]
    data = {}
    for part in post["parts"]:
        name = part["name"].replace("{photo}", photo_name)
        filename = part["filename"].replace("{photo}", photo_name)
        body = xml.encode() if name == "xml_submission_file" else photo
        data[name] = (io.BytesIO(body), filename, part["content_type"])
    resp = client.post(f"/openrosa/key/{token}/{post['path']}", data=data, headers=post["headers"],
                       content_type="multipart/form-data")
    assert resp.status_code == 201, resp.data
    assert resp.headers["X-OpenRosa-Version"] == "1.0" and b"OpenRosaResponse" in resp.data
    listed = client.get("/api/v1/submissions", query_string={"form": "inspeksi-rw"}, headers=auth(world["camat"])).get_json()
    record = next(s for s in listed["submissions"] if s["id"] == instance_id)
    sha = hashlib.sha256(photo).hexdigest()
    assert record["data"]["foto"] == [sha]
    assert record["data"]["kebun_toga"] is True and record["data"]["konflik_sosial"] == 1
    assert record["data"]["lokasi"] == {"lat": -6.8915, "lon": 107.6107, "altitude": 712.3, "accuracy": 4.8}
    assert "catatan" not in record["data"]
    assert record["subject"] == {"rw_id": world["rw1"]}
    assert record["observed_at"].startswith("2026-01-05T02:00:00")  # start, as an instant
    assert client.get(f"/api/v1/attachments/{sha}", headers=auth(world["officer"])).data == photo


def test_resend_is_201_and_other_content_is_409(app, client, world):
    item = inspeksi(world["rw1"])
    assert post_instance(client, world["officer"], instance_xml(item)).status_code == 201
    again = post_instance(client, world["officer"], instance_xml(item))
    assert again.status_code == 201 and b"sudah diterima" in again.data
    changed = {**item, "data": {**item["data"], "konflik_sosial": 5}}
    conflict = post_instance(client, world["officer"], instance_xml(changed))
    assert conflict.status_code == 409 and conflict.headers["X-OpenRosa-Version"] == "1.0"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_json_then_openrosa_with_the_same_uuid_is_one_record(app, client, world):
    item = inspeksi(world["rw1"])
    res = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(world["officer"])).get_json()
    assert res["results"][0]["status"] == "created"
    xml = instance_xml(item).replace(b"+07:00</start>", b".000+07:00</start>")  # ODK writes milliseconds
    assert post_instance(client, world["officer"], xml).status_code == 201
    res = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(world["officer"])).get_json()
    assert res["results"][0]["status"] == "duplicate"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_openrosa_then_json_with_the_same_uuid_is_a_duplicate(client, world):
    item = inspeksi(world["rw1"])
    assert post_instance(client, world["officer"], instance_xml(item)).status_code == 201
    res = client.post("/api/v1/submissions", json={"submissions": [item]}, headers=auth(world["officer"])).get_json()
    assert res["results"][0]["status"] == "duplicate"


@pytest.mark.parametrize("change, field", [
    ({"konflik_sosial": -1}, "konflik_sosial"),
    ({"pengelolaan_sampah": "hebat"}, "pengelolaan_sampah"),
    ({"kebun_toga": None}, "kebun_toga"),
])
def test_invalid_record_is_400_naming_the_field(client, world, change, field):
    item = inspeksi(world["rw1"])
    item["data"].update(change)
    resp = post_instance(client, world["officer"], instance_xml(item))
    assert resp.status_code == 400 and field.encode() in resp.data
    assert resp.headers["X-OpenRosa-Version"] == "1.0"


@pytest.mark.parametrize("xml, field", [
    (b"<not-xml", b"xml_submission_file"),
    (b'<inspeksi-rw id="inspeksi-rw" version="1"><start>2026-01-05T09:00:00+07:00</start></inspeksi-rw>', b"instanceID"),
    (b'<inspeksi-rw id="inspeksi-rw" version="x"><meta><instanceID>uuid:1</instanceID></meta></inspeksi-rw>', b"version"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x id="x">&a;</x>', b"xml_submission_file"),
    (b'<nope id="nope" version="1"><meta><instanceID>uuid:6f1c1f5e-2b8a-4c47-9a4e-1d2f3a4b5c6d</instanceID></meta></nope>', b"form"),
])
def test_malformed_instances_are_400(client, world, xml, field):
    resp = post_instance(client, world["officer"], xml)
    assert resp.status_code == 400 and field in resp.data


def test_subject_outside_scope_is_400(client, world):
    resp = post_instance(client, world["officer"], instance_xml(inspeksi(world["rw_other_kel"])))
    assert resp.status_code == 400 and b"subject" in resp.data


def test_missing_multipart_part_and_missing_photo(client, world):
    resp = client.post(f"/openrosa/key/{world['officer']}/submission", data={"x": "y"}, headers=ODK_HEADERS)
    assert resp.status_code == 400 and b"xml_submission_file" in resp.data
    resp = post_instance(client, world["officer"], instance_xml(inspeksi(world["rw1"]), photos={"foto": "a.jpg"}))
    assert resp.status_code == 400 and b"a.jpg" in resp.data


def test_concurrent_identical_sends_are_both_201(app, world):
    item = inspeksi(world["rw1"])
    xml = instance_xml(item)
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(post_instance(client, world["officer"], xml).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201, 201]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_follow_up_by_openrosa(client, world):
    complaint = {"id": str(uuid.uuid4()), "form": "pengaduan", "form_version": 1,
                 "subject": {"kelurahan_id": world["kel1"]}, "observed_at": OBSERVED,
                 "data": {"tanggal_terima": "2026-01-05", "saluran": "kotak", "kategori": "kebersihan"}}
    assert post_instance(client, world["officer"], instance_xml(complaint)).status_code == 201
    follow = {"id": str(uuid.uuid4()), "form": "tindak-lanjut", "form_version": 1, "ref": complaint["id"],
              "observed_at": OBSERVED, "data": {"tanggal": "2026-01-06", "tindakan": "Diangkut"}}
    assert post_instance(client, world["officer"], instance_xml(follow)).status_code == 201
    listed = client.get("/api/v1/submissions", query_string={"form": "tindak-lanjut"}, headers=auth(world["camat"])).get_json()
    assert listed["submissions"][0]["ref"] == complaint["id"]


def test_imported_form_submitted_by_openrosa_and_json(app, runner, client, world, tmp_path):
    assert runner.invoke(args=["import-form", str(posyandu(tmp_path / "p.xlsx"))]).exit_code == 0
    from tests.xlsform.helpers import drop_imported_forms  # noqa: F401 - conftest cleans up
    with app.app_context():
        from server.forms.catalogue import registry
        definition = registry.form("posyandu", 1).definition
    data = {"nama_anak": "Ani", "umur_bulan": 12, "berat": 8.5, "jenis_kelamin": "P", "imunisasi": ["bcg"],
            "gizi_buruk": "tidak", "tanggal": "2026-01-05", "jam_buka": "08:00:00.000+07:00", "setuju": True,
            "berat_gram": 8500}
    item = {"id": str(uuid.uuid4()), "form": "posyandu", "form_version": 1, "subject": {"kelurahan_id": world["kel1"]},
            "observed_at": OBSERVED, "data": data}
    xml = instance_xml(item, definition).replace(b"<setuju>true</setuju>", b"<setuju>OK</setuju>")
    resp = post_instance(client, world["officer"], xml)
    assert resp.status_code == 201, resp.data
    bad = {**item, "id": str(uuid.uuid4()), "data": {**data, "umur_bulan": 70}}
    resp = post_instance(client, world["officer"], instance_xml(bad, definition))
    assert resp.status_code == 400 and "Umur 0–60 bulan".encode() in resp.data
    json_item = {**item, "id": str(uuid.uuid4())}
    res = client.post("/api/v1/submissions", json={"submissions": [json_item]}, headers=auth(world["officer"])).get_json()
    assert res["results"][0]["status"] == "created", res
    listed = client.get("/api/v1/submissions", query_string={"form": "posyandu"}, headers=auth(world["camat"])).get_json()
    by_id = {s["id"]: s for s in listed["submissions"]}
    assert by_id[item["id"]]["data"] == by_id[json_item["id"]]["data"]


def test_revoked_token_is_401(app, client, world):
    from server.models import DeviceToken
    from server.models._types import utcnow
    with app.app_context():
        for row in db.session.scalars(select(DeviceToken)):
            row.revoked_at = utcnow()
        db.session.commit()
    assert form_list(client, world["officer"]).status_code == 401


def test_create_app_registers_openrosa_once():
    assert any(r.rule.startswith("/openrosa/key/") for r in create_app({"TESTING": True, "SECRET_KEY": "x",
                                                                        "SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map.iter_rules())
    assert Attachment  # the photo table is the API's own


def test_a_sheets_rw_id_row_is_the_subject_element_with_choices(app, runner, client, world, tmp_path):
    from tests.xlsform.helpers import write_xlsform
    path = write_xlsform(tmp_path / "rw.xlsx", [["integer", "rw_id", "RW"], ["integer", "jumlah_kk", "Jumlah KK", None, None, "yes"]],
                         settings={"form_id": "data-rw", "version": "1", "form_title": "Data RW"})
    assert runner.invoke(args=["import-form", str(path)]).exit_code == 0
    xml = client.get(f"/openrosa/key/{world['officer']}/forms/data-rw.xml").data
    instance = ET.fromstring(xml).find(f".//{XF}instance/{XF}data-rw")
    assert [el.tag.removeprefix(XF) for el in instance].count("rw_id") == 1
    assert b"RW 01" in xml  # offered as the officer's RW
    item = {"id": str(uuid.uuid4()), "form": "data-rw", "form_version": 1, "subject": {"rw_id": world["rw1"]},
            "observed_at": OBSERVED, "data": {"jumlah_kk": 40}}
    from tests.openrosa.helpers import instance_xml as to_xml
    with app.app_context():
        from server.forms.catalogue import registry
        definition = registry.form("data-rw", 1).definition
    resp = post_instance(client, world["officer"], to_xml(item, {**definition, "fields": [f for f in definition["fields"] if f["key"] != "rw_id"]}))
    assert resp.status_code == 201, resp.data

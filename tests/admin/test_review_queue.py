"""The review loop on the admin side (issue #11): decisions with reasons, the queue at /admin/tinjau/,
Berikutnya, bulk accept, the per-form review setting, and record pages in people's words."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from server.extensions import db
from server.models import AuditLog, ReviewSetting, Submission
from tests.admin.helpers import login, post_form, submission

DATA = {"kebun_toga": True, "pengelolaan_sampah": "cukup", "status_kumuh": "tidak_kumuh", "lembaga_aktif": False,
        "kejadian_kriminal": 0, "konflik_sosial": 2, "catatan": "Got mampet"}


def _pending(app, world, kelurahan, n: int = 1, form: str = "inspeksi-rw", user=None, status="pending") -> list[str]:
    """n records waiting for review, received one minute apart (oldest first)."""
    import datetime as dt

    ids = []
    with app.app_context():
        for i in range(n):
            rw = world.wilayah.rw[kelurahan.id][i % 3]
            s = submission(form, kecamatan_id=world.kec_id, kelurahan_id=kelurahan.id,
                           rw_id=rw.id if form == "inspeksi-rw" else None, data=dict(DATA),
                           user_id=(user or world.petugas).id,
                           observed_at=dt.datetime(2026, 3, 14, 2, 30 + i, tzinfo=dt.timezone.utc))
            s.review_status = status
            ids.append(str(s.id))
        db.session.commit()
    return ids


def _status(app, sid: str) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.get(Submission, uuid.UUID(sid))
        return row.review_status, row.review_reason


def _links(html: str) -> list[str]:
    """The records linked from the queue's table (or the search results), in order."""
    for marker in ('id="queue"', 'id="results"'):
        if marker in html:
            html = html.split(marker, 1)[1].split("</table>", 1)[0]
            return re.findall(r'href="/admin/pengajuan/([0-9a-f-]{36})', html)
    return []


def test_queue_lists_waiting_records_as_links_oldest_first(client, world, app):
    first, second = _pending(app, world, world.kel1, 2)
    _pending(app, world, world.kel1, 1, status="accepted")
    login(client, "camat")
    resp = client.get("/admin/tinjau/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert _links(html)[:2] == [first, second] and len(set(_links(html))) == 2
    assert "Inspeksi RW · RW 01 · Coblong Kel 1 · 14/03/2026" in html
    assert re.search(r"<strong>2</strong> rekaman", html)
    accepted = client.get("/admin/tinjau/?status=accepted").get_data(as_text=True)
    assert len(set(_links(accepted))) == 1


def test_return_needs_a_reason_then_berikutnya_opens_the_next(client, world, app):
    first, second = _pending(app, world, world.kel1, 2)
    login(client, "camat")
    page = client.get(f"/admin/pengajuan/{first}?q=").get_data(as_text=True)
    for name in ("Alasan", "Terima", "Tolak", "Kembalikan"):
        assert name in page
    refused = post_form(client, f"/admin/pengajuan/{first}", f"/admin/pengajuan/{first}/tinjau",
                        {"decision": "return", "reason": "  ", "q": "status=pending"})
    assert refused.status_code == 303 and _status(app, first) == ("pending", None)
    assert "Alasan wajib diisi" in client.get(refused.headers["Location"]).get_data(as_text=True)
    done = post_form(client, f"/admin/pengajuan/{first}", f"/admin/pengajuan/{first}/tinjau",
                     {"decision": "return", "reason": "Foto buram", "q": "status=pending"})
    assert _status(app, first) == ("returned", "Foto buram")
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Berikutnya" in after and "perlu perbaikan" in after
    nxt = re.search(r'<a class="button" href="([^"]+)" data-shortcut="n">Berikutnya</a>', after).group(1)
    assert nxt.split("?")[0] == f"/admin/pengajuan/{second}"
    # The returned record is listed under its state, with its reason.
    returned = client.get("/admin/tinjau/?status=returned").get_data(as_text=True)
    assert _links(returned) == [first] and "Foto buram" in returned
    with app.app_context():
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.target == f"submission:{first}")) \
            == "submission.return"
    # The last one: Berikutnya leads back to the queue, saying it is empty.
    last = post_form(client, f"/admin/pengajuan/{second}", f"/admin/pengajuan/{second}/tinjau",
                     {"decision": "accept", "q": "status=pending"})
    page = client.get(last.headers["Location"]).get_data(as_text=True)
    end = re.search(r'<a class="button" href="([^"]+)" data-shortcut="n">Berikutnya</a>', page).group(1)
    assert end.startswith("/admin/tinjau/?")
    assert "Tidak ada lagi rekaman" in client.get(end.replace("&amp;", "&")).get_data(as_text=True)


def test_filters_and_counts(client, world, app):
    kel1 = _pending(app, world, world.kel1, 2)
    kel2 = _pending(app, world, world.kel2, 1, form="pengaduan")
    login(client, "camat")
    assert _links(client.get(f"/admin/tinjau/?kelurahan_id={world.kel2.id}").get_data(as_text=True)) == kel2
    assert _links(client.get("/admin/tinjau/?form=inspeksi-rw").get_data(as_text=True)) == kel1
    assert _links(client.get(f"/admin/tinjau/?petugas={world.camat.id}").get_data(as_text=True)) == []
    assert len(_links(client.get(f"/admin/tinjau/?petugas={world.petugas.id}&period=2026-Q1")
                      .get_data(as_text=True))) == 3
    assert _links(client.get("/admin/tinjau/?period=2025").get_data(as_text=True)) == []
    for junk in ("?period=x", "?kelurahan_id=abc", "?petugas=-1", "?status=nope", "?page=999999999999"):
        assert client.get("/admin/tinjau/" + junk).status_code == 200, junk
    # The lurah sees only their kelurahan, whatever the query says.
    client = app.test_client()
    login(client, "lurah")
    assert _links(client.get(f"/admin/tinjau/?kelurahan_id={world.kel2.id}").get_data(as_text=True)) == kel1


def test_bulk_accept_within_scope(client, world, app):
    own = _pending(app, world, world.kel1, 2)
    other = _pending(app, world, world.kel2, 1)
    login(client, "lurah")
    resp = post_form(client, "/admin/tinjau/", "/admin/tinjau/terima", {"ids": own + other})
    assert resp.status_code == 303
    assert [_status(app, s)[0] for s in own] == ["accepted", "accepted"]
    assert _status(app, other[0])[0] == "pending"
    assert "2 rekaman diterima" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert post_form(client, "/admin/tinjau/", "/admin/tinjau/terima", {"ids": ["not-a-uuid"]}).status_code == 400


def test_review_setting_is_the_kecamatan_admins(client, world, app):
    login(client, "lurah")
    assert client.get("/admin/tinjau/pengaturan").status_code == 403
    client = app.test_client()
    login(client, "camat")
    page = client.get("/admin/tinjau/pengaturan").get_data(as_text=True)
    assert "Rekaman menunggu tinjauan" in page and "Inspeksi RW" in page
    post_form(client, "/admin/tinjau/pengaturan", "/admin/tinjau/pengaturan", {"wait": ["inspeksi-rw", "skm"]})
    with app.app_context():
        rows = db.session.execute(select(ReviewSetting.form_code, ReviewSetting.wait_for_review)
                                  .where(ReviewSetting.kecamatan_id == world.kec_id)).all()
        assert sorted(rows) == [("inspeksi-rw", True), ("skm", True)]
    post_form(client, "/admin/tinjau/pengaturan", "/admin/tinjau/pengaturan", {"wait": ["skm"]})
    with app.app_context():
        assert db.session.scalar(select(ReviewSetting.wait_for_review)
                                 .where(ReviewSetting.form_code == "inspeksi-rw")) is False
        assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "review_setting.update")) is not None


def test_record_page_in_peoples_words(client, world, app):
    (sid,) = _pending(app, world, world.kel1)
    with app.app_context():
        from server.models import DeviceToken

        token = DeviceToken(user_id=world.petugas.id, token_hash="h" * 64,
                            device="Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                                   "Chrome/131.0.0.0 Mobile Safari/537.36")
        db.session.add(token)
        db.session.flush()
        db.session.get(Submission, uuid.UUID(sid)).device_token_id = token.id
        db.session.commit()
    login(client, "camat")
    html = client.get(f"/admin/pengajuan/{sid}?kembali=/admin/tinjau/%3Fform%3Dinspeksi-rw").get_data(as_text=True)
    assert "<h1>Inspeksi RW — RW 01 · Coblong Kel 1</h1>" in html
    assert "Android · Chrome 131" in html and "Mozilla" not in html
    assert "Cukup" in html and "pengelolaan_sampah" not in html  # choice label, field label
    labels = re.findall(r"<dt>([^<]+)</dt>", html.split('id="data"')[1].split("</dl>")[0])
    assert labels[0].startswith("Ada kebun TOGA") and labels.index("Catatan") == len(labels) - 1
    assert 'href="/admin/tinjau/?form=inspeksi-rw" id="back-link"' in html
    evil = client.get(f"/admin/pengajuan/{sid}?kembali=//evil.example/").get_data(as_text=True)
    assert "evil.example" not in evil.split('id="back-link"')[0].rsplit("<a", 1)[1]

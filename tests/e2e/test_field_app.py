"""The field app end to end in Chromium on a 360 px phone, against the real server (the interface's Indonesian names)."""
from __future__ import annotations

import io
import json
import re

from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.conftest import login, wait_for_service_worker
from tests.e2e.live import PASSWORD, LiveServer

INSPECTION = {
    "kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh", "lembaga_aktif": True,
    "kejadian_kriminal": 2, "konflik_sosial": 0, "catatan": "Aman, warga aktif",
}


def _data(row) -> dict:
    return row.data if isinstance(row.data, dict) else json.loads(row.data)


def expect_sent(page: Page, count: int) -> None:
    """Wait until the outbox lists `count` items as sent (the status count alone may already be 0)."""
    outbox = page.get_by_role("region", name="Kotak keluar")
    expect(outbox.get_by_text("Terkirim", exact=True)).to_have_count(count)


def open_sent(page: Page) -> None:
    """Unfold the outbox's group of sent items (collapsed by default)."""
    page.get_by_role("region", name="Kotak keluar").get_by_text(re.compile(r"^Terkirim \(\d+\)$")).click()


def fill_inspection(page: Page, kelurahan: str, rw: str = "01", kriminal: str = "2") -> None:
    """Open `Inspeksi RW` from home and fill every scored field plus a note."""
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    page.get_by_label("Kelurahan").select_option(label=kelurahan)
    page.get_by_label("RW", exact=True).select_option(label=rw)
    page.get_by_label("Ada kebun TOGA (tanaman obat keluarga)").check()
    page.get_by_label("Pengelolaan sampah").select_option("baik")
    page.get_by_label("Status kumuh").select_option("tidak_kumuh")
    page.get_by_label("Lembaga kemasyarakatan aktif").check()
    page.get_by_label("Jumlah kejadian kriminal").fill(kriminal)
    page.get_by_label("Jumlah konflik sosial").fill("0")
    page.get_by_label("Catatan").fill("Aman, warga aktif")


def test_login_fill_send_sync_exactly_once(page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page)
    status = page.get_by_role("status")
    expect(status).to_contain_text("Daring (online)")
    fill_inspection(page, kel["nama"])
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 1)
    expect(status).to_contain_text("Belum terkirim: 0")
    page.get_by_role("button", name="Sinkronkan").click()
    expect(page.get_by_text(re.compile(r"Sinkron terakhir: \d\d/\d\d/\d{4}"))).to_be_visible()
    expect_sent(page, 1)
    rows = live_server.submissions("inspeksi-rw")
    assert len(rows) == 1
    assert _data(rows[0]) == INSPECTION
    assert rows[0].rw_id == kel["rw"][0]["id"]
    # The sent record can be corrected (a new record that supersedes it).
    open_sent(page)
    expect(page.get_by_role("button", name=re.compile(r"^Koreksi Inspeksi RW"))).to_be_visible()


def test_client_validation_in_indonesian(page: Page, live_server: LiveServer):
    login(page)
    page.get_by_role("link", name="Inspeksi RW", exact=True).click()
    field = page.get_by_label("Jumlah kejadian kriminal")
    field.fill("-1")
    expect(page.get_by_text("Minimal 0.")).to_be_visible()
    field.fill("1,5")
    expect(page.get_by_text("Harus berupa bilangan bulat.")).to_be_visible()
    field.fill("")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Wajib diisi.").first).to_be_visible()
    assert page.get_by_role("status").inner_text().endswith("Belum terkirim: 0")


def test_english_is_switchable_and_remembered(page: Page, live_server: LiveServer):
    login(page)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("status")).to_contain_text("Online · Not sent: 0")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Today's tasks")).to_be_visible()
    page.get_by_role("link", name="RW inspection", exact=True).click()
    expect(page.get_by_label("Crime incidents")).to_be_visible()
    # The app's own words are English too: answer choices, yes/no, the camera button.
    expect(page.get_by_label("Waste management").locator("option", has_text="Good")).to_have_count(1)
    expect(page.get_by_role("radio", name="No", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Take photo")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Crime incidents")).to_be_visible()
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.get_by_label("Jumlah kejadian kriminal")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Daring (online) · Belum terkirim: 0")


def test_offline_reload_fill_and_outbox_survives(context: BrowserContext, page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[1]
    # As an outside script would: log in, wait for the status line, go offline at once (no waiting
    # for the service worker here: a finished login means offline-ready).
    page.goto("/app/")
    page.get_by_label("Nama pengguna").fill("petugas")
    page.get_by_label("Kata sandi").fill("demo123")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
    context.set_offline(True)
    page.reload()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Luring (offline)")
    fill_inspection(page, kel["nama"], rw="02", kriminal="5")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(status).to_contain_text("Belum terkirim: 1")
    page.reload()  # still offline: the shell comes from the service worker, the outbox from IndexedDB
    expect(status).to_contain_text("Belum terkirim: 1")
    expect(page.get_by_text("Menunggu")).to_be_visible()
    assert live_server.sql("SELECT count(*) FROM submissions WHERE rw_id = :rw", rw=kel["rw"][1]["id"])[0][0] == 0
    context.set_offline(False)  # the `online` event syncs
    expect(status).to_contain_text("Daring (online)")
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = [r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][1]["id"]]
    assert len(rows) == 1
    assert _data(rows[0])["kejadian_kriminal"] == 5


def test_draft_restores_every_value(page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page)
    fill_inspection(page, kel["nama"], rw="03", kriminal="7")
    page.get_by_role("button", name="Simpan draf").click()
    drafts = page.get_by_role("region", name="Draf")
    draft = drafts.get_by_role("button", name=re.compile(r"^Inspeksi RW · RW 03"))
    expect(draft).to_be_visible()
    page.reload()
    draft.click()
    expect(page.get_by_label("Kelurahan")).to_have_value(str(kel["id"]))
    expect(page.get_by_label("RW", exact=True)).to_have_value(str(kel["rw"][2]["id"]))
    expect(page.get_by_label("Ada kebun TOGA (tanaman obat keluarga)")).to_be_checked()
    expect(page.get_by_label("Pengelolaan sampah")).to_have_value("baik")
    expect(page.get_by_label("Status kumuh")).to_have_value("tidak_kumuh")
    expect(page.get_by_label("Lembaga kemasyarakatan aktif")).to_be_checked()
    expect(page.get_by_label("Jumlah kejadian kriminal")).to_have_value("7")
    expect(page.get_by_label("Jumlah konflik sosial")).to_have_value("0")
    expect(page.get_by_label("Catatan")).to_have_value("Aman, warga aktif")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 1)
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
    expect(drafts.get_by_text("Belum ada draf.")).to_be_visible()
    assert len([r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][2]["id"]]) == 1


def test_server_invalid_is_set_aside_corrected_and_resent(context: BrowserContext, page: Page, live_server: LiveServer):
    """The officer's scope shrinks while an item waits: the scope change ends the officer's sessions
    (server/security.py session anchors), so the app asks to log in again with the queue kept; then
    the server calls the item invalid, the app sets it aside with the server's message on the
    subject, and the corrected item goes out under its id."""
    kel1, kel2 = live_server.kelurahan
    user_id = live_server.users["petugas2"]
    login(page, "petugas2")
    context.set_offline(True)
    fill_inspection(page, kel2["nama"], rw="01", kriminal="3")
    page.get_by_role("button", name="Kirim", exact=True).click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Belum terkirim: 1")
    live_server.sql("DELETE FROM user_scopes WHERE user_id = :u AND kelurahan_id = :k", u=user_id, k=kel2["id"])
    context.set_offline(False)
    expect(page.get_by_text("Sesi berakhir. Masuk lagi untuk mengirim; data tetap aman di perangkat.")).to_be_visible()
    expect(status).to_contain_text("Belum terkirim: 1")
    page.get_by_role("button", name="Masuk lagi").click()
    expect(page.get_by_label("Nama pengguna")).to_have_value("petugas2")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    fix = page.get_by_role("button", name=re.compile(r"^Perbaiki Inspeksi RW"))
    expect(fix).to_be_visible()
    expect(page.get_by_text("Perlu perbaikan", exact=True)).to_be_visible()
    expect(status).to_contain_text("Belum terkirim: 1")
    assert live_server.sql("SELECT count(*) FROM submissions WHERE user_id = :u", u=user_id)[0][0] == 0
    fix.click()
    expect(page.get_by_text("Di luar wilayah Anda atau tidak dikenal.")).to_be_visible()
    expect(page.get_by_label("Jumlah kejadian kriminal")).to_have_value("3")
    page.get_by_label("Kelurahan").select_option(label=kel1["nama"])
    page.get_by_label("RW", exact=True).select_option(label="01")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = live_server.sql("SELECT rw_id, data FROM submissions WHERE user_id = :u", u=user_id)
    assert len(rows) == 1 and rows[0].rw_id == kel1["rw"][0]["id"]
    assert _data(rows[0])["kejadian_kriminal"] == 3


def _photo_jpeg(width: int = 2400, height: int = 1800) -> bytes:
    """A photo-like test image (gradients and shapes) larger than the 1600 px limit."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 4):
        draw.line([(0, y), (width, y)], fill=(y * 255 // height, 120, 255 - y * 255 // height))
    for i in range(40):
        draw.ellipse([i * 55, i * 40, i * 55 + 300, i * 40 + 200], outline=(255, 255 - i * 5, i * 6), width=9)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_photo_downscaled_and_uploaded_once_after_a_cut_connection(context_without_sw: BrowserContext, live_server: LiveServer):
    from PIL import Image

    page = context_without_sw.new_page()
    puts: list[str] = []

    def cut_first_put(route: Route) -> None:
        if route.request.method == "PUT":
            puts.append(route.request.url)
            if len(puts) == 1:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route("**/api/v1/attachments/*", cut_first_put)
    kel = live_server.kelurahan[1]
    login(page)
    fill_inspection(page, kel["nama"], rw="03", kriminal="1")
    page.get_by_label("Foto").set_input_files({"name": "rw03.jpg", "mimeType": "image/jpeg", "buffer": _photo_jpeg()})
    expect(page.get_by_role("img", name="Foto 1")).to_be_visible()
    page.get_by_role("button", name="Kirim", exact=True).click()
    status = page.get_by_role("status")
    expect(page.get_by_text("Koneksi terputus; dicoba lagi otomatis.")).to_be_visible()
    expect(status).to_contain_text("Belum terkirim: 1")
    page.get_by_role("button", name="Sinkronkan").click()
    expect(status).to_contain_text("Belum terkirim: 0")
    assert len(puts) == 2
    rows = [r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][2]["id"]]
    assert len(rows) == 1
    (sha,) = _data(rows[0])["foto"]
    stored = live_server.sql("SELECT size, content FROM attachments WHERE sha256 = :s", s=sha)
    assert len(stored) == 1
    size, content = stored[0]
    assert size <= 400 * 1024
    width, height = Image.open(io.BytesIO(content)).size
    assert max(width, height) == 1600 and (width, height) == (1600, 1200)


SKM_ANSWERS = ["Sesuai", "Mudah", "Cepat", "Gratis", "Sangat sesuai", "Kompeten", "Sopan dan ramah",
               "Berfungsi kurang maksimal", "Baik"]


def test_kiosk_survey_offline_then_synced(context: BrowserContext, page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page, "kiosk")
    status = page.get_by_role("status")
    context.set_offline(True)
    page.get_by_role("button", name="Mulai survei").click()
    for number, answer in enumerate(SKM_ANSWERS, start=1):
        expect(page.get_by_text(f"Pertanyaan {number} dari 9")).to_be_visible()
        page.get_by_role("button", name=answer, exact=True).click()
    page.get_by_label("Jenis kelamin").select_option("P")
    page.get_by_label("Usia (tahun)").fill("34")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_role("heading", name="Terima kasih!")).to_be_visible()
    expect(status).to_contain_text("Belum terkirim: 1")
    page.get_by_role("button", name="Selesai").click()
    expect(page.get_by_role("button", name="Mulai survei")).to_be_visible()
    context.set_offline(False)
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = live_server.submissions("skm")
    assert len(rows) == 1
    assert rows[0].kelurahan_id == kel["id"]
    assert _data(rows[0]) == {"u1": 3, "u2": 3, "u3": 3, "u4": 4, "u5": 4, "u6": 3, "u7": 3, "u8": 3, "u9": 3,
                              "jenis_kelamin": "P", "usia": 34}


def test_complaint_follow_up_and_correction(page: Page, live_server: LiveServer):
    """A complaint (show_if field), its follow-up chosen from the officer's own records (ref), and a
    correction of the sent complaint: a new record that supersedes it."""
    kel = live_server.kelurahan[0]
    login(page)
    page.get_by_role("link", name="Pengaduan", exact=True).click()
    page.get_by_label("Kelurahan").select_option(label=kel["nama"])
    page.get_by_label("Tanggal diterima").fill("2026-11-20")
    page.get_by_label("Saluran pengaduan").select_option("kotak")
    other = page.get_by_label("Kategori lainnya, sebutkan")
    expect(other).to_be_hidden()
    page.get_by_label("Kategori", exact=True).select_option("lainnya")
    expect(other).to_be_visible()
    other.fill("Parkir liar")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 1)
    (complaint,) = live_server.submissions("pengaduan")
    assert _data(complaint) == {"tanggal_terima": "2026-11-20", "saluran": "kotak", "kategori": "lainnya",
                                "kategori_lainnya": "Parkir liar"}

    page.get_by_role("link", name="Tindak Lanjut Pengaduan", exact=True).click()
    page.get_by_label("Rujukan").select_option(index=1)
    page.get_by_label("Tanggal tindak lanjut").fill("2026-11-21")
    page.get_by_label("Tindakan yang dilakukan").fill("Ditertibkan bersama Satpol PP")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 2)
    (follow_up,) = live_server.sql("SELECT ref FROM submissions WHERE form_code = 'tindak-lanjut'")
    assert str(follow_up.ref).replace("-", "") == str(complaint.id).replace("-", "")

    open_sent(page)
    page.get_by_role("button", name=re.compile(r"^Koreksi Pengaduan")).click()
    expect(page.get_by_text(re.compile(r"^Koreksi atas data"))).to_be_visible()
    expect(other).to_have_value("Parkir liar")
    page.get_by_label("Kategori", exact=True).select_option("keamanan")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 3)
    rows = {str(r.id).replace("-", ""): r for r in live_server.submissions("pengaduan")}
    assert len(rows) == 2
    (new,) = [r for r in rows.values() if r.supersedes is not None]
    assert str(new.supersedes).replace("-", "") == str(complaint.id).replace("-", "")
    assert _data(new)["kategori"] == "keamanan" and "kategori_lainnya" not in _data(new)


def test_revoked_token_keeps_the_queue_and_asks_to_log_in_again(page: Page, live_server: LiveServer):
    kel = live_server.kelurahan[0]
    login(page)
    live_server.sql("UPDATE device_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE user_id = :u",
                    u=live_server.users["petugas"])
    fill_inspection(page, kel["nama"], rw="02", kriminal="4")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(page.get_by_text("Sesi berakhir. Masuk lagi untuk mengirim; data tetap aman di perangkat.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 1")
    page.get_by_role("button", name="Masuk lagi").click()
    expect(page.get_by_label("Nama pengguna")).to_have_value("petugas")
    page.get_by_label("Kata sandi").fill("demo123")
    page.get_by_role("button", name="Masuk").click()
    expect_sent(page, 1)
    expect(page.get_by_role("status")).to_contain_text("Belum terkirim: 0")
    rows = [r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][1]["id"] and _data(r)["kejadian_kriminal"] == 4]
    assert len(rows) == 1


def test_a_day_offline_end_to_end(context: BrowserContext, page: Page, live_server: LiveServer):
    """Issue #4's outside check: log in, go offline, reload, fill an RW inspection (with location
    and a photo), save a draft, reopen it, send it to the outbox, reload offline again, come back
    online, sync, and find it on the server exactly once with every value intact."""
    kel = live_server.kelurahan[1]
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": -6.8915, "longitude": 107.6107, "accuracy": 12})
    login(page)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.reload()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Luring (offline)")
    fill_inspection(page, kel["nama"], rw="01", kriminal="6")
    page.get_by_role("button", name="Ambil lokasi").click()
    expect(page.get_by_text("-6,8915; 107,6107 (akurasi ±12 m)")).to_be_visible()
    page.get_by_label("Foto").set_input_files({"name": "rw01.jpg", "mimeType": "image/jpeg", "buffer": _photo_jpeg(1200, 900)})
    expect(page.get_by_role("img", name="Foto 1")).to_be_visible()
    page.get_by_role("button", name="Simpan draf").click()
    page.get_by_role("region", name="Draf").get_by_role("button", name=re.compile(r"^Inspeksi RW · RW 01")).click()
    expect(page.get_by_label("Jumlah kejadian kriminal")).to_have_value("6")
    expect(page.get_by_role("img", name="Foto 1")).to_be_visible()
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect(status).to_contain_text("Belum terkirim: 1")
    page.reload()
    expect(status).to_contain_text("Luring (offline) · Belum terkirim: 1")
    context.set_offline(False)
    expect(status).to_contain_text("Daring (online)")
    page.get_by_role("button", name="Sinkronkan").click()
    expect_sent(page, 1)
    expect(status).to_contain_text("Belum terkirim: 0")
    rows = [r for r in live_server.submissions("inspeksi-rw") if r.rw_id == kel["rw"][0]["id"]]
    assert len(rows) == 1
    data = _data(rows[0])
    (sha,) = data.pop("foto")
    assert data == {**INSPECTION, "kejadian_kriminal": 6, "lokasi": {"lat": -6.8915, "lon": 107.6107, "accuracy": 12}}
    assert live_server.sql("SELECT count(*) FROM attachments WHERE sha256 = :s", s=sha)[0][0] == 1
    # Cache Storage holds the app shell only: hashed assets and index.html, nothing from /api/.
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
        }
        return urls;
    }""")
    assert any(re.search(r"/app/assets/index-[\w-]+\.js", url) for url in cached)
    assert not [url for url in cached if "/api/" in url]


def test_service_register_and_its_completion(page: Page, live_server: LiveServer):
    """`layanan` offers the server's active service types; `layanan-selesai` refers to the entry."""
    kel = live_server.kelurahan[1]
    active = live_server.sql("SELECT code, name FROM service_types WHERE active ORDER BY code")
    login(page)
    page.get_by_role("link", name="Register Layanan", exact=True).click()
    page.get_by_label("Kelurahan").select_option(label=kel["nama"])
    service = page.get_by_label("Jenis layanan")
    expect(service.locator("option")).to_have_count(len(active) + 1)  # + "— Pilih —"
    service.select_option(label="Legalisasi dokumen")
    page.get_by_label("Waktu berkas diterima").fill("2026-11-24T09:00")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 1)
    page.get_by_role("link", name="Layanan Selesai", exact=True).click()
    page.get_by_label("Rujukan").select_option(index=1)
    page.get_by_label("Waktu selesai").fill("2026-11-24T09:20")
    page.get_by_role("button", name="Kirim", exact=True).click()
    expect_sent(page, 2)
    (entry,) = live_server.sql("SELECT id, data FROM submissions WHERE form_code = 'layanan'")
    assert _data(entry) == {"jenis_layanan": "legalisasi", "waktu_terima": "2026-11-24T09:00:00+07:00"}
    (done,) = live_server.sql("SELECT ref, data FROM submissions WHERE form_code = 'layanan-selesai'")
    assert str(done.ref).replace("-", "") == str(entry.id).replace("-", "")
    assert _data(done) == {"waktu_selesai": "2026-11-24T09:20:00+07:00"}

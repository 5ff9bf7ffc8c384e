"""The admin's desk (issue #11): the dashboard's summary and "belum ada data", pages named after
the lurah's kelurahan, friendly error pages, and search across records with counts."""
from __future__ import annotations

import datetime as dt
import re

from server.extensions import db
from tests.admin.helpers import login, result, submission
from tests.admin.test_dashboard import TARGETS, VALUES, _rows, _seed_year


def test_summary_line_counts_the_targets_met(client, world, app):
    _seed_year(app, world)
    login(client, "camat")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    # IKU2 and IKU4 miss; the other four make it.
    assert re.search(r'id="summary"[^>]*><strong>4 dari 6 IKU mencapai target</strong>', html)


def test_no_value_is_belum_ada_data_not_a_missed_target(client, world, app):
    with app.app_context():
        for code in VALUES:
            value = None if code == "IKU6" else VALUES[code]
            # A stored row with no value but a (stale) capaian of 0 must still read "belum ada data".
            result(world.kec_id, code, "2026", value, target=TARGETS[code],
                   capaian=0.0 if value is None else value / TARGETS[code] * 100)
        db.session.commit()
    login(client, "camat")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    rows = _rows(html)
    assert "belum ada data" in rows["IKU6"] and "Tidak mencapai target" not in rows["IKU6"]
    assert "3 dari 6 IKU mencapai target</strong> · 1 belum ada data" in html


def test_rows_fold_their_long_text_and_trends_have_axis_values(client, world, app):
    _seed_year(app, world, "2026")
    _seed_year(app, world, "2026-Q1", scale=0.5)
    login(client, "camat")
    rows = _rows(client.get("/admin/?period=2026").get_data(as_text=True))
    assert "<details" in rows["IKU1"] and "Sekretaris Camat" in rows["IKU1"].split("<details", 1)[1]
    assert re.search(r'<text class="axis"[^>]*>\d+(,\d)?</text>', rows["IKU3"])


def test_lurahs_pages_are_named_after_their_kelurahan(client, world, app):
    _seed_year(app, world, kelurahan_id=world.kel1.id)
    login(client, "lurah")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    assert "<title>Dasbor — Kelurahan Coblong Kel 1 · SIKK</title>" in html
    assert "<h1>Kinerja — Kelurahan Coblong Kel 1</h1>" in html
    assert ">Kelola<" not in html
    disposition = client.get("/admin/kinerja.xlsx?period=2026").headers["Content-Disposition"]
    assert disposition == 'attachment; filename="kinerja-coblong-kel-1-2026.xlsx"'
    camat = app.test_client()
    login(camat, "camat")
    assert ">Kelola<" in camat.get("/admin/").get_data(as_text=True)


HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser sends


def test_friendly_error_pages_with_a_way_back(client, world, app, monkeypatch):
    login(client, "camat")
    missing = client.get("/admin/pengajuan/00000000-0000-4000-8000-000000000000",
                         headers={"Referer": "http://localhost/admin/cari?q=x", **HTML})
    assert missing.status_code == 404
    html = missing.get_data(as_text=True)
    assert "Halaman tidak ditemukan" in html and 'href="/admin/cari?q=x"' in html
    unknown = client.get("/admin/tidak-ada", headers=HTML)
    assert unknown.status_code == 404 and 'href="/admin/"' in unknown.get_data(as_text=True)
    assert "Halaman tidak ditemukan" in client.get("/tidak-ada", headers=HTML).get_data(as_text=True)
    api = client.get("/api/v1/tidak-ada", headers=HTML)
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"
    bad = client.get("/admin/?period=2026-Q9", headers=HTML)
    assert bad.status_code == 400 and "Permintaan tidak dapat diproses" in bad.get_data(as_text=True)

    import server.admin.dashboard as dashboard

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "performance_table", broken)
    crashed = client.get("/admin/", headers=HTML)
    assert crashed.status_code == 500
    assert "Terjadi gangguan" in crashed.get_data(as_text=True) and "boom" not in crashed.get_data(as_text=True)


def _complaints(app, world):
    with app.app_context():
        for kel, text in ((world.kel1, "Sampah menumpuk di gang"), (world.kel1, "Lampu jalan mati"),
                          (world.kel2, "Sampah liar 100% penuh")):
            submission("pengaduan", kecamatan_id=world.kec_id, kelurahan_id=kel.id, user_id=world.petugas.id,
                       data={"tanggal_terima": "2026-03-14", "saluran": "kotak", "kategori": "kebersihan",
                             "uraian": text})
        rw = world.wilayah.rw[world.kel1.id][1]
        submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                   data={"catatan": "sampah dipilah"}, observed_at=dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc))
        db.session.commit()
        return rw.id


def test_search_by_text_place_and_officer_with_counts(client, world, app):
    rw_id = _complaints(app, world)
    login(client, "camat")
    html = client.get("/admin/cari?q=SAMPAH").get_data(as_text=True)
    assert re.search(r'id="search-total"><strong>3</strong> rekaman', html)
    assert re.search(r'Pengaduan</a> <span class="count">2</span>', html)
    assert re.search(r'Inspeksi RW</a> <span class="count">1</span>', html)
    assert "kembali=" in html
    one = client.get(f"/admin/cari?q=sampah&kelurahan_id={world.kel1.id}&form=pengaduan").get_data(as_text=True)
    assert re.search(r'<strong>1</strong> rekaman', one) and "Pengaduan · Coblong Kel 1" in one
    assert re.search(r"<strong>1</strong>", client.get(f"/admin/cari?rw_id={rw_id}").get_data(as_text=True))
    assert re.search(r"<strong>1</strong>", client.get("/admin/cari?q=100%25").get_data(as_text=True))
    assert re.search(r"<strong>0</strong>", client.get("/admin/cari?q=m_t").get_data(as_text=True))
    assert re.search(r"<strong>3</strong>", client.get(f"/admin/cari?petugas={world.petugas.id}").get_data(as_text=True))
    assert re.search(r"<strong>1</strong>", client.get("/admin/cari?period=2025").get_data(as_text=True))
    for junk in ("?rw_id=x", "?period=zz", "?status=x", "?page=-4", "?q=" + "a" * 500):
        assert client.get("/admin/cari" + junk).status_code == 200, junk
    lurah = app.test_client()
    login(lurah, "lurah")
    scoped = lurah.get(f"/admin/cari?q=sampah&kelurahan_id={world.kel2.id}").get_data(as_text=True)
    assert re.search(r"<strong>2</strong>", scoped) and "Coblong Kel 2" not in scoped.split('id="results"')[1]


def test_iku6_says_why_each_rw_counts_with_sort_and_filter(client, world, app):
    with app.app_context():
        rw1, rw2, rw3 = world.wilayah.rw[world.kel1.id]
        good = {"kebun_toga": True, "pengelolaan_sampah": "baik", "status_kumuh": "tidak_kumuh", "lembaga_aktif": True}
        before = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw1.id,
                            data={**good, "kebun_toga": False, "pengelolaan_sampah": "buruk"},
                            observed_at=dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc))
        now = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw1.id,
                         data=good)
        still = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw2.id,
                           data={**good, "status_kumuh": "kumuh"})
        db.session.flush()
        rows = [{"id": rw1.id, "kelurahan_id": world.kel1.id, "now": True, "baseline": False, "changed": True,
                 "inspection_now": str(now.id), "inspection_baseline": str(before.id)},
                {"id": rw2.id, "kelurahan_id": world.kel1.id, "now": False, "baseline": False, "changed": False,
                 "inspection_now": str(still.id), "inspection_baseline": None},
                {"id": rw3.id, "kelurahan_id": world.kel1.id, "now": False, "baseline": False, "changed": False,
                 "inspection_now": None, "inspection_baseline": None}]
        result(world.kec_id, "IKU6", "2026", 33.33, numerator=1, denominator=3, details={"rw": rows})
        db.session.commit()
    login(client, "camat")
    table = client.get("/admin/iku/IKU6?period=2026").get_data(as_text=True).split('id="rw-table"', 1)[1]
    table = table.split("</table>", 1)[0]
    assert "Kini terpenuhi: kebun TOGA, sampah dikelola baik; Keempat syarat terpenuhi." in table
    assert "Tanpa data awal (dianggap belum Baik); Belum terpenuhi: tidak kumuh." in table
    assert "Belum ada inspeksi sampai akhir periode." in table
    assert table.index("RW 01") < table.index("RW 02")
    changed = client.get("/admin/iku/IKU6?period=2026&rw_filter=berubah").get_data(as_text=True)
    assert "RW 01 · " in changed and "RW 02 · " not in changed.split('id="rw-table"', 1)[1]
    no_base = client.get("/admin/iku/IKU6?period=2026&rw_filter=tanpa_awal&rw_sort=rw").get_data(as_text=True)
    body = no_base.split('id="rw-table"', 1)[1]
    assert "RW 01 · " not in body and body.index("RW 02") < body.index("RW 03")
    assert client.get("/admin/iku/IKU6?period=2026&rw_filter=x&rw_sort=y").status_code == 200


def test_map_points_open_their_record_over_labelled_centroids(client, world, app):
    with app.app_context():
        ids = []
        for n, rw in enumerate(world.wilayah.rw[world.kel1.id][:2]):
            s = submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw.id,
                           data={"lokasi": {"lat": -6.89 - n / 100, "lon": 107.61 + n / 100}})
            ids.append(str(s.id))
        # Last year's inspection still places RW 03 on the base layer.
        rw3 = world.wilayah.rw[world.kel1.id][2]
        submission("inspeksi-rw", kecamatan_id=world.kec_id, kelurahan_id=world.kel1.id, rw_id=rw3.id,
                   data={"lokasi": {"lat": -6.905, "lon": 107.605}},
                   observed_at=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc))
        db.session.commit()
    login(client, "camat")
    html = client.get("/admin/peta?period=2026").get_data(as_text=True)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    for sid in ids:
        assert re.search(rf'<a href="/admin/pengajuan/{sid}\?kembali=[^"]+" aria-label="RW 0\d', svg)
    assert svg.count("<circle") == 2
    assert ">RW 01</text>" in svg and ">RW 03</text>" in svg and ">Coblong Kel 1</text>" in svg
    assert "<image" not in svg  # no tiles unless configured


def test_performance_xlsx_has_figures_signature_and_a4_landscape_everywhere(client, world, app):
    import io

    from openpyxl import load_workbook

    _seed_year(app, world)
    login(client, "camat")
    wb = load_workbook(io.BytesIO(client.get("/admin/kinerja.xlsx?period=2026").data))
    ws = wb["Kinerja"]
    header = next(r for r in range(1, 20) if ws.cell(r, 2).value == "Kode")
    heads = [ws.cell(header, c).value for c in range(1, 15)]
    assert heads[8:14] == ["Target", "Realisasi", "Capaian (%)", "Mutu", "Pembilang", "Penyebut"]
    iku2 = next(r for r in range(header, header + 10) if ws.cell(r, 2).value == "IKU2")
    assert ws.cell(iku2, 13).value == 3 and ws.cell(iku2, 14).value == 7
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Camat Coblong" in texts and any(t.startswith("NIP.") for t in texts)
    assert any(re.match(r"Coblong, \d{1,2} \w+ \d{4}$", t) for t in texts)
    assert len(wb.worksheets) == 2
    for sheet in wb.worksheets:
        assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9", sheet.title
    raw = load_workbook(io.BytesIO(client.get("/admin/ekspor/pengaduan.xlsx?period=2026").data)).active
    assert raw.page_setup.orientation == "landscape" and str(raw.page_setup.paperSize) == "9"
    assert [c.value for c in raw[1]][:3] == ["ID", "Versi formulir", "Kode kelurahan"]
    lurah = app.test_client()
    login(lurah, "lurah")
    _seed_year(app, world, kelurahan_id=world.kel1.id)
    mine = load_workbook(io.BytesIO(lurah.get("/admin/kinerja.xlsx?period=2026").data))["Kinerja"]
    assert "Lurah Coblong Kel 1" in [c.value for row in mine.iter_rows() for c in row]


def test_lurahs_other_pages_carry_the_kelurahan_name(client, world, app):
    _seed_year(app, world, kelurahan_id=world.kel1.id)
    login(client, "lurah")
    name = "Kelurahan Coblong Kel 1"
    assert f"<title>IKU2 · {name} · 2026 · SIKK</title>" in client.get("/admin/iku/IKU2?period=2026").get_data(as_text=True)
    assert f"<title>Peta inspeksi — {name} · SIKK</title>" in client.get("/admin/peta?period=2026").get_data(as_text=True)
    printed = client.get("/admin/laporan?period=2026").get_data(as_text=True)
    assert "Lurah Coblong Kel 1" in printed and "Camat" not in printed.split('class="sign"', 1)[1]

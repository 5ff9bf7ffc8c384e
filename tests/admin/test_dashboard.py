"""The dashboard table, its period picker, the XLSX of `Unduh Excel` and the print page, per role."""
from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from server.extensions import db
from tests.admin.helpers import login, result

VALUES = {"IKU1": 81.25, "IKU2": 42.857142, "IKU3": 90.0, "IKU4": 75.5, "IKU5": 50.0, "IKU6": 33.333333}
TARGETS = {"IKU1": 80.0, "IKU2": 80.0, "IKU3": 85.0, "IKU4": 80.0, "IKU5": 40.0, "IKU6": 30.0}


def _seed_year(app, world, period: str = "2026", kelurahan_id: int = 0, scale: float = 1.0) -> None:
    with app.app_context():
        for code, value in VALUES.items():
            capaian = value * scale / TARGETS[code] * 100
            result(world.kec_id, code, period, value * scale, kelurahan_id=kelurahan_id, target=TARGETS[code],
                   capaian=capaian, numerator=3, denominator=7, mutu="B" if code == "IKU1" else None,
                   computed_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5))
        db.session.commit()


def _rows(html: str) -> dict[str, str]:
    """The dashboard's table rows by their first cell's code."""
    body = html.split('<table class="iku"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*data-code=\"(IKU\d)\"[^>]*>(.*?)</tr>", body, re.S):
        rows[row[0]] = row[1]
    return rows


def test_dashboard_shows_six_rows_with_indonesian_numbers(client, world, app):
    _seed_year(app, world)
    login(client, "camat")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    rows = _rows(html)
    assert list(rows) == ["IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"]
    for code, cells in rows.items():
        first = re.search(r"<(th|td)[^>]*>(.*?)</\1>", cells, re.S).group(2)
        assert code in first  # the first cell is the code
    assert "42,86" in rows["IKU2"]  # Indonesian decimals
    assert "81,25" in rows["IKU1"] and 'mutu-B' in rows["IKU1"]
    assert "Indeks Kepuasan Masyarakat" in rows["IKU1"]
    assert "Kotak Pengaduan yang ada di Kecamatan Maupun di Kelurahan" in rows["IKU2"]
    assert "Sekretaris Camat" in rows["IKU1"]
    assert "dihitung 5 menit lalu" in html
    assert "<svg" in rows["IKU1"]  # the trend


def test_missed_targets_are_highlighted(client, world, app):
    _seed_year(app, world)
    login(client, "camat")
    rows = _rows(client.get("/admin/?period=2026").get_data(as_text=True))
    # IKU2 42.86 of 80 and IKU4 75.5 of 80 miss; IKU1 81.25 of 80 makes it.
    assert "Tidak mencapai target" in rows["IKU2"] and "Tidak mencapai target" in rows["IKU4"]
    assert "Tidak mencapai target" not in rows["IKU1"]


def test_period_select_lists_years_and_quarters_with_data(client, world, app):
    _seed_year(app, world, "2025")
    _seed_year(app, world, "2025-Q2", scale=0.5)
    login(client, "camat")
    html = client.get("/admin/?period=2025-Q2").get_data(as_text=True)
    assert '<label for="period">Periode</label>' in html
    select = html.split('<select id="period"', 1)[1].split("</select>", 1)[0]
    assert 'value="2025"' in select and 'value="2025-Q2"' in select
    assert f'value="{dt.date.today().year}"' in select  # the current year is always offered
    assert '<option value="2025-Q2" selected>' in select
    assert "21,43" in _rows(html)["IKU2"]  # the quarter's own figure (42.857 × 0.5)


def test_default_period_is_the_current_year(client, world, app):
    login(client, "camat")
    html = client.get("/admin/").get_data(as_text=True)
    year = str(dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).year)
    assert f'<option value="{year}" selected>' in html


def test_bad_period_is_a_400(client, world):
    login(client, "camat")
    assert client.get("/admin/?period=2026-Q5").status_code == 400


def test_quarterly_trend_is_drawn(client, world, app):
    _seed_year(app, world, "2026")
    for q, scale in (("Q1", 0.5), ("Q2", 0.8)):
        _seed_year(app, world, f"2026-{q}", scale=scale)
    login(client, "camat")
    rows = _rows(client.get("/admin/?period=2026").get_data(as_text=True))
    assert rows["IKU3"].count("<circle") == 2  # two quarters with data
    assert "Q1: 45,00" in rows["IKU3"]


def test_unduh_excel_holds_numbers_in_a_report_layout(client, world, app):
    _seed_year(app, world)
    login(client, "camat")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    link = re.search(r'<a[^>]+href="([^"]+)"[^>]*>Unduh Excel</a>', html).group(1).replace("&amp;", "&")
    resp = client.get(link)
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "KECAMATAN COBLONG" in cells
    assert any("Tahun 2026" in v for v in cells)
    header = next(r for r in range(1, 20) if ws.cell(r, 2).value == "Kode")
    heads = [ws.cell(header, c).value for c in range(1, 13)]
    assert heads[8:11] == ["Target", "Realisasi", "Capaian (%)"]
    by_code = {ws.cell(r, 2).value: r for r in range(header + 2, header + 8)}
    assert list(by_code) == ["IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6"]
    for code, r in by_code.items():
        target, value, capaian = (ws.cell(r, c) for c in (9, 10, 11))
        assert isinstance(value.value, (int, float)) and abs(value.value - VALUES[code]) < 1e-9
        assert isinstance(target.value, (int, float)) and target.value == TARGETS[code]  # a number, not text
        assert abs(capaian.value - VALUES[code] / TARGETS[code] * 100) < 1e-9
        assert value.number_format == "0.00" and capaian.number_format == "0.00"
        assert value.border.left.style == "thin"
    assert ws.cell(by_code["IKU1"], 12).value.startswith("B")
    assert "Indeks Kepuasan Masyarakat" == ws.cell(by_code["IKU1"], 4).value


def test_xlsx_leaves_missing_figures_empty_not_text(client, world, app):
    login(client, "camat")
    ws = load_workbook(io.BytesIO(client.get("/admin/kinerja.xlsx?period=2026").data)).active
    header = next(r for r in range(1, 20) if ws.cell(r, 2).value == "Kode")
    assert all(ws.cell(r, 10).value is None for r in range(header + 2, header + 8))


def test_lurah_sees_only_their_kelurahan_figures(client, world, app):
    _seed_year(app, world, kelurahan_id=0)  # the kecamatan's: not for the lurah
    _seed_year(app, world, kelurahan_id=world.kel1.id, scale=0.9)
    _seed_year(app, world, kelurahan_id=world.kel2.id, scale=0.61)
    login(client, "lurah")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    rows = _rows(html)
    assert "38,57" in rows["IKU2"]  # 42.857 × 0.9, their own
    assert "42,86" not in html and "26,14" not in html
    assert world.kel2.nama not in html and "Seluruh kecamatan" not in html
    # Asking for the other kelurahan, or the whole kecamatan, never shows them.
    assert client.get(f"/admin/?period=2026&kelurahan_id={world.kel2.id}").status_code == 404
    html0 = client.get("/admin/?period=2026&kelurahan_id=0").get_data(as_text=True)
    assert "38,57" in _rows(html0)["IKU2"]
    ws = load_workbook(io.BytesIO(client.get(f"/admin/kinerja.xlsx?period=2026").data)).active
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert any(abs(v - 42.857142 * 0.9) < 1e-6 for v in values)
    assert not any(abs(v - 42.857142) < 1e-6 for v in values)
    assert not any(abs(v - 42.857142 * 0.61) < 1e-6 for v in values)
    assert client.get(f"/admin/kinerja.xlsx?period=2026&kelurahan_id={world.kel2.id}").status_code == 404


def test_camat_can_pick_a_kelurahan(client, world, app):
    _seed_year(app, world, kelurahan_id=world.kel2.id, scale=0.7)
    login(client, "camat")
    html = client.get(f"/admin/?period=2026&kelurahan_id={world.kel2.id}").get_data(as_text=True)
    assert "30,00" in _rows(html)["IKU2"]


def test_camat_never_sees_another_kecamatan(client, world, app):
    with app.app_context():
        result(world.other.kecamatan.id, "IKU2", "2026", 12.34)
        db.session.commit()
    login(client, "camat")
    html = client.get(f"/admin/?period=2026&kecamatan_id={world.other.kecamatan.id}").get_data(as_text=True)
    assert "12,34" not in html and "Coblong" in html
    other_kel = world.other.kelurahan[0].id
    assert client.get(f"/admin/?period=2026&kelurahan_id={other_kel}").status_code == 404


def test_print_report_page(client, world, app):
    _seed_year(app, world)
    _seed_year(app, world, kelurahan_id=world.kel2.id, scale=0.61)
    login(client, "camat")
    html = client.get("/admin/laporan?period=2026").get_data(as_text=True)
    assert "print.css" in html and "KECAMATAN COBLONG" in html and "42,86" in html
    breakdown = html.split('id="breakdown"', 1)[1].split("</table>", 1)[0]
    assert world.kel1.nama in breakdown and "26,14" in breakdown  # kelurahan 2's own IKU2
    lurah = app.test_client()
    login(lurah, "lurah")
    html = lurah.get("/admin/laporan?period=2026").get_data(as_text=True)
    assert 'id="breakdown"' not in html and world.kel2.nama not in html


def test_dashboard_at_city_scale_answers_every_kecamatan_admin(client, world, app):
    # Results of many kecamatan in one table do not leak into each other.
    with app.app_context():
        for code, value in VALUES.items():
            result(world.other.kecamatan.id, code, "2026", value + 1)
        db.session.commit()
    _seed_year(app, world)
    login(client, "camat")
    rows = _rows(client.get("/admin/?period=2026").get_data(as_text=True))
    assert "43,86" not in rows["IKU2"] and "42,86" in rows["IKU2"]


def test_city_admin_picks_a_kecamatan(client, world, app):
    from tests.factories import make_user

    with app.app_context():
        make_user("kota", "kecamatan_admin", None)
        result(world.other.kecamatan.id, "IKU2", "2026", 12.34)
        db.session.commit()
    login(client, "kota")
    html = client.get("/admin/?period=2026").get_data(as_text=True)
    assert '<label for="kecamatan_id">Kecamatan</label>' in html and "Sukasari" in html and "Coblong" in html
    html = client.get(f"/admin/?period=2026&kecamatan_id={world.other.kecamatan.id}").get_data(as_text=True)
    assert "12,34" in _rows(html)["IKU2"]


def test_iku1_shows_respondents(client, world, app):
    with app.app_context():
        result(world.kec_id, "IKU1", "2026", 81.25, numerator=3.25, denominator=196, mutu="B")
        db.session.commit()
    login(client, "camat")
    assert "196 responden" in _rows(client.get("/admin/?period=2026").get_data(as_text=True))["IKU1"]


def test_xlsx_has_a_per_kelurahan_sheet_for_the_whole_kecamatan(client, world, app):
    _seed_year(app, world)
    _seed_year(app, world, kelurahan_id=world.kel1.id, scale=0.9)
    _seed_year(app, world, kelurahan_id=world.kel2.id, scale=0.61)
    login(client, "camat")
    wb = load_workbook(io.BytesIO(client.get("/admin/kinerja.xlsx?period=2026").data))
    ws = wb["Per kelurahan"]
    rows = {r[2].value: [c.value for c in r[3:9]] for r in ws.iter_rows(min_row=4)}
    assert set(rows) == {world.kel1.nama, world.kel2.nama}
    assert abs(rows[world.kel1.nama][1] - 42.857142 * 0.9) < 1e-6
    assert abs(rows[world.kel2.nama][1] - 42.857142 * 0.61) < 1e-6
    assert ws.cell(4, 5).number_format == "0.00"
    # A lurah's file has no such sheet (and so nothing of the other kelurahan).
    lurah = app.test_client()
    login(lurah, "lurah")
    assert load_workbook(io.BytesIO(lurah.get("/admin/kinerja.xlsx?period=2026").data)).sheetnames == ["Kinerja"]


def test_dashboard_says_when_new_records_wait_for_scoring(client, world, app):
    from server.models import ScoreOutbox

    _seed_year(app, world)
    login(client, "camat")
    assert "data baru sedang dihitung" not in client.get("/admin/?period=2026").get_data(as_text=True)
    with app.app_context():
        db.session.add(ScoreOutbox(kecamatan_id=world.kec_id, year=2026))
        db.session.commit()
    assert "data baru sedang dihitung" in client.get("/admin/?period=2026-Q1").get_data(as_text=True)
    assert "data baru sedang dihitung" not in client.get("/admin/?period=2025").get_data(as_text=True)

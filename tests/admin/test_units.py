"""Pure helpers of the admin view: Indonesian formatting, translation, periods, the report layout."""
from __future__ import annotations

import datetime as dt

import pytest

from server.admin.context import valid_period
from server.admin.formatting import ago, integer, number
from server.admin.i18n import translate
from server.admin.manage_catalogue import is_closed, period_start
from server.reports.iku_meta import IKU_CODES, IKU_META
from server.reports.performance import sort_periods
from server.reports.performance_xlsx import period_label


@pytest.mark.parametrize("value, text", [(42.857142, "42,86"), (1234567.891, "1.234.567,89"), (0, "0,00"),
                                         (-3.5, "-3,50"), (None, "–"), (100, "100,00")])
def test_numbers_are_written_the_indonesian_way(value, text):
    assert number(value) == text


def test_integers_get_dots_for_thousands():
    assert integer(1561) == "1.561"


def test_freshness_wording(app):
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc)
    with app.test_request_context():
        assert ago(now - dt.timedelta(minutes=5), now) == "dihitung 5 menit lalu"
        assert ago(now - dt.timedelta(seconds=10), now) == "dihitung baru saja"
        assert ago(now - dt.timedelta(hours=3), now) == "dihitung 3 jam lalu"
        assert ago(now - dt.timedelta(days=2), now) == "dihitung 2 hari lalu"
        assert ago(None, now) == "belum dihitung"


def test_dates_in_local_time(app):
    from server.admin.formatting import date, datetime

    with app.test_request_context():
        moment = dt.datetime(2026, 11, 22, 18, 30, tzinfo=dt.timezone.utc)  # 01:30 the next day in Jakarta
        assert date(moment) == "23/11/2026" and datetime(moment) == "23/11/2026 01:30"
        assert date(dt.date(2026, 11, 23)) == "23/11/2026"


def test_translation_falls_back_to_indonesian():
    assert translate("Masuk", "en") == "Log in"
    assert translate("Masuk", "id") == "Masuk"
    assert translate("Kalimat yang belum diterjemahkan", "en") == "Kalimat yang belum diterjemahkan"
    assert translate("Unduh Excel", "en") == "Unduh Excel"  # a contract name stays


@pytest.mark.parametrize("period, ok", [("2026", True), ("2026-Q4", True), ("2026-Q5", False), ("26", False),
                                        ("2026Q1", False), ("abcd", False)])
def test_valid_periods(period, ok):
    assert valid_period(period) is ok


def test_periods_sort_newest_year_first_with_its_quarters():
    assert sort_periods({"2025", "2026-Q2", "2026", "2025-Q4", "2026-Q1"}) == [
        "2026", "2026-Q1", "2026-Q2", "2025", "2025-Q4"]


def test_closed_periods_for_rule_sets():
    today = dt.date(2026, 11, 25)
    assert period_start("2026-Q3") == dt.date(2026, 7, 1)
    assert is_closed("2026", today) and is_closed("2026-Q3", today)
    assert not is_closed("2026-Q4", today) and not is_closed("2027", today)


def test_period_labels_for_the_report():
    assert period_label("2026") == "Tahun 2026"
    assert period_label("2026-Q2") == "Triwulan II Tahun 2026"


def test_seed_table_is_complete_and_in_order():
    assert IKU_CODES == ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6")
    for meta in IKU_META:
        assert meta.sasaran and meta.indikator and meta.formula and meta.sumber_data and meta.penanggung_jawab
    assert [m.sasaran_no for m in IKU_META] == [1, 1, 2, 2, 2, 2]

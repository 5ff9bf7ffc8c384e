"""The shared vocabulary: one period parser with its doors, the indicator catalogue, the clock."""
from __future__ import annotations

import datetime as dt

import pytest

from domain import clock
from domain.indicators import CATALOGUE, CODES, indicator
from domain.periods import Period, split_label, year_and_quarters


@pytest.mark.parametrize("label, expected", [("2026", (2026, None)), ("2026-Q3", (2026, 3)), ("2026-q1", (2026, 1)),
                                             ("0000-Q1", (0, 1)), ("2026-Q5", None), ("26", None), (" 2026", None),
                                             ("2026Q1", None), (2026, None), (None, None)])
def test_split_label_is_the_syntax_alone(label, expected):
    assert split_label(label) == expected


@pytest.mark.parametrize("label, parsed, stored", [
    ("2026", Period(2026), Period(2026)), ("2026-Q2", Period(2026, 2), Period(2026, 2)),
    ("2026-q2", Period(2026, 2), None),  # accepted, but not the stored spelling
    ("0000", None, None), ("2026 ", None, None), ("abcd", None, None)])
def test_parse_or_none_and_from_label(label, parsed, stored):
    assert Period.parse_or_none(label) == parsed
    assert Period.from_label(label) == stored


def test_parse_forgives_spaces_and_raises_on_the_rest():
    assert Period.parse(" 2026-Q4 ") == Period(2026, 4)
    for bad in ("2026-Q0", "0000", "", "2026-Q"):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_labels_bounds_and_neighbours():
    q2 = Period(2026, 2)
    assert (q2.label, q2.title, q2.start, q2.end) == ("2026-Q2", "Triwulan II Tahun 2026", dt.date(2026, 4, 1),
                                                       dt.date(2026, 6, 30))
    assert Period(2026).title == "Tahun 2026"
    assert Period(2026, 1).previous() == Period(2025, 4) and Period(2026).previous() == Period(2025)
    assert [p.label for p in year_and_quarters(2026)] == ["2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert Period.of_day(dt.date(2026, 12, 31)) == Period(2026, 4)


def test_the_catalogue_is_the_six_iku_in_order():
    assert CODES == ("IKU1", "IKU2", "IKU3", "IKU4", "IKU5", "IKU6")
    assert [i.unit for i in CATALOGUE] == ["indeks", "%", "%", "%", "%", "%"]
    assert indicator("IKU6").name == "Persentase RW berubah"
    assert {i.direction for i in CATALOGUE} == {"higher"}


def test_the_clock():
    naive = dt.datetime(2025, 12, 31, 17, 30)
    assert clock.aware_utc(naive).tzinfo == dt.timezone.utc and clock.aware_utc(None) is None
    assert clock.local_day(naive) == dt.date(2026, 1, 1)  # 00:30 WIB
    assert clock.zone().key == clock.DEFAULT_TIMEZONE == "Asia/Jakarta"
    assert clock.today("UTC") in (dt.datetime.now(dt.timezone.utc).date(),
                                  (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)).date())

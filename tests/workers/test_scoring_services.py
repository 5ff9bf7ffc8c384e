"""IKU3/IKU4: on-time services — minutes or working days, holidays, completion period, sections."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workers.scoring.model import Period, ServiceEntry, ServiceType
from workers.scoring.services import count_on_time, is_on_time, working_days_between

CATALOGUE = {
    t.code: t
    for t in [
        ServiceType("pengantar-ktp", "Surat pengantar KTP-el", "adminduk", "Seksi Pemerintahan", 60, "minutes"),
        ServiceType("pengantar-akta", "Pengantar akta", "adminduk", "Seksi Pemerintahan", 15, "minutes"),
        ServiceType("pindah-datang", "Surat keterangan pindah/datang", "adminduk", "Seksi Pemerintahan", 3, "working_days"),
        ServiceType("sktm", "Surat keterangan tidak mampu", "umum", "Seksi Kessos", 60, "minutes"),
        ServiceType("keterangan-usaha", "Surat keterangan usaha", "umum", "Seksi Ekobang", 1, "working_days"),
        ServiceType("izin-keramaian", "Rekomendasi izin keramaian", "umum", "Seksi Trantib", 3, "working_days"),
    ]
}
FRI, SAT, SUN, MON, TUE, WED, THU = (date(2026, 3, d) for d in (13, 14, 15, 16, 17, 18, 19))


def entry(sid: str, code: str, received: datetime, completed: datetime | None, kelurahan_id: int | None = 1) -> ServiceEntry:
    return ServiceEntry(sid, kelurahan_id, code, received, completed)


def at(day: date, hour: int = 9, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second)


@pytest.mark.parametrize(
    ("received", "completed", "holidays", "days"),
    [
        (MON, MON, (), 0),  # same day: 0 working days
        (MON, TUE, (), 1),
        (FRI, MON, (), 1),  # the weekend does not count
        (FRI, SAT, (), 0),
        (FRI, SUN, (), 0),
        (SAT, MON, (), 1),
        (MON, date(2026, 3, 23), (), 5),  # a week later
        (FRI, TUE, (MON,), 1),  # Monday holiday
        (FRI, TUE, (SAT,), 2),  # a holiday on a weekend changes nothing
        (FRI, TUE, (FRI,), 2),  # the receipt day is never counted
        (FRI, TUE, (TUE,), 1),  # the completion day is counted, so its holiday too
        (TUE, MON, (), 0),  # completed before received: 0
    ],
)
def test_working_days_between(received: date, completed: date, holidays: tuple, days: int) -> None:
    assert working_days_between(received, completed, frozenset(holidays)) == days


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=120),
    st.frozensets(st.dates(min_value=date(2020, 1, 1), max_value=date(2031, 6, 30)), max_size=20),
)
def test_working_days_matches_day_by_day_count(received: date, span: int, holidays: frozenset) -> None:
    completed = received + timedelta(days=span)
    expected = sum(
        1 for offset in range(1, span + 1)
        if (d := received + timedelta(days=offset)).weekday() < 5 and d not in holidays
    )
    assert working_days_between(received, completed, holidays) == expected


@pytest.mark.parametrize(
    ("code", "received", "completed", "on_time"),
    [
        ("pengantar-ktp", at(MON, 9), at(MON, 10), True),  # exactly 60 minutes
        ("pengantar-ktp", at(MON, 9), at(MON, 10, 0, 1), False),  # 60 min 1 s
        ("pengantar-akta", at(MON, 9), at(MON, 9, 15), True),
        ("pengantar-akta", at(MON, 9), at(MON, 9, 16), False),
        ("pengantar-ktp", at(MON, 16, 30), at(TUE, 8, 0), False),  # minutes run overnight
        ("pindah-datang", at(FRI, 15), at(WED, 8), True),  # Mon, Tue, Wed = 3
        ("pindah-datang", at(FRI, 15), at(THU, 8), False),  # 4
        ("keterangan-usaha", at(FRI, 15), at(MON, 16), True),  # 1 working day
        ("keterangan-usaha", at(THU, 15), at(date(2026, 3, 23), 8), False),  # Fri + next Mon = 2
        ("keterangan-usaha", at(MON, 8), at(MON, 17), True),  # same day
    ],
)
def test_is_on_time(code: str, received: datetime, completed: datetime, on_time: bool) -> None:
    assert is_on_time(entry("x", code, received, completed), CATALOGUE[code], frozenset()) is on_time


def test_holiday_makes_a_late_service_on_time() -> None:
    service = entry("x", "keterangan-usaha", at(FRI, 15), at(TUE, 8))
    assert not is_on_time(service, CATALOGUE["keterangan-usaha"], frozenset())
    assert is_on_time(service, CATALOGUE["keterangan-usaha"], frozenset({MON}))


def test_count_belongs_to_the_period_of_completion() -> None:
    services = [
        entry("a", "pindah-datang", at(date(2026, 3, 30)), at(date(2026, 4, 1))),  # completed in Q2
        entry("b", "pengantar-ktp", at(date(2026, 3, 31), 23, 30), at(date(2026, 3, 31), 23, 50)),  # Q1
        entry("c", "pengantar-ktp", at(date(2025, 12, 31), 23, 30), at(date(2026, 1, 1), 1, 0)),  # Q1, late
        entry("d", "pengantar-ktp", at(date(2026, 3, 31)), None),  # still open: nowhere
    ]
    q1 = count_on_time(services, CATALOGUE, "adminduk", Period(2026, 1), frozenset())
    assert (q1.on_time_ids, q1.late_ids) == (["b"], ["c"])
    q2 = count_on_time(services, CATALOGUE, "adminduk", Period(2026, 2), frozenset())
    assert (q2.on_time_ids, q2.late_ids, q2.numerator, q2.denominator) == (["a"], [], 1, 1)
    year = count_on_time(services, CATALOGUE, "adminduk", Period(2026), frozenset())
    assert year.record_ids == ["a", "b", "c"]


def test_groups_and_sections() -> None:
    services = [
        entry("a", "pengantar-ktp", at(MON), at(MON, 9, 30)),
        entry("b", "sktm", at(MON), at(MON, 9, 30)),
        entry("c", "sktm", at(MON), at(MON, 11)),
        entry("d", "izin-keramaian", at(MON), at(TUE)),
        entry("e", "keterangan-usaha", at(MON), at(WED)),
    ]
    umum = count_on_time(services, CATALOGUE, "umum", Period(2026, 1), frozenset())
    assert umum.on_time_ids == ["b", "d"] and umum.late_ids == ["c", "e"]
    assert umum.sections == {"Seksi Kessos": [1, 2], "Seksi Trantib": [1, 1], "Seksi Ekobang": [0, 1]}
    adminduk = count_on_time(services, CATALOGUE, "adminduk", Period(2026, 1), frozenset())
    assert adminduk.record_ids == ["a"]


def test_unknown_type_and_inverted_times_are_left_out_with_warnings() -> None:
    services = [
        entry("a", "tidak-ada", at(MON), at(MON, 10)),
        entry("b", "sktm", at(TUE), at(MON)),
        entry("c", "sktm", at(MON), at(MON, 9, 1)),
    ]
    umum = count_on_time(services, CATALOGUE, "umum", Period(2026, 1), frozenset())
    assert umum.record_ids == ["c"]
    assert len(umum.warnings) == 2 and "tidak-ada" in umum.warnings[0]

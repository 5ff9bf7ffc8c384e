"""Pure rules of a record's life: chains, one report per quarter, due reports, SOP versions."""
from __future__ import annotations

import datetime as dt

from server.periods import affected_years, record_period
from workers.scoring import DEFAULT_RULES, KelurahanReport, Period, ServiceType
from workers.scoring.chains import Version, current_versions
from workers.scoring.criteria import due_quarters, latest_reports
from workers.scoring.services import service_type_at


def v(vid, sup=None, by=None, eligible=True) -> Version:
    return Version(vid, sup, by, eligible)


def test_a_single_version_is_its_own_current():
    assert current_versions([v("a")]) == {"a": "a"}
    assert current_versions([v("a", eligible=False)]) == {"a": None}


def test_the_latest_eligible_version_is_current_for_every_version():
    chain = [v("a", by="b"), v("b", "a", by="c"), v("c", "b")]
    assert current_versions(chain) == {"a": "c", "b": "c", "c": "c"}


def test_rejecting_the_correction_restores_the_one_before():
    chain = [v("a", by="b"), v("b", "a", by="c"), v("c", "b", eligible=False)]
    assert current_versions(chain) == {"a": "b", "b": "b", "c": "b"}
    chain = [v("a", by="b"), v("b", "a", by="c", eligible=False), v("c", "b", eligible=False)]
    assert set(current_versions(chain).values()) == {"a"}


def test_a_chain_with_every_version_rejected_does_not_count():
    assert set(current_versions([v("a", by="b", eligible=False), v("b", "a", eligible=False)]).values()) == {None}


def test_the_first_correction_wins_a_race():
    chain = [v("a", by="c"), v("b", "a"), v("c", "a")]  # b and c both supersede a; the sync recorded c
    assert current_versions(chain) == {"a": "c", "b": "c", "c": "c"}


def test_a_link_to_a_version_not_given_starts_the_chain():
    assert current_versions([v("b", "missing")]) == {"b": "b"}


def report(rid, period, observed=None, received=None, kriminal=0) -> KelurahanReport:
    return KelurahanReport(rid, 1, Period.parse(period), True, kriminal, 0, {}, observed=observed, received=received)


def test_one_report_per_quarter_the_latest_by_observed_then_received():
    t = dt.datetime(2025, 4, 3, tzinfo=dt.timezone.utc)
    later = t + dt.timedelta(days=2)
    reports = [report("x", "2025-Q1", t, t), report("a", "2025-Q1", later, t), report("q2", "2025-Q2", t, t)]
    assert sorted(r.id for r in latest_reports(reports)) == ["a", "q2"]
    same_moment = [report("b", "2025-Q1", t, later), report("z", "2025-Q1", t, t)]
    assert [r.id for r in latest_reports(same_moment)] == ["b"]


def test_due_quarters_of_a_running_and_a_closed_year():
    today = dt.date(2026, 10, 10)
    assert [q.label for q in due_quarters(Period(2026), DEFAULT_RULES, today)] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert [q.label for q in due_quarters(Period(2026), DEFAULT_RULES, today - dt.timedelta(days=1))] == [
        "2026-Q1", "2026-Q2"]
    assert len(due_quarters(Period(2025), DEFAULT_RULES, today)) == 4
    assert due_quarters(Period(2026), DEFAULT_RULES, None) == []


def test_the_sop_in_force_on_the_day_of_receipt():
    old = ServiceType("ktp", "KTP", "adminduk", "Pem", 60, "minutes", dt.date(2000, 1, 1), 1)
    new = ServiceType("ktp", "KTP", "adminduk", "Pem", 15, "minutes", dt.date(2026, 12, 3), 2)
    catalogue = {"ktp": new}
    versions = {"ktp": (old, new)}
    assert service_type_at("ktp", dt.date(2025, 3, 3), catalogue, versions) is old
    assert service_type_at("ktp", dt.date(2026, 12, 3), catalogue, versions) is new
    assert service_type_at("ktp", dt.date(2025, 3, 3), catalogue, {}) is new  # no versions: the catalogue
    assert service_type_at("lain", dt.date(2025, 3, 3), catalogue, versions) is None


def test_one_clock_decides_the_period():
    late_evening = dt.datetime.fromisoformat("2026-01-01T00:30:00+09:00")
    assert record_period("skm", late_evening, {}) == (2025, 4)
    assert record_period("pengaduan", late_evening, {"tanggal_terima": "2026-02-01"}) == (2026, 1)
    assert record_period("laporan-kelurahan", late_evening, {"periode": "2024-Q3"}) == (2024, 3)
    assert record_period("skm", late_evening, {}, "Asia/Tokyo") == (2026, 1)
    service = {"waktu_terima": "2025-12-31T15:00:00+07:00", "waktu_selesai": "2026-01-02T09:00:00+07:00"}
    assert affected_years("layanan", dt.datetime.fromisoformat(service["waktu_terima"]), service) == {2025, 2026}

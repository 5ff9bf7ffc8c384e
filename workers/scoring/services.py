"""IKU3 and IKU4: services completed within their SOP duration.

A service belongs to the period in which it was COMPLETED (local date). On time means:
- SOP in minutes: elapsed minutes from receipt to completion ≤ SOP;
- SOP in working days: the working days (Monday–Friday, minus holidays) AFTER the receipt date up to
  and including the completion date ≤ SOP; so a same-day completion takes 0 working days, and one
  received on Friday and completed on Monday takes 1.

The SOP is the one in force on the day the service was RECEIVED (``service_type_at``): service
types are versioned by effective-from date, so an SOP edit applies from its date on and never
rewrites a period already closed. The versions used are recorded with the result.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from .model import Period, ServiceEntry, ServiceType

MINUTES = "minutes"
WORKING_DAYS = "working_days"


def service_type_at(code: str, day: date, service_types: Mapping[str, ServiceType],
                    versions: Mapping[str, Sequence[ServiceType]] | None = None) -> ServiceType | None:
    """The version of a service type in force on ``day`` (the latest effective_from on or before it).

    With no version effective yet on that day, the earliest version; with no versions at all for
    the code, the catalogue's ``service_types`` entry.
    """
    history = (versions or {}).get(code)
    if not history:
        return service_types.get(code)
    if len(history) == 1:
        return history[0]
    in_force = [v for v in history if v.effective_from is None or v.effective_from <= day]
    if not in_force:
        return min(history, key=lambda v: (v.effective_from, v.version or 0))
    return max(in_force, key=lambda v: (v.effective_from or date.min, v.version or 0))


def working_days_between(received: date, completed: date, holidays: Collection[date]) -> int:
    """Working days after ``received`` up to and including ``completed`` (0 when same day or earlier)."""
    if completed <= received:
        return 0
    total_days = (completed - received).days
    full_weeks, remainder = divmod(total_days, 7)
    count = full_weeks * 5
    for offset in range(1, remainder + 1):
        if (received + timedelta(days=offset)).weekday() < 5:
            count += 1
    count -= sum(1 for holiday in holidays if received < holiday <= completed and holiday.weekday() < 5)
    return count


def elapsed(entry: ServiceEntry, service_type: ServiceType, holidays: Collection[date]) -> float:
    """How long the service took, in the unit of its SOP (minutes, or working days)."""
    if entry.completed is None:
        raise ValueError(f"service {entry.id} is not completed")
    if service_type.sop_unit == MINUTES:
        return (entry.completed - entry.received).total_seconds() / 60
    return working_days_between(entry.received.date(), entry.completed.date(), holidays)


def is_on_time(entry: ServiceEntry, service_type: ServiceType, holidays: Collection[date]) -> bool:
    """True when the service was completed within its SOP duration."""
    return elapsed(entry, service_type, holidays) <= service_type.sop_value


@dataclass(slots=True)
class OnTimeCount:
    """Completed services of one group in a period, split on time / late, with a per-section breakdown."""

    on_time_ids: list[str] = field(default_factory=list)
    late_ids: list[str] = field(default_factory=list)
    sections: dict[str, list[int]] = field(default_factory=dict)  # section -> [on time, completed]
    warnings: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # service code -> stored SOP version used (latest)

    @property
    def record_ids(self) -> list[str]:
        """Every service counted, sorted."""
        return sorted(self.on_time_ids + self.late_ids)

    @property
    def numerator(self) -> int:
        """Services completed on time."""
        return len(self.on_time_ids)

    @property
    def denominator(self) -> int:
        """Services completed in the period."""
        return len(self.on_time_ids) + len(self.late_ids)


def count_on_time(
    services: Iterable[ServiceEntry],
    service_types: Mapping[str, ServiceType],
    group: str,
    period: Period,
    holidays: Collection[date],
    versions: Mapping[str, Sequence[ServiceType]] | None = None,
) -> OnTimeCount:
    """Count the services of ``group`` ("adminduk" or "umum") completed within ``period``, and those on time.

    Entries whose service code is not in the catalogue, or whose completion precedes the receipt,
    are left out with a warning (they cannot be judged).
    """
    result = OnTimeCount()
    for entry in sorted(services, key=lambda e: e.id):
        if entry.completed is None or not period.contains(entry.completed.date()):
            continue
        service_type = service_type_at(entry.service_code, entry.received.date(), service_types, versions)
        if service_type is None:
            result.warnings.append(f"Layanan {entry.id}: jenis layanan {entry.service_code!r} tidak dikenal, tidak dihitung")
            continue
        if service_type.group != group:
            continue
        if entry.completed < entry.received:
            result.warnings.append(f"Layanan {entry.id}: selesai sebelum diterima, tidak dihitung")
            continue
        if service_type.version is not None:
            used = result.versions.get(service_type.code)
            result.versions[service_type.code] = max(used or 0, service_type.version)
        section = result.sections.setdefault(service_type.section, [0, 0])
        section[1] += 1
        if is_on_time(entry, service_type, holidays):
            result.on_time_ids.append(entry.id)
            section[0] += 1
        else:
            result.late_ids.append(entry.id)
    return result

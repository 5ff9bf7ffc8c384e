"""A reporting period: a whole year or one of its quarters — the one parser and the one spelling.

Written ``"2026"`` or ``"2026-Q3"`` everywhere it is stored or sent (the API, the results table,
the admin's query strings). Parsing also accepts a lower-case ``q``; :meth:`Period.parse` (the
operator's ``--period``) also forgives surrounding spaces. Quarters are calendar quarters:
Q1 January–March … Q4 October–December.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

_PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-[Qq]([1-4]))?$")
_QUARTER_FIRST_MONTH = {1: 1, 2: 4, 3: 7, 4: 10}
_QUARTER_LAST_DAY = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def split_label(label: Any) -> tuple[int, int | None] | None:
    """The syntax alone: ``"2026"`` → (2026, None), ``"2026-Q3"`` (or ``-q3``) → (2026, 3), else None.

    Any four digits pass (``"0000"`` too): callers that need a real period use :class:`Period`,
    whose years run 1…9999; the form validator answers an out-of-range year with its own message.
    """
    match = _PERIOD_PATTERN.match(label) if isinstance(label, str) else None
    if match is None:
        return None
    year, quarter = match.groups()
    return int(year), int(quarter) if quarter else None


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: a whole year (``quarter`` None) or one of its quarters."""

    year: int
    quarter: int | None = None
    _start: date = field(init=False, repr=False, compare=False)  # computed once: read on every record
    _end: date = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.quarter is not None and self.quarter not in _QUARTER_FIRST_MONTH:
            raise ValueError(f"quarter must be 1..4 or None, not {self.quarter!r}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year out of range: {self.year!r}")
        first_month = 1 if self.quarter is None else _QUARTER_FIRST_MONTH[self.quarter]
        last_month, last_day = _QUARTER_LAST_DAY[4 if self.quarter is None else self.quarter]
        object.__setattr__(self, "_start", date(self.year, first_month, 1))
        object.__setattr__(self, "_end", date(self.year, last_month, last_day))

    @classmethod
    def parse_or_none(cls, label: Any) -> Period | None:
        """``"2026"``, ``"2026-Q3"`` (or ``-q3``) → a Period; anything else (spaces included) → None."""
        found = split_label(label)
        return None if found is None or found[0] < 1 else cls(*found)

    @classmethod
    def parse(cls, label: str) -> Period:
        """Parse ``"2026"`` or ``"2026-Q3"`` (spaces around forgiven); raise ``ValueError`` on anything else."""
        found = cls.parse_or_none(label.strip()) if isinstance(label, str) else None
        if found is None:
            raise ValueError(f"not a period: {label!r} (expected YYYY or YYYY-Qn)")
        return found

    @classmethod
    def from_label(cls, label: Any) -> Period | None:
        """The period only when ``label`` is spelled exactly as stored (``"2026"``, ``"2026-Q3"``), else None."""
        found = cls.parse_or_none(label)
        return found if found is not None and found.label == label else None

    @classmethod
    def of_day(cls, day: date) -> Period:
        """The quarter holding ``day``."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        """The period as written in the API: ``"2026"`` or ``"2026-Q3"``."""
        return str(self.year) if self.quarter is None else f"{self.year}-Q{self.quarter}"

    @property
    def title(self) -> str:
        """The period as the printed report names it: ``Tahun 2026``, ``Triwulan II Tahun 2026``."""
        if self.quarter is None:
            return f"Tahun {self.year}"
        return f"Triwulan {_ROMAN[self.quarter]} Tahun {self.year}"

    @property
    def start(self) -> date:
        """The first day of the period (inclusive)."""
        return self._start

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        return self._end

    @property
    def is_year(self) -> bool:
        """True for a whole year."""
        return self.quarter is None

    def previous(self) -> Period:
        """The period of equal length just before: Q1 → previous year's Q4, a year → the year before."""
        if self.quarter is None:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    def quarters(self) -> tuple[Period, ...]:
        """The quarters of this period: four for a year, itself for a quarter."""
        if self.quarter is None:
            return tuple(Period(self.year, q) for q in (1, 2, 3, 4))
        return (self,)

    def contains(self, day: date) -> bool:
        """True when ``day`` (a local date) lies within the period, ends included."""
        if isinstance(day, datetime):
            day = day.date()
        return self._start <= day <= self._end

    def __str__(self) -> str:
        return self.label


def year_and_quarters(year: int) -> tuple[Period, ...]:
    """The year and its four quarters, in that order."""
    return (Period(year), *Period(year).quarters())

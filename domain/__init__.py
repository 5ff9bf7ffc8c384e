"""The vocabulary every layer shares: periods, the six indicators, the deployment's clock.

Standard library only, and importing nothing of the project: ``server``, ``workers`` and the pure
``workers.scoring`` all build on it, so a concept defined here has exactly one home.

- :mod:`domain.periods` — ``Period``: a year or one of its quarters (parse, label, bounds, previous).
- :mod:`domain.indicators` — the indicator catalogue (code, name, unit, official wording, direction).
- :mod:`domain.clock` — the timezone default, today's local date, aware UTC from naive values.
"""
from domain.clock import DEFAULT_TIMEZONE, aware_utc, local_day, local_naive, today, zone
from domain.indicators import CATALOGUE, CODES, Indicator, indicator
from domain.periods import Period

__all__ = ["CATALOGUE", "CODES", "DEFAULT_TIMEZONE", "Indicator", "Period", "aware_utc", "indicator", "local_day",
           "local_naive", "today", "zone"]

"""The six IKU as the performance table states them: names kept importable from here for one release.

The catalogue itself (code, name, unit, the table's wording, direction) lives in
:mod:`domain.indicators`; new code imports it from there.
"""
from __future__ import annotations

from domain.indicators import CATALOGUE, CODES, CRITERIA, MUTU_LABELS, SASARAN_PELAYANAN, SASARAN_TUP, Indicator

IkuMeta = Indicator
IKU_META: tuple[Indicator, ...] = CATALOGUE
IKU_CODES: tuple[str, ...] = CODES
META_BY_CODE: dict[str, Indicator] = {i.code: i for i in CATALOGUE}

__all__ = ["CRITERIA", "IKU_CODES", "IKU_META", "META_BY_CODE", "MUTU_LABELS", "SASARAN_PELAYANAN", "SASARAN_TUP",
           "IkuMeta"]

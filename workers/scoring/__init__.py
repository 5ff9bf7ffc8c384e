"""The six IKU as pure functions over plain data (standard library only).

Inputs are the frozen dataclasses of ``model`` (built by the loader), thresholds come from a
versioned ``RuleSet``; ``compute_indicators`` returns one ``IndicatorScore`` per IKU with the
drill-down that explains it. See docs/scoring.md for the formulas as implemented.
"""
from .indicators import IndicatorScore, capaian, compute_indicators
from .model import (
    Complaint,
    Inspection,
    KecamatanData,
    Kelurahan,
    KelurahanReport,
    Period,
    ServiceEntry,
    ServiceType,
    Survey,
)
from .rules import DEFAULT_RULES, RuleSet, RwBaikRule, rules_for

__all__ = [
    "DEFAULT_RULES",
    "Complaint",
    "IndicatorScore",
    "Inspection",
    "KecamatanData",
    "Kelurahan",
    "KelurahanReport",
    "Period",
    "RuleSet",
    "RwBaikRule",
    "ServiceEntry",
    "ServiceType",
    "Survey",
    "capaian",
    "compute_indicators",
    "rules_for",
]

"""Versioned rule sets: every scoring threshold as data, effective from a period on.

A rule set is stored as JSON in the ``rule_sets`` table (``to_dict`` / ``from_dict``). The scores of a
period are computed with the rule set in force at the period's start (``rules_for``), and each
result records the version, so changing a threshold never silently rewrites a closed period.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import Period

CRITERIA: tuple[str, ...] = ("K1", "K2", "K3", "K4", "K5", "K6", "K7")
REPORT_KEYS: tuple[str, ...] = ("kependudukan", "ekobang", "kessos", "kepegawaian", "keuangan")


@dataclass(frozen=True, slots=True)
class RwBaikRule:
    """The four conditions that make an RW *Baik* (IKU6, and K3–K5 of IKU5); each may be relaxed by a rule set."""

    kebun_toga: bool = True  # True: a TOGA garden is required
    pengelolaan_sampah: frozenset[str] = frozenset({"baik"})  # accepted waste-management values
    status_kumuh: frozenset[str] = frozenset({"tidak_kumuh"})  # accepted slum statuses
    lembaga_aktif: bool = True  # True: active community institutions are required

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form."""
        return {
            "kebun_toga": self.kebun_toga,
            "pengelolaan_sampah": sorted(self.pengelolaan_sampah),
            "status_kumuh": sorted(self.status_kumuh),
            "lembaga_aktif": self.lembaga_aktif,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RwBaikRule:
        """Read the JSON form; missing keys take the defaults."""
        data = data or {}
        default = cls()
        return cls(
            kebun_toga=bool(data.get("kebun_toga", default.kebun_toga)),
            pengelolaan_sampah=frozenset(data.get("pengelolaan_sampah", default.pengelolaan_sampah)),
            status_kumuh=frozenset(data.get("status_kumuh", default.status_kumuh)),
            lembaga_aktif=bool(data.get("lembaga_aktif", default.lembaga_aktif)),
        )


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The thresholds of the six indicators, as one versioned, JSON-able value.

    ``mutu_a``/``mutu_b``/``mutu_c`` are the lower bounds of IKM grades A, B, C (inclusive, compared
    with the IKM already rounded half-up to two decimals). ``baik_criteria`` are the K-criteria a
    kelurahan must all hold to be *Baik*. ``lower_is_better`` names the IKU whose capaian follows the
    SAKIP "lower is better" formula.
    """

    version: int
    effective_from: str  # a period label: "2026" or "2026-Q3"
    mutu_a: float = 88.31
    mutu_b: float = 76.61
    mutu_c: float = 65.00
    k6_min_ikm: float = 76.61
    report_due_days: int = 10
    baik_criteria: frozenset[str] = frozenset(CRITERIA)
    lower_is_better: frozenset[str] = frozenset()
    rw_baik: RwBaikRule = field(default_factory=RwBaikRule)

    def __post_init__(self) -> None:
        Period.parse(self.effective_from)  # raises ValueError on a bad label
        unknown = set(self.baik_criteria) - set(CRITERIA)
        if unknown:
            raise ValueError(f"unknown criteria: {sorted(unknown)}")
        if not self.mutu_a >= self.mutu_b >= self.mutu_c:
            raise ValueError("mutu bounds must satisfy A >= B >= C")
        if self.report_due_days < 0:
            raise ValueError("report_due_days must be >= 0")

    @property
    def effective_period(self) -> Period:
        """``effective_from`` as a Period."""
        return Period.parse(self.effective_from)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form stored in the ``rule_sets`` table."""
        return {
            "version": self.version,
            "effective_from": self.effective_from,
            "mutu_a": self.mutu_a,
            "mutu_b": self.mutu_b,
            "mutu_c": self.mutu_c,
            "k6_min_ikm": self.k6_min_ikm,
            "report_due_days": self.report_due_days,
            "baik_criteria": sorted(self.baik_criteria),
            "lower_is_better": sorted(self.lower_is_better),
            "rw_baik": self.rw_baik.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSet:
        """Read the JSON form; keys left out take the defaults (older rule sets stay readable)."""
        default = DEFAULT_RULES
        return cls(
            version=int(data["version"]),
            effective_from=str(data.get("effective_from", default.effective_from)),
            mutu_a=float(data.get("mutu_a", default.mutu_a)),
            mutu_b=float(data.get("mutu_b", default.mutu_b)),
            mutu_c=float(data.get("mutu_c", default.mutu_c)),
            k6_min_ikm=float(data.get("k6_min_ikm", default.k6_min_ikm)),
            report_due_days=int(data.get("report_due_days", default.report_due_days)),
            baik_criteria=frozenset(data.get("baik_criteria", default.baik_criteria)),
            lower_is_better=frozenset(data.get("lower_is_better", default.lower_is_better)),
            rw_baik=RwBaikRule.from_dict(data.get("rw_baik")),
        )


DEFAULT_RULES = RuleSet(version=1, effective_from="2000")


def rules_for(period: Period, rule_sets: Iterable[RuleSet]) -> RuleSet:
    """Return the rule set in force for ``period``: the latest ``effective_from`` on or before its start.

    Among rule sets effective from the same period the highest version wins. With none in force
    (an empty table, or only future rule sets) the built-in ``DEFAULT_RULES`` apply.
    """
    in_force = [rules for rules in rule_sets if rules.effective_period.start <= period.start]
    if not in_force:
        return DEFAULT_RULES
    return max(in_force, key=lambda rules: (rules.effective_period.start, rules.version))

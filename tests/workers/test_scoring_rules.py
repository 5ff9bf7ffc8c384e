"""Rule sets are versioned data: defaults, JSON round trip, validation and the rule set in force."""
from __future__ import annotations

import json

import pytest

from workers.scoring.model import Period
from workers.scoring.rules import DEFAULT_RULES, RuleSet, RwBaikRule, rules_for


def test_defaults_match_spec() -> None:
    assert DEFAULT_RULES.version == 1 and DEFAULT_RULES.effective_from == "2000"
    assert (DEFAULT_RULES.mutu_a, DEFAULT_RULES.mutu_b, DEFAULT_RULES.mutu_c) == (88.31, 76.61, 65.00)
    assert DEFAULT_RULES.k6_min_ikm == 76.61
    assert DEFAULT_RULES.report_due_days == 10
    assert DEFAULT_RULES.baik_criteria == frozenset({"K1", "K2", "K3", "K4", "K5", "K6", "K7"})
    assert DEFAULT_RULES.lower_is_better == frozenset()
    assert DEFAULT_RULES.rw_baik == RwBaikRule(True, frozenset({"baik"}), frozenset({"tidak_kumuh"}), True)


def test_round_trip_through_json() -> None:
    rules = RuleSet(
        version=3, effective_from="2027-Q2", mutu_a=90.0, report_due_days=15,
        baik_criteria=frozenset({"K1", "K6"}), lower_is_better=frozenset({"IKU2"}),
        rw_baik=RwBaikRule(kebun_toga=False, pengelolaan_sampah=frozenset({"baik", "cukup"})),
    )
    stored = json.loads(json.dumps(rules.to_dict()))
    assert RuleSet.from_dict(stored) == rules
    assert stored["baik_criteria"] == ["K1", "K6"]


def test_from_dict_fills_missing_keys_with_defaults() -> None:
    rules = RuleSet.from_dict({"version": 2, "effective_from": "2026", "report_due_days": 7})
    assert rules.report_due_days == 7 and rules.mutu_a == 88.31 and rules.rw_baik == RwBaikRule()


@pytest.mark.parametrize(
    "bad",
    [
        {"effective_from": "2026-Q9"},
        {"baik_criteria": frozenset({"K8"})},
        {"mutu_a": 70.0},
        {"report_due_days": -1},
    ],
)
def test_invalid_rule_sets_are_rejected(bad: dict) -> None:
    with pytest.raises(ValueError):
        RuleSet(version=2, **{"effective_from": "2026", **bad})


def test_rules_for_picks_latest_effective_on_or_before_period_start() -> None:
    v2 = RuleSet(version=2, effective_from="2026")
    v3 = RuleSet(version=3, effective_from="2026-Q3")
    v4 = RuleSet(version=4, effective_from="2028")
    sets = [v4, v3, DEFAULT_RULES, v2]
    assert rules_for(Period(2025), sets) is DEFAULT_RULES
    assert rules_for(Period(2026), sets) is v2
    assert rules_for(Period(2026, 2), sets) is v2
    assert rules_for(Period(2026, 3), sets) is v3
    assert rules_for(Period(2027), sets) is v3
    assert rules_for(Period(2028, 1), sets) is v4


def test_rules_for_without_any_in_force_uses_defaults() -> None:
    assert rules_for(Period(2026), []) is DEFAULT_RULES
    assert rules_for(Period(2026), [RuleSet(version=5, effective_from="2030")]) is DEFAULT_RULES


def test_rules_for_same_start_highest_version_wins() -> None:
    a, b = RuleSet(version=7, effective_from="2026"), RuleSet(version=8, effective_from="2026-Q1")
    assert rules_for(Period(2026, 4), [b, a]) is b

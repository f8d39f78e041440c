"""Unit and property tests of the pure eligibility rules (grants.eligibility)."""

import dataclasses
import doctest
import importlib
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants.eligibility import (
    CRITERIA,
    DEFAULT_STAGE_ORDER,
    RULES_VERSION,
    HouseholdFacts,
    Occupant,
    Outcome,
    PolicyParameters,
    PriorityWeights,
    age_on,
    assess,
    assessment_to_json,
    award_amount,
    facts_from_json,
    facts_to_json,
    household_composition,
    params_from_json,
    params_to_json,
    params_with_overrides,
    priority_score,
    rank_by_priority,
    replay,
    replay_differences,
    what_if,
)

REF = date(2026, 6, 1)
PARAMS = PolicyParameters(effective_from=date(2026, 1, 1))


def widow(**changes):
    facts = HouseholdFacts(
        occupants=(Occupant(name="张阿姨", birth_date=date(1943, 5, 2), relationship="self"),),
        floor=5,
        project_stage="plan_consultation_passed",
        household_role="contributor",
        primary_residence=True,
        consents=frozenset({"personal_data"}),
    )
    return dataclasses.replace(facts, **changes)


def couple(spouse_birth, **changes):
    return widow(
        occupants=(
            Occupant(name="王伯伯", birth_date=date(1941, 3, 15), relationship="self"),
            Occupant(name="王阿姨", birth_date=spouse_birth, relationship="spouse"),
        ),
        **changes,
    )


@pytest.mark.parametrize(
    "module",
    ["", ".inputs", ".subsidy", ".priority"],
)
def test_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module("grants.eligibility" + module))

    assert result.failed == 0
    assert result.attempted > 0


PURITY_PROBE = """
import sys
from datetime import date
import grants.eligibility as e, grants.policy_cases
facts = e.HouseholdFacts(occupants=(e.Occupant(name="a", birth_date=date(1940, 1, 1)),))
e.assess(facts, e.PolicyParameters(effective_from=date(2026, 1, 1)), date(2026, 6, 1))
e.assessment_to_json(e.assess(facts, e.PolicyParameters(effective_from=date(2026, 1, 1)),
                              date(2026, 6, 1)), sentences=False)
print(sorted(m for m in sys.modules if m.startswith(("django.db", "grants.models", "fund"))))
"""


def test_rules_run_without_django_settings_and_never_load_the_orm():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    probe = subprocess.run(
        [sys.executable, "-c", PURITY_PROBE], env=env, capture_output=True, text=True, check=False
    )

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "[]"


# --------------------------------------------------------------------------- ages


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1946, 6, 1), date(2026, 6, 1), 80),
        (date(1946, 6, 1), date(2026, 5, 31), 79),
        (date(1946, 6, 2), date(2026, 6, 1), 79),
        (date(1946, 12, 31), date(2027, 1, 1), 80),
        (date(1948, 2, 29), date(2027, 2, 28), 78),
        (date(1948, 2, 29), date(2027, 3, 1), 79),
        (date(1948, 2, 29), date(2028, 2, 29), 80),
        (date(2026, 6, 1), date(2026, 6, 1), 0),
    ],
)
def test_age_on_counts_completed_years_from_the_birthday(birth, on, age):
    assert age_on(birth, on) == age


def test_age_on_refuses_a_birth_after_the_date():
    with pytest.raises(ValueError, match="birth date after the reference date"):
        age_on(date(2026, 6, 2), date(2026, 6, 1))


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=40_000),
    later=st.integers(min_value=0, max_value=4_000),
)
def test_age_never_decreases_with_time(birth, days, later):
    first = birth + timedelta(days=days)
    second = first + timedelta(days=later)

    assert 0 <= age_on(birth, first) <= age_on(birth, second)


# --------------------------------------------------------------------------- criteria


def test_eligible_widow_passes_every_criterion_in_order():
    assessment = assess(widow(), PARAMS, REF)

    assert assessment.outcome is Outcome.ELIGIBLE
    assert tuple(r.code for r in assessment.results) == CRITERIA
    assert all(r.passed is True for r in assessment.results)
    assert assessment.missing == ()
    assert assessment.rules_version == RULES_VERSION


def test_advanced_age_names_the_oldest_with_value_and_threshold():
    result = assess(couple(date(1950, 1, 1)), PARAMS, REF).result("advanced_age")

    assert (result.passed, result.value, result.threshold, result.subject) == (
        True,
        85,
        80,
        "王伯伯",
    )
    assert result.sentence("en") == "王伯伯 is 85 (>= 80): pass"
    assert result.sentence("zh-hans") == "王伯伯 85岁（≥80）：通过"


def test_all_elderly_names_the_youngest_occupant():
    result = assess(couple(date(1966, 6, 2)), PARAMS, REF).result("all_elderly")

    assert (result.passed, result.value, result.threshold, result.subject) == (
        False,
        59,
        60,
        "王阿姨",
    )
    assert result.sentence_en == "王阿姨 is 59, the youngest occupant (>= 60): fail"
    assert result.sentence_zh == "王阿姨 59岁，为最年轻的住户（≥60）：不通过"


def test_known_failure_wins_over_missing_data():
    facts = couple(None, household_role="opt_out", floor=None)

    assessment = assess(facts, PARAMS, REF)

    assert assessment.outcome is Outcome.NOT_ELIGIBLE
    assert [r.code for r in assessment.failed] == ["contributor"]
    assert assessment.missing == ("occupants[1].birth_date", "floor")


def test_needs_information_lists_missing_inputs_with_sentences():
    assessment = assess(widow(floor=None, consents=frozenset()), PARAMS, REF)

    assert assessment.outcome is Outcome.NEEDS_INFORMATION
    assert assessment.missing == ("floor", "consents:personal_data")
    assert assessment.result("floor").sentence("en") == "Floor unknown: needs information"
    assert assessment.result("consents").sentence("zh-hans") == (
        "未记录同意：personal_data：待补充信息"
    )


@pytest.mark.parametrize(
    ("relationships", "composition", "missing"),
    [
        (["self"], "alone", ()),
        ([None], "alone", ()),
        (["self", "spouse"], "couple", ()),
        (["spouse", "self"], "couple", ()),
        (["self", "child"], "other", ()),
        (["self", None], None, ("occupants[1].relationship",)),
        ([None, None], None, ("occupants[0].relationship", "occupants[1].relationship")),
        (["child", None], "other", ()),
        (["self", "self"], "other", ()),
        (["self", "spouse", "carer"], "other", ()),
    ],
)
def test_household_composition(relationships, composition, missing):
    facts = widow(
        occupants=tuple(Occupant(name=f"p{i}", relationship=r) for i, r in enumerate(relationships))
    )

    assert household_composition(facts) == (composition, missing)


def test_composition_sentence_translates_the_labels():
    result = assess(couple(date(1950, 1, 1)), PARAMS, REF).result("composition")

    assert (
        result.sentence("en") == "Household: couple only (allowed: lives alone, couple only): pass"
    )
    assert result.sentence("zh-hans") == "家庭构成：仅夫妻同住（允许：独居、仅夫妻同住）：通过"


def test_income_limit_is_exact_and_explained():
    params = dataclasses.replace(PARAMS, income_multiple_max=Decimal("1.5"))
    facts = widow(monthly_income_per_person_fen=150_001, dibao_line_fen=100_001)

    result = assess(facts, params, REF).result("income")

    assert (result.passed, result.value, result.threshold) == (True, 150_001, ("1.5", 100_001))
    assert result.sentence("en") == (
        "Income CNY 1,500.01 per person per month "
        "(<= 1.5 x minimum-living line CNY 1,000.01 = CNY 1,500.015): pass"
    )
    assert result.sentence("zh-hans") == (
        "人均月收入1,500.01元（≤ 1.5 × 低保标准1,000.01元 = 1,500.015元）：通过"
    )


def test_stage_outside_the_lifecycle_has_not_reached_the_required_stage():
    result = assess(widow(project_stage="cancelled"), PARAMS, REF).result("project_stage")

    assert (result.passed, result.value, result.threshold) == (
        False,
        "cancelled",
        "plan_consultation_passed",
    )


def test_criteria_switched_off_pass_and_say_so():
    params = dataclasses.replace(PARAMS, require_contributor=False, require_primary_residence=False)

    assessment = assess(widow(household_role="opt_out", primary_residence=False), params, REF)

    assert assessment.outcome is Outcome.ELIGIBLE
    assert assessment.result("contributor").sentence("en") == (
        "Household role not required by this policy: pass"
    )
    assert assessment.result("primary_residence").sentence("zh-hans") == (
        "本政策不要求为主要居所：通过"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"age_elderly": 0}, "0 < age_elderly <= advanced_age"),
        ({"advanced_age": 59}, "0 < age_elderly <= advanced_age"),
        ({"min_floor": 0}, "min_floor must be >= 1"),
        ({"allowed_compositions": frozenset()}, "allowed_compositions"),
        ({"allowed_compositions": frozenset({"alone", "family"})}, "allowed_compositions"),
        ({"required_stage": ""}, "required_stage must be set"),
        ({"income_multiple_max": Decimal(0)}, "income_multiple_max must be > 0"),
        ({"subsidy_ratio": Decimal("1.01")}, "subsidy_ratio must be between 0 and 1"),
        ({"subsidy_ratio": Decimal("-0.1")}, "subsidy_ratio must be between 0 and 1"),
        ({"cap_per_household_fen": -1}, "cap_per_household_fen must be >= 0"),
        ({"priority_income_multiple": Decimal(0)}, "priority_income_multiple must be > 0"),
    ],
)
def test_invalid_parameters_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(PARAMS, **changes)


def test_negative_priority_weight_is_refused():
    with pytest.raises(ValueError, match="priority weight floor must be >= 0"):
        PriorityWeights(floor=-1)


def test_what_if_lists_only_households_whose_outcome_changes():
    households = {
        1: widow(),
        2: widow(occupants=(Occupant(name="赵阿姨", birth_date=date(1954, 1, 10)),)),
        3: widow(floor=1),
        4: widow(occupants=(Occupant(name="钱阿姨", birth_date=None),)),
    }
    proposed = dataclasses.replace(PARAMS, effective_from=date(2027, 1, 1), advanced_age=70)

    changes = what_if(households, PARAMS, proposed, REF)

    assert [(c.key, c.before, c.after) for c in changes] == [
        (2, Outcome.NOT_ELIGIBLE, Outcome.ELIGIBLE)
    ]


def test_a_new_policy_version_never_rewrites_an_old_decision():
    snapshot = assessment_to_json(assess(widow(floor=2), PARAMS, REF))
    stricter = dataclasses.replace(PARAMS, effective_from=date(2027, 1, 1), min_floor=3)

    assert assess(widow(floor=2), stricter, REF).outcome is Outcome.NOT_ELIGIBLE
    assert replay(snapshot).outcome is Outcome.ELIGIBLE
    assert replay_differences(snapshot) == []


# --------------------------------------------------------------------------- awards


@pytest.mark.parametrize(
    ("share", "already", "outstanding", "award"),
    [
        (3_000_001, 0, 3_000_001, 1_500_000),  # ratio, rounded down to the fen
        (6_000_000, 0, 6_000_000, 2_000_000),  # cap
        (3_000_000, 0, 400_000, 400_000),  # still owed
        (3_000_000, 1_500_000, 1_500_000, 0),  # already awarded
        (3_000_000, 1_000_000, 2_000_000, 500_000),  # topped up to the ratio
        (6_000_000, 1_800_000, 4_200_000, 200_000),  # topped up to the cap
        (0, 0, 0, 0),
    ],
)
def test_award_amount(share, already, outstanding, award):
    amount = award_amount(
        share_fen=share, already_subsidised_fen=already, outstanding_fen=outstanding, params=PARAMS
    )

    assert amount == award


def test_award_amount_refuses_negative_amounts():
    with pytest.raises(ValueError, match="outstanding_fen must be >= 0"):
        award_amount(share_fen=100, already_subsidised_fen=0, outstanding_fen=-1, params=PARAMS)


@given(
    share=st.integers(min_value=0, max_value=10**9),
    already=st.integers(min_value=0, max_value=10**9),
    outstanding=st.integers(min_value=0, max_value=10**9),
    ratio=st.decimals(min_value=0, max_value=1, places=3),
    cap=st.integers(min_value=0, max_value=10**8),
)
def test_award_never_exceeds_outstanding_cap_or_ratio_share(
    share, already, outstanding, ratio, cap
):
    params = dataclasses.replace(PARAMS, subsidy_ratio=ratio, cap_per_household_fen=cap)

    award = award_amount(
        share_fen=share, already_subsidised_fen=already, outstanding_fen=outstanding, params=params
    )

    assert isinstance(award, int)
    assert 0 <= award <= outstanding
    assert award == 0 or already + award <= cap
    assert award == 0 or already + award <= share * ratio <= share
    if already == 0:
        assert award == min(int(share * ratio), cap, outstanding)


# --------------------------------------------------------------------------- priority


def test_priority_reasons_explain_every_point():
    facts = widow(
        occupants=(
            Occupant(
                name="张阿姨", birth_date=date(1943, 5, 2), relationship="self", bedridden=True
            ),
        ),
        consents=frozenset({"personal_data", "sensitive_personal_data"}),
        monthly_income_per_person_fen=200_000,
        dibao_line_fen=100_000,
    )

    score, reasons = priority_score(facts, PARAMS, REF)

    assert score == 51
    assert [r.sentence("en") for r in reasons] == [
        "张阿姨 is 83: +23 (1 per year over 60)",
        "Cannot go downstairs unaided (张阿姨): +20",
        "Disability: none recorded, +0",
        "Income CNY 2,000.00 per person per month (> 1.5 x minimum-living line CNY 1,000.00): +0",
        "Floor 5: +8 (2 per storey above the ground floor)",
    ]
    assert reasons[1].sentence("zh-hans") == "无法自行下楼（张阿姨）：+20分"


def test_priority_ignores_health_flags_without_the_separate_consent():
    facts = widow(
        occupants=(Occupant(name="张阿姨", birth_date=date(1943, 5, 2), disabled=True),),
    )

    score, reasons = priority_score(facts, PARAMS, REF)

    assert score == 31
    assert reasons[2].sentence("zh-hans") == "残疾：未取得单独同意，不予使用，+0分"


def test_rank_by_priority_puts_the_highest_first_and_ties_share_a_rank():
    bedridden = (Occupant(name="甲", birth_date=date(1943, 5, 2), bedridden=True),)
    consented = frozenset({"personal_data", "sensitive_personal_data"})
    households = [
        ("low floor", widow(floor=2)),
        ("first 83", widow()),
        ("bedridden", widow(occupants=bedridden, consents=consented)),
        ("second 83", widow()),
    ]

    ranked = rank_by_priority(households, PARAMS, REF)

    assert [(r.rank, r.key, r.score) for r in ranked] == [
        (1, "bedridden", 51),
        (2, "first 83", 31),
        (2, "second 83", 31),
        (4, "low floor", 25),
    ]


# --------------------------------------------------------------------------- snapshots


def test_snapshot_is_json_and_carries_inputs_results_and_sentences():
    assessment = assess(couple(date(1966, 6, 2)), PARAMS, REF)

    snapshot = json.loads(json.dumps(assessment_to_json(assessment)))

    assert snapshot["schema"] == 1
    assert snapshot["rules_version"] == RULES_VERSION
    assert snapshot["reference_date"] == "2026-06-01"
    assert snapshot["outcome"] == "not_eligible"
    assert snapshot["parameters"]["subsidy_ratio"] == "0.5"
    assert snapshot["facts"]["occupants"][1] == {
        "name": "王阿姨",
        "birth_date": "1966-06-02",
        "relationship": "spouse",
        "bedridden": None,
        "disabled": None,
    }
    assert snapshot["criteria"][0] == {
        "code": "all_elderly",
        "passed": False,
        "value": 59,
        "threshold": 60,
        "subject": "王阿姨",
        "missing": [],
        "sentence_en": "王阿姨 is 59, the youngest occupant (>= 60): fail",
        "sentence_zh": "王阿姨 59岁，为最年轻的住户（≥60）：不通过",
    }
    assert replay(snapshot) == assessment


def test_snapshot_without_sentences():
    snapshot = assessment_to_json(assess(widow(), PARAMS, REF), sentences=False)

    assert "sentence_en" not in snapshot["criteria"][0]
    assert replay_differences(snapshot) == []


def test_replay_differences_names_what_a_tampered_snapshot_claims():
    snapshot = assessment_to_json(assess(widow(floor=1), PARAMS, REF))
    snapshot["outcome"] = "eligible"
    snapshot["criteria"][3]["passed"] = True
    snapshot["rules_version"] = "0"

    assert replay_differences(snapshot) == [
        "rules_version: recorded '0', now '1'",
        "outcome: recorded 'eligible', now 'not_eligible'",
        "floor.passed: recorded True, now False",
    ]


def test_replay_refuses_an_unknown_snapshot_schema():
    snapshot = assessment_to_json(assess(widow(), PARAMS, REF))
    snapshot["schema"] = 99

    with pytest.raises(ValueError, match="unsupported snapshot schema 99"):
        replay(snapshot)


def test_params_json_round_trip_and_overrides():
    params = dataclasses.replace(PARAMS, income_multiple_max=Decimal("1.5"))

    assert params_from_json(json.loads(json.dumps(params_to_json(params)))) == params
    changed = params_with_overrides(params, {"priority_weights": {"floor": 5}, "min_floor": 3})
    assert changed.priority_weights == PriorityWeights(floor=5)
    assert changed.min_floor == 3
    assert changed.income_multiple_max == Decimal("1.5")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"effective_from": "2026-01-01", "min_flor": 3}, r"unknown keys \['min_flor'\]"),
        ({"min_floor": 3}, "effective_from is required"),
        ({"effective_from": "soon"}, "effective_from: not a date"),
        ({"effective_from": "2026-01-01", "subsidy_ratio": "half"}, "subsidy_ratio: not a number"),
        (
            {"effective_from": "2026-01-01", "priority_weights": {"height": 1}},
            r"priority_weights: unknown keys",
        ),
    ],
)
def test_params_from_json_refuses_bad_data(data, message):
    with pytest.raises(ValueError, match=message):
        params_from_json(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"occupants": [], "flor": 2}, r"household: unknown keys \['flor'\]"),
        ({"occupants": [{"name": "a", "age": 80}]}, r"occupants\[0\]: unknown keys"),
        ({"occupants": [], "floor": "2"}, "floor: expected an integer"),
        ({"occupants": [], "primary_residence": "yes"}, "primary_residence: expected true"),
        ({"occupants": [{"name": "a", "birth_date": "1940-13-01"}]}, "birth_date: not a date"),
    ],
)
def test_facts_from_json_refuses_bad_data(data, message):
    with pytest.raises(ValueError, match=message):
        facts_from_json(data)


def test_facts_from_json_treats_absent_keys_as_unknown():
    facts = facts_from_json({"occupants": [{"name": "张阿姨"}]})

    assert facts == HouseholdFacts(occupants=(Occupant(name="张阿姨"),))
    assert facts.project_stage_order == DEFAULT_STAGE_ORDER


# --------------------------------------------------------------------------- properties

NAMES = ["张阿姨", "王伯伯", "李奶奶", "陈爷爷", ""]
RELATIONSHIPS = ["self", "spouse", "child", "sibling", "carer"]
CONSENTS = ["personal_data", "sensitive_personal_data"]


def maybe(strategy):
    return st.none() | strategy


occupants = st.builds(
    Occupant,
    name=st.sampled_from(NAMES),
    birth_date=maybe(st.dates(min_value=date(1915, 1, 1), max_value=date(2026, 1, 1))),
    relationship=maybe(st.sampled_from(RELATIONSHIPS)),
    bedridden=maybe(st.booleans()),
    disabled=maybe(st.booleans()),
)
households = st.builds(
    HouseholdFacts,
    occupants=st.lists(occupants, max_size=3).map(tuple),
    floor=maybe(st.integers(min_value=1, max_value=9)),
    project_stage=maybe(st.sampled_from([*DEFAULT_STAGE_ORDER, "cancelled"])),
    household_role=maybe(st.sampled_from(["contributor", "opt_out", "exempt"])),
    primary_residence=maybe(st.booleans()),
    consents=maybe(st.frozensets(st.sampled_from(CONSENTS))),
    monthly_income_per_person_fen=maybe(st.integers(min_value=0, max_value=500_000)),
    dibao_line_fen=maybe(st.integers(min_value=50_000, max_value=200_000)),
)
policies = st.builds(
    PolicyParameters,
    effective_from=st.just(date(2026, 1, 1)),
    advanced_age=st.integers(min_value=60, max_value=90),
    allowed_compositions=st.sampled_from(
        [
            frozenset({"alone", "couple"}),
            frozenset({"alone"}),
            frozenset({"alone", "couple", "other"}),
        ]
    ),
    min_floor=st.integers(min_value=1, max_value=4),
    require_contributor=st.booleans(),
    income_multiple_max=maybe(st.decimals(min_value="0.5", max_value="3", places=2)),
    subsidy_ratio=st.decimals(min_value=0, max_value=1, places=2),
)
reference_dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=200)
@given(facts=households, params=policies, on=reference_dates)
def test_replay_reproduces_the_identical_assessment(facts, params, on):
    assessment = assess(facts, params, on)

    snapshot = json.loads(json.dumps(assessment_to_json(assessment, sentences=False)))

    assert replay(snapshot) == assessment
    assert replay_differences(snapshot) == []
    assert facts_from_json(facts_to_json(facts)) == facts


@given(facts=households, params=policies, on=reference_dates)
def test_outcome_follows_three_valued_logic(facts, params, on):
    assessment = assess(facts, params, on)

    passed = [r.passed for r in assessment.results]
    if False in passed:
        assert assessment.outcome is Outcome.NOT_ELIGIBLE
    elif None in passed:
        assert assessment.outcome is Outcome.NEEDS_INFORMATION
        assert assessment.missing
    else:
        assert assessment.outcome is Outcome.ELIGIBLE
    assert all(r.missing for r in assessment.results if r.passed is None)


@given(
    facts=households,
    params=policies,
    on=reference_dates,
    later=st.integers(min_value=0, max_value=3_650),
)
def test_a_household_eligible_today_stays_eligible_as_it_ages(facts, params, on, later):
    before = assess(facts, params, on)
    after = assess(facts, params, on + timedelta(days=later))

    for code in ("all_elderly", "advanced_age"):
        if before.result(code).passed is True:
            assert after.result(code).passed is True
    if before.outcome is Outcome.ELIGIBLE:
        assert after.outcome is Outcome.ELIGIBLE


@given(facts=households, params=policies, on=reference_dates, data=st.data())
def test_filling_in_unknown_facts_never_reverses_a_decided_criterion(facts, params, on, data):
    def known(value, strategy):
        return data.draw(strategy) if value is None else value

    complete = HouseholdFacts(
        occupants=tuple(
            dataclasses.replace(
                o,
                birth_date=known(
                    o.birth_date, st.dates(min_value=date(1915, 1, 1), max_value=date(2026, 1, 1))
                ),
                relationship=known(o.relationship, st.sampled_from(RELATIONSHIPS)),
            )
            for o in facts.occupants
        ),
        floor=known(facts.floor, st.integers(min_value=1, max_value=9)),
        project_stage=known(facts.project_stage, st.sampled_from(DEFAULT_STAGE_ORDER)),
        household_role=known(facts.household_role, st.sampled_from(["contributor", "opt_out"])),
        primary_residence=known(facts.primary_residence, st.booleans()),
        consents=known(facts.consents, st.frozensets(st.sampled_from(CONSENTS))),
        monthly_income_per_person_fen=known(
            facts.monthly_income_per_person_fen, st.integers(min_value=0, max_value=500_000)
        ),
        dibao_line_fen=known(
            facts.dibao_line_fen, st.integers(min_value=50_000, max_value=200_000)
        ),
    )

    before = assess(facts, params, on)
    after = assess(complete, params, on)

    for old, new in zip(before.results, after.results, strict=True):
        if old.passed is not None:
            assert new.passed is old.passed, old.code
    if before.outcome is not Outcome.NEEDS_INFORMATION:
        assert after.outcome is before.outcome

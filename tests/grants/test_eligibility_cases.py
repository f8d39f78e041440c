"""Policy tests as data: every YAML case in grants/eligibility_cases/ (shipped with the app, so
the admin dry run works in production images), under the default parameters."""

from datetime import date
from decimal import Decimal

import pytest

from grants.eligibility import CRITERIA, PolicyParameters
from grants.policy_cases import (
    CASES_DIR,
    CaseFailure,
    CaseFormatError,
    check_case,
    dry_run_cases,
    load_case_file,
    load_cases,
)

DEFAULT = PolicyParameters(effective_from=date(2026, 1, 1))
CASES = load_cases(CASES_DIR)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_policy_case(case):
    failures = check_case(case, DEFAULT)

    assert not failures, "\n".join(str(f) for f in failures)


def test_cases_cover_every_criterion_passing_and_undecided_and_all_but_consents_failing():
    seen = {(code, verdict) for case in CASES for code, verdict in case.expected_criteria.items()}

    # A missing consent is never a refusal: the caseworker collects it and screens again.
    failing = set(CRITERIA) - {"consents"}
    assert {code for code, verdict in seen if verdict is True} == set(CRITERIA)
    assert {code for code, verdict in seen if verdict is None} == set(CRITERIA)
    assert {code for code, verdict in seen if verdict is False} == failing
    assert len(CASES) >= 25


def test_dry_run_of_the_default_parameters_meets_every_case():
    report = dry_run_cases(DEFAULT, CASES_DIR)

    assert report.ok
    assert report.cases == len(CASES)
    assert report.summary() == f"{len(CASES)} of {len(CASES)} cases as expected"


def test_dry_run_of_advanced_age_70_names_the_cases_it_would_flip():
    proposed = PolicyParameters(effective_from=date(2027, 1, 1), advanced_age=70)

    report = dry_run_cases(proposed, CASES_DIR)

    assert report.failed_cases == (
        "age.yaml::the day before the 80th birthday is 79",
        "age.yaml::couple of 79 and 75 has nobody of advanced age",
        "age.yaml::default policy refuses the same 72-year-old",
    )
    assert str(report.failures[1]) == (
        "age.yaml :: the day before the 80th birthday is 79: criterion advanced_age: "
        "expected fail, got pass (刘奶奶 is 79 (>= 70): pass)"
    )
    assert report.summary().splitlines()[0] == f"{len(CASES) - 3} of {len(CASES)} cases as expected"


def test_dry_run_of_a_higher_subsidy_ratio_names_the_award_cases_it_changes():
    proposed = PolicyParameters(effective_from=date(2027, 1, 1), subsidy_ratio=Decimal("0.6"))

    report = dry_run_cases(proposed, CASES_DIR)

    assert [(f.case, f.check, f.expected, f.actual) for f in report.failures] == [
        ("half of the share, rounded down to the fen", "award_fen", 1500000, 1800000),
        ("nothing more once the household has its award", "award_fen", 0, 300000),
    ]


def test_case_failure_names_file_case_check_and_explanation():
    failure = CaseFailure(
        file="floor.yaml",
        case="ground floor",
        check="criterion floor",
        expected="fail",
        actual="pass",
        explanation="Lives on floor 1 (>= 1): pass",
    )

    assert str(failure) == (
        "floor.yaml :: ground floor: criterion floor: expected fail, got pass "
        "(Lives on floor 1 (>= 1): pass)"
    )


CASE = """
- name: {name}
  reference_date: 2026-06-01
  household:
    occupants: [{{name: 张阿姨, birth_date: 1943-05-02, relationship: self}}]
  expected:
    outcome: needs_information
{extra}
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    criteria: {advanced_ag: pass}", "unknown criterion 'advanced_ag'"),
        ("    criteria: {advanced_age: passed}", "expected pass, fail or unknown"),
        ("    outcom: eligible", "unknown keys in expected: ['outcom']"),
        ("    award_fen: 10", "award and expected.award_fen go together"),
        ("    priority_score: '51'", "priority_score must be an integer, got '51'"),
        ("  parameter: {min_floor: 3}", "unknown keys in the case: ['parameter']"),
    ],
)
def test_a_mistyped_case_is_an_error_naming_file_and_case(tmp_path, extra, message):
    path = tmp_path / "typo.yaml"
    path.write_text(CASE.format(name="typo case", extra=extra), encoding="utf-8")

    with pytest.raises(CaseFormatError) as error:
        load_case_file(path)

    assert str(error.value).startswith("typo.yaml :: typo case: ")
    assert message in str(error.value)


def test_duplicate_case_names_in_a_file_are_an_error(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(CASE.format(name="same", extra="") * 2, encoding="utf-8")

    with pytest.raises(CaseFormatError, match=r"dup\.yaml :: same: duplicate case name"):
        load_case_file(path)


def test_a_household_with_an_unknown_field_is_an_error(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text(
        CASE.format(name="typo", extra="").replace("household:", "household:\n    flor: 3"),
        encoding="utf-8",
    )

    with pytest.raises(CaseFormatError, match=r"facts.yaml :: typo: household: unknown keys"):
        load_case_file(path)


def test_invalid_parameter_overrides_are_reported_not_raised(tmp_path):
    path = tmp_path / "params.yaml"
    text = CASE.format(name="bad ratio", extra="")
    path.write_text(text.replace("  household:", "  parameters: {subsidy_ratio: 2}\n  household:"))
    [case] = load_case_file(path)

    [failure] = check_case(case, DEFAULT)

    assert (failure.check, failure.expected) == ("parameters", "valid")
    assert "subsidy_ratio must be between 0 and 1" in str(failure.actual)

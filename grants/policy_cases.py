"""Policy tests as data: YAML cases run against eligibility parameters (pure, no ORM).

Like OpenFisca's YAML tests, each case is a household, a reference date and the expected
decision. The test suite runs them against the default parameters; an administrator's
proposed parameters are dry-run against the same cases (:func:`dry_run_cases`) and the report
shows which expectations they would break before the change takes effect.

A file holds a list of cases::

    - name: turns 80 on the reference date
      description: the advanced-age threshold includes the birthday itself
      reference_date: 2026-06-01
      parameters: {advanced_age: 80}        # optional overrides of the parameters under test
      household:                            # grants.eligibility.facts_from_json format
        occupants:
          - {name: 张阿姨, birth_date: 1946-06-01, relationship: self}
        floor: 5
        project_stage: plan_consultation_passed
        household_role: contributor
        primary_residence: true
        consents: [personal_data]
      award: {share_fen: 3000000, already_subsidised_fen: 0, outstanding_fen: 3000000}
      expected:
        outcome: eligible                   # eligible | not_eligible | needs_information
        criteria: {advanced_age: pass}      # pass | fail | unknown, for the criteria named
        missing: []                         # optional: exact list of missing inputs
        priority_score: 28                  # optional: 20 for age + 8 for the floor
        award_fen: 1500000                  # with `award`

YAML anchors and merge keys (``<<: *base``) keep a file's cases short. Unknown keys, unknown
criterion codes and duplicate names are errors, so a typo cannot silently pass.

Example::

    report = dry_run_cases(proposed_params, CASES_DIR)
    if not report.ok:
        print(report.summary())   # one line per broken expectation, naming file and case
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from grants.eligibility import (
    CRITERIA,
    HouseholdFacts,
    Outcome,
    PolicyParameters,
    assess,
    award_amount,
    facts_from_json,
    params_with_overrides,
    priority_score,
)

# The cases ship with the app (the admin dry-runs parameter changes against them).
CASES_DIR = Path(__file__).resolve().parent / "eligibility_cases"

_VERDICTS: dict[str, bool | None] = {"pass": True, "fail": False, "unknown": None}
_VERDICT_NAMES = {v: k for k, v in _VERDICTS.items()}
_CASE_KEYS = {
    "name",
    "description",
    "reference_date",
    "parameters",
    "household",
    "award",
    "expected",
}
_EXPECTED_KEYS = {"outcome", "criteria", "missing", "priority_score", "award_fen"}
_AWARD_KEYS = {"share_fen", "already_subsidised_fen", "outstanding_fen"}


class CaseFormatError(ValueError):
    """A case file that cannot be read; the message names the file and the case."""


@dataclass(frozen=True, kw_only=True)
class PolicyCase:
    file: str
    name: str
    description: str
    reference_date: date
    parameters: Mapping[str, Any]
    facts: HouseholdFacts
    award: Mapping[str, int] | None
    expected_outcome: Outcome
    expected_criteria: Mapping[str, bool | None]
    expected_missing: tuple[str, ...] | None
    expected_priority_score: int | None
    expected_award_fen: int | None

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass(frozen=True, kw_only=True)
class CaseFailure:
    file: str
    case: str
    check: str  # "outcome", "criterion advanced_age", "missing", "priority_score", "award_fen"
    expected: Any
    actual: Any
    explanation: str = ""  # the criterion's sentence, when there is one

    def __str__(self) -> str:
        text = (
            f"{self.file} :: {self.case}: {self.check}: expected {self.expected}, got {self.actual}"
        )
        return f"{text} ({self.explanation})" if self.explanation else text


@dataclass(frozen=True, kw_only=True)
class DryRunReport:
    cases: int
    failures: tuple[CaseFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failed_cases(self) -> tuple[str, ...]:
        """``file::name`` of each case with at least one broken expectation."""
        return tuple(dict.fromkeys(f"{f.file}::{f.case}" for f in self.failures))

    def summary(self) -> str:
        head = f"{self.cases - len(self.failed_cases)} of {self.cases} cases as expected"
        return "\n".join([head, *(str(f) for f in self.failures)])


def _fail(file: str, case: str, message: str) -> CaseFormatError:
    return CaseFormatError(f"{file} :: {case}: {message}")


def _keys(data: Any, allowed: set[str], file: str, case: str, what: str) -> None:
    if not isinstance(data, Mapping):
        raise _fail(file, case, f"{what} must be a mapping")
    unknown = set(data) - allowed
    if unknown:
        raise _fail(file, case, f"unknown keys in {what}: {sorted(unknown)}")


def _parse_case(raw: Any, file: str, index: int) -> PolicyCase:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    label = str(name) if name else f"case #{index + 1}"
    _keys(raw, _CASE_KEYS, file, label, "the case")
    for key in ("name", "reference_date", "household", "expected"):
        if key not in raw:
            raise _fail(file, label, f"missing key {key!r}")
    expected = raw["expected"]
    _keys(expected, _EXPECTED_KEYS, file, label, "expected")
    reference_date = raw["reference_date"]
    if not isinstance(reference_date, date):
        raise _fail(file, label, "reference_date must be a date (YYYY-MM-DD)")
    try:
        facts = facts_from_json(raw["household"])
        outcome = Outcome(expected["outcome"])
    except (KeyError, ValueError) as error:
        raise _fail(file, label, str(error)) from None
    criteria: dict[str, bool | None] = {}
    for code, verdict in (expected.get("criteria") or {}).items():
        if code not in CRITERIA:
            raise _fail(file, label, f"unknown criterion {code!r}")
        if verdict not in _VERDICTS:
            raise _fail(file, label, f"{code}: expected pass, fail or unknown, got {verdict!r}")
        criteria[code] = _VERDICTS[verdict]
    award = raw.get("award")
    if award is not None:
        _keys(award, _AWARD_KEYS, file, label, "award")
        if set(award) != _AWARD_KEYS:
            raise _fail(file, label, f"award needs {sorted(_AWARD_KEYS)}")
    for key, value in [*(award or {}).items(), *expected.items()]:
        if key.endswith(("_fen", "_score")) and (
            isinstance(value, bool) or not isinstance(value, int)
        ):
            raise _fail(file, label, f"{key} must be an integer, got {value!r}")
    if (award is None) != ("award_fen" not in expected):
        raise _fail(file, label, "award and expected.award_fen go together")
    missing = expected.get("missing")
    return PolicyCase(
        file=file,
        name=label,
        description=str(raw.get("description", "")),
        reference_date=reference_date,
        parameters=dict(raw.get("parameters") or {}),
        facts=facts,
        award=None if award is None else dict(award),
        expected_outcome=outcome,
        expected_criteria=criteria,
        expected_missing=None if missing is None else tuple(missing),
        expected_priority_score=expected.get("priority_score"),
        expected_award_fen=expected.get("award_fen"),
    )


def load_case_file(path: Path) -> list[PolicyCase]:
    file = path.name
    with path.open(encoding="utf-8") as stream:
        try:
            raw = yaml.safe_load(stream)
        except yaml.YAMLError as error:
            raise CaseFormatError(f"{file}: not valid YAML: {error}") from None
    if not isinstance(raw, list):
        raise CaseFormatError(f"{file}: expected a list of cases")
    cases = [_parse_case(item, file, i) for i, item in enumerate(raw)]
    seen: set[str] = set()
    for case in cases:
        if case.name in seen:
            raise _fail(file, case.name, "duplicate case name")
        seen.add(case.name)
    return cases


def load_cases(cases_dir: str | Path) -> list[PolicyCase]:
    """Every case of every ``*.yaml`` file in ``cases_dir``, files in name order."""
    return [
        case for path in sorted(Path(cases_dir).glob("*.yaml")) for case in load_case_file(path)
    ]


def check_case(case: PolicyCase, params: PolicyParameters) -> list[CaseFailure]:
    """The case's broken expectations under ``params`` plus the case's own overrides."""
    try:
        effective = params_with_overrides(params, case.parameters)
    except ValueError as error:
        return [
            CaseFailure(
                file=case.file, case=case.name, check="parameters", expected="valid", actual=error
            )
        ]
    assessment = assess(case.facts, effective, case.reference_date)
    failures = []

    def fail(check: str, expected: Any, actual: Any, explanation: str = "") -> None:
        failures.append(
            CaseFailure(
                file=case.file,
                case=case.name,
                check=check,
                expected=expected,
                actual=actual,
                explanation=explanation,
            )
        )

    if assessment.outcome != case.expected_outcome:
        broken = [r for r in assessment.results if r.passed is not True]
        fail(
            "outcome",
            case.expected_outcome.value,
            assessment.outcome.value,
            "; ".join(r.sentence("en") for r in broken),
        )
    for code, verdict in case.expected_criteria.items():
        result = assessment.result(code)
        if result.passed is not verdict:
            fail(
                f"criterion {code}",
                _VERDICT_NAMES[verdict],
                _VERDICT_NAMES[result.passed],
                result.sentence("en"),
            )
    if case.expected_missing is not None and assessment.missing != case.expected_missing:
        fail("missing", list(case.expected_missing), list(assessment.missing))
    if case.expected_priority_score is not None:
        score, reasons = priority_score(case.facts, effective, case.reference_date)
        if score != case.expected_priority_score:
            explanation = "; ".join(r.sentence("en") for r in reasons)
            fail("priority_score", case.expected_priority_score, score, explanation)
    if case.award is not None:
        amount = award_amount(
            share_fen=case.award["share_fen"],
            already_subsidised_fen=case.award["already_subsidised_fen"],
            outstanding_fen=case.award["outstanding_fen"],
            params=effective,
        )
        if amount != case.expected_award_fen:
            fail("award_fen", case.expected_award_fen, amount)
    return failures


def dry_run_cases(params: PolicyParameters, cases_dir: str | Path) -> DryRunReport:
    """Run every case in ``cases_dir`` against ``params`` (e.g. an administrator's draft)."""
    cases = load_cases(cases_dir)
    failures = tuple(f for case in cases for f in check_case(case, params))
    return DryRunReport(cases=len(cases), failures=failures)

"""The criteria (code) and ``assess``: household facts + parameters -> Assessment."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from grants.eligibility.inputs import (
    Composition,
    HouseholdFacts,
    HouseholdRole,
    PolicyParameters,
    Relationship,
    known_ages,
    occupant_label,
)
from grants.eligibility.messages import gettext_noop, yuan
from grants.eligibility.results import Assessment, CriterionResult, Outcome

CRITERIA = (
    "all_elderly",
    "composition",
    "advanced_age",
    "floor",
    "project_stage",
    "contributor",
    "primary_residence",
    "consents",
    "income",
)


_NO_OCCUPANTS = gettext_noop("No occupants recorded: %(verdict)s")
_ELDERLY = gettext_noop(
    "%(name)s is %(age)s, the youngest occupant (>= %(threshold)s): %(verdict)s"
)
_ELDERLY_UNKNOWN = gettext_noop(
    "Birth date of %(names)s unknown (every occupant must be >= %(threshold)s): %(verdict)s"
)
_ADVANCED = gettext_noop("%(name)s is %(age)s (>= %(threshold)s): %(verdict)s")
_ADVANCED_UNKNOWN = gettext_noop(
    "No occupant known to be >= %(threshold)s; birth date of %(names)s unknown: %(verdict)s"
)
_COMPOSITION = gettext_noop("Household: %(composition)s (allowed: %(allowed)s): %(verdict)s")
_COMPOSITION_UNKNOWN = gettext_noop(
    "Relationship of %(names)s to the applicant unknown: %(verdict)s"
)
_FLOOR = gettext_noop("Lives on floor %(floor)s (>= %(threshold)s): %(verdict)s")
_FLOOR_UNKNOWN = gettext_noop("Floor unknown: %(verdict)s")
_STAGE = gettext_noop("Project stage %(stage)s (at least %(threshold)s): %(verdict)s")
_STAGE_UNKNOWN = gettext_noop("Project stage unknown: %(verdict)s")
_STAGE_NOT_IN_LIFECYCLE = gettext_noop(
    "Required stage %(threshold)s is not in the project's lifecycle: %(verdict)s"
)
_ROLE = gettext_noop("Household is %(role)s (must be contributor): %(verdict)s")
_ROLE_UNKNOWN = gettext_noop("Household role unknown: %(verdict)s")
_ROLE_NOT_REQUIRED = gettext_noop("Household role not required by this policy: %(verdict)s")
_RESIDENCE = gettext_noop("Primary residence: %(residence)s (required): %(verdict)s")
_RESIDENCE_UNKNOWN = gettext_noop("Primary residence unknown: %(verdict)s")
_RESIDENCE_NOT_REQUIRED = gettext_noop("Primary residence not required by this policy: %(verdict)s")
_CONSENTS = gettext_noop("Consents recorded: %(required)s: %(verdict)s")
_CONSENTS_MISSING = gettext_noop("Consent not recorded: %(names)s: %(verdict)s")
_CONSENTS_UNKNOWN = gettext_noop("Consents unknown: %(verdict)s")
_INCOME = gettext_noop(
    "Income CNY %(income)s per person per month "
    "(<= %(multiple)s x minimum-living line CNY %(line)s = CNY %(limit)s): %(verdict)s"
)
_INCOME_UNKNOWN = gettext_noop("Income or minimum-living line unknown: %(verdict)s")
_INCOME_OFF = gettext_noop("Income rule not applied by this policy: %(verdict)s")


def _all_elderly(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    threshold = params.age_elderly
    if not facts.occupants:
        return CriterionResult(
            code="all_elderly",
            passed=None,
            value=None,
            threshold=threshold,
            missing=("occupants",),
            message=_NO_OCCUPANTS,
        )
    known, unknown = known_ages(facts, on)
    if known:
        name, age = min(known, key=lambda item: item[1])
        if age < threshold or not unknown:
            return CriterionResult(
                code="all_elderly",
                passed=age >= threshold,
                value=age,
                threshold=threshold,
                subject=name,
                message=_ELDERLY,
                message_params={"name": name, "age": age, "threshold": threshold},
            )
    return CriterionResult(
        code="all_elderly",
        passed=None,
        value=None,
        threshold=threshold,
        missing=tuple(path for _, path in unknown),
        message=_ELDERLY_UNKNOWN,
        message_params={"names": [n for n, _ in unknown], "threshold": threshold},
    )


def _advanced_age(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    threshold = params.advanced_age
    if not facts.occupants:
        return CriterionResult(
            code="advanced_age",
            passed=None,
            value=None,
            threshold=threshold,
            missing=("occupants",),
            message=_NO_OCCUPANTS,
        )
    known, unknown = known_ages(facts, on)
    if known:
        # The first of the oldest, so equal ages name the same person every time.
        name, age = max(known, key=lambda item: item[1])
        if age >= threshold or not unknown:
            return CriterionResult(
                code="advanced_age",
                passed=age >= threshold,
                value=age,
                threshold=threshold,
                subject=name,
                message=_ADVANCED,
                message_params={"name": name, "age": age, "threshold": threshold},
            )
    return CriterionResult(
        code="advanced_age",
        passed=None,
        value=None,
        threshold=threshold,
        missing=tuple(path for _, path in unknown),
        message=_ADVANCED_UNKNOWN,
        message_params={"names": [n for n, _ in unknown], "threshold": threshold},
    )


def household_composition(facts: HouseholdFacts) -> tuple[str | None, tuple[str, ...]]:
    """The composition (a :class:`Composition` value or None if unknown) and missing inputs.

    Known relationships that already exclude "couple" decide even if others are unknown.
    """
    occupants = facts.occupants
    if len(occupants) == 1:
        return Composition.ALONE, ()
    if len(occupants) != 2:
        return Composition.OTHER, ()
    relationships = [o.relationship for o in occupants]
    known = [r for r in relationships if r is not None]
    if any(r not in (Relationship.SELF, Relationship.SPOUSE) for r in known) or (
        len(set(known)) < len(known)
    ):
        return Composition.OTHER, ()
    if len(known) < 2:
        missing = tuple(
            f"occupants[{i}].relationship" for i, r in enumerate(relationships) if r is None
        )
        return None, missing
    return Composition.COUPLE, ()


def _composition(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    allowed = tuple(sorted(params.allowed_compositions))
    if not facts.occupants:
        return CriterionResult(
            code="composition",
            passed=None,
            value=None,
            threshold=allowed,
            missing=("occupants",),
            message=_NO_OCCUPANTS,
        )
    composition, missing = household_composition(facts)
    if composition is None:
        names = [
            occupant_label(o, i) for i, o in enumerate(facts.occupants) if o.relationship is None
        ]
        return CriterionResult(
            code="composition",
            passed=None,
            value=None,
            threshold=allowed,
            missing=missing,
            message=_COMPOSITION_UNKNOWN,
            message_params={"names": names},
        )
    return CriterionResult(
        code="composition",
        passed=composition in params.allowed_compositions,
        value=str(composition),
        threshold=allowed,
        message=_COMPOSITION,
        message_params={"composition": str(composition), "allowed": list(allowed)},
    )


def _floor(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    threshold = params.min_floor
    if facts.floor is None:
        return CriterionResult(
            code="floor",
            passed=None,
            value=None,
            threshold=threshold,
            missing=("floor",),
            message=_FLOOR_UNKNOWN,
        )
    return CriterionResult(
        code="floor",
        passed=facts.floor >= threshold,
        value=facts.floor,
        threshold=threshold,
        message=_FLOOR,
        message_params={"floor": facts.floor, "threshold": threshold},
    )


def _project_stage(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    required = params.required_stage
    order = facts.project_stage_order
    if facts.project_stage is None:
        return CriterionResult(
            code="project_stage",
            passed=None,
            value=None,
            threshold=required,
            missing=("project_stage",),
            message=_STAGE_UNKNOWN,
        )
    if required not in order:
        return CriterionResult(
            code="project_stage",
            passed=None,
            value=facts.project_stage,
            threshold=required,
            missing=("project_stage_order",),
            message=_STAGE_NOT_IN_LIFECYCLE,
            message_params={"threshold": required},
        )
    stage = facts.project_stage
    return CriterionResult(
        code="project_stage",
        passed=stage in order and order.index(stage) >= order.index(required),
        value=stage,
        threshold=required,
        message=_STAGE,
        message_params={"stage": stage, "threshold": required},
    )


def _contributor(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    if not params.require_contributor:
        return CriterionResult(
            code="contributor",
            passed=True,
            value=facts.household_role,
            threshold=None,
            message=_ROLE_NOT_REQUIRED,
        )
    if facts.household_role is None:
        return CriterionResult(
            code="contributor",
            passed=None,
            value=None,
            threshold=str(HouseholdRole.CONTRIBUTOR),
            missing=("household_role",),
            message=_ROLE_UNKNOWN,
        )
    return CriterionResult(
        code="contributor",
        passed=facts.household_role == HouseholdRole.CONTRIBUTOR,
        value=facts.household_role,
        threshold=str(HouseholdRole.CONTRIBUTOR),
        message=_ROLE,
        message_params={"role": facts.household_role},
    )


def _primary_residence(
    facts: HouseholdFacts, params: PolicyParameters, on: date
) -> CriterionResult:
    if not params.require_primary_residence:
        return CriterionResult(
            code="primary_residence",
            passed=True,
            value=facts.primary_residence,
            threshold=None,
            message=_RESIDENCE_NOT_REQUIRED,
        )
    if facts.primary_residence is None:
        return CriterionResult(
            code="primary_residence",
            passed=None,
            value=None,
            threshold=True,
            missing=("primary_residence",),
            message=_RESIDENCE_UNKNOWN,
        )
    return CriterionResult(
        code="primary_residence",
        passed=facts.primary_residence,
        value=facts.primary_residence,
        threshold=True,
        message=_RESIDENCE,
        message_params={"residence": facts.primary_residence},
    )


def _consents(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    required = tuple(sorted(params.required_consents))
    if facts.consents is None:
        return CriterionResult(
            code="consents",
            passed=None if required else True,
            value=None,
            threshold=required,
            missing=("consents",) if required else (),
            message=_CONSENTS_UNKNOWN if required else _CONSENTS,
            message_params={} if required else {"required": "-"},
        )
    recorded = tuple(sorted(facts.consents))
    absent = tuple(c for c in required if c not in facts.consents)
    if absent:
        # Not a refusal on the merits: the caseworker collects the consent and screens again.
        return CriterionResult(
            code="consents",
            passed=None,
            value=recorded,
            threshold=required,
            missing=tuple(f"consents:{c}" for c in absent),
            message=_CONSENTS_MISSING,
            message_params={"names": list(absent)},
        )
    return CriterionResult(
        code="consents",
        passed=True,
        value=recorded,
        threshold=required,
        message=_CONSENTS,
        message_params={"required": list(required) or "-"},
    )


def _income(facts: HouseholdFacts, params: PolicyParameters, on: date) -> CriterionResult:
    multiple = params.income_multiple_max
    if multiple is None:
        return CriterionResult(
            code="income",
            passed=True,
            value=facts.monthly_income_per_person_fen,
            threshold=None,
            message=_INCOME_OFF,
        )
    threshold = (str(multiple), facts.dibao_line_fen)
    missing = tuple(
        name
        for name in ("monthly_income_per_person_fen", "dibao_line_fen")
        if getattr(facts, name) is None
    )
    if missing or facts.monthly_income_per_person_fen is None or facts.dibao_line_fen is None:
        return CriterionResult(
            code="income",
            passed=None,
            value=facts.monthly_income_per_person_fen,
            threshold=threshold,
            missing=missing,
            message=_INCOME_UNKNOWN,
        )
    income, line = facts.monthly_income_per_person_fen, facts.dibao_line_fen
    limit = Decimal(line) * multiple  # exact: no rounding at the boundary
    return CriterionResult(
        code="income",
        passed=Decimal(income) <= limit,
        value=income,
        threshold=threshold,
        message=_INCOME,
        message_params={
            "income": yuan(income),
            "multiple": str(multiple),
            "line": yuan(line),
            "limit": yuan(limit),
        },
    )


_CRITERION_FUNCTIONS = (
    _all_elderly,
    _composition,
    _advanced_age,
    _floor,
    _project_stage,
    _contributor,
    _primary_residence,
    _consents,
    _income,
)


def assess(facts: HouseholdFacts, params: PolicyParameters, reference_date: date) -> Assessment:
    """Apply every criterion to ``facts`` on ``reference_date``. Pure; never raises on data.

    The caller picks the policy version in force (or a proposed one, for a what-if).
    """
    results = tuple(criterion(facts, params, reference_date) for criterion in _CRITERION_FUNCTIONS)
    missing = tuple(dict.fromkeys(m for r in results for m in r.missing))
    if any(r.passed is False for r in results):
        outcome = Outcome.NOT_ELIGIBLE
    elif any(r.passed is None for r in results):
        outcome = Outcome.NEEDS_INFORMATION
    else:
        outcome = Outcome.ELIGIBLE
    return Assessment(
        reference_date=reference_date,
        params=params,
        facts=facts,
        outcome=outcome,
        results=results,
        missing=missing,
    )


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class OutcomeChange:
    key: Hashable
    before: Outcome
    after: Outcome


def what_if(
    households: Mapping[K, HouseholdFacts],
    current: PolicyParameters,
    proposed: PolicyParameters,
    reference_date: date,
) -> list[OutcomeChange]:
    """Households whose outcome differs under ``proposed``, in the mapping's order."""
    changes = []
    for key, facts in households.items():
        before = assess(facts, current, reference_date).outcome
        after = assess(facts, proposed, reference_date).outcome
        if before != after:
            changes.append(OutcomeChange(key, before, after))
    return changes


def explain(assessment: Assessment, language: str) -> list[str]:
    """Every criterion's sentence in one language, e.g. for an admin page or a letter."""
    return [r.sentence(language) for r in assessment.results]

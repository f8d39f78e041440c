"""Inputs of the rules: policy parameters (data, effective-dated) and household facts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

# The lifecycle a project walks through when the caller does not give its own ordering.
# The models layer passes the project's configured lifecycle (provinces publish their own).
DEFAULT_STAGE_ORDER = (
    "proposed",
    "intent_consultation",
    "plan_consultation",
    "plan_consultation_passed",
    "public_notice",
    "approved",
    "contract_signed",
    "under_construction",
    "delivered",
    "closed",
)


class Composition(StrEnum):
    ALONE = "alone"  # one occupant
    COUPLE = "couple"  # the applicant and their spouse, nobody else
    OTHER = "other"  # anyone else lives there too


class Relationship(StrEnum):
    """An occupant's relationship to the applicant (申请人)."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    CHILD_IN_LAW = "child_in_law"
    GRANDCHILD = "grandchild"
    PARENT = "parent"
    SIBLING = "sibling"
    RELATIVE = "relative"
    CARER = "carer"
    OTHER = "other"


class HouseholdRole(StrEnum):
    CONTRIBUTOR = "contributor"
    OPT_OUT = "opt_out"  # 不出资不使用
    EXEMPT = "exempt"  # e.g. ground floor, shops


@dataclass(frozen=True, kw_only=True)
class PriorityWeights:
    """Points for ranking households when the fund cannot cover everyone.

    ``age``: per year the oldest occupant is above ``age_elderly``; ``bedridden``: once if an
    occupant cannot go downstairs unaided (悬空老人); ``disability``: once if an occupant has
    a disability; ``income``: once if income per person <= ``priority_income_multiple`` x the
    低保 line; ``floor``: per storey above the ground floor.
    """

    age: int = 1
    bedridden: int = 20
    disability: int = 10
    income: int = 10
    floor: int = 2

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            if getattr(self, f.name) < 0:
                raise ValueError(f"priority weight {f.name} must be >= 0")


@dataclass(frozen=True, kw_only=True)
class PolicyParameters:
    """One version of the eligibility and subsidy parameters (DOMAIN.md §4-§5).

    Money in fen. ``income_multiple_max=None`` switches the income rule off. Invalid values
    raise ``ValueError`` on construction, so an administrator's edit is checked before saving.
    """

    effective_from: date
    age_elderly: int = 60
    advanced_age: int = 80
    allowed_compositions: frozenset[str] = frozenset({Composition.ALONE, Composition.COUPLE})
    min_floor: int = 2
    required_stage: str = "plan_consultation_passed"
    require_contributor: bool = True
    require_primary_residence: bool = True
    required_consents: frozenset[str] = frozenset({"personal_data"})
    income_multiple_max: Decimal | None = None
    subsidy_ratio: Decimal = Decimal("0.5")
    cap_per_household_fen: int = 2_000_000
    priority_weights: PriorityWeights = PriorityWeights()
    priority_income_multiple: Decimal = Decimal("1.5")
    # Health flags (bedridden, disability) are sensitive personal information (PIPL): priority
    # uses them only when this separate consent is recorded.
    sensitive_consent: str = "sensitive_personal_data"

    def __post_init__(self) -> None:
        if not 0 < self.age_elderly <= self.advanced_age:
            raise ValueError("need 0 < age_elderly <= advanced_age")
        if self.min_floor < 1:
            raise ValueError("min_floor must be >= 1")
        unknown = set(self.allowed_compositions) - set(Composition)
        if unknown or not self.allowed_compositions:
            raise ValueError(
                f"allowed_compositions must be a non-empty subset of {list(Composition)}"
            )
        if not self.required_stage:
            raise ValueError("required_stage must be set")
        if self.income_multiple_max is not None and self.income_multiple_max <= 0:
            raise ValueError("income_multiple_max must be > 0")
        if not Decimal(0) <= self.subsidy_ratio <= Decimal(1):
            raise ValueError("subsidy_ratio must be between 0 and 1")
        if self.cap_per_household_fen < 0:
            raise ValueError("cap_per_household_fen must be >= 0")
        if self.priority_income_multiple <= 0:
            raise ValueError("priority_income_multiple must be > 0")


@dataclass(frozen=True, kw_only=True)
class Occupant:
    """Someone who lives in the flat. ``None`` means unknown."""

    name: str
    birth_date: date | None = None
    relationship: str | None = None  # a Relationship value, to the applicant
    bedridden: bool | None = None  # cannot go downstairs unaided (悬空老人)
    disabled: bool | None = None


@dataclass(frozen=True, kw_only=True)
class HouseholdFacts:
    """Everything the criteria read about one household for one project. ``None`` = unknown.

    ``project_stage_order`` is the project's lifecycle, earliest stage first; a stage not in it
    (e.g. ``cancelled``) has not reached anything. Income and the 低保 line are per person per
    month, in fen.
    """

    occupants: tuple[Occupant, ...]
    floor: int | None = None
    project_stage: str | None = None
    project_stage_order: tuple[str, ...] = DEFAULT_STAGE_ORDER
    household_role: str | None = None  # a HouseholdRole value
    primary_residence: bool | None = None
    consents: frozenset[str] | None = None
    monthly_income_per_person_fen: int | None = None
    dibao_line_fen: int | None = None


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years on ``on``; a person is N on their Nth birthday.

    >>> age_on(date(1946, 6, 1), date(2026, 6, 1)), age_on(date(1946, 6, 1), date(2026, 5, 31))
    (80, 79)
    >>> age_on(date(1948, 2, 29), date(2027, 2, 28)), age_on(date(1948, 2, 29), date(2027, 3, 1))
    (78, 79)
    """
    if birth_date > on:
        raise ValueError("birth date after the reference date")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def occupant_label(occupant: Occupant, index: int) -> str:
    return occupant.name or f"#{index + 1}"


def known_ages(
    facts: HouseholdFacts, on: date
) -> tuple[list[tuple[str, int]], list[tuple[str, str]]]:
    """(name, age) of occupants with a usable birth date; (name, missing path) of the others."""
    known: list[tuple[str, int]] = []
    unknown: list[tuple[str, str]] = []
    for i, occupant in enumerate(facts.occupants):
        if occupant.birth_date is None or occupant.birth_date > on:
            unknown.append((occupant_label(occupant, i), f"occupants[{i}].birth_date"))
        else:
            known.append((occupant_label(occupant, i), age_on(occupant.birth_date, on)))
    return known, unknown

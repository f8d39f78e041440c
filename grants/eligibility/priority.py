"""Ranking households by the policy's priority weights, with the reason for each point."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.utils import translation
from django.utils.translation import gettext

from grants.eligibility.inputs import (
    HouseholdFacts,
    PolicyParameters,
    known_ages,
    occupant_label,
)
from grants.eligibility.messages import gettext_noop, render, yuan

K = TypeVar("K", bound=Hashable)


_P_AGE = gettext_noop("%(name)s is %(age)s: +%(points)s (%(weight)s per year over %(base)s)")
_P_AGE_UNKNOWN = gettext_noop("Age unknown: +0")
_P_BEDRIDDEN = gettext_noop("Cannot go downstairs unaided (%(names)s): +%(points)s")
_P_DISABILITY = gettext_noop("Disability (%(names)s): +%(points)s")
_P_HEALTH_NONE = gettext_noop("%(factor)s: none recorded, +0")
_P_HEALTH_NO_CONSENT = gettext_noop("%(factor)s: not used without separate consent, +0")
_P_INCOME = gettext_noop(
    "Income CNY %(income)s per person per month "
    "(<= %(multiple)s x minimum-living line CNY %(line)s): +%(points)s"
)
_P_INCOME_ABOVE = gettext_noop(
    "Income CNY %(income)s per person per month "
    "(> %(multiple)s x minimum-living line CNY %(line)s): +0"
)
_P_INCOME_UNKNOWN = gettext_noop("Income unknown: +0")
_P_FLOOR = gettext_noop(
    "Floor %(floor)s: +%(points)s (%(weight)s per storey above the ground floor)"
)
_P_FLOOR_UNKNOWN = gettext_noop("Floor unknown: +0")
_FACTOR_LABELS = {
    "bedridden": gettext_noop("Cannot go downstairs unaided"),
    "disability": gettext_noop("Disability"),
}


@dataclass(frozen=True, kw_only=True)
class PriorityReason:
    code: str  # age, bedridden, disability, income, floor
    points: int
    message: str = field(default="", compare=False)
    message_params: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def sentence(self, language: str) -> str:
        params = dict(self.message_params)
        if "factor" in params:
            with translation.override(language):
                params["factor"] = gettext(_FACTOR_LABELS[params["factor"]])
        return render(self.message, params, language)


def _health_reason(
    code: str, flag: str, weight: int, facts: HouseholdFacts, params: PolicyParameters
) -> PriorityReason:
    if facts.consents is None or params.sensitive_consent not in facts.consents:
        return PriorityReason(
            code=code, points=0, message=_P_HEALTH_NO_CONSENT, message_params={"factor": code}
        )
    names = [
        occupant_label(o, i) for i, o in enumerate(facts.occupants) if getattr(o, flag) is True
    ]
    if not names:
        return PriorityReason(
            code=code, points=0, message=_P_HEALTH_NONE, message_params={"factor": code}
        )
    message = _P_BEDRIDDEN if code == "bedridden" else _P_DISABILITY
    return PriorityReason(
        code=code,
        points=weight,
        message=message,
        message_params={"names": names, "points": weight},
    )


def priority_score(
    facts: HouseholdFacts, params: PolicyParameters, reference_date: date
) -> tuple[int, tuple[PriorityReason, ...]]:
    """Points for ranking eligible households (higher first) and the reason for each part.

    Unknown inputs score 0. Health flags count only with the separate sensitive-data consent.

    >>> from datetime import date
    >>> from grants.eligibility import HouseholdFacts, Occupant, PolicyParameters
    >>> p = PolicyParameters(effective_from=date(2026, 1, 1))
    >>> f = HouseholdFacts(occupants=(Occupant(name="张阿姨", birth_date=date(1943, 5, 2),
    ...                                        bedridden=True),), floor=5,
    ...                    consents=frozenset({"personal_data", "sensitive_personal_data"}))
    >>> score, reasons = priority_score(f, p, date(2026, 6, 1))
    >>> score, [(r.code, r.points) for r in reasons]
    (51, [('age', 23), ('bedridden', 20), ('disability', 0), ('income', 0), ('floor', 8)])
    """
    w = params.priority_weights
    reasons = []

    known, _ = known_ages(facts, reference_date)
    if known:
        name, age = max(known, key=lambda item: item[1])
        points = w.age * max(0, age - params.age_elderly)
        reasons.append(
            PriorityReason(
                code="age",
                points=points,
                message=_P_AGE,
                message_params={
                    "name": name,
                    "age": age,
                    "points": points,
                    "weight": w.age,
                    "base": params.age_elderly,
                },
            )
        )
    else:
        reasons.append(PriorityReason(code="age", points=0, message=_P_AGE_UNKNOWN))

    reasons.append(_health_reason("bedridden", "bedridden", w.bedridden, facts, params))
    reasons.append(_health_reason("disability", "disabled", w.disability, facts, params))

    income, line = facts.monthly_income_per_person_fen, facts.dibao_line_fen
    if income is None or line is None:
        reasons.append(PriorityReason(code="income", points=0, message=_P_INCOME_UNKNOWN))
    else:
        low = Decimal(income) <= Decimal(line) * params.priority_income_multiple
        reasons.append(
            PriorityReason(
                code="income",
                points=w.income if low else 0,
                message=_P_INCOME if low else _P_INCOME_ABOVE,
                message_params={
                    "income": yuan(income),
                    "multiple": str(params.priority_income_multiple),
                    "line": yuan(line),
                    "points": w.income,
                },
            )
        )

    if facts.floor is None:
        reasons.append(PriorityReason(code="floor", points=0, message=_P_FLOOR_UNKNOWN))
    else:
        points = w.floor * max(0, facts.floor - 1)
        reasons.append(
            PriorityReason(
                code="floor",
                points=points,
                message=_P_FLOOR,
                message_params={"floor": facts.floor, "points": points, "weight": w.floor},
            )
        )
    return sum(r.points for r in reasons), tuple(reasons)


@dataclass(frozen=True)
class RankedHousehold:
    rank: int  # 1 = first served; equal scores share a rank
    key: Hashable
    score: int
    reasons: tuple[PriorityReason, ...]


def rank_by_priority(
    households: Iterable[tuple[K, HouseholdFacts]],
    params: PolicyParameters,
    reference_date: date,
) -> list[RankedHousehold]:
    """Highest score first; ties keep the input order (e.g. date of application) and share a
    rank, so the caller decides who goes first among equals and can say so."""
    scored = []
    for key, facts in households:
        score, reasons = priority_score(facts, params, reference_date)
        scored.append((key, score, reasons))
    scored.sort(key=lambda item: -item[1])  # stable
    ranked: list[RankedHousehold] = []
    for position, (key, score, reasons) in enumerate(scored, start=1):
        rank = ranked[-1].rank if ranked and ranked[-1].score == score else position
        ranked.append(RankedHousehold(rank, key, score, reasons))
    return ranked

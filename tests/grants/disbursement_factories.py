"""Projects with committed awards, ready for tranches and disbursements.

Everything goes through the services: elderly households living alone are screened under the
seeded default policy, then awarded, approved and committed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from config.roles import Role
from fund.models import Fund
from fund.money import Money
from fund.services import fund_create, gift_record
from grants.models import Award, Household, Project
from grants.services import (
    household_create,
    occupant_add,
    project_transition,
    project_update,
)
from grants.services.awards import award_approve, award_commit, award_propose
from grants.services.eligibility import household_consent_record, household_screen
from tests.factories import user_with_role
from tests.fund.factories import key
from tests.grants.factories import PersonFactory, advance, attach, make_building, make_project


@dataclass
class Staff:
    finance: Any
    approver: Any
    approver2: Any
    caseworker: Any


def staff() -> Staff:
    return Staff(
        finance=user_with_role(Role.FINANCE_OFFICER),
        approver=user_with_role(Role.APPROVER),
        approver2=user_with_role(Role.APPROVER),
        caseworker=user_with_role(Role.CASEWORKER),
    )


def funded(yuan: int = 1_000_000, *, code: str | None = None) -> Fund:
    """A restricted fund with ``yuan`` given by bank transfer (so the bank holds it)."""
    fund = fund_create(
        code=code or key("elevator").replace(":", "-"),
        name_zh="加装电梯定向基金",
        name_en="Lift retrofit fund",
        is_restricted=True,
    )
    gift_record(
        fund=fund,
        amount=Money(yuan * 100, "CNY"),
        received_via="bank",
        effective_date=dt.date(2026, 1, 5),
        idempotency_key=key("gift"),
    )
    return fund


def elderly_household(unit: Any, people: Staff) -> Household:
    """An 88-year-old living alone who consented to the screening, screened eligible."""
    since = dt.date(1998, 1, 1)
    household = household_create(unit=unit, since=since, by=people.caseworker)
    occupant_add(
        household=household,
        person=PersonFactory(birth_date=dt.date(1938, 6, 1)),
        relationship="self",
        since=since,
        by=people.caseworker,
    )
    household_consent_record(
        household=household, given_on=dt.date(2026, 3, 1), by=people.caseworker
    )
    assessment = household_screen(household=household, by=people.caseworker)
    assert assessment.outcome == "eligible", assessment.results
    return household


def committed_award(project: Project, household: Household, fund: Fund, people: Staff) -> Award:
    award = award_propose(household=household, project=project, fund=fund, by=people.caseworker)
    award_approve(award=award, by=people.approver)
    return award_commit(award=award, by=people.approver)


@dataclass
class Setup:
    project: Project
    fund: Fund
    people: Staff
    awards: list[Award] = field(default_factory=list)


def project_with_awards(
    *,
    households: int = 3,
    stage: str = "contracted",
    fund: Fund | None = None,
    people: Staff | None = None,
    contractor: str = "上海某电梯工程有限公司",
) -> Setup:
    """A 6-floor lift project at ``stage`` with ``households`` committed awards (floors 2+)."""
    people = people or staff()
    fund = fund or funded()
    project = make_project(by=people.caseworker, contractor=contractor)
    units = make_building(project, by=people.caseworker)
    advance(project, "approved", by=people.caseworker)
    project.refresh_from_db()
    setup = Setup(project=project, fund=fund, people=people)
    for unit in [u for u in units if u.floor >= 2][:households]:
        household = elderly_household(unit, people)
        setup.awards.append(committed_award(project, household, fund, people))
    if stage != "approved":
        advance_on(project, stage, by=people.caseworker)
    project.refresh_from_db()
    return setup


LATER_STEPS = ["approved", "contracted", "under_construction", "delivered", "closed"]
STEP_DOCUMENTS = {
    "contracted": ["contract"],
    "under_construction": ["construction_permit"],
    "delivered": ["acceptance_certificate"],
    "closed": ["resident_signoff"],
}


def advance_on(project: Project, to: str, *, by: Any = None) -> Project:
    """Walk an approved (or later) project on to step ``to`` of the default lifecycle."""
    project.refresh_from_db()
    for step in LATER_STEPS[LATER_STEPS.index(project.stage.code) + 1 :]:
        attach(project, *STEP_DOCUMENTS[step], by=by)
        if step == "closed":
            project_update(
                project=project, by=by, changes={"final_cost_minor": project.cost_estimate_minor}
            )
        project_transition(project=project, target=step, by=by)
        if step == to:
            break
    project.refresh_from_db()
    return project


def evidence(project: Project, *kinds: str, by: Any = None) -> list[Any]:
    return attach(project, *kinds, by=by)

"""Screenable households, policy versions and awards for tests, built through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from config.roles import Role
from fund.models import Fund
from grants import services
from grants.eligibility import params_from_json, params_to_json, params_with_overrides
from grants.models import Award, EligibilityPolicy, Household, PolicyVersion, Project, Unit
from grants.services.eligibility import household_consent_record
from tests.factories import user_with_role
from tests.fund.factories import FundFactory, gift
from tests.grants.factories import PersonFactory, advance, make_building, make_project

SINCE = dt.date(2010, 1, 1)
# Someone well over 80 whatever day the suite runs.
OLD = dt.date(1938, 3, 14)


def screenable_project(
    *, floors: Sequence[int] = (1, 2, 3, 4, 5, 6), stage: str = "public_notice", **kw: Any
) -> Project:
    """A project with one unit per floor (each 60 m², one owner), walked to ``stage``; from
    ``public_notice`` on, the plan consultation passed and the cost share is computed
    (cost 600k, Shanghai subsidy 240k: each of six units owes 60,000.00)."""
    project = make_project(**kw)
    make_building(project, floors=floors, per_floor=1)
    return advance(project, stage)


def unit_on(project: Project, floor: int) -> Unit:
    return project.units.get(floor=floor)


def household_in(
    unit: Unit,
    occupants: Sequence[tuple[str, dt.date, str]] = (("张阿姨", OLD, "self"),),
    *,
    consent: bool = True,
    primary: bool = True,
) -> Household:
    """A current household of ``occupants`` (name, birth date, relationship), with the
    household's personal-data consent unless ``consent=False``."""
    household = services.household_create(
        unit=unit, since=SINCE, by=None, is_primary_residence=primary
    )
    for name, birth, relationship in occupants:
        person = PersonFactory(full_name=name, birth_date=birth)
        services.occupant_add(
            household=household, person=person, relationship=relationship, since=SINCE, by=None
        )
    if consent:
        household_consent_record(household=household, given_on=dt.date(2024, 1, 1), by=None)
    return household


def policy_version(
    effective_from: dt.date, *, dibao_line_minor: int | None = None, **overrides: Any
) -> PolicyVersion:
    """A version of the default policy with ``overrides`` on the current parameters, saved
    directly (tests may date it in the past; the service refuses that)."""
    policy = EligibilityPolicy.objects.get(is_default=True)
    base = policy.versions.order_by("-number").first()
    assert base is not None
    params = params_with_overrides(params_from_json(base.parameters), overrides)
    data = params_to_json(params)
    data["effective_from"] = effective_from.isoformat()
    return PolicyVersion.objects.create(
        policy=policy,
        number=base.number + 1,
        effective_from=effective_from,
        parameters=data,
        dibao_line_minor=dibao_line_minor,
    )


def funded(yuan: str = "100000.00") -> Fund:
    fund = FundFactory()
    gift(fund, yuan)
    return fund


def staff() -> dict[str, Any]:
    return {
        "caseworker": user_with_role(Role.CASEWORKER),
        "approver": user_with_role(Role.APPROVER),
        "approver2": user_with_role(Role.APPROVER),
    }


def eligible_award(
    *, fund: Fund | None = None, floor: int = 5, users: dict[str, Any] | None = None
) -> Award:
    """A proposed award for an eligible household on ``floor`` of a fresh project."""
    from grants.services.eligibility import household_screen

    users = users or staff()
    project = screenable_project()
    household = household_in(unit_on(project, floor))
    household_screen(household=household)
    return services.award_propose(
        household=household, project=project, fund=fund or funded(), by=users["caseworker"]
    )

"""grants.demo.seed: projects at different stages, elderly households, idempotent."""

import pytest
from django.utils import timezone

from config.roles import Role
from grants import demo
from grants.models import Consultation, CostShareLine, Household, Occupant, Person, Project
from grants.selectors import costshare_current
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_seed_twice_gives_the_same_data():
    users = {"caseworker": user_with_role(Role.CASEWORKER)}

    demo.seed(users=users)
    counts = [m.objects.count() for m in (Project, Person, Household, Occupant, Consultation)]
    summary = demo.seed(users=users)

    assert [
        m.objects.count() for m in (Project, Person, Household, Occupant, Consultation)
    ] == counts
    assert summary.startswith("0 new project(s)")
    stages = dict(Project.objects.values_list("reference", "stage__code"))
    assert stages == {
        "SH-PT-2025-001": "under_construction",
        "BJ-HD-2025-002": "plan_consultation",
        "HZ-XH-2025-003": "intent_consultation",
        "CQ-YZ-2025-004": "proposed",
    }
    failed = Consultation.objects.get(project__reference="BJ-HD-2025-002", kind="plan")
    assert failed.passed is False
    shanghai = Project.objects.get(reference="SH-PT-2025-001")
    run = costshare_current(project=shanghai)
    roles = set(CostShareLine.objects.filter(run=run).values_list("role", flat=True))
    assert roles == {"contributor", "exempt", "opt_out"}
    assert CostShareLine.objects.filter(run=run, volunteer_extra_minor__gt=0).count() == 1
    assert sum(run.lines.values_list("payable_minor", flat=True)) == run.net_cost_minor


def test_seed_includes_elderly_households_of_each_kind():
    demo.seed(users={"caseworker": user_with_role(Role.CASEWORKER)})
    today = timezone.localdate()

    kinds = set()
    for household in Household.objects.filter(until__isnull=True):
        births = [o.person.birth_date for o in household.occupants.all()]
        if not births:
            continue
        elderly = [b for b in births if (today.year - b.year) >= 70]
        if len(births) == 1 and elderly:
            kinds.add("alone")
        elif len(births) == 2 and len(elderly) == 2:
            kinds.add("couple")
        elif elderly and len(elderly) < len(births):
            kinds.add("with younger co-residents")
        assert all(1930 <= b.year <= 1955 for b in elderly)

    assert kinds == {"alone", "couple", "with younger co-residents"}

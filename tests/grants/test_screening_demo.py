"""grants.demo.seed screens the demo households (mixed outcomes) and leaves awards in
several states; running it twice changes nothing."""

import pytest

from config.roles import Role
from fund import demo as fund_demo
from grants import demo
from grants.models import Assessment, Award, ScreeningRun
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_seed_screens_with_mixed_outcomes_and_awards_in_several_states():
    users = {
        "admin": user_with_role(Role.ADMINISTRATOR),
        "finance": user_with_role(Role.FINANCE_OFFICER),
        "caseworker": user_with_role(Role.CASEWORKER),
        "approver": user_with_role(Role.APPROVER),
        "approver2": user_with_role(Role.APPROVER),
    }
    fund_demo.seed(users=users)

    demo.seed(users=users)
    counts = [m.objects.count() for m in (Assessment, Award, ScreeningRun)]
    summary = demo.seed(users=users)

    assert [m.objects.count() for m in (Assessment, Award, ScreeningRun)] == counts
    outcomes = set(Assessment.objects.filter(stale=False).values_list("outcome", flat=True))
    assert outcomes == {"eligible", "not_eligible", "needs_information"}
    states = sorted(Award.objects.values_list("state", flat=True))
    assert states == ["approved", "cancelled", "committed", "proposed"]
    assert "awards: proposed 1, approved 1, committed 1, cancelled 1" in summary, summary

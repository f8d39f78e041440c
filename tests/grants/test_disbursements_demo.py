"""grants.demo.seed leaves disbursements in every state on the Shanghai lift; running it
twice changes nothing."""

import pytest

from config.roles import Role
from fund import demo as fund_demo
from fund.checks import ledger_verify
from fund.models import JournalEntry
from grants import demo
from grants.models import Disbursement, Tranche
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def test_seed_makes_disbursements_in_every_state_once():
    users = {
        "admin": user_with_role(Role.ADMINISTRATOR),
        "finance": user_with_role(Role.FINANCE_OFFICER),
        "caseworker": user_with_role(Role.CASEWORKER),
        "approver": user_with_role(Role.APPROVER),
        "approver2": user_with_role(Role.APPROVER),
    }
    fund_demo.seed(users=users)

    demo.seed(users=users)
    counts = [m.objects.count() for m in (Tranche, Disbursement, JournalEntry)]
    summary = demo.seed(users=users)

    assert [m.objects.count() for m in (Tranche, Disbursement, JournalEntry)] == counts
    states = sorted(Disbursement.objects.values_list("tranche__position", "status").order_by("id"))
    assert states == [
        (1, "requested"),
        (1, "returned"),
        (2, "paid"),
        (3, "approved"),
        (3, "cancelled"),
        (3, "rejected"),
    ]
    assert (
        "disbursements: requested 1, approved 1, paid 1, rejected 1, cancelled 1, returned 1"
        in summary
    ), summary
    assert ledger_verify().ok

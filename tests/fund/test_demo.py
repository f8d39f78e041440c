from datetime import date

import pytest

from config.roles import Role
from fund import demo
from fund.checks import ledger_verify
from fund.models import AccountingPeriod, Fund, JournalEntry, Posting
from fund.money import Money
from fund.selectors import fund_balances, fund_statement, trial_balance
from tests.factories import user_with_role
from tests.fund.factories import cny

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {"finance": user_with_role(Role.FINANCE_OFFICER, username="finance")}


def test_demo_seed_creates_the_two_funds_and_a_sound_ledger(users):
    summary = demo.seed(users=users)

    elevator = Fund.objects.get(code="elevator")
    general = Fund.objects.get(code="general")
    assert (elevator.name_zh, elevator.is_restricted) == ("电梯加装专项基金", True)
    assert "空巢" in elevator.purpose_zh
    assert general.is_restricted is False
    assert summary == (
        "funds elevator, general; 23 entries; elevator available ¥122,284.45, committed ¥56,100.00"
    )
    assert ledger_verify().problems == []
    b = fund_balances(fund=elevator)
    # The ¥12.55 fee of the gift refunded in full is borne by unrestricted net assets.
    assert (b.available, b.committed, b.net_assets_unrestricted) == (
        cny("122284.45"),
        cny("56100.00"),
        Money(-1255, "CNY"),
    )
    assert fund_balances(fund=general).available == cny("30770.45")
    assert AccountingPeriod.objects.get().is_closed
    assert trial_balance(at=date(2026, 12, 31)).is_balanced
    assert fund_statement(fund=elevator, start=date(2026, 1, 1), end=date(2026, 12, 31)).reconciles


def test_demo_seed_is_idempotent(users):
    demo.seed(users=users)
    before = (
        list(JournalEntry.objects.values_list("number", "hash")),
        Posting.objects.count(),
    )

    demo.seed(users=users)

    assert (
        list(JournalEntry.objects.values_list("number", "hash")),
        Posting.objects.count(),
    ) == before

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from config.roles import Role
from fund.models import AccountingPeriod, Fund, JournalEntry, LedgerAccount, PeriodEvent, PeriodKind
from fund.services import accounting_period_close
from tests.factories import user_with_role
from tests.fund.factories import FundFactory, GeneralFundFactory, gift

pytestmark = pytest.mark.django_db

JOURNAL = "/admin/fund/journalentry/"
PERIODS = "/admin/fund/accountingperiod/"


def client_as(role):
    client = Client()
    user = user_with_role(role)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def ledger():
    elevator, general = FundFactory(code="elevator"), GeneralFundFactory(code="general")
    entries = [
        gift(elevator, "100", day=date(2026, 1, 10)),
        gift(general, "200", day=date(2026, 2, 10)),
        gift(elevator, "300", day=date(2026, 3, 10), idempotency_key="stripe:pi_third"),
    ]
    return elevator, general, entries


def numbers_listed(response):
    return [e.number for e in response.context["cl"].result_list]


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_the_journal_is_readable_but_never_editable(ledger, role):
    client = client_as(role)
    entry = ledger[2][0]
    before = list(JournalEntry.objects.values_list("id", "memo", "hash"))

    listing = client.get(JOURNAL)
    detail = client.get(f"{JOURNAL}{entry.pk}/change/")
    add = client.get(f"{JOURNAL}add/")
    edit = client.post(f"{JOURNAL}{entry.pk}/change/", {"memo": "edited"})
    delete = client.post(f"{JOURNAL}{entry.pk}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert sorted(numbers_listed(listing)) == [1, 2, 3]
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert entry.hash in detail.content.decode()
    assert (add.status_code, edit.status_code, delete.status_code) == (403, 403, 403)
    assert list(JournalEntry.objects.values_list("id", "memo", "hash")) == before


def test_the_journal_filters_by_fund_kind_and_date_and_searches(ledger):
    client = client_as(Role.AUDITOR)

    by_fund = client.get(JOURNAL, {"fund": "elevator"})
    by_kind = client.get(JOURNAL, {"kind__exact": "gift"})
    by_date = client.get(
        JOURNAL, {"effective_date__gte": "2026-02-01", "effective_date__lt": "2026-03-01"}
    )
    by_key = client.get(JOURNAL, {"q": "pi_third"})

    assert sorted(numbers_listed(by_fund)) == [1, 3]
    assert sorted(numbers_listed(by_kind)) == [1, 2, 3]
    assert numbers_listed(by_date) == [2]
    assert numbers_listed(by_key) == [3]


def test_roles_without_ledger_access_cannot_see_the_journal(ledger):
    assert client_as(Role.CASEWORKER).get(JOURNAL).status_code == 403


def test_accounts_are_read_only_and_show_balances(ledger):
    client = client_as(Role.FINANCE_OFFICER)

    listing = client.get("/admin/fund/ledgeraccount/", {"fund__id__exact": ledger[0].pk})

    assert listing.status_code == 200
    assert "¥400.00" in listing.content.decode()
    assert client.get("/admin/fund/ledgeraccount/add/").status_code == 403


def test_a_fund_added_in_the_admin_gets_its_chart():
    client = client_as(Role.ADMINISTRATOR)

    response = client.post(
        "/admin/fund/fund/add/",
        {
            "code": "reserve",
            "name_zh": "储备金",
            "name_en": "Reserve",
            "purpose_zh": "",
            "purpose_en": "",
            "currency": "CNY",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    fund = Fund.objects.get(code="reserve")
    assert fund.is_restricted is False
    assert LedgerAccount.objects.filter(fund=fund).count() == 9


def test_finance_adds_and_closes_a_month_in_the_admin():
    client = client_as(Role.FINANCE_OFFICER)

    added = client.post(f"{PERIODS}add/", {"kind": PeriodKind.MONTH, "year": 2026, "month": 2})
    period = AccountingPeriod.objects.get()
    closed = client.post(PERIODS, {"action": "close_periods", ACTION_CHECKBOX_NAME: [period.pk]})

    assert (added.status_code, closed.status_code) == (302, 302)
    period.refresh_from_db()
    assert (period.start, period.end, period.is_closed) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
        True,
    )
    assert period.closed_by == client.user


def test_only_an_administrator_reopens_and_must_give_a_reason():
    finance, admin = client_as(Role.FINANCE_OFFICER), client_as(Role.ADMINISTRATOR)
    period = accounting_period_close(
        kind=PeriodKind.MONTH, year=2026, month=1, closed_by=finance.user
    )
    selected = {"action": "reopen_periods", ACTION_CHECKBOX_NAME: [period.pk]}

    refused = finance.post(PERIODS, {**selected, "reason": "想改"})
    period.refresh_from_db()
    assert period.is_closed
    asks = admin.post(PERIODS, selected)
    period.refresh_from_db()
    assert period.is_closed
    done = admin.post(PERIODS, {**selected, "reason": "银行对账更正"})

    assert refused.status_code in (200, 302)
    assert asks.status_code == 200
    assert "reason" in asks.content.decode()
    assert done.status_code == 302
    period.refresh_from_db()
    assert period.is_closed is False
    assert PeriodEvent.objects.filter(action="reopen").get().reason == "银行对账更正"


def test_ledger_checks_are_listed_read_only():
    from django.core.management import call_command

    call_command("ledger_verify")
    client = client_as(Role.AUDITOR)

    assert client.get("/admin/fund/ledgercheck/").status_code == 200
    assert client.get("/admin/fund/ledgercheck/add/").status_code == 403

from datetime import date

import pytest

from config.roles import Role
from fund.exceptions import InvalidEntry, NotPermitted, PeriodClosed
from fund.models import AccountingPeriod, JournalEntry, PeriodAction, PeriodEvent, PeriodKind
from fund.selectors import fund_available_balance
from fund.services import accounting_period_close, accounting_period_reopen, journal_entry_reverse
from tests.factories import user_with_role
from tests.fund.factories import FundFactory, cny, gift

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance():
    return user_with_role(Role.FINANCE_OFFICER)


@pytest.fixture
def admin():
    return user_with_role(Role.ADMINISTRATOR)


def test_postings_dated_in_a_closed_month_are_refused(finance):
    fund = FundFactory()
    gift(fund, "10", day=date(2026, 1, 31))
    period = accounting_period_close(kind=PeriodKind.MONTH, year=2026, month=1, closed_by=finance)

    with pytest.raises(PeriodClosed) as error:
        gift(fund, "20", day=date(2026, 1, 15))
    gift(fund, "30", day=date(2026, 2, 1))

    assert error.value.code == "period_closed"
    assert (period.start, period.end, period.is_closed) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
        True,
    )
    assert JournalEntry.objects.count() == 2
    assert fund_available_balance(fund=fund) == cny("40")
    event = PeriodEvent.objects.get()
    assert (event.action, event.actor, event.reason) == (PeriodAction.CLOSE, finance, "")


def test_closing_a_year_closes_every_day_of_it(finance):
    fund = FundFactory()
    accounting_period_close(kind=PeriodKind.YEAR, year=2025, closed_by=finance)

    for day in (date(2025, 1, 1), date(2025, 7, 14), date(2025, 12, 31)):
        with pytest.raises(PeriodClosed):
            gift(fund, "1", day=day)
    gift(fund, "1", day=date(2026, 1, 1))

    assert JournalEntry.objects.count() == 1


def test_closing_twice_changes_nothing(finance):
    first = accounting_period_close(kind=PeriodKind.MONTH, year=2026, month=2, closed_by=finance)
    second = accounting_period_close(kind=PeriodKind.MONTH, year=2026, month=2, closed_by=finance)

    assert first.pk == second.pk
    assert second.end == date(2026, 2, 28)
    assert PeriodEvent.objects.count() == 1


def test_only_finance_staff_close_periods():
    with pytest.raises(NotPermitted):
        accounting_period_close(
            kind=PeriodKind.MONTH, year=2026, month=1, closed_by=user_with_role(Role.CASEWORKER)
        )
    with pytest.raises(InvalidEntry):
        accounting_period_close(
            kind=PeriodKind.MONTH,
            year=2026,
            month=13,
            closed_by=user_with_role(Role.FINANCE_OFFICER),
        )

    assert AccountingPeriod.objects.count() == 0


def test_reopening_needs_an_administrator_and_a_reason_and_is_recorded(finance, admin):
    fund = FundFactory()
    period = accounting_period_close(kind=PeriodKind.MONTH, year=2026, month=1, closed_by=finance)

    with pytest.raises(NotPermitted) as forbidden:
        accounting_period_reopen(period=period, reopened_by=finance, reason="漏记手续费")
    with pytest.raises(InvalidEntry):
        accounting_period_reopen(period=period, reopened_by=admin, reason="  ")
    period.refresh_from_db()
    assert period.is_closed
    assert forbidden.value.code == "forbidden"

    accounting_period_reopen(period=period, reopened_by=admin, reason="银行对账发现漏记手续费")
    gift(fund, "5", day=date(2026, 1, 20))

    period.refresh_from_db()
    assert period.is_closed is False
    events = list(PeriodEvent.objects.order_by("id").values_list("action", "actor", "reason"))
    assert events == [
        (PeriodAction.CLOSE, finance.pk, ""),
        (PeriodAction.REOPEN, admin.pk, "银行对账发现漏记手续费"),
    ]
    with pytest.raises(InvalidEntry):
        accounting_period_reopen(period=period, reopened_by=admin, reason="again")


def test_a_reopened_month_stays_closed_while_its_year_is_closed(finance, admin):
    fund = FundFactory()
    month = accounting_period_close(kind=PeriodKind.MONTH, year=2025, month=3, closed_by=finance)
    accounting_period_close(kind=PeriodKind.YEAR, year=2025, closed_by=finance)

    accounting_period_reopen(period=month, reopened_by=admin, reason="更正")

    with pytest.raises(PeriodClosed):
        gift(fund, "5", day=date(2025, 3, 3))


def test_an_entry_in_a_closed_period_is_corrected_by_a_reversal_dated_in_an_open_one(finance):
    fund = FundFactory()
    wrong = gift(fund, "10", day=date(2026, 1, 10))
    accounting_period_close(kind=PeriodKind.MONTH, year=2026, month=1, closed_by=finance)

    with pytest.raises(PeriodClosed):
        journal_entry_reverse(
            entry=wrong, idempotency_key="rev:a", effective_date=date(2026, 1, 31)
        )
    reversal = journal_entry_reverse(
        entry=wrong, idempotency_key="rev:b", effective_date=date(2026, 2, 1)
    )

    assert reversal.reverses == wrong
    assert fund_available_balance(fund=fund) == cny("0")

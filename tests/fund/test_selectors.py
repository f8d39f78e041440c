from datetime import date

import pytest

from fund.models import EntryKind, ReceivedVia, TransferBasis
from fund.selectors import (
    financial_position,
    fund_available_balance,
    fund_committed_balance,
    fund_statement,
    journal_entries,
    trial_balance,
)
from fund.services import (
    Line,
    fund_transfer,
    funds_commit,
    gift_refund,
    journal_entry_post,
    payout_record,
    restricted_spend,
)
from tests.fund.factories import FundFactory, GeneralFundFactory, cny, gift

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    elevator = FundFactory(code="elevator")
    general = GeneralFundFactory(code="general")
    a = {x.code: x for x in elevator.accounts.all()}
    journal_entry_post(
        kind=EntryKind.OPENING,
        effective_date=date(2026, 1, 5),
        memo="期初",
        idempotency_key="opening",
        lines=[
            Line(a["bank"], debit=cny("10000")),
            Line(a["net_assets_restricted"], credit=cny("10000")),
        ],
    )
    first = gift(elevator, "1000", fee="6", day=date(2026, 2, 3))
    gift(elevator, "500", via=ReceivedVia.BANK, day=date(2026, 2, 10))
    gift_refund(
        gift_entry=first, amount=cny("200"), effective_date=date(2026, 2, 12), idempotency_key="re"
    )
    payout_record(
        fund=elevator, amount=cny("794"), effective_date=date(2026, 2, 15), idempotency_key="po"
    )
    funds_commit(
        fund=elevator, amount=cny("3000"), idempotency_key="c", effective_date=date(2026, 2, 16)
    )
    restricted_spend(
        fund=elevator,
        amount=cny("1200"),
        purpose_memo="补贴",
        from_commitment=True,
        effective_date=date(2026, 2, 20),
        idempotency_key="d",
    )
    fund_transfer(
        source=elevator,
        target=general,
        amount=cny("300"),
        basis_kind=TransferBasis.FILED_PLAN_CHANGE,
        basis_reference="备案 2026-3",
        effective_date=date(2026, 2, 25),
        idempotency_key="t",
    )
    gift(elevator, "50", day=date(2026, 3, 2))
    return elevator, general


def yuan(money):
    return str(money.to_decimal())


def test_fund_statement_shows_each_flow_and_reconciles(scenario):
    elevator, _general = scenario

    s = fund_statement(fund=elevator, start=date(2026, 2, 1), end=date(2026, 2, 28))

    assert {
        name: yuan(getattr(s, name))
        for name in (
            "opening",
            "contributions",
            "refunds",
            "fees",
            "subsidies_paid",
            "restriction_releases",
            "transfers_in",
            "transfers_out",
            "other_changes",
            "closing",
            "closing_available",
            "closing_committed",
            "closing_restricted",
            "closing_unrestricted",
        )
    } == {
        "opening": "10000.00",
        "contributions": "1500.00",
        "refunds": "200.00",
        "fees": "6.00",
        "subsidies_paid": "1200.00",
        # 6.00 for the fee, 1,200.00 for the subsidy, less 1.20 of the fee moved back into
        # restriction by the refund of a fifth of the gift (that share is borne unrestricted).
        "restriction_releases": "1204.80",
        "transfers_in": "0.00",
        "transfers_out": "300.00",
        "other_changes": "0.00",
        "closing": "9794.00",
        "closing_available": "7995.20",
        "closing_committed": "1800.00",
        "closing_restricted": "9795.20",
        "closing_unrestricted": "-1.20",
    }
    assert s.reconciles


def test_fund_statement_of_the_general_fund(scenario):
    _elevator, general = scenario

    s = fund_statement(fund=general, start=date(2026, 1, 1), end=date(2026, 12, 31))

    assert (yuan(s.opening), yuan(s.transfers_in), yuan(s.closing)) == ("0.00", "300.00", "300.00")
    assert yuan(s.restriction_releases) == "0.00"
    assert s.reconciles


def test_fund_statement_counts_an_opening_entry_inside_the_period_as_other_changes(scenario):
    elevator, _general = scenario

    s = fund_statement(fund=elevator, start=date(2026, 1, 1), end=date(2026, 3, 31))

    assert (yuan(s.opening), yuan(s.other_changes), yuan(s.contributions)) == (
        "0.00",
        "10000.00",
        "1550.00",
    )
    assert yuan(s.closing) == "9844.00"
    assert s.reconciles


def test_trial_balance_at_a_date_balances_and_ignores_later_entries(scenario):
    tb = trial_balance(at=date(2026, 2, 28))

    assert tb.is_balanced
    rows = {(r.fund_code, r.number): (yuan(r.debit), yuan(r.credit)) for r in tb.rows}
    assert rows == {
        ("elevator", "1002"): ("9794.00", "0.00"),
        ("elevator", "3101"): ("0.00", "1204.80"),
        ("elevator", "3102"): ("0.00", "6695.20"),
        ("elevator", "310201"): ("0.00", "1800.00"),
        ("elevator", "4101"): ("0.00", "1300.00"),
        ("elevator", "5101"): ("1200.00", "0.00"),
        ("elevator", "5301"): ("6.00", "0.00"),
        ("general", "1002"): ("300.00", "0.00"),
        ("general", "3101"): ("0.00", "300.00"),
    }
    assert {c: (yuan(d), yuan(k)) for c, (d, k) in tb.totals.items()} == {
        "CNY": ("11300.00", "11300.00")
    }
    assert trial_balance(at=date(2026, 3, 2)).totals["CNY"][0] == cny("11350.00")


def test_trial_balance_omits_accounts_that_net_to_zero(scenario):
    tb = trial_balance(at=date(2026, 2, 28))

    # Stripe clearing received 994.00 and paid out all of it.
    assert "stripe_clearing" not in {r.account_code for r in tb.rows}
    assert "stripe_clearing" in {r.account_code for r in trial_balance(at=date(2026, 2, 3)).rows}


def test_financial_position_splits_net_assets_by_restriction(scenario):
    fp = financial_position(at=date(2026, 2, 28))

    rows = {
        r.fund_code: (
            yuan(r.cash_and_bank),
            yuan(r.stripe_clearing),
            yuan(r.net_assets_restricted),
            yuan(r.net_assets_unrestricted),
        )
        for r in fp.rows
    }
    assert rows == {
        "elevator": ("9794.00", "0.00", "9795.20", "-1.20"),
        "general": ("300.00", "0.00", "0.00", "300.00"),
    }
    total = fp.totals["CNY"]
    assert (yuan(total.total_assets), yuan(total.total_net_assets)) == ("10094.00", "10094.00")
    assert fp.balances


def test_journal_filters_by_fund_date_and_kind(scenario):
    elevator, general = scenario

    assert [e.number for e in journal_entries(fund=general)] == [8]
    assert [e.number for e in journal_entries(fund=elevator, kind=EntryKind.GIFT)] == [2, 3, 9]
    assert [e.number for e in journal_entries(start=date(2026, 2, 12), end=date(2026, 2, 16))] == [
        4,
        5,
        6,
    ]
    assert [e.kind for e in journal_entries(kind=EntryKind.TRANSFER)] == [EntryKind.TRANSFER]


def test_journal_prefetches_postings(scenario, django_assert_num_queries):
    with django_assert_num_queries(2):
        entries = list(journal_entries())
        postings = [(p.account.fund.code, p.debit_minor) for e in entries for p in e.postings.all()]

    assert len(postings) == 27


def test_balance_reads_are_one_query_whatever_the_history(scenario, django_assert_num_queries):
    elevator, _general = scenario

    with django_assert_num_queries(2):
        available = fund_available_balance(fund=elevator)
        committed = fund_committed_balance(fund=elevator)

    assert (yuan(available), yuan(committed)) == ("8045.20", "1800.00")
